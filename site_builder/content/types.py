"""The content types: one declaration each, read by every stage.

A type's declaration says everything the builder asks of it: its folder, its
labels, its fields (besides the ones every type has, `schema.COMMON`), which
its items carry by the same names, the class of its items (only what is worked
out from those fields) and what they take from the build, the order the
site lists them in, the template of their pages and of its list page, the
macros of its cards, its calendars, feed and schema.org data, its URL, the
types its fields name, and whether its items are news. Discover reads the
folders, validate the fields and checks, checks the `published` rule, resolve
the model, order, URL and references, render the templates, listings,
calendars and feeds, the templates `site.types`, `site.sections` and
`type_of(item)`, `new` the fields, names and prefilled values, the command
line its help. Adding a type is one declaration here, one template and one
fixture; adding a field to a type is its `Field` alone.

The registry is a value, passed in (`pipeline.Options.types`, then
`Site.types`), never a global that anything changes: a site with a type of its
own builds with a registry of its own, `ContentTypes(*STANDARD_TYPES, mine)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import date
from typing import Any, Callable, Iterator, Literal

from .config import Config
from ..site.model import LINKS, Cluster, Event, Item, Offer, Page, Resource, Series, Story
from ..site.resolve import by_start, by_title, event_derived, newest_first, offer_derived, resource_derived
from ..dev.scaffold import event_prefill
from ..output.structured import event_json_ld
from .schema import CLUSTER, COMMON, EVENT, KINDS_OWN, OFFER, PAGE, RESOURCE, SERIES, STORY, Field, Kind
from .validate import Record, check_event, check_resource

# Top-level addresses that are not a type's: a page slug may not take one of these, nor a section's folder.
SITE_PATHS = frozenset({"topics", "media", "static", "feed", "search", "404", "index", "sitemap", "robots"})


@dataclass(frozen=True, eq=False)
class ContentType:
    """One content type, declared once."""

    folder: str  # content/<folder>/; the type's name everywhere (Item.content_type)
    singular: str  # as a visitor reads it: "Case story"
    plural: str  # "Case stories"; the heading of its section, its list page and its navigation entry
    model: type[Item]  # the class of its items: model.Item, or one with what is worked out from their fields
    template: str  # the template of each item's own page
    fields: tuple[Field, ...] = ()  # its own fields, after those every type has (schema.COMMON)
    aliases: tuple[str, ...] = ()  # other names `new` accepts for it, such as "event"
    url: str = "/{folder}/{slug}/"  # each item's address
    order: Callable[[list[Any], Config], tuple] = by_title  # the order the site lists its items in
    # What its items carry besides their fields, from the build (the settings, the day): an event's `is_past`.
    # Given the fields as the items carry them and the checked file; what it returns is carried too, and
    # replaces a field of the same name (an offer's windows, in order).
    derive: Callable[[dict[str, Any], Record, Config, date], dict[str, Any]] | None = None
    check: Callable[[dict, dict[str, int], Any], None] | None = None  # checks across its fields (validate)
    # The template of its list page, at /<folder>/, which makes it a section of the site, in the main
    # navigation; None: no section ("pages" are linked from the footer). render_site makes "list.html"
    # pages itself, paginated; the events' own listings (by month, by format, past) are made by its code.
    listing: str | None = "list.html"
    description: str = ""  # the lead of its list page
    card: str = "item_card"  # the macro in _macros.html that shows one of its items in lists, given (item, heading)
    card_meta: str | None = None  # the macro in _macros.html writing item_card's line under the title, if any
    dated: bool = False  # whether its cards and search results show the day each item was published
    section_pages: frozenset[str] = frozenset({"page"})  # slugs its section's own pages use
    feed: bool = False  # an RSS feed of its new items, at /<folder>/feed.xml
    news: bool = True  # whether its dated items are in the site's news feed (/feed.xml)
    # "required": an error without it; "expected": a warning, since the item is then not news; "optional".
    published: Literal["required", "expected", "optional"] = "expected"
    related: bool = True  # whether its items list related items and are listed as related
    # Fields that name an item of another type: (field, that type's folder, the attribute of that item which
    # lists the items naming it, in this type's order). An event's `series: listening-well` makes the event's
    # `series` that series, and puts the event in the series' `events` (ContentTypes.links).
    references: tuple[tuple[str, str, str], ...] = ()
    # The schema.org data of each item's page, as JSON-LD in its <head> (events: structured.event_json_ld).
    structured_data: Callable[[Any, Any], dict[str, Any]] | None = None
    # The attributes of its items with a download's address and its size in bytes, which feeds enclose.
    enclosure: tuple[str, str] | None = None
    # The attribute listing the events of each of its items' own calendar, at /<folder>/<slug>.ics (its items
    # carry the address as `ics_url`), and the calendar's name; None: no calendars (events have their own).
    calendar: str | None = None
    calendar_name: str = "{title}"
    # Values `new` writes into a new file besides the title and the day (an event's start and end).
    prefill: Callable[[date], dict[str, str]] | None = None

    def item_url(self, slug: str) -> str:
        return self.url.format(folder=self.folder, slug=slug)

    @property
    def section_url(self) -> str | None:
        """The address of its list page, if it has a section."""
        return f"/{self.folder}/" if self.listing else None

    @property
    def feed_url(self) -> str | None:
        return f"/{self.folder}/feed.xml" if self.feed else None

    @property
    def top_level(self) -> bool:
        """Whether its items' addresses are at the top of the site, beside the sections."""
        return self.item_url("x") == "/x/"

    def carried(self, record: Record, config: Config, today: date) -> dict[str, Any]:
        """What each of its items carries besides the fields every type has: each of its own fields, by its
        name (schema.Kind.carried, or its default when the file leaves it out), or None for a field naming another item until resolve links it, and
        what `derive` adds."""
        data = record.data
        values = {
            attribute: None if named else kind.carried(data[name]) if name in data else absent
            for attribute, name, kind, absent, named in self._carrying
        }
        if self.calendar:
            values["ics_url"] = f"/{self.folder}/{record.slug}.ics"
        if self.derive is not None:
            values.update(self.derive(values, record, config, today))
        return values

    @cached_property
    def _carrying(self) -> tuple[tuple[str, str, Kind, Any, bool], ...]:
        """Each field as `carried` reads it: where items carry it, its name, kind, value when left out, and
        whether it names another item."""
        named = {name for name, _, _ in self.references}
        return tuple(
            (f.carried_as, f.name, f.kind, f.kind.absent if f.default is KINDS_OWN else f.default, f.name in named)
            for f in self.fields
        )

    def __repr__(self) -> str:  # what it is called in a page's key, and in a debugger
        return f"ContentType({self.folder!r})"


