"""The open page in `serve` shows a save in place: its <body> and <title> are swapped without a reload when its
styles and scripts are unchanged, and a page that runs scripts of its own reloads (Debian's Chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_serve import ServeProcess

pytestmark = pytest.mark.browser

EVENT = "events/budget-basics.md"
SECONDS = 60_000  # milliseconds Playwright waits for a change on a loaded machine


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServeProcess]:
    running = ServeProcess(tmp_path)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


def open_marked(page: Any, url: str) -> None:
    """Open the page and leave a mark in its window that a reload would wipe."""
    page.goto(url)
    page.wait_for_function("() => window.EventSource !== undefined")
    page.evaluate("() => { window.__notReloaded = true; }")
    page.wait_for_timeout(300)  # the event stream is open before the save


def edit(served: ServeProcess, old: str, new: str, path: str = EVENT) -> None:
    file = served.content / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_body_edit_is_swapped_into_the_open_page_without_a_reload(served: ServeProcess, page: Any) -> None:
    open_marked(page, served.url + "events/budget-basics/")
    file = served.content / EVENT
    file.write_text(file.read_text(encoding="utf-8") + "\nA paragraph saved just now.\n", encoding="utf-8")
    page.wait_for_function(
        "() => document.querySelector('main').textContent.includes('A paragraph saved just now.')",
        timeout=SECONDS,
    )
    assert page.evaluate("() => window.__notReloaded === true"), "the page was reloaded instead of updated"
    assert page.locator("main").count() == 1
    assert page.locator("script[src='/__live-reload.js']").count() == 1


def test_a_title_edit_updates_the_heading_and_the_window_title_in_place(served: ServeProcess, page: Any) -> None:
    open_marked(page, served.url + "events/budget-basics/")
    edit(served, "title: Budget basics", "title: Budget basics, revised")
    page.wait_for_function("() => document.title.includes('Budget basics, revised')", timeout=SECONDS)
    assert "Budget basics, revised" in page.locator("main h1").inner_text()
    assert "Budget basics, revised" in page.locator("[aria-current=page]").inner_text()  # the breadcrumbs too
    assert page.evaluate("() => window.__notReloaded === true")


def test_a_page_that_runs_scripts_of_its_own_is_reloaded(served: ServeProcess, page: Any) -> None:
    # The events listing runs the filter script, which changes its own <main>: it reloads.
    open_marked(page, served.url + "events/")
    edit(served, "title: Grants clinic", "title: Grants clinic for everyone", "events/grants-clinic.md")
    page.wait_for_function(
        "() => document.querySelector('main').textContent.includes('Grants clinic for everyone')",
        timeout=SECONDS,
    )
    assert page.evaluate("() => window.__notReloaded === undefined"), "a page with scripts was patched in place"


def test_a_broken_save_shows_the_overlay_and_the_fix_updates_the_page(served: ServeProcess, page: Any) -> None:
    open_marked(page, served.url + "events/budget-basics/")
    edit(served, "start: 2026-11-10 12:30", "start: 2026-13-10 12:30")
    page.wait_for_selector("[role=alert]", timeout=SECONDS)
    assert "budget-basics.md" in page.locator("[role=alert]").inner_text()
    edit(served, "start: 2026-13-10 12:30", "start: 2026-11-10 12:45")
    page.wait_for_selector("[role=alert]", state="detached", timeout=SECONDS)
    page.wait_for_function("() => document.querySelector('main').textContent.includes('12:45')", timeout=SECONDS)
