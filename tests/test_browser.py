"""Every page type in a real browser: Debian's Chromium, driven by Playwright, over HTTP.

axe-core (WCAG 2.0, 2.1 and 2.2 A and AA, and best practices) finds nothing in light or dark mode; the skip
link comes first and moves focus to <main>; nothing scrolls sideways at 320px; focus is visible; reduced
motion turns transitions off; the events filter and the site search work with and without JavaScript.
Screenshots of the home page, an event and the events list go to the session's temporary folder, which
pytest keeps for the last three runs (/tmp/pytest-of-$USER/pytest-current/screenshots0/).
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.conftest import PROJECT
from tests.pages import target_of

CHROMIUM = Path("/usr/bin/chromium")
# Quiet, offline, and able to run as root in a container; never a browser Playwright downloads.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
NARROWEST = {"width": 320, "height": 640}


# ---------------------------------------------------------------- the sites, served


@dataclass(frozen=True)
class Served:
    name: str
    root: Path
    origin: str  # http://127.0.0.1:PORT

    def url(self, path: str) -> str:
        return self.origin + path


AXE_URL = "/__test__/axe.min.js"  # served beside each site, cacheable, so Chromium compiles axe once, not per page


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/favicon.ico":  # the sites have none; Chromium asks for one when a page stays open a while
            self.send_response(204)
            self.end_headers()
            return None
        if self.path != AXE_URL:
            return super().do_GET()
        data = AXE.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/javascript")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "max-age=3600")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def servers(real_site: Path, small_site: Path, calendars_site: Path) -> Iterator[dict[str, Served]]:
    """Each built site on its own free port on 127.0.0.1 (its URLs are root-relative)."""
    running = []
    served = {}
    for name, root in (("real", real_site), ("small", small_site), ("calendars", calendars_site)):
        handler = functools.partial(_QuietHandler, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append(server)
        served[name] = Served(name, root, f"http://127.0.0.1:{server.server_address[1]}")
    yield served
    for server in running:
        server.shutdown()
        server.server_close()


@pytest.fixture(params=["real", "small", "calendars"])
def site(request: pytest.FixtureRequest, servers: dict[str, Served]) -> Served:
    return servers[request.param]


# ---------------------------------------------------------------- one browser, a few contexts


# The browser itself is conftest.py's `browser`: one for the session, shared by every module that drives it.


@pytest.fixture(scope="module")
def context(browser: Browser) -> Iterator[BrowserContext]:
    """As a visitor's browser: the pages' Content-Security-Policy applies."""
    ctx = browser.new_context(viewport=DESKTOP)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def axe_context(browser: Browser) -> Iterator[BrowserContext]:
    """For axe only: the pages' CSP allows scripts from the site's own files alone, so it would block the
    axe-core script the test injects. Bypassing CSP here changes nothing else; every other test keeps it."""
    ctx = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def no_js_context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    yield ctx
    ctx.close()


class Tab:
    """A page that records script errors and CSP violations, which every test then asserts are none."""

    def __init__(self, context: BrowserContext):
        self.page: Page = context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(f"{self.page.url}: {error}"))
        self.page.on(
            "console",
            lambda message: self.errors.append(f"{self.page.url}: {message.text}") if message.type == "error" else None,
        )

    def open(self, url: str) -> Page:
        response = self.page.goto(url, wait_until="load")
        assert response is not None and response.ok or url.endswith("/404.html"), url
        return self.page

    def close(self) -> None:
        self.page.close()
        assert self.errors == []


@pytest.fixture
def tab(context: BrowserContext) -> Iterator[Tab]:
    opened = Tab(context)
    yield opened
    opened.close()


# ---------------------------------------------------------------- which pages to visit


def html_paths(root: Path) -> list[str]:
    """Every page's URL path, as a visitor requests it."""
    paths = []
    for page in sorted(root.rglob("*.html")):
        rel = page.relative_to(root).as_posix()
        paths.append("/" + rel.removesuffix("index.html"))
    return paths


