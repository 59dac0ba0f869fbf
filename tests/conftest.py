"""Shared test helpers: run the real command line, build fixture sites, write scratch sites."""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from datetime import date
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from site_builder.cli import main
from site_builder.pipeline import Options

PROJECT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT / "tests" / "fixtures"
SITES = FIXTURES / "sites"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


# The fast subset (`bin/test -m "not slow"`) leaves out whatever drives a browser, a Java checker, real
# servers or killed builds; browser tests are marked `browser` where they are written.
SLOW_MODULES = {
    "test_browser",
    "test_html_validity",
    "test_interrupted_builds",
    "test_serve",
    "test_serve_safety",
    "test_progress",
    "test_hostile_content",
    # Many whole builds each, compared with builds from nothing:
    "test_same_output",
    "test_cache_damage",
    "test_write",
    "test_workflow",
    # Two whole builds a test, or a new Python process a test:
    "test_preview",
    "test_invocation",
}


# The fast subset runs each property test with a tenth of its examples (at least one), so it takes seconds; the
# whole suite runs every example. Set by pytest_configure, before the test modules are imported.
FAST_SHARE = 10
_fast = False


def pytest_configure(config: pytest.Config) -> None:
    global _fast
    # Hypothesis keeps its examples and caches (Unicode tables, a few seconds to make) in the virtual environment,
    # never in ./.hypothesis: tests write only to temporary folders.
    set_hypothesis_home_dir(
        Path(sys.prefix) / "hypothesis" if sys.prefix != sys.base_prefix else tempfile.mkdtemp(prefix="hypothesis-")
    )
    _fast = "not slow" in (config.getoption("markexpr") or "")
    settings.register_profile("fast", max_examples=FAST_SHARE)  # for a property test with no count of its own
    if _fast:
        settings.load_profile("fast")


def examples(full: int) -> int:
    """A property test's `max_examples`: `full` in the whole suite, a tenth of it in the fast subset."""
    return max(1, round(full / FAST_SHARE)) if _fast else full


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rpartition(".")[2] if item.module else ""
        if module == "test_browser":
            item.add_marker(pytest.mark.browser)
        if module in SLOW_MODULES or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True, scope="session")
def _no_writes_to_the_home_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The home folder, and the per-user folders inside it, are a temporary folder for the whole session, for
    this process and every program the tests run: the builder's per-user cache, Chromium's and Java's own
    files, anything else that writes to ~ lands there. pip is still pointed at its user settings (the
    package index), which it only reads."""
    real_pip_settings = [
        path for path in (Path.home() / ".config/pip/pip.conf", Path.home() / ".pip/pip.conf") if path.is_file()
    ]
    home = tmp_path_factory.mktemp("home")
    if real_pip_settings and "PIP_CONFIG_FILE" not in os.environ:
        os.environ["PIP_CONFIG_FILE"] = str(real_pip_settings[0])
    os.environ["HOME"] = str(home)
    for name, folder in (
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        os.environ[name] = str(home / folder)


# What the programs that run the tests keep in the project folder: none of it is the tests' own doing. The
# benchmarks' git-ignored folders (peers, corpora and outputs) are written by a benchmark run beside the tests.
TOOL_STATE = {
    ".git",
    ".venv",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".work",
    ".peers",
}


def tree_state(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under `root` with its modification time and size, and every folder (as (0, 0)), leaving
    out the tools' own state (TOOL_STATE, and the egg-info that an editable install keeps)."""
    state: dict[str, tuple[int, int]] = {}
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in TOOL_STATE and not name.endswith(".egg-info")]
        here = Path(folder)
        for name in subfolders:
            state[(here / name).relative_to(root).as_posix() + "/"] = (0, 0)
        for name in names:
            info = (here / name).lstat()
            state[(here / name).relative_to(root).as_posix()] = (info.st_mtime_ns, info.st_size)
    return state


