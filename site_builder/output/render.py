"""Render: every page, feed and calendar of the Site, to bytes in memory.

`site_map` is the table of contents of the site: read it to see which
collections make which pages and files. It is a pure function of the Site and
the bodies: it lists each file to make (its path, and for a page its template
and what the template is given) and makes nothing. `render_site` then makes
every one of them, on every build, across the workers: no page is kept from an
earlier build, so none can be stale. What makes a rebuild fast is elsewhere:
reading an unchanged content file is cached (pipeline.py, cache.py), and a file
whose bytes did not change is linked from the live site, not written (write.py).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from functools import partial
from typing import Any, Callable, Hashable, Iterable, TypeVar
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from ..site import dates
from .admin import ADMIN_CSP, ADMIN_HEADERS, admin_files
from .feeds.ical import CalendarWriter, add_links, subscribe_links, subscription_events
from .feeds.rss import feed_items, render_rss, render_sitemap
from .structured import event_json_ld
from ..content.types import ContentType
from ..site.model import Bodies, Event, Item, Site, group_by_month
from .months import WEEKDAYS, month_url, months
from ..speed.parallel import run_all
from .search import Batch, Indexer, keep, sort_key


ITEMS_PER_PAGE = 20
PAST_EVENTS_PER_PAGE = 30
FORMAT_LABELS = {"online": "Online", "in-person": "In person", "hybrid": "Hybrid"}

RSS = "application/rss+xml"
ICS = "text/calendar"
T = TypeVar("T")

# Scripts and styles only from the site's own files: no inline script can run, whatever a page contains.
# (JSON-LD blocks are data, not script, so CSP leaves them alone.)
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    )
)
# The search page runs Pagefind, which compiles WebAssembly: allowed there (and in Pagefind's worker) alone.
SEARCH_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'"
)
# Directives that a policy without them leaves to its default-src.
FETCH_DIRECTIVES = frozenset(
    ("script-src", "style-src", "img-src", "font-src", "connect-src", "frame-src", "media-src", "object-src")
)


def union_policy(*policies: str) -> str:
    """A policy that allows what any of these policies allows, and nothing else: each directive's sources
    are those of every policy (a fetch directive a policy leaves out is its default-src)."""
    parsed = [dict((d.split()[0], d.split()[1:]) for d in policy.split("; ")) for policy in policies]
    names = list(dict.fromkeys(name for policy in parsed for name in policy))
    merged = []
    for name in names:
        if not all(name in p or name in FETCH_DIRECTIVES for p in parsed):
            continue  # a policy does not restrict it at all
        values = [p.get(name, p.get("default-src", [])) for p in parsed]
        sources = list(dict.fromkeys(s for value in values for s in value if s != "'none'"))
        merged.append(" ".join([name, *(sources or ["'none'"])]))
    return "; ".join(merged)


def headers_file(cms: bool) -> str:
    """The _headers file, which static hosts (Netlify, Cloudflare Pages) read: what they send with each path.

    frame-ancestors works only as a header, not in a <meta>. Every HTML page carries its own policy in a
    <meta>, and a browser enforces both that and the header's, so a page runs only what each allows: the
    site-wide header allows what any page needs ('wasm-unsafe-eval' for Pagefind's WebAssembly, which its
    worker script compiles too; and with the CMS, what /admin/ needs), and each page's <meta> narrows it
    to its own. So no rule has to remove or replace the site-wide policy for one path: that removal
    ("! Content-Security-Policy") is Cloudflare Pages' syntax alone, which Netlify's parser skips, and a
    host may send every matching rule's policy, of which a browser enforces the strictest. A file opened
    from media/ is downloaded, never shown as a page, and could run nothing if it were (media_policy
    decides what media/ may hold at all)."""
    site_wide = union_policy(SEARCH_CONTENT_SECURITY_POLICY, ADMIN_CSP) if cms else SEARCH_CONTENT_SECURITY_POLICY
    return f"""/*
  Content-Security-Policy: {site_wide}; frame-ancestors 'none'
  X-Content-Type-Options: nosniff
  Referrer-Policy: strict-origin-when-cross-origin
  X-Frame-Options: DENY
/media/*
  Content-Disposition: attachment
  X-Content-Type-Options: nosniff
  Content-Security-Policy: default-src 'none'; sandbox
""" + (ADMIN_HEADERS if cms else "")


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
    chunks = [items[i : i + size] for i in range(0, len(items), size)] or [()]
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
    copies: dict[str, Path] = field(default_factory=dict)
    sitemap: list[tuple[str, date | datetime | None]] = field(default_factory=list)

    @property
    def paths(self) -> set[str]:
        """Every file of the site, by its path in the output folder."""
        return {*self.files, *self.sent, *self.copies}


class _CompiledInMemory(jinja2.BytecodeCache):
    """Compiled templates, kept for the life of the process only (the preview server builds many times
    in one). Never on disk: a compiled template is code, and a file planted where it is kept would run
    (SECURITY.md). Jinja keys each by its name and its source's checksum, so an edited template is
    compiled again."""

    def __init__(self) -> None:
        self.code: dict[str, Any] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.code and bucket.checksum == self.code[bucket.key][0]:
            bucket.code = self.code[bucket.key][1]

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = (bucket.checksum, bucket.code)


_COMPILED = _CompiledInMemory()


class PartsEnvironment(jinja2.Environment):
    """Jinja with a memo of the parts shown alike on many pages of one build (cards, the navigation)."""

    def __init__(self, **options: Any):
        super().__init__(**options)
        self._parts: dict[Hashable, Any] = {}

    def part(self, key: Hashable, make: Callable[[], T]) -> T:
        """A part by `key`: made once per environment (one build), then the same string on every page."""
        if key not in self._parts:
            self._parts[key] = make()
        return self._parts[key]

    def forget(self, items: Iterable[object]) -> None:
        """Make the parts of these items again when next asked for (their cards: keyed by the item's id)."""
        ids = {id(item) for item in items}
        for key in [key for key in self._parts if isinstance(key, tuple) and len(key) > 1 and key[1] in ids]:
            del self._parts[key]


# The filters make_environment adds: a template that names one compiles only where it is defined.
FILTERS = ("long_date", "short_date", "month_year", "iso", "json_ld", "runs")


def compile_templates(templates_dir: Path) -> None:
    """Compile every template into this process's store of compiled templates, ahead of the Site that
    make_environment needs: the pipeline does it while the workers read the content. Jinja keys a compiled
    template by its name and source, and compiles the same code for the same options and filter names, so
    the build's own environment then only loads it. A template that does not compile is left to the build's
    environment, which reports it as before."""
    env = _environment(templates_dir)
    env.filters.update(dict.fromkeys(FILTERS, _unused))
    for name in env.list_templates(extensions=["html"]):
        try:
            env.get_template(name)
        except jinja2.TemplateError:
            continue


def _unused(*_: Any) -> None:  # pragma: no cover - never called: compile_templates renders nothing
    raise AssertionError("compile_templates renders nothing")


def _environment(templates_dir: Path) -> PartsEnvironment:
    return PartsEnvironment(
        loader=jinja2.FileSystemLoader(templates_dir),
        bytecode_cache=_COMPILED,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one build, one set of templates: no stat of each template on every page
    )


def _structured_data(item: Item, site: Site) -> dict[str, Any]:
    make = site.types[item.content_type].structured_data
    assert make is not None, "base.html asks only for the types that declare it"
    return make(item, site)


def make_environment(templates_dir: Path, site: Site) -> PartsEnvironment:
    """Jinja with autoescaping on and StrictUndefined, so a typo fails the build instead of rendering blank."""
    env = _environment(templates_dir)
    tz = site.config.tz
    env.filters.update(
        long_date=lambda d: dates.long_date(dates.local_day(d, tz)),
        short_date=lambda d: dates.short_date(dates.local_day(d, tz)),
        month_year=lambda d: dates.month_year(dates.local_day(d, tz)),
        iso=lambda d: dates.iso(d, tz),
        json_ld=_json_ld,
        runs=_runs,
    )
    env.globals["index_only"] = False  # True makes only what the search index reads of a page (`_indexed`)
    host = urlsplit(site.config.base_url).netloc

    def macro(name: str) -> Any:
        return getattr(env.get_template("_macros.html").module, name)

    def card(item: Item, heading: str = "h3") -> str:
        # An item's card, by the macro its type names, is the same on every page that lists it (up to a dozen).
        def make() -> str:
            return macro(site.types[item.content_type].card)(item, heading)

        return env.part(("card", id(item), heading), make)

    def site_nav(url: str) -> Markup:
        # The same on every page of a section, and the same for a section's own list page.
        parts = url.split("/")
        section, exact = (parts[1], len(parts) == 3 and not parts[2]) if len(parts) > 2 else ("", False)
        made = env.part(
            ("nav", section, exact),
            lambda: env.get_template("_site_nav.html").render(site=site, section=section, exact=exact),
        )
        return Markup(made.rstrip("\n"))  # the call has a line of its own in base.html

    def reading(helper: Callable[[Event, Site], Any]) -> Callable[[Event], Any]:
        return lambda event: helper(event, site)

    env.globals.update(
        card=card,
        card_meta=lambda item: macro(site.types[item.content_type].card_meta or "")(item),  # where declared
        type_of=lambda item: site.types[item.content_type],  # the declaration of an item's type
        site_nav=site_nav,
        type_labels={t.folder: (t.singular, t.plural) for t in site.types},  # as site.types, by folder
        content_security_policy=CONTENT_SECURITY_POLICY,
        search_content_security_policy=SEARCH_CONTENT_SECURITY_POLICY,
        search_sort_key=sort_key,
        month_url=month_url,
        event_json_ld=reading(event_json_ld),
        structured_data=lambda item: _structured_data(item, site),
        add_links=reading(add_links),
        webcal=lambda url: f"webcal://{host}{url}",
        subscribe_links=lambda url, name: subscribe_links(site, url, name),
    )
    return env


Sink = Callable[[str, bytes], None]


@dataclass(frozen=True)
class Planned:
    """One file of the site to make: its path, and how. A page names its template and what the template is
    given; `make` is pure, so any worker can run it. An event's own calendar makes its VEVENT too (`vevent`)."""

    path: str
    make: Callable[[], Any]
    template: str | None = None
    given: dict[str, Any] | None = None
    vevent: bool = False


@dataclass
class SiteMap:
    """Every file of the site, made or not yet: what `site_map` returns."""

    made: list[Planned]  # by the workers, in this order
    gathered: list[Planned]  # calendars of many events, made once the workers are done, from their VEVENTs
    fixed: dict[str, bytes]  # files whose bytes are known now (_headers, robots.txt)
    copies: dict[str, Path]  # static files, copied as they are
    sitemap: list[tuple[str, date | datetime | None]]  # the pages sitemap.xml lists
    calendars: CalendarWriter  # what makes the calendars, and gathers the VEVENTs of many
    env: jinja2.Environment  # what renders the pages

    @property
    def paths(self) -> set[str]:
        """Every file the site will have, by its path in the output folder (media files are added by the
        pipeline)."""
        return {*(p.path for p in self.made), *(p.path for p in self.gathered), *self.fixed, *self.copies}


def site_map(
    site: Site, bodies: Bodies, env: jinja2.Environment, static_dir: Path, calendars: CalendarWriter | None = None
) -> SiteMap:
    """The list of every page, feed and calendar of the site (see the module's docstring): a pure function
    of the Site, the bodies, the templates and the static files. Nothing is rendered."""
    copies: dict[str, Path] = {}
    assets = _static_assets(static_dir, copies)
    config = site.config
    calendars = calendars or CalendarWriter(site)
    # What the workers make: pages and files that show many items first, each item's own page and calendar
    # after. A slow page handed out last would leave the other cores idle while one worker finishes it.
    tasks: list[Planned] = []
    own_tasks: list[Planned] = []
    sitemap: list[tuple[str, date | datetime | None]] = []

    def page(output_path: str, template: str, meta: PageMeta, **context: Any) -> None:
        queue = own_tasks if "item" in context else tasks
        given = dict(site=site, page=meta, assets=assets, **context)
        queue.append(Planned(output_path, partial(_render_named, env, template, given), template, given))
        if not meta.noindex:
            sitemap.append((meta.url, meta.changed))

    def own_page(item: Item) -> None:
        page(*item_page(item, site), item=item, body=bodies[item.url].html)

    # Calendars of many events, made here once the workers are done, from the VEVENTs the workers made.
    gathered: list[Planned] = []

    def gathered_calendar(path: str, events: tuple[Event, ...], name: str, description: str, shown_at: str) -> None:
        gathered.append(Planned(path, partial(calendars.render, events, name, description, shown_at, "/" + path)))

    home = ("Home", "/")
    page("index.html", "home.html", PageMeta("/", config.title, config.description or config.title))

    # Events: upcoming by month, a past archive, a page and a calendar file each.
    events = site.types["events"]
    formats = [(f, FORMAT_LABELS[f]) for f in FORMAT_LABELS if any(e.format == f for e in site.upcoming_events)]
    page(
        "events/index.html",
        "events.html",
        PageMeta("/events/", events.plural, events.description, (home,), alternates=_type_feeds(events, config.title)),
        months=group_by_month(site.upcoming_events),
        past=False,
        formats=formats,
        current_format=None,
        pager=None,
    )
    for fmt, label in formats:
        chosen = tuple(e for e in site.upcoming_events if e.format == fmt)
        page(
            f"events/format/{fmt}/index.html",
            "events.html",
            PageMeta(
                f"/events/format/{fmt}/",
                f"{label} events",
                f"Upcoming {label.lower()} events, by month.",
                (home, ("Events", "/events/")),
            ),
            months=group_by_month(chosen),
            past=False,
            formats=formats,
            current_format=fmt,
            pager=None,
        )
    for pager, chunk in paginate(site.past_events, "/events/past/", PAST_EVENTS_PER_PAGE):
        page(
            pager.urls[pager.number - 1].strip("/") + "/index.html",
            "events.html",
            PageMeta(
                pager.urls[pager.number - 1],
                _paged_title("Past events", pager),
                "Events that have already happened, newest first.",
                (home, ("Events", "/events/")),
            ),
            months=group_by_month(chunk),
            past=True,
            formats=(),
            current_format=None,
            pager=pager,
        )
    for month in months(site):  # a calendar grid of each month with events
        page(
            month.output_path,
            "month.html",
            PageMeta(
                month.url,
                f"Events in {month.title}",
                f"Events in {month.title}, on a calendar.",
                (home, ("Events", "/events/")),
            ),
            month=month,
            weekdays=WEEKDAYS,
        )
    for event in site.events:
        own_page(event)
        own_tasks.append(Planned(event.ics_url.lstrip("/"), partial(calendars.render_event_entry, event), vevent=True))

    # Every other section: its list, a page at a time, and a page for each of its items (types.py).
    for content_type in site.types:
        if content_type.listing != "list.html":
            continue
        items = site.collection(content_type.folder)
        type_feeds = _type_feeds(content_type, config.title)
        for pager, chunk in paginate(items, f"/{content_type.folder}/", ITEMS_PER_PAGE):
            url = pager.urls[pager.number - 1]
            page(
                url.strip("/") + "/index.html",
                "list.html",
                PageMeta(
                    url,
                    _paged_title(content_type.plural, pager),
                    content_type.description,
                    (home,),
                    alternates=type_feeds,
                ),
                items=chunk,
                content_type=content_type.folder,
                pager=pager,
            )
        for each in items:
            own_page(each)
    # Each item's calendar of its events, where its type has one (a series'); a calendar with no events to hold
    # is not made, and its page does not link to one.
    for content_type in site.types:
        if content_type.calendar:
            for owner in site.collection(content_type.folder):
                if held := getattr(owner, content_type.calendar):
                    name = content_type.calendar_name.format(title=owner.title)
                    gathered_calendar(
                        owner.ics_url.lstrip("/"), held, f"{name} ({config.title})", owner.summary, owner.url
                    )

    page(
        "topics/index.html", "topics.html", PageMeta("/topics/", "Topics", "Everything on the site, by topic.", (home,))
    )
    for topic in site.topics:
        own: tuple[tuple[str, str, str], ...] = ((RSS, f"{topic.name}: new on {config.title}", topic.url + "feed.xml"),)
        own += ((ICS, f"{topic.name} events (calendar)", topic.ics_url),) if topic.events else ()
        page(
            topic.output_path,
            "topic.html",
            PageMeta(
                topic.url,
                topic.name,
                f"Events, clusters, offers, stories and resources about {topic.name}.",
                (home, ("Topics", "/topics/")),
                alternates=own,
            ),
            topic=topic,
        )
        if topic.events:
            gathered_calendar(
                topic.ics_url.lstrip("/"),
                topic.events,
                f"{topic.name} events ({config.title})",
                f"Events about {topic.name} from {config.title}.",
                topic.url,
            )

    for content_type in site.types:  # types with no section of their own, such as plain pages
        if content_type.listing is None:
            for plain in site.collection(content_type.folder):
                own_page(plain)

    page(
        "calendars/index.html",
        "calendars.html",
        PageMeta(
            "/calendars/",
            "Subscribe to our calendars",
            "Add our events to Google Calendar, Outlook or "
            "Apple Calendar, and see new and changed events as they happen.",
            (home,),
        ),
    )

    # Search: the Pagefind index of every page (made by render_site, once all are rendered), and a page
    # that searches it, and lists everything A to Z without JavaScript.
    page(
        "search/index.html",
        "search.html",
        PageMeta("/search/", "Search", "Search everything on the site, or browse it all from A to Z.", (home,)),
    )

    page("404.html", "404.html", PageMeta("/404.html", "Page not found", "This page could not be found.", noindex=True))

    # Feeds: the site's news, each type's that has one (types.py) and each topic's.
    news = tuple(item for item in site.items if site.types[item.content_type].news)
    feeds = [("feed.xml", news, config.title, "/", config.description)]
    for t in site.types:
        if t.feed_url and t.section_url:
            feeds.append(
                (
                    t.feed_url.lstrip("/"),
                    site.collection(t.folder),
                    f"{t.plural}: {config.title}",
                    t.section_url,
                    f"New {t.plural.lower()} from {config.title}.",
                )
            )
    for topic in site.topics:
        feeds.append(
            (
                topic.url.lstrip("/") + "feed.xml",
                topic.items,
                f"{topic.name}: {config.title}",
                topic.url,
                f"Everything new about {topic.name} from {config.title}.",
            )
        )
    for path, items, title, link, description in feeds:
        tasks.append(Planned(path, partial(_feed, site, bodies, items, title, link, "/" + path, description)))
    gathered_calendar(
        "events.ics", subscription_events(site), config.title + " events", f"Events from {config.title}.", "/events/"
    )
    tasks.append(Planned("sitemap.xml", partial(render_sitemap, site, sitemap)))  # every page is listed by now
    fixed = {
        **admin_files(config.cms),
        "_headers": headers_file(bool(config.cms)).encode(),
        "robots.txt": f"User-agent: *\nAllow: /\n\nSitemap: {config.absolute('/sitemap.xml')}\n".encode(),
    }
    return SiteMap(tasks + own_tasks, gathered, fixed, copies, sitemap, calendars, env)


def render_site(
    site: Site,
    bodies: Bodies,
    templates_dir: Path,
    static_dir: Path,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    sink: Sink | None = None,
    plan: SiteMap | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> Rendered:
    """Render every file of the site map (`plan`, or worked out here) across `workers`. With a sink, each
    page and calendar goes to it as soon as it is made, by the worker that made it (so writing shares the
    cores and nothing large travels back); without one, all are kept in memory. `meanwhile` is the caller's
    own work, which needs nothing rendered: it is run while Pagefind makes the index files, the last thing
    the build waits for, with a core to spare."""
    if plan is None:
        plan = site_map(site, bodies, make_environment(templates_dir, site), static_dir)
    env, calendars = plan.env, plan.calendars
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)  # compile once, before workers are forked
    out = Rendered(copies=dict(plan.copies), sitemap=plan.sitemap)
    # First what the search index is made from (search.Indexer), alone: the main content of each item's page,
    # without what Pagefind would ignore, a fraction of the page's cost. Pagefind reads these on every core,
    # then builds the index on about one, which the build waits for. Every file of the site is made
    # meanwhile, by workers of a lower priority than Pagefind's: a worker that took Pagefind's core would
    # make the build longer, and once Pagefind is done (first, on a small site) they have every core.
    items = [planned for planned in plan.made if planned.given is not None and "item" in planned.given]
    indexed = {id(planned) for planned in items}
    total = len(items) + len(plan.made)
    with Indexer() as index:
        index_pages, other_pages = index.batch(0), index.batch(1)
        index.prepare(0, (planned.path for planned in items))
        searchable_pages = sum(
            run_all(
                [partial(_indexed, env, planned, index_pages) for planned in items],
                workers,
                _offset(progress, 0, total),
            )
        )
        index.add(0)
        index.start_files()
        index.prepare(1, (planned.path for planned in plan.made if id(planned) not in indexed))
        made = run_all(
            [partial(_made, sink, planned, None if id(planned) in indexed else other_pages) for planned in plan.made],
            workers,
            _offset(progress, len(items), total),
            yielding=True,
        )
        for planned, (data, vevent, searched) in zip(plan.made, made):
            if data is not None:
                out.files[planned.path] = data
            if vevent is not None:
                calendars.preload(*vevent)
            searchable_pages += searched
        if searchable_pages > index.indexed:  # a page of a template of the site's own marks itself searchable
            index.add(1)
        for planned in plan.gathered:
            data = planned.make()
            if sink is None:
                out.files[planned.path] = data
            else:
                sink(planned.path, data)
        if sink is not None:
            out.sent.extend(planned.path for planned in [*plan.made, *plan.gathered])
        if meanwhile is not None:
            meanwhile()
        out.files.update(index.files(searchable_pages))
    out.files.update(plan.fixed)
    return out


def item_page(item: Item, site: Site) -> tuple[str, str, PageMeta]:
    """An item's own page: its output path, template and meta."""
    if isinstance(item, Event):
        meta = _item_meta(item, site, alternates=((ICS, f"{item.title} (calendar file)", item.ics_url),))
    elif not site.types[item.content_type].listing:  # no section to be in: plain pages
        meta = _item_meta(item, site, breadcrumbs=(("Home", "/"),))
    else:
        calendar = site.types[item.content_type].calendar  # no calendar without events
        own = ((ICS, f"{item.title} (calendar)", item.ics_url),) if calendar and getattr(item, calendar) else ()
        meta = _item_meta(item, site, alternates=own)
    return item.output_path, site.types[item.content_type].template, meta


def render_item_page(site: Site, item: Item, body: str, templates_dir: Path, static_dir: Path) -> tuple[str, bytes]:
    """One item's own page, exactly as render_site makes it: its output path and bytes."""
    env = make_environment(templates_dir, site)
    path, template, meta = item_page(item, site)
    assets = _static_assets(static_dir, {})
    return path, _render_page(
        env.get_template(template), dict(site=site, page=meta, assets=assets, item=item, body=body)
    )


def _indexed(env: jinja2.Environment, planned: Planned, search_batch: Batch) -> bool:
    """Write what the search index reads of an item's page (the page made with `index_only`: its main
    content, less what Pagefind ignores) into `search_batch`'s folder; whether it is searchable."""
    assert planned.template is not None and planned.given is not None
    return keep(search_batch, planned.path, _render_named(env, planned.template, {**planned.given, "index_only": True}))


def _made(
    sink: Sink | None, planned: Planned, search_batch: Batch | None
) -> tuple[bytes | None, tuple[str, bytes] | None, bool]:
    """Make one file: its bytes go to the sink when there is one, else they come back. An event calendar's
    VEVENT comes back too, and whether the file is a page for the search index (written into
    `search_batch`'s folder, search.keep; None for a page that is there already)."""
    data, vevent = planned.make() if planned.vevent else (planned.make(), None)
    searched = keep(search_batch, planned.path, data) if search_batch is not None else False
    if sink is None:
        return data, vevent, searched
    sink(planned.path, data)
    return None, vevent, searched


def _offset(progress: Callable[[int, int], None] | None, before: int, total: int) -> Callable[[int, int], None] | None:
    """Progress of one part of the tasks, reported as progress of them all."""
    if progress is None:
        return None
    report = progress
    return lambda done, _: report(before + done, total)


def _render_named(env: jinja2.Environment, template: str, context: dict[str, Any]) -> bytes:
    return env.get_template(template).render(**context).encode("utf-8")


def _render_page(template: jinja2.Template, context: dict[str, Any]) -> bytes:
    return template.render(**context).encode("utf-8")


def _item_meta(
    item: Item,
    site: Site,
    breadcrumbs: tuple[tuple[str, str], ...] | None = None,
    alternates: tuple[tuple[str, str, str], ...] = (),
) -> PageMeta:
    if breadcrumbs is None:
        content_type = site.types[item.content_type]
        breadcrumbs = (("Home", "/"), (content_type.plural, f"/{content_type.folder}/"))
    return PageMeta(
        item.url, item.title, item.summary, breadcrumbs, item.updated or item.published, alternates=alternates
    )


def _type_feeds(content_type: ContentType, site_title: str) -> tuple[tuple[str, str, str], ...]:
    """A type's list pages' alternate: its feed, if it has one."""
    if not content_type.feed_url:
        return ()
    return ((RSS, f"{site_title}: new {content_type.plural.lower()}", content_type.feed_url),)


def _runs(items: Any, attribute: str) -> list[tuple[Any, list]]:
    """Consecutive items sharing an attribute, in their order (Jinja's groupby sorts first)."""
    return [(key, list(run)) for key, run in itertools.groupby(items, key=lambda item: getattr(item, attribute))]


def _feed(
    site: Site, bodies: Bodies, items: tuple[Item, ...], title: str, url: str, feed_url: str, description: str
) -> bytes:
    """An RSS feed of the newest of these items."""
    return render_rss(site, bodies, feed_items(items, site), title, url, feed_url, description)


def _static_assets(static_dir: Path, copies: dict[str, Path]) -> dict[str, str]:
    """Copy static files; return their URLs with a content hash so browsers never keep a stale copy."""
    urls = {}
    if static_dir.is_dir():
        for path in sorted(p for p in static_dir.rglob("*") if p.is_file()):
            rel = path.relative_to(static_dir).as_posix()
            copies[f"static/{rel}"] = path
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
            urls[rel] = f"/static/{rel}?v={digest}"
    return urls


def _json_ld(data: Any) -> str:
    """JSON for a <script type="application/ld+json">: '<' escaped so no text can close the script."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=None)
    return jinja2.utils.markupsafe.Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
