"""Usage and `new`'s advice name the command that works, for each way the builder is started."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT, SITES, run_main


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project as an editor has it: bin/, build.py, the package, its .venv, a content folder."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("bin", "site_builder"):
        shutil.copytree(PROJECT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("build.py", "pyproject.toml"):
        shutil.copy(PROJECT / name, root / name)
    # The project's own environment, which bin/site must take as set up: it sets up again only when
    # pyproject.toml is newer than the environment.
    (root / ".venv").symlink_to(PROJECT / ".venv")
    os.utime(root / "pyproject.toml", (0, 0))
    shutil.copytree(SITES / "base", root / "content")
    return root


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "SITE_BUILDER_COMMAND"}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def test_bin_site_new_says_to_run_bin_site_check(project: Path) -> None:
    done = _run(["bin/site", "new", "events", "Evening talk"], project)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "Wrote content/events/evening-talk.md. Fill in the blank required fields, then run `bin/site check`.\n"
    )


def test_python_build_py_new_names_the_virtual_environments_python(project: Path) -> None:
    done = _run([".venv/bin/python", "build.py", "new", "events", "Evening talk"], project)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "Wrote content/events/evening-talk.md. Fill in the blank required fields, "
        "then run `.venv/bin/python build.py check`.\n"
    )
    check = _run([".venv/bin/python", "build.py", "check"], project)
    assert check.returncode == 1 and "is empty (required" in check.stderr  # the advice runs, and checks


def test_python_m_site_builder_new_says_python_m_site_builder(project: Path) -> None:
    done = _run([".venv/bin/python", "-m", "site_builder", "new", "pages", "Contact us"], project)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "Wrote content/pages/contact-us.md. Fill in the blank required fields, "
        "then run `.venv/bin/python -m site_builder check`.\n"
    )


def test_another_content_folder_is_named_in_the_advice(project: Path) -> None:
    shutil.move(project / "content", project / "my site")
    done = _run([".venv/bin/python", "build.py", "new", "pages", "Contact us", "--content", "my site"], project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("then run `.venv/bin/python build.py check --content 'my site'`.\n")


def test_bin_site_usage_names_bin_site(project: Path) -> None:
    done = _run(["bin/site", "frobnicate"], project)
    assert done.returncode == 2
    assert "usage: bin/site [-h]" in done.stderr


@pytest.mark.parametrize(
    "args, prog",
    [
        ([sys.executable, str(PROJECT / "build.py")], "python build.py"),
        ([sys.executable, "-m", "site_builder"], "python -m site_builder"),
    ],
)
def test_usage_names_the_program_as_it_was_started(args: list[str], prog: str, tmp_path: Path) -> None:
    done = _run(args + ["--help"], tmp_path)
    assert done.returncode == 0
    assert done.stdout.startswith(f"usage: {prog} [-h]")


def test_in_process_the_program_is_python_build_py() -> None:
    assert "usage: python build.py" in run_main("frobnicate").err
