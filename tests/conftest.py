"""Shared test helpers: run the real command line, build fixture sites, write scratch sites."""

from __future__ import annotations

import io
import os
import shutil
import textwrap
from dataclasses import dataclass
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from site_builder.cli import main

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
SLOW_MODULES = {"test_browser", "test_html_validity", "test_interrupted_builds", "test_serve",
                "test_serve_safety", "test_progress", "test_hostile_content",
                # Many whole builds each, compared with builds from nothing:
                "test_same_output", "test_cache_damage", "test_write", "test_workflow"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__.rpartition(".")[2] if item.module else ""
        if module == "test_browser":
            item.add_marker(pytest.mark.browser)
        if module in SLOW_MODULES or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True, scope="session")
def _no_writes_to_the_home_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The builder's per-user cache goes to a temporary folder, so tests leave the home folder alone."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))


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
        self.write("site.yaml", """
            title: Scratch site
            base_url: https://scratch.example.org/
            """)

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