def page_type(path: str, html: str) -> str:
    """What kind of page a URL is, finely enough that every template and every state of it is visited once."""
    parts = path.strip("/").split("/")
    if path == "/":
        return "home"
    if path == "/404.html":
        return "not found"
    section = parts[0]
    if len(parts) > 1 and parts[-2] == "page":
        return f"{section} list, a later page"
    if len(parts) == 1:
        known = ("events", "series", "clusters", "offers", "stories", "resources", "topics", "search", "calendars")
        return f"{section} list" if section in known else "plain page"
    if section == "events" and parts[1] in ("past", "format"):
        return f"events: {parts[1]}"
    if section == "events" and parts[1].isdigit():
        return "events: month"
    if section == "events":
        fmt = re.search(r"<dt>Format</dt><dd>([^<]+)</dd>", html)
        status = re.search(r'<dt>Status</dt><dd><strong class="tag tag--([a-z-]+)"', html)
        past = "already happened" in html
        return (
            f"event: {fmt.group(1) if fmt else '?'}, {status.group(1) if status else 'scheduled'}"
            f"{', past' if past else ''}"
        )
    if section == "clusters":
        status = re.search(r'<dt>Status</dt><dd><span class="tag tag--([a-z-]+)"', html)
        return f"cluster: {status.group(1) if status else '?'}"
    if section == "resources":
        return "resource with action table" if "<table" in html else "resource"
    if section == "stories":
        return "story with image" if "<img" in html else "story"
    return section


def one_of_each_type(served: Served) -> dict[str, str]:
    """The first page of every type."""
    chosen: dict[str, str] = {}
    for path in html_paths(served.root):
        chosen.setdefault(page_type(path, target_of(served.root, path).read_text(encoding="utf-8")), path)
    return chosen


# States that scripts put pages in; the templates and scripts are the same on every site, so the real one will do.
SCRIPTED_STATES = {"search, with results": "/search/?q=e", "events list, filtered": "/events/?format=online"}


def pages_to_check(site: Served) -> dict[str, str]:
    """Every page type of the real content (or whatever content/ holds). On the fixture sites, only the pages
    that show their own Markdown, images and event details: the lists are the same templates, already checked,
    and the time saved keeps this file quick."""
    chosen = one_of_each_type(site)
    if site.name == "real":
        return chosen | SCRIPTED_STATES
    listings = ("list", "a later page", "not found", "topics")
    own = {
        kind: path
        for kind, path in chosen.items()
        if not kind.endswith(listings) and kind != "events: past" and kind != "events: format"
    }
    return own | {"home": "/", "events list": "/events/"}


def describe(violations: list[dict], where: str) -> list[str]:
    lines = []
    for v in violations:
        lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    {node}" for node in v["nodes"])
    return lines


RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ") + " :: " + (n.failureSummary || "").replace(/\\s+/g, " ")),
  }));
}"""


# ---------------------------------------------------------------- the tests


def test_axe_finds_no_violations_in_light_or_dark_mode(site: Served, axe_context: BrowserContext) -> None:
    page = axe_context.new_page()
    problems: list[str] = []
    try:
        for kind, path in pages_to_check(site).items():
            page.set_viewport_size(DESKTOP)
            page.emulate_media(color_scheme="light")
            page.goto(site.url(path), wait_until="load")
            page.add_script_tag(url=site.url(AXE_URL))
            problems += describe(page.evaluate(RUN_AXE, AXE_TAGS), f"{site.name} {path} [{kind}, light, desktop]")
            # Dark mode at phone width: a second layout and palette from the same load.
            page.set_viewport_size(PHONE)
            page.emulate_media(color_scheme="dark")
            problems += describe(page.evaluate(RUN_AXE, AXE_TAGS), f"{site.name} {path} [{kind}, dark, phone]")
    finally:
        page.close()
    assert not problems, "axe-core found problems:\n" + "\n".join(problems)


def test_tab_reaches_the_skip_link_first_and_it_moves_focus_to_main(site: Served, tab: Tab) -> None:
    for path in ("/", "/events/", "/search/", "/404.html"):
        page = tab.open(site.url(path))
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => [document.activeElement.className, document.activeElement.textContent,"
            " document.activeElement.getBoundingClientRect().height]"
        )
        assert focused[0] == "skip-link" and focused[1] == "Skip to main content", path
        assert focused[2] > 24, f"{path}: the focused skip link must be visible and easy to hit"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "main", path
        assert page.evaluate("() => location.hash") == "#main", path


# Visible boxes past the window's edge, other than inside a box that scrolls or clips them (an action table's
# region): a page can hide these from scrollWidth (an overflowing header) and still cut content off.
STICKING_OUT = """() => {
  const edge = document.documentElement.clientWidth + 0.5;
  const clipped = el => { for (let a = el.parentElement; a; a = a.parentElement) {
    if (a === document.body) return false;
    if (getComputedStyle(a).overflowX !== "visible") return true; } return false; };
  return [...document.body.querySelectorAll("*")].filter(el => {
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.right > edge && !clipped(el);
  }).map(el => `<${el.tagName.toLowerCase()} class="${el.className}"> ends at ${Math.round(el.getBoundingClientRect().right)}px`);
}"""


def test_no_page_scrolls_sideways_at_320_pixels(site: Served, browser: Browser) -> None:
    ctx = browser.new_context(viewport=NARROWEST)
    page = ctx.new_page()
    wide = []
    try:
        for path in [*html_paths(site.root), "/search/?q=e"]:
            page.goto(site.url(path), wait_until="load")
            width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if width[0] > width[1]:
                wide.append(f"{path}: {width[0]}px wide in a {width[1]}px window")
            wide += [f"{path}: {what}" for what in page.evaluate(STICKING_OUT)]
    finally:
        ctx.close()
    assert wide == []


STYLE_OF_FOCUSED = """() => {
  const el = document.activeElement;
  const look = () => { const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.backgroundColor, s.boxShadow, s.color].join(" | "); };
  const focused = look();
  el.blur();
  return {name: el.tagName.toLowerCase() + " " + (el.textContent || el.name || "").trim().slice(0, 30),
          focused: focused, unfocused: look()};
}"""


@pytest.mark.parametrize(
    ("scheme", "paths"), [("light", ("/events/", "/search/", "/resources/edi-action-plan/")), ("dark", ("/events/",))]
)
def test_keyboard_focus_is_visible_on_every_control(
    servers: dict[str, Served], tab: Tab, scheme: str, paths: tuple[str, ...]
) -> None:
    page = tab.page
    page.emulate_media(color_scheme=scheme)
    for path in paths:
        tab.open(servers["real"].url(path))
        seen = set()
        for _ in range(25):  # blurring keeps the place in the tab order, so Tab goes on to the next one
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement === document.body"):
                break
            look = page.evaluate(STYLE_OF_FOCUSED)
            assert look["focused"] != look["unfocused"], f"{path}: focus on {look['name']} cannot be seen"
            seen.add(look["name"].split()[0])
        assert "a" in seen, path


def test_reduced_motion_leaves_nothing_moving(servers: dict[str, Served], browser: Browser) -> None:
    ctx = browser.new_context(viewport=DESKTOP, reduced_motion="reduce")
    page = ctx.new_page()
    try:
        for path in ("/", "/events/", "/search/?q=e"):
            page.goto(servers["real"].url(path), wait_until="load")
            moving = page.evaluate("""() => {
              const seconds = v => v.split(",").map(t => parseFloat(t) / (t.trim().endsWith("ms") ? 1000 : 1));
              const found = [];
              for (const el of document.querySelectorAll("*")) {
                for (const pseudo of [null, "::before", "::after"]) {
                  const s = getComputedStyle(el, pseudo);
                  const longest = Math.max(...seconds(s.transitionDuration), ...seconds(s.animationDuration));
                  if (longest > 0.001) found.push(el.tagName + (pseudo || "") + " " + longest + "s");
                }
              }
              if (getComputedStyle(document.documentElement).scrollBehavior !== "auto") found.push("smooth scrolling");
              return found;
            }""")
            assert moving == [], path
    finally:
        ctx.close()


def test_screenshots_of_home_an_event_and_the_events_list(
    servers: dict[str, Served], browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    screenshots = tmp_path_factory.mktemp("screenshots")
    real = servers["real"]
    event = next(
        p
        for p in html_paths(real.root)
        if re.fullmatch(r"/events/[a-z0-9-]+/", p)
        and p not in ("/events/past/", "/events/format/")
        and "already happened" not in target_of(real.root, p).read_text()
    )
    for width_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        ctx = browser.new_context(viewport=viewport)
        page = ctx.new_page()
        for name, path in (("home", "/"), ("event", event), ("events", "/events/")):
            page.goto(real.url(path), wait_until="load")
            target = screenshots / f"{name}-{width_name}.png"
            page.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 10_000, target
        ctx.close()


def test_the_events_filter_narrows_the_list_in_place(servers: dict[str, Served], tab: Tab) -> None:
    page = tab.open(servers["real"].url("/events/"))
    assert page.is_visible("#event-filter") and not page.is_visible("#event-filter-links")
    total = page.locator("li.card--event").count()
    topic = page.eval_on_selector("#event-filter-topic", "s => s.options[1].value")
    page.select_option("#event-filter-topic", topic)
    shown = page.locator("li.card--event:visible")
    assert 0 < shown.count() < total
    for topics in shown.evaluate_all("cards => cards.map(c => c.dataset.topics.split(' '))"):
        assert topic in topics
    assert page.text_content("#event-filter-status") == f"Showing {shown.count()} of {total} upcoming events."
    assert page.evaluate("() => location.search") == f"?topic={topic}"
    # Every month heading left on screen has an event under it.
    for section in page.locator("main section[aria-labelledby^='month-']:visible").all():
        assert section.locator("li.card--event:visible").count() > 0

    page.click("#event-filter button[type=reset]")
    page.wait_for_function("() => location.search === ''")
    assert page.locator("li.card--event:visible").count() == total
    assert page.text_content("#event-filter-status") == f"Showing all {total} upcoming events."

    page = tab.open(servers["real"].url("/events/?format=online"))
    assert page.input_value("#event-filter-format") == "online"
    formats = page.locator("li.card--event:visible").evaluate_all("cards => cards.map(c => c.dataset.format)")
    assert formats and set(formats) == {"online"}


def test_without_javascript_the_filter_links_work_and_the_form_stays_hidden(
    servers: dict[str, Served], no_js_context: BrowserContext
) -> None:
    page = no_js_context.new_page()
    try:
        page.goto(servers["real"].url("/events/"))
        assert not page.is_visible("#event-filter")
        page.click("#event-filter-links >> text=Online only")
        assert page.url.endswith("/events/format/online/")
        assert page.locator("li.card--event").count() > 0
        assert set(page.locator("li.card--event").evaluate_all("cs => cs.map(c => c.dataset.format)")) == {"online"}
    finally:
        page.close()


def test_search_finds_items_ignoring_case_and_accents(servers: dict[str, Served], tab: Tab) -> None:
    page = tab.open(servers["real"].url("/search/?q=R%C3%81CISM"))  # "RÁCISM"
    page.wait_for_selector("#search-results:not([hidden])")
    titles = page.locator("#search-results-list .card__title").all_text_contents()
    assert "Talking about racism constructively" in titles
    assert not page.is_visible("#a-to-z-section")
    assert re.fullmatch(r"\d+ results? for “RÁCISM”\.", page.text_content("#search-status") or "")

    page.fill("#search-q", "zzzzqx")
    page.press("#search-q", "Enter")
    page.wait_for_function("() => document.getElementById('search-status').textContent.startsWith('No results')")
    assert page.is_visible("#a-to-z-section") and not page.is_visible("#search-results")

    # The header's search box leads here.
    page = tab.open(servers["real"].url("/"))
    page.fill("#site-search-q", "cluster")
    page.press("#site-search-q", "Enter")
    page.wait_for_selector("#search-results:not([hidden])")
    assert page.url.endswith("/search/?q=cluster")


def test_without_javascript_search_lists_everything_a_to_z(
    servers: dict[str, Served], no_js_context: BrowserContext
) -> None:
    page = no_js_context.new_page()
    try:
        page.goto(servers["real"].url("/search/?q=racism"))
        assert not page.is_visible("#search-results")
        assert page.is_visible("#a-to-z-section")
        link = page.locator("#a-to-z-section a", has_text="Talking about racism constructively")
        assert link.count() == 1
        every = {
            a
            for a in page.locator("#a-to-z-section .a-to-z__list a").evaluate_all(
                "links => links.map(a => a.getAttribute('href'))"
            )
        }
        pages = {
            p
            for p in html_paths(servers["real"].root)
            if p not in ("/", "/404.html", "/search/", "/calendars/") and "/page/" not in p
        }
        lists = {
            "/events/",
            "/events/past/",
            "/series/",
            "/clusters/",
            "/offers/",
            "/stories/",
            "/resources/",
            "/topics/",
        }
        months = {p for p in pages if re.fullmatch(r"/events/\d{4}/\d\d/", p)}  # lists by month
        assert pages - lists - months - {p for p in pages if p.startswith("/events/format/")} <= every
    finally:
        page.close()