def tree_changes(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    """What differs between two tree_state()s, one line a path."""
    return sorted(
        [f"added {path}" for path in after.keys() - before.keys()]
        + [f"removed {path}" for path in before.keys() - after.keys()]
        + [f"changed {path}" for path in before.keys() & after.keys() if before[path] != after[path]]
    )


@pytest.fixture(autouse=True, scope="session")
def _no_writes_to_the_project_folder() -> Iterator[None]:
    """Tests write only to temporary folders: the project folder is as it was when the session ends."""
    before = tree_state(PROJECT)
    yield
    changes = tree_changes(before, tree_state(PROJECT))
    assert not changes, (
        "the tests wrote into the project folder, where they must not (tmp_path is theirs); "
        "if you changed these files yourself during the run, run again:\n" + "\n".join(changes)
    )


def run_main(*args: str) -> Run:
    """Run the command line in this process, capturing both streams."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


class Scratch:
    """A content folder in tmp_path, written from dedented strings, with the test run from tmp_path."""

    def __init__(self, root: Path):
        self.root = root
        self.content = root / "content"
        self.content.mkdir()
        self.write(
            "site.yaml",
            """
            title: Scratch site
            base_url: https://scratch.example.org/
            """,
        )

    def write(self, rel: str, text: str) -> Path:
        path = self.content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def write_bytes(self, rel: str, data: bytes) -> Path:
        path = self.content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def check(self, *extra: str) -> Run:
        return run_main("check", "--content", "content", "--today", "2027-01-15", *extra)

    def build(self, *extra: str) -> Run:
        return run_main("build", "--content", "content", "--output", "output", "--today", "2027-01-15", *extra)


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Scratch:
    monkeypatch.chdir(tmp_path)
    return Scratch(tmp_path)


def copy_site(name: str, dest: Path) -> Path:
    """Copy a fixture site so a test may change it without touching the repository."""
    target = dest / "content"
    shutil.copytree(SITES / name, target)
    return target


def small_site_options(tmp_path: Path) -> Options:
    """A copy of the small fixture site under tmp_path, with the options serve builds it with (one worker,
    a cache), dated so that its events are upcoming."""
    shutil.copytree(SITES / "small", tmp_path / "content")
    return Options(
        content_dir=tmp_path / "content",
        output_dir=tmp_path / "output",
        today=date(2027, 1, 15),
        base=tmp_path,
        workers=1,
        cache_dir=tmp_path / ".output.cache",
    )


def built_once(factory: pytest.TempPathFactory, name: str, content: Path, today: str) -> Path:
    """A content folder built once for the session, as `python build.py build` builds it, on a pinned date."""
    out = factory.mktemp(name) / "output"
    run = run_main("build", "--content", str(content), "--output", str(out), "--today", today)
    assert run.code == 0, run.err
    return out


@pytest.fixture(scope="session")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small fixture site."""
    return built_once(tmp_path_factory, "small", SITES / "small", "2027-01-15")


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The programme's own content/."""
    return built_once(tmp_path_factory, "real", PROJECT / "content", "2026-11-23")


@pytest.fixture(scope="session")
def calendars_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The calendar edge cases: both clock changes, awkward titles, every status, all-day and offset events."""
    return built_once(tmp_path_factory, "calendars", SITES / "calendars", "2026-11-23")


@pytest.fixture(scope="session")
def clocks_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both clock changes and what trips calendars up: the ambiguous hour pinned both ways, the spring gap,
    all-day and multi-day events across the changes, a move, a cancellation, escaping in every header."""
    return built_once(tmp_path_factory, "clocks", SITES / "clocks", "2026-10-01")


@pytest.fixture(scope="session")
def test_sites(small_site: Path, calendars_site: Path, clocks_site: Path) -> tuple[Path, ...]:
    """Every fixture site that has events, built."""
    return small_site, calendars_site, clocks_site


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright, one for every browser test of the session (Playwright's sync API
    runs one at a time, so the modules that drive a browser share this one)."""
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

    assert CHROMIUM.is_file(), "the browser tests need Debian's chromium (bin/test installs it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