class ContentTypes:
    """The registry: the site's content types, in the order the site lists them (its navigation, its
    search page, a topic's sections, everything at once)."""

    def __init__(self, *types: ContentType):
        self._types = types
        self._by_folder = {t.folder: t for t in types}
        assert len(self._by_folder) == len(types), "two content types share a folder"
        self._schemas = {t.folder: {f.name: f for f in (*COMMON, *t.fields)} for t in types}
        # The attributes resolve links, by the folder of the items that have them: the fields naming an item
        # (an event's `series`), and those listing the items naming it (a series' `events`).
        self._linked: dict[str, dict[str, Any]] = {t.folder: {} for t in types}
        for t in types:
            for name, folder, back in t.references:
                self._linked[t.folder][name] = None
                self._linked[folder][back] = ()
        for t in types:
            carried = [f.carried_as for f in t.fields]
            # A class may declare a field too (for the type checker), not use its name for anything else.
            own = set(dir(t.model)) - set(t.model.__dataclass_fields__)
            taken = set(carried) & ({f.name for f in COMMON} | set(Item.__dataclass_fields__) | own)
            twice = {name for name in carried if carried.count(name) > 1}
            if taken or twice:
                raise ValueError(
                    f"{t.folder}: its items cannot carry the fields {sorted(taken | twice)}, whose "
                    "names are taken (expected another name, or `attribute=` naming where items "
                    "carry it)"
                )

    def __iter__(self) -> Iterator[ContentType]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)

    def __getitem__(self, folder: str) -> ContentType:
        return self._by_folder[folder]

    def __contains__(self, folder: object) -> bool:
        return folder in self._by_folder

    def __repr__(self) -> str:
        return f"ContentTypes{self.folders!r}"

    @property
    def folders(self) -> tuple[str, ...]:
        return tuple(self._by_folder)

    def index(self, folder: str) -> int:
        return self.folders.index(folder)

    def named(self, name: str) -> ContentType | None:
        """The type an editor means by `name`: its folder or one of its aliases, in any case."""
        name = name.lower()
        return next((t for t in self._types if name == t.folder or name in t.aliases), None)

    def schema(self, folder: str) -> dict[str, Field]:
        """Every field of a type, by name: those every type has, then its own."""
        return self._schemas[folder]

    def linked(self, folder: str) -> dict[str, Any]:
        """The attributes resolve links on a type's items, each with what it holds until then."""
        return self._linked[folder]

    @property
    def links(self) -> tuple[str, ...]:
        """Every attribute resolve sets from other items (model.link)."""
        return tuple(dict.fromkeys([*LINKS, *(name for linked in self._linked.values() for name in linked)]))

    @property
    def schemas(self) -> dict[str, dict[str, Field]]:
        return dict(self._schemas)

    @property
    def reserved(self) -> frozenset[str]:
        """Slugs an item at the top of the site may not take: the sections and the site's own files."""
        return SITE_PATHS | {t.folder for t in self._types if t.listing}

    def signature(self) -> str:
        """The declarations as text, for the keys of what a build keeps: the same registry, the same text."""
        return "\n".join(
            f"{t.folder}|{t.singular}|{t.plural}|{t.model.__module__}.{t.model.__qualname__}|"
            f"{t.template}|{t.card}|{t.card_meta}|{t.dated}|{t.calendar}|{t.calendar_name}|{t.enclosure}|{_named(t.structured_data)}|{t.url}|{t.listing}|{t.feed}|{t.news}|{t.published}|{t.related}|"
            f"{sorted(t.section_pages)}|{t.references}|{_named(t.order)}|{_named(t.derive)}|"
            f"{_named(t.check)}|" + ";".join(_described(f) for f in t.fields)
            for t in self._types
        )


