"""Search in a real browser (Debian's Chromium through Playwright), with the pages' own
Content-Security-Policy: Pagefind finds words anywhere in an item's main content, in other forms of the
word, narrows by type and topic, puts upcoming events first when asked; keyboard alone reaches the results;
axe finds nothing on the search page with results shown; without JavaScript the A to Z list is the way in.
The month view: a real table with a caption and column headers, axe-clean, no sideways scroll at 320px."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from site_builder.dev.serve import headers_for
from tests.conftest import run_main
from tests.search_site import TODAY, write_search_site
from tests.test_browser import (
    AXE_TAGS,
    AXE_URL,
    NARROWEST,
    RUN_AXE,
    STICKING_OUT,
    Tab,
    _QuietHandler,  # noqa: F401
    axe_context,  # noqa: F401 (fixtures)
    context,  # noqa: F401
    describe,
    no_js_context,  # noqa: F401
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The search test site, built and served on 127.0.0.1."""
    root = tmp_path_factory.mktemp("search-site")
    content = write_search_site(root / "content")
    run = run_main("build", "--content", str(content), "--output", str(root / "output"), "--today", TODAY)
    assert run.code == 0, run.err
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Hosted, directory=str(root / "output"))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _Hosted(_QuietHandler):
    """Serves the built site with the headers of its own _headers file, as Netlify and Cloudflare Pages do,
    so every page runs under both policies: the header's and its <meta>'s."""

    def end_headers(self) -> None:
        text = (Path(self.directory) / "_headers").read_text()
        for name, value in headers_for(self.path.split("?")[0], text):
            self.send_header(name, value)
        super().end_headers()


@pytest.fixture
def tab(context: BrowserContext) -> Iterator[Tab]:
    opened = Tab(context)
    yield opened
    opened.close()  # no script errors, no CSP violations


def results(page: Page) -> list[str]:
    page.wait_for_selector("#search-results:not([hidden]), #search-status:text('No results')")
    return page.locator("#search-results-list .card__title").all_text_contents()


def test_a_word_in_one_body_finds_that_event_and_so_does_another_form_of_it(origin: str, tab: Tab) -> None:
    page = tab.open(f"{origin}/search/?q=beekeeping")
    assert results(page) == ["Community garden morning"]
    assert page.text_content("#search-status") == "1 result for “beekeeping”."
    # The excerpt marks the word found; the result says its type and, for an event, its date in words.
    card = page.locator("#search-results-list li").first
    assert card.locator("mark").all_text_contents() == ["beekeeping"]
    assert card.locator(".card__type").text_content() == "Event"
    assert card.locator(".card__meta").text_content() == "Saturday 20 March 2027, 10am to midday"
    assert not page.is_visible("#a-to-z-section")

    # Another form of the word: Pagefind stems "beekeepers" and "beekeeping" alike.
    page = tab.open(f"{origin}/search/?q=beekeepers")
    assert results(page) == ["Community garden morning"]
    # Words outside the main content find nothing: "subscribe" is in every page's footer only, and
    # "planting" in one event's summary, and in the related items on other pages.
    page = tab.open(f"{origin}/search/?q=subscribe")
    assert results(page) == []
    assert page.text_content("#search-status").startswith("No results for “subscribe”")
    assert page.is_visible("#a-to-z-section")
    page = tab.open(f"{origin}/search/?q=planting")
    assert results(page) == ["Community garden morning"]


def test_filters_narrow_the_results_and_upcoming_events_can_come_first(origin: str, tab: Tab) -> None:
    page = tab.open(f"{origin}/search/?q=garden")
    everything = results(page)
    assert len(everything) == 7  # four events, a story, a resource and the about page
    page.select_option("#search-type", "Event")
    page.locator("#search-status", has_text="type: Events").wait_for()
    events = results(page)
    assert sorted(events) == sorted(
        ["Community garden morning", "Garden planning evening", "Garden open day", "Garden clear-up"]
    )
    assert page.url.endswith("/search/?q=garden&type=Event")
    page.select_option("#search-topic", "Planning")
    page.locator("#search-status", has_text="topic: Planning").wait_for()
    assert results(page) == ["Garden planning evening"]
    assert page.text_content("#search-status") == "1 result for “garden”, type: Events, topic: Planning."
    # Upcoming events first, soonest first, then past ones; a cancelled or full event says so.
    page = tab.open(f"{origin}/search/?q=garden&type=Event&sort=upcoming")
    assert results(page) == [
        "Community garden morning",
        "Garden open day",
        "Garden planning evening",
        "Garden clear-up",
    ]
    metas = page.locator("#search-results-list .card__meta").all_text_contents()
    assert metas[1] == "Saturday 27 March 2027, Cancelled" and metas[2].endswith(", Fully booked")


