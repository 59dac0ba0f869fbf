"""Render: every page, feed and calendar of the Site, to bytes in memory.

`render_site` is the table of contents of the site: read it to see which
collections make which pages and files.

Every page and calendar is a pure function of the site's front matter (the Site),
the templates, the code, and at most one body: its own item's (bodies are kept
apart from the Site, model.Body). So each gets a key from those, and a rebuild
keeps a file whose key is the one the live site's file was made with
(write.Staging.keep). A page is keyed by what it read of the site's front
matter (reads.py) and what it was given (which items, in what order, under
which headings, as worked out here), an event's calendar by the event and what
it links to: a body edit makes one page again, a title edit the pages that
show that title. The calendars of many events are keyed by the whole site's
front matter, the sitemap by what it lists. Feeds, which hold many bodies, and
the search index (search.py, from every indexed page's bytes), are made every time.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from functools import partial
from typing import Any, Callable, Protocol
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from . import dates
from .cache import code_version
from .feeds.ical import CalendarWriter, add_links, subscription_events
from .feeds.rss import feed_items, render_rss, render_sitemap
from .structured import event_json_ld
from .model import TYPE_LABELS, Bodies, Event, Item, Site, group_by_month
from .parallel import run_all
from .months import WEEKDAYS, months, month_url
from .search import index_files, searchable, sort_key
from .reads import Read, States, TrackingEnvironment, deep, identity


ITEMS_PER_PAGE = 20
PAST_EVENTS_PER_PAGE = 30
FORMAT_LABELS = {"online": "Online", "in-person": "In person", "hybrid": "Hybrid"}

RSS = "application/rss+xml"
ICS = "text/calendar"

# Scripts and styles only from the site's own files: no inline script can run, whatever a page contains.
# (JSON-LD blocks are data, not script, so CSP leaves them alone.)
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
))
# The search page runs Pagefind, which compiles WebAssembly: allowed there (and in Pagefind's worker) alone.
SEARCH_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("script-src 'self'",
                                                                 "script-src 'self' 'wasm-unsafe-eval'")
# What static hosts that read a _headers file (Netlify, Cloudflare Pages) send with every page;
# frame-ancestors works only as a header, not in a <meta>. Cloudflare Pages sends the headers of every rule a
# path matches: "! Content-Security-Policy" drops the site-wide policy where search widens it.
HEADERS = f"""/*
  Content-Security-Policy: {CONTENT_SECURITY_POLICY}; frame-ancestors 'none'
  X-Content-Type-Options: nosniff
  Referrer-Policy: strict-origin-when-cross-origin
  X-Frame-Options: DENY
""" + "".join(f"""
{path}
  ! Content-Security-Policy
  Content-Security-Policy: {SEARCH_CONTENT_SECURITY_POLICY}; frame-ancestors 'none'
""" for path in ("/search/*", "/pagefind/pagefind-worker.js"))


@dataclass(frozen=True)
class PageMeta:
    """What the layout needs to know about the page it wraps."""

    url: str
    title: str
    description: str
    breadcrumbs: tuple[tuple[str, str], ...] = ()  # (title, url) above this page
    changed: date | datetime | None = None
    noindex: bool = False
    # Feeds and calendars of just this page's items: (MIME type, title, URL).
    alternates: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Pager:
    """Where one page of a long list stands among the others."""

    number: int
    count: int
    urls: tuple[str, ...]  # the URL of every page, first to last

    @property
    def previous_url(self) -> str | None:
        return self.urls[self.number - 2] if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.urls[self.number] if self.number < self.count else None


def paginate(items: tuple, base_url: str, size: int) -> list[tuple[Pager, tuple]]:
    """Split a list into pages: base_url, then base_url/page/2/, ..."""
    chunks = [items[i:i + size] for i in range(0, len(items), size)] or [()]
    urls = tuple(base_url if n == 1 else f"{base_url}page/{n}/" for n in range(1, len(chunks) + 1))
    return [(Pager(n, len(chunks), urls), chunk) for n, chunk in enumerate(chunks, start=1)]


def _paged_title(title: str, pager: Pager) -> str:
    return title if pager.count == 1 else f"{title} (page {pager.number} of {pager.count})"


@dataclass
class Rendered:
    """The whole site: output path -> bytes held in memory, the paths already handed to a sink, and files
    copied as they are."""

    files: dict[str, bytes] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)  # each page's and calendar's key (page_key)
    # What each page and event calendar read of the site (reads.py); None: the whole site's front matter.
    reads: dict[str, tuple[Read, ...] | None] = field(default_factory=dict)
    kept: set[str] = field(default_factory=set)  # pages and calendars kept from the previous build
    copies: dict[str, Path] = field(default_factory=dict)
    sitemap: list[tuple[str, date | datetime | None]] = field(default_factory=list)
    # What the search index is made from, of each page a worker sent to the sink (search.searchable).
    searchable: dict[str, str] = field(default_factory=dict)

    @property
    def paths(self) -> set[str]:
        """Every file of the site, by its path in the output folder."""
        return {*self.files, *self.sent, *self.copies}


def make_environment(templates_dir: Path, site: Site, bytecode_dir: Path | None = None) -> jinja2.Environment:
    """Jinja with autoescaping on and StrictUndefined, so a typo fails the build instead of rendering blank.
    Compiled templates are kept in `bytecode_dir` when given (Jinja checks each against its source)."""
    bytecode_cache = None
    if bytecode_dir is not None:
        try:
            bytecode_dir.mkdir(parents=True, exist_ok=True)
            bytecode_cache = jinja2.FileSystemBytecodeCache(str(bytecode_dir))
        except OSError:
            pass  # no cache: the templates are compiled again
    env = TrackingEnvironment(
        loader=jinja2.FileSystemLoader(templates_dir),
        bytecode_cache=bytecode_cache,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one build, one set of templates: no stat of each template on every page
    )
    tz = site.config.tz
    env.filters.update(
        long_date=lambda d: dates.long_date(dates.local_day(d, tz)),
        short_date=lambda d: dates.short_date(dates.local_day(d, tz)),
        month_year=lambda d: dates.month_year(dates.local_day(d, tz)),
        iso=lambda d: dates.iso(d, tz),
        json_ld=_json_ld,
        runs=_runs,
    )
    host = urlsplit(site.config.base_url).netloc
    def card(item: Item, heading: str = "h3") -> str:
        # An item's card is the same on every page that lists it (up to a dozen).
        def make() -> str:
            macros: Any = env.get_template("_macros.html").module
            return (macros.event_card if item.content_type == "events" else macros.item_card)(item, heading)
        return env.part(("card", id(item), heading), make)

    def site_nav(url: str) -> Markup:
        # The same on every page of a section, and the same for a section's own list page.
        parts = url.split("/")
        section, exact = (parts[1], len(parts) == 3 and not parts[2]) if len(parts) > 2 else ("", False)
        made = env.part(("nav", section, exact),
                        lambda: env.get_template("_site_nav.html").render(section=section, exact=exact))
        return Markup(made.rstrip("\n"))  # the call has a line of its own in base.html

    def reading(helper: Callable[[Event, Site], Any]) -> Callable[[Event], Any]:
        def read(event: Event) -> Any:  # the helpers read the event, what it links to, and the settings
            env.note(event)
            return helper(event, site)
        return read

    env.globals.update(
        card=card,
        site_nav=site_nav,
        type_labels=TYPE_LABELS,
        content_security_policy=CONTENT_SECURITY_POLICY,
        search_content_security_policy=SEARCH_CONTENT_SECURITY_POLICY,
        search_sort_key=sort_key,
        month_url=month_url,
        event_json_ld=reading(event_json_ld),
        add_links=reading(add_links),
        webcal=lambda url: f"webcal://{host}{url}",
    )
    return env


Sink = Callable[[str, bytes], None]


@dataclass(frozen=True)
class Digests:
    """What the Site was made from, for the pages' keys (besides the templates and static files)."""

    site: bytes  # everything but the bodies: the code, the settings, the build date, every front matter
    settings: bytes  # all that but the front matter
    fronts: dict[str, str]  # each item's front matter's digest, by the item's URL


class Previous(Protocol):
    """The last build's files (write.Staging)."""

    def made(self, path: str) -> bool:
        """Whether the last build made a file at `path` that it knew the key of."""

    def keep(self, path: str, key: str) -> bool:
        """Whether the last build's file at `path`, made from `key`, is in place and kept."""

    def reads_before(self, path: str) -> tuple[Read, ...] | None:
        """What the last build's file read of the site; None: the whole site, or not known."""

    def kept_bytes(self, path: str) -> bytes | None:
        """The bytes of a file kept from the last build; None if it cannot be read."""


def render_site(site: Site, bodies: Bodies, templates_dir: Path, static_dir: Path, workers: int = 1,
                progress: Callable[[int, int], None] | None = None, sink: Sink | None = None,
                templates_cache: Path | None = None, digests: Digests | None = None,
                previous: Previous | None = None) -> Rendered:
    """Render every page and file of the site: listed here in order, then rendered across `workers`.
    With a sink, each page and calendar goes to it as soon as it is made, by the worker that made it (so
    writing shares the cores and nothing large travels back); without one, all are kept in memory.
    Compiled templates are kept in `templates_cache`, when given. With `digests`, each page and calendar is
    keyed, and one that the `previous` build made from the same key, and that is still in place, is not
    made again."""
    out = Rendered()
    env = make_environment(templates_dir, site, templates_cache)
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)  # compile once, before workers are forked
    assets = _static_assets(static_dir, out)
    config = site.config
    calendars = CalendarWriter(site, lambda event: previous.kept_bytes(event.ics_url.lstrip("/"))
                               if previous is not None and event.ics_url.lstrip("/") in out.kept else None)
    keys = Keys(site, digests, templates_dir, assets) if digests is not None else None
    # What the workers make: pages and files that show many items first, each item's own page and calendar
    # after. A slow page handed out last would leave the other cores idle while one worker finishes it.
    tasks: list[tuple[str, Callable[[], Any]]] = []
    own_tasks: list[tuple[str, Callable[[], Any]]] = []
    # Pages and event calendars, keyed once made by what they read, and by what they were given (_given),
    # which is worked out where it is needed: here for a file the last build made, else by the worker.
    given: dict[str, Callable[[], tuple[str, ...]]] = {}

    def keyed(path: str, shown: tuple[str, ...] = (), reads: tuple[Read, ...] | None = None) -> None:
        if keys is not None:
            out.keys[path], out.reads[path] = keys.of(path, shown, reads)

    def page(output_path: str, template: str, meta: PageMeta, **context: Any) -> None:
        queue = own_tasks if "item" in context else tasks
        render = partial(_render_page, env.get_template(template), dict(site=site, page=meta, assets=assets,
                                                                         **context))
        if keys is None:
            queue.append((output_path, render))
        else:
            given[output_path] = partial(_given, meta, context)
            queue.append((output_path, partial(_render_noting, env, render, keys, output_path,
                                               given[output_path])))
        if not meta.noindex:
            out.sitemap.append((meta.url, meta.changed))

    def own_page(item: Item) -> None:
        page(*item_page(item, site), item=item, body=bodies[item.url].html)

    # Calendars of many events, made here once the workers are done, from the VEVENTs the workers made.
    gathered: list[tuple[str, Callable[[], bytes]]] = []

    def gathered_calendar(path: str, events: tuple[Event, ...], name: str, description: str) -> None:
        gathered.append((path, partial(calendars.render, events, name, description)))
        keyed(path)

    home = ("Home", "/")
    page("index.html", "home.html", PageMeta("/", config.title, config.description or config.title))

    # Events: upcoming by month, a past archive, a page and a calendar file each.
    events_feed = (RSS, f"{config.title}: new events", "/events/feed.xml")
    formats = [(f, FORMAT_LABELS[f]) for f in FORMAT_LABELS if any(e.format == f for e in site.upcoming_events)]
    page("events/index.html", "events.html", PageMeta("/events/", "Events", "Upcoming events, by month.",
                                                       (home,), alternates=(events_feed,)),
         months=group_by_month(site.upcoming_events), past=False, formats=formats, current_format=None,
         pager=None)
    for fmt, label in formats:
        chosen = tuple(e for e in site.upcoming_events if e.format == fmt)
        page(f"events/format/{fmt}/index.html", "events.html",
             PageMeta(f"/events/format/{fmt}/", f"{label} events", f"Upcoming {label.lower()} events, by month.",
                      (home, ("Events", "/events/"))),
             months=group_by_month(chosen), past=False, formats=formats, current_format=fmt, pager=None)
    for pager, chunk in paginate(site.past_events, "/events/past/", PAST_EVENTS_PER_PAGE):
        page(pager.urls[pager.number - 1].strip("/") + "/index.html", "events.html",
             PageMeta(pager.urls[pager.number - 1], _paged_title("Past events", pager),
                      "Events that have already happened, newest first.", (home, ("Events", "/events/"))),
             months=group_by_month(chunk), past=True, formats=(), current_format=None, pager=pager)
    for month in months(site):  # a calendar grid of each month with events
        page(month.output_path, "month.html",
             PageMeta(month.url, f"Events in {month.title}", f"Events in {month.title}, on a calendar.",
                      (home, ("Events", "/events/"))), month=month, weekdays=WEEKDAYS)
    for event in site.events:
        own_page(event)
        path = event.ics_url.lstrip("/")
        if keys is not None:
            given[path] = lambda: ()  # an event's calendar is given nothing but its event
        own_tasks.append((path, partial(_event_calendar, calendars, event, keys, path)))

    # Series, clusters and topics list events and offer a calendar of just those.
    for content_type in ("series", "clusters", "offers", "stories", "resources"):
        plural = TYPE_LABELS[content_type][1]
        items = site.collection(content_type)
        feeds = ((RSS, f"{config.title}: new case stories", "/stories/feed.xml"),) \
            if content_type == "stories" else ()
        for pager, chunk in paginate(items, f"/{content_type}/", ITEMS_PER_PAGE):
            url = pager.urls[pager.number - 1]
            page(url.strip("/") + "/index.html", "list.html",
                 PageMeta(url, _paged_title(plural, pager), _list_description(content_type), (home,),
                          alternates=feeds), items=chunk, content_type=content_type, pager=pager)
        for each in items:
            own_page(each)
    for series in site.series:
        gathered_calendar(series.ics_url.lstrip("/"), series.events, f"{series.title} ({config.title})",
                          series.summary)
    for cluster in site.clusters:
        gathered_calendar(cluster.ics_url.lstrip("/"), cluster.meetings,
                          f"{cluster.title} meetings ({config.title})", cluster.summary)

    page("topics/index.html", "topics.html",
         PageMeta("/topics/", "Topics", "Everything on the site, by topic.", (home,)))
    for topic in site.topics:
        own = ((ICS, f"{topic.name} events (calendar)", topic.ics_url),) if topic.events else ()
        page(topic.output_path, "topic.html",
             PageMeta(topic.url, topic.name, f"Events, clusters, offers, stories and resources about "
                      f"{topic.name}.", (home, ("Topics", "/topics/")), alternates=own), topic=topic)
        if topic.events:
            gathered_calendar(topic.ics_url.lstrip("/"), topic.events, f"{topic.name} events ({config.title})",
                              f"Events about {topic.name} from {config.title}.")

    for plain in site.pages:
        own_page(plain)

    page("calendars/index.html", "calendars.html",
         PageMeta("/calendars/", "Subscribe to our calendars", "Add our events to Google Calendar, Outlook or "
                  "Apple Calendar, and see new and changed events as they happen.", (home,)))

    # Search: the Pagefind index of every page (made below, once all are rendered), and a page that
    # searches it, and lists everything A to Z without JavaScript.
    page("search/index.html", "search.html",
         PageMeta("/search/", "Search", "Search everything on the site, or browse it all from A to Z.", (home,)))

    page("404.html", "404.html", PageMeta("/404.html", "Page not found", "This page could not be found.",
                                          noindex=True))

    # Feeds: the site's news, and events alone, and stories alone. They hold many bodies: made every time.
    for path, items, title, link, description in (
            ("feed.xml", site.items, config.title, "/", config.description),
            ("events/feed.xml", site.events, f"Events: {config.title}", "/events/", "New events."),
            ("stories/feed.xml", site.stories, f"Case stories: {config.title}", "/stories/", "New case stories.")):
        tasks.append((path, partial(_feed, site, bodies, items, title, link, "/" + path, description)))
    gathered_calendar("events.ics", subscription_events(site), config.title + " events",
                      f"Events from {config.title}.")
    tasks.append(("sitemap.xml", partial(render_sitemap, site, out.sitemap)))  # every page is listed by now
    keyed("sitemap.xml", (repr(out.sitemap),), reads=())  # addresses and dates alone

    # The workers make every page and every event's own calendar that is not in place already, and send
    # back each event's VEVENT for the calendars of many events (which make any they lack themselves).
    tasks += own_tasks
    every = [path for path, _ in [*tasks, *gathered]]
    if keys is not None and previous is not None:
        def kept(path: str) -> bool:
            if not previous.made(path):
                return False
            if path in given:  # as keyed by what it read last time, read again now
                out.keys[path], out.reads[path] = keys.of(path, given[path](), previous.reads_before(path))
            return path in out.keys and previous.keep(path, out.keys[path])
        tasks = [(path, task) for path, task in tasks if not kept(path)]
        gathered = [(path, task) for path, task in gathered if not kept(path)]
        out.kept = set(every).difference(path for path, _ in [*tasks, *gathered])
    for (path, _), (data, entry, found) in zip(tasks, run_all([partial(_made, sink, path, task)
                                                               for path, task in tasks], workers, progress)):
        if data is not None:
            out.files[path] = data
        if found is not None:
            out.searchable[path] = found
        for fact in entry or ():
            if isinstance(fact, Keyed):
                out.keys[path], out.reads[path] = fact.key, fact.reads
            else:
                calendars.preload(*fact)
    for path, task in gathered:
        data = task()
        if sink is None:
            out.files[path] = data
        else:
            sink(path, data)
    if sink is not None:
        out.sent.extend(every)
    out.files.update(index_files(_searched(out, previous)))
    out.files["_headers"] = HEADERS.encode()
    out.files["robots.txt"] = f"User-agent: *\nAllow: /\n\nSitemap: {config.absolute('/sitemap.xml')}\n".encode()
    return out


ITEM_TEMPLATES = {"events": "event.html", "series": "series.html", "clusters": "cluster.html",
                  "offers": "offer.html", "stories": "story.html", "resources": "resource.html",
                  "pages": "page.html"}


def item_page(item: Item, site: Site) -> tuple[str, str, PageMeta]:
    """An item's own page: its output path, template and meta."""
    if isinstance(item, Event):
        meta = _item_meta(item, site, alternates=((ICS, f"{item.title} (calendar file)", item.ics_url),))
    elif item.content_type == "pages":
        meta = _item_meta(item, site, breadcrumbs=(("Home", "/"),))
    else:
        own = ((ICS, f"{item.title} (calendar)", item.ics_url),) if getattr(item, "ics_url", "") else ()
        meta = _item_meta(item, site, alternates=own)
    return item.output_path, ITEM_TEMPLATES[item.content_type], meta


def render_item_page(site: Site, item: Item, body: str, templates_dir: Path, static_dir: Path,
                     templates_cache: Path | None = None) -> tuple[str, bytes]:
    """One item's own page, exactly as render_site makes it: its output path and bytes."""
    env = make_environment(templates_dir, site, templates_cache)
    path, template, meta = item_page(item, site)
    assets = _static_assets(static_dir, Rendered())
    return path, _render_page(env.get_template(template), dict(site=site, page=meta, assets=assets, item=item,
                                                               body=body))


class Keys:
    """Each file's key (see the module's docstring): from the whole site's front matter, or from what the
    file read of the site. Both also hold the templates, static files, code, settings and build date."""

    def __init__(self, site: Site, digests: Digests, templates_dir: Path, assets: dict[str, str]):
        base = _key_salt(templates_dir, assets)
        self.whole_site = hashlib.sha256(base + digests.site).digest()
        self.reading = hashlib.sha256(base + digests.settings).digest()
        self.states = States(site, digests.fronts)  # worked out as asked for (in a worker, for its pages)
        self.shared: dict[Read, Read] = {}  # one copy of each read, however many pages a worker made read it

    def made(self, path: str, shown: tuple[str, ...], reads: tuple[Read, ...] | None) -> Keyed:
        """What a worker sends back about a file it made: as `of`, with each read one shared object, so that
        the results of many pages, pickled together, hold one copy of it (at 20,000 events, copies of the
        reads of every page were most of the memory the keys took)."""
        key, reads = self.of(path, shown, reads)
        return Keyed(key, None if reads is None else tuple([self.shared.setdefault(read, read) for read in reads]))

    def of(self, path: str, shown: tuple[str, ...],
           reads: tuple[Read, ...] | None) -> tuple[str, tuple[Read, ...] | None]:
        """The key of the file at `path`, given `shown` (as text), that read `reads` (None: the whole site);
        and what it is keyed by, which is the whole site when a thing it read is gone or read everything."""
        state = self.states.key(reads) if reads is not None else None
        if state is None:
            return page_key(self.whole_site, path, *shown), None
        return page_key(self.reading, path, *shown, state), reads


@dataclass(frozen=True)
class Keyed:
    """What a worker sends back about a page or calendar it made: its key, and what it read."""

    key: str
    reads: tuple[Read, ...] | None


def _given(meta: PageMeta, context: dict[str, Any]) -> tuple[str, ...]:
    """What a page is given, worked out from the site (which items, in what order, under which headings),
    as text: the items in it by identity, their fields as the page reads them. An item's body is keyed as
    it is (the very string, not a copy), not as the text of its repr."""
    shown = sorted((name, value) for name, value in context.items() if name != "body")
    return identity((meta, shown)), context.get("body", "")


def _render_noting(env: TrackingEnvironment, render: Callable[[], bytes], keys: Keys, path: str,
                   given: Callable[[], tuple[str, ...]]) -> tuple[bytes, tuple[Keyed]]:
    """Make a page, noting what it read, and its key from that and from what it was `given`."""
    env.start()
    try:
        data = render()
    finally:
        reads = env.stop()
    return data, (keys.made(path, given(), reads),)


def _event_calendar(calendars: CalendarWriter, event: Event, keys: Keys | None, path: str) -> tuple[bytes, tuple]:
    """Make an event's own calendar, and with `keys` its key: it reads the event, what the event links to,
    and the settings. Its VEVENT goes back too, for the calendars of many events."""
    data, vevent = calendars.render_event_entry(event)
    if keys is None:
        return data, (vevent,)
    return data, (keys.made(path, (), tuple(sorted(set(deep(event))))), vevent)


def page_key(salt: bytes, path: str, *parts: str) -> str:
    """A page's or calendar's key: what its bytes are made from (the salt: the templates, assets, code,
    and the site's front matter or what the page read of it), its path, and what it was given (each
    part's length first, so no two lists of parts run together alike)."""
    digest = hashlib.sha256(salt)
    digest.update(path.encode("utf-8", "surrogatepass") + b"\0")
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        digest.update(b"%d:" % len(data) + data)
    return digest.hexdigest()


def _key_salt(templates_dir: Path, assets: dict[str, str]) -> bytes:
    digest = hashlib.sha256(code_version())
    for path in sorted(templates_dir.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(templates_dir).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(assets, sort_keys=True).encode())
    return digest.digest()


def _made(sink: Sink | None, path: str, task: Callable[[], Any]) -> tuple[bytes | None, Any, str | None]:
    """Run one task: its bytes go to the sink when there is one, and what the search index needs of them
    comes back instead; what else it makes (its key and what it read, a VEVENT) comes back too."""
    made = task()
    data, extra = made if isinstance(made, tuple) else (made, None)
    if sink is None:
        return data, extra, None
    sink(path, data)
    return None, extra, searchable(data) if path.endswith(".html") else None


def _searched(out: Rendered, previous: Previous | None) -> list[tuple[str, str]]:
    """Every page the search index is made from, by URL, in the order of their paths."""
    pages = dict(out.searchable)
    for path, data in out.files.items():
        if path.endswith(".html") and (found := searchable(data)) is not None:
            pages[path] = found
    for path in out.kept:  # a page kept from the last build: its bytes as they are
        if path.endswith(".html") and previous is not None and (data := previous.kept_bytes(path)) is not None:
            if (found := searchable(data)) is not None:
                pages[path] = found
    return [("/" + path.removesuffix("index.html"), pages[path]) for path in sorted(pages)]


def _render_page(template: jinja2.Template, context: dict[str, Any]) -> bytes:
    return template.render(**context).encode("utf-8")


def _item_meta(item: Item, site: Site, breadcrumbs: tuple[tuple[str, str], ...] | None = None,
               alternates: tuple[tuple[str, str, str], ...] = ()) -> PageMeta:
    if breadcrumbs is None:
        plural = TYPE_LABELS[item.content_type][1]
        breadcrumbs = (("Home", "/"), (plural, f"/{item.content_type}/"))
    return PageMeta(item.url, item.title, item.summary, breadcrumbs, item.updated or item.published,
                    alternates=alternates)


def _list_description(content_type: str) -> str:
    return {
        "series": "Learning series: groups of events on one theme.",
        "clusters": "Learning clusters: peer groups that meet several times a year.",
        "offers": "Support offers from partner organisations.",
        "stories": "Case stories from places doing this work.",
        "resources": "Toolkits, guides, plans and reports.",
    }[content_type]


def _runs(items: Any, attribute: str) -> list[tuple[Any, list]]:
    """Consecutive items sharing an attribute, in their order (Jinja's groupby sorts first)."""
    return [(key, list(run)) for key, run in itertools.groupby(items, key=lambda item: getattr(item, attribute))]


def _feed(site: Site, bodies: Bodies, items: tuple[Item, ...], title: str, url: str, feed_url: str,
          description: str) -> bytes:
    """An RSS feed of the newest of these items."""
    return render_rss(site, bodies, feed_items(items, site), title, url, feed_url, description)


def _static_assets(static_dir: Path, out: Rendered) -> dict[str, str]:
    """Copy static files; return their URLs with a content hash so browsers never keep a stale copy."""
    urls = {}
    if static_dir.is_dir():
        for path in sorted(p for p in static_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(static_dir).as_posix()
            out.copies[f"static/{rel}"] = path
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
            urls[rel] = f"/static/{rel}?v={digest}"
    return urls


def _json_ld(data: Any) -> str:
    """JSON for a <script type="application/ld+json">: '<' escaped so no text can close the script."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=None)
    return jinja2.utils.markupsafe.Markup(text.replace("<", "\\u003c").replace(">", "\\u003e")
                                          .replace("&", "\\u0026"))