def _named(function: Callable | None) -> str:
    return f"{function.__module__}.{function.__qualname__}" if function is not None else ""


def _described(value: Any) -> str:
    if isinstance(value, Field):
        return f"{value.name}:{value.required}:{_described(value.kind)}"
    if isinstance(value, Kind):
        inner = {name: _described(each) for name, each in sorted(vars(value).items())}
        return f"{type(value).__name__}{inner}"
    if isinstance(value, dict):
        return "{" + ",".join(_described(each) for each in value.values()) + "}"
    if callable(value):
        return _named(value)
    return repr(value)


STANDARD_TYPES = ContentTypes(
    ContentType(
        "events",
        "Event",
        "Events",
        Event,
        "event.html",
        EVENT,
        aliases=("event",),
        order=by_start,
        derive=event_derived,
        check=check_event,
        prefill=event_prefill,
        listing="events.html",
        card="event_card",
        structured_data=event_json_ld,
        references=(("series", "series", "events"), ("cluster", "clusters", "meetings")),
        description="Upcoming events, by month.",
        section_pages=frozenset({"past", "format", "page"}),
        feed=True,
    ),
    ContentType(
        "series",
        "Learning series",
        "Learning series",
        Series,
        "series.html",
        SERIES,
        calendar="events",
        description="Learning series: groups of events on one theme.",
        feed=True,
    ),
    ContentType(
        "clusters",
        "Learning cluster",
        "Learning clusters",
        Cluster,
        "cluster.html",
        CLUSTER,
        aliases=("cluster",),
        card_meta="status_meta",
        calendar="meetings",
        calendar_name="{title} meetings",
        description="Learning clusters: peer groups that meet several times a year.",
        feed=True,
    ),
    ContentType(
        "offers",
        "Support offer",
        "Support offers",
        Offer,
        "offer.html",
        OFFER,
        aliases=("offer",),
        derive=offer_derived,
        card_meta="partner_meta",
        description="Support offers from partner organisations.",
        feed=True,
    ),
    ContentType(
        "stories",
        "Case story",
        "Case stories",
        Story,
        "story.html",
        STORY,
        aliases=("story",),
        order=newest_first,
        dated=True,
        description="Case stories from places doing this work.",
        feed=True,
        published="required",
    ),
    ContentType(
        "resources",
        "Resource",
        "Resources",
        Resource,
        "resource.html",
        RESOURCE,
        aliases=("resource",),
        order=newest_first,
        dated=True,
        derive=resource_derived,
        enclosure=("file", "file_size"),
        check=check_resource,
        description="Toolkits, guides, plans and reports.",
        published="required",
        feed=True,
    ),
    ContentType(
        "pages",
        "Page",
        "Pages",
        Page,
        "page.html",
        PAGE,
        aliases=("page",),
        url="/{slug}/",
        listing=None,
        section_pages=frozenset(),
        published="optional",
        related=False,
    ),
)
