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
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    edit(served, "title: Budget basics", "title: Budget basics, revised")
    page.wait_for_function("() => document.title.includes('Budget basics, revised')", timeout=SECONDS)
    assert "Budget basics, revised" in page.locator("main h1").inner_text()
    assert "Budget basics, revised" in page.locator("[aria-current=page]").inner_text()  # the breadcrumbs too
    assert page.evaluate("() => window.__notReloaded === true")
    # Only texts and attributes changed: they came with the server's event (patch.py), so the page did not
    # fetch itself.
    assert served.url + "events/budget-basics/" not in asked, asked


def test_a_page_that_runs_scripts_of_its_own_takes_new_text_in_place_and_its_scripts_keep_working(
    served: ServeProcess, page: Any
) -> None:
    # The events listing runs the filter script, which hides cards and shows its form: the new title is put
    # into the very text node it replaces, so the script's work and its hold on the cards stay.
    open_marked(page, served.url + "events/")
    page.select_option("#event-filter-format", "online")
    status = page.locator("#event-filter-status").inner_text()
    assert status.startswith("Showing ")
    hidden = page.locator("main li.card--event[hidden]").count()
    assert hidden > 0
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    edit(served, "title: Grants clinic", "title: Grants clinic for everyone", "events/grants-clinic.md")
    page.wait_for_function(
        "() => document.querySelector('main').textContent.includes('Grants clinic for everyone')",
        timeout=SECONDS,
    )
    assert page.evaluate("() => window.__notReloaded === true"), "the page was reloaded instead of updated"
    assert page.locator("#event-filter-status").inner_text() == status
    assert page.locator("main li.card--event[hidden]").count() == hidden
    assert served.url + "events/" not in asked, asked  # the new title came with the server's event
    page.select_option("#event-filter-format", "")  # the script still filters the cards it holds
    assert page.locator("main li.card--event[hidden]").count() == 0


def test_a_page_that_runs_scripts_of_its_own_is_reloaded_when_more_than_text_changes(
    served: ServeProcess, page: Any
) -> None:
    # A new event is a new card on the listing: the filter script must see it, so the page reloads.
    open_marked(page, served.url + "events/")
    clinic = (served.content / "events" / "grants-clinic.md").read_text(encoding="utf-8")
    (served.content / "events" / "grants-clinic-again.md").write_text(
        clinic.replace("title: Grants clinic", "title: Grants clinic, once more"), encoding="utf-8"
    )
    page.wait_for_function(
        "() => document.querySelector('main').textContent.includes('Grants clinic, once more')",
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
