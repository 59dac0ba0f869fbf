"""The builder as an installed tool: a wheel built from the repository, installed into a fresh virtual
environment outside it, runs `site-builder build`, `check` and `new`, and the workflow's own steps."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import PROJECT, SITES, run_main
from tests.test_workflow import run_step

pytestmark = pytest.mark.slow

# What a wheel is made from: the package, its metadata and the README it names.
SOURCES = ("pyproject.toml", "README.md", "build.py", "site_builder")


def copy_sources(dest: Path) -> Path:
    """The repository's sources in a temporary folder, so building writes nothing into the repository."""
    dest.mkdir(parents=True)
    for name in SOURCES:
        if (PROJECT / name).is_dir():
            shutil.copytree(PROJECT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(PROJECT / name, dest / name)
    return dest


def run(args: list[str | Path], cwd: Path, env_bin: Path | None = None) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("SITE_BUILDER_COMMAND", "VIRTUAL_ENV")}
    if env_bin is not None:
        env["PATH"] = f"{env_bin}{os.pathsep}{env['PATH']}"
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel, the fresh environment's scripts folder)."""
    root = tmp_path_factory.mktemp("install")
    source = copy_sources(root / "source")
    wheels = root / "wheels"
    done = run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--disable-pip-version-check", "-w", wheels], source
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = wheels.glob("site_builder-*.whl")
    made = run([sys.executable, "-m", "venv", root / "env"], root)
    assert made.returncode == 0, made.stderr
    scripts = root / "env" / ("Scripts" if os.name == "nt" else "bin")
    done = run([scripts / "python", "-m", "pip", "install", "--disable-pip-version-check", wheel], root)
    assert done.returncode == 0, done.stderr
    return wheel, scripts


def test_the_wheel_carries_every_template_and_static_file(installed: tuple[Path, Path]) -> None:
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    package = PROJECT / "site_builder"
    for folder in ("templates", "static"):
        files = [p for p in (package / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        assert files
        for path in files:
            assert path.relative_to(PROJECT).as_posix() in names, path
    assert "site_builder/__main__.py" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "site-builder = site_builder.cli:console" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_site_builder_builds_outside_the_repository_exactly_as_the_repository_does(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    _, scripts = installed
    work = tmp_path / "elsewhere"
    shutil.copytree(SITES / "small", work / "my content")
    done = run(
        ["site-builder", "build", "--content", "my content", "--output", "public", "--today", "2027-01-15"],
        work,
        scripts,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Built ") and "into public/" in done.stdout

    expected = tmp_path / "expected"
    assert (
        run_main("build", "--content", str(SITES / "small"), "--output", str(expected), "--today", "2027-01-15").code
        == 0
    )

    def same(a: Path, b: Path) -> None:
        compare = filecmp.dircmp(a, b)
        assert not (compare.left_only or compare.right_only or compare.funny_files), (
            a,
            compare.left_only,
            compare.right_only,
        )
        _, mismatch, errors = filecmp.cmpfiles(a, b, compare.common_files, shallow=False)
        assert not mismatch and not errors, (a, mismatch)
        for sub in compare.common_dirs:
            same(a / sub, b / sub)

    same(work / "public", expected)


def test_site_builder_check_and_new_and_the_module_route(installed: tuple[Path, Path], tmp_path: Path) -> None:
    _, scripts = installed
    shutil.copytree(SITES / "small", tmp_path / "content")
    check = run(["site-builder", "check", "--today", "2027-01-15"], tmp_path, scripts)
    assert check.returncode == 0, check.stderr
    assert check.stdout == "No errors in content/\n"

    new = run(["site-builder", "new", "events", "Evening talk"], tmp_path, scripts)
    assert new.returncode == 0, new.stderr
    assert new.stdout == (
        "Wrote content/events/evening-talk.md. Fill in the blank required fields, then run `site-builder check`.\n"
    )
    after = run(["site-builder", "check", "--today", "2027-01-15"], tmp_path, scripts)
    assert after.returncode == 1
    assert "content/events/evening-talk.md:" in after.stderr and "Traceback" not in after.stderr

    usage = run([scripts / "python", "-m", "site_builder", "--help"], tmp_path)
    assert usage.returncode == 0 and usage.stdout.startswith("usage: python -m site_builder [-h]")
    usage = run(["site-builder", "--help"], tmp_path, scripts)
    assert usage.stdout.startswith("usage: site-builder [-h]")


def test_the_workflow_installs_the_builder_and_annotates_from_the_repository_root(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    # The runner's workspace: the content repository at the root, the builder's repository in .site-builder/.
    _, scripts = installed
    workspace = tmp_path / "workspace"
    shutil.copytree(SITES / "small", workspace / "content")
    copy_sources(workspace / ".site-builder")
    (workspace / "content" / "pages" / "broken.md").write_text("---\ntitle: Broken\n---\n")
    install = run_step("check", "Install the site builder", workspace, tmp_path, extra_path=scripts)
    assert install.returncode == 0, install.stderr
    check = run_step("check", "Check every file", workspace, tmp_path, extra_path=scripts)
    assert check.returncode == 1
    assert check.stdout == (
        "::error file=content/pages/broken.md,line=1,title=summary::is missing (required; "
        "for example `summary: What it is about and who it is for, in a sentence.`)\n"
    )
    assert (workspace / "content" / "pages" / "broken.md").is_file()