def test_by_keyboard_alone_the_header_search_leads_to_results_and_into_them(origin: str, tab: Tab) -> None:
    page = tab.open(f"{origin}/about/")
    page.keyboard.press("Tab")  # the skip link
    while page.evaluate("() => document.activeElement.id") != "site-search-q":
        page.keyboard.press("Tab")
    page.keyboard.type("hives")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{origin}/search/?q=hives")
    assert results(page) == ["Community garden morning"]
    # The results are announced, politely, and focus is left where it was.
    status = page.locator("#search-status")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    assert page.evaluate("() => document.body === document.activeElement || document.activeElement.id === ''")
    page.keyboard.press("Tab")  # the skip link, then on through the form to the first result
    for _ in range(20):
        if page.evaluate("() => document.activeElement.closest('#search-results-list') !== null"):
            break
        page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Community garden morning"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{origin}/events/garden-morning/")

    # Typing in the search page's own field searches as you type, and the field keeps the focus.
    page = tab.open(f"{origin}/search/")
    page.focus("#search-q")
    page.keyboard.type("insurance")
    assert results(page) == ["Starting a community garden"]
    assert page.evaluate("() => document.activeElement.id") == "search-q"


def test_axe_finds_nothing_on_the_search_page_with_results_shown(origin: str, axe_context: BrowserContext) -> None:
    page = axe_context.new_page()
    try:
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.goto(f"{origin}/search/?q=garden&type=Event", wait_until="load")
            assert len(results(page)) == 4
            page.add_script_tag(url=f"{origin}{AXE_URL}")
            problems = describe(page.evaluate(RUN_AXE, AXE_TAGS), f"/search/?q=garden [{scheme}]")
            assert not problems, "\n".join(problems)
    finally:
        page.close()


def test_without_javascript_the_search_page_lists_everything(origin: str, no_js_context: BrowserContext) -> None:
    page = no_js_context.new_page()
    try:
        page.goto(f"{origin}/search/?q=beekeeping")
        assert page.is_visible("#a-to-z-section") and not page.is_visible("#search-results")
        assert not page.is_visible("#search-filters")  # they need the script
        assert page.locator("#a-to-z-section a", has_text="Community garden morning").count() == 1
    finally:
        page.close()


def test_month_pages_are_tables_that_pass_axe_and_fit_320_pixels(
    origin: str, axe_context: BrowserContext, browser: Browser
) -> None:
    page = axe_context.new_page()
    try:
        page.goto(f"{origin}/events/2027/03/", wait_until="load")
        table = page.locator("table.month")
        assert table.locator("caption").text_content().startswith("Events in March 2027")
        headers = table.locator("thead th[scope=col]").all_text_contents()
        assert headers == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        cancelled = table.locator("td", has_text="Garden open day")
        assert (
            "Cancelled" in cancelled.text_content()
            and cancelled.locator(".month__date").text_content() == "Saturday 27 March"
        )
        page.add_script_tag(url=f"{origin}{AXE_URL}")
        problems = describe(page.evaluate(RUN_AXE, AXE_TAGS), "/events/2027/03/")
        assert not problems, "\n".join(problems)
    finally:
        page.close()
    narrow = browser.new_context(viewport=NARROWEST)
    page = narrow.new_page()
    try:
        for month in ("01", "03", "04"):
            page.goto(f"{origin}/events/2027/{month}/", wait_until="load")
            width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert width[0] <= width[1], month
            assert page.evaluate(STICKING_OUT) == [], month
            # A list of the days that have events, each named in full; the column headers are not shown.
            assert (
                not page.locator("table.month thead").is_visible()
                or page.locator("table.month thead").bounding_box()["height"] <= 1
            )
            shown = [d for d in page.locator("td .month__date").all() if d.is_visible()]
            assert shown and all(d.text_content().split()[0].endswith("day") for d in shown)
    finally:
        narrow.close()


# The smallest WebAssembly module: its magic number and version.
COMPILE = "WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => 'compiled', e => e.name)"


def test_only_the_search_page_may_compile_webassembly(origin: str, context: BrowserContext) -> None:
    """Served with the site's _headers (whose policy allows it everywhere): each other page's <meta> forbids it."""
    page = context.new_page()
    try:
        for path, expected in (
            ("/search/", "compiled"),
            ("/events/garden-evening/", "CompileError"),
            ("/", "CompileError"),
        ):
            page.goto(origin + path, wait_until="load")
            assert page.evaluate(COMPILE) == expected, path
    finally:
        page.close()
