"""The Site model: everything templates and feeds read, with cross references resolved.

All classes are frozen. An item carries every field its type declares
(types.ContentType.fields), by the field's name, as `carry` sets them: the
classes here add only what is worked out from those fields (an event's `when`).
Cross references (an event's series, a series' events) are cycles, so
`resolve.resolve_site` makes the items first and then links them, once, with
`link`; nothing changes them afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .dates import as_datetime, event_when, iso, local_day, moment_when, month_year

if TYPE_CHECKING:
    from ..content.config import Config
    from ..content.types import ContentType, ContentTypes

# ---------------------------------------------------------------- parts


@dataclass(frozen=True)
class Picture:
    """An image as the site publishes it (images.py): sizes and formats for <picture>, never the original."""

    width: int  # of the largest size published, for the <img>'s width and height
    height: int
    src: str  # the fallback (JPEG for photos, PNG for graphics) at that size
    srcset: str  # the fallback at every size
    type: str  # the fallback's MIME type
    sources: tuple[tuple[str, str], ...]  # (MIME type, srcset) of the better formats, best first
    social: str | None = None  # the 1200 x 630 crop for og:image, when the image can be shared
    download: str | None = None  # the full-size picture (still without metadata), when the editor asked


@dataclass(frozen=True)
class Image:
    src: str  # root-relative URL of the original, e.g. /media/images/hall.jpg (itself never published)
    alt: str
    picture: Picture | None = None  # None only where images were not processed (the preview's first look)


@dataclass(frozen=True)
class Venue:
    name: str
    address: str
    postcode: str = ""
    town: str = ""  # when not the address's last part
    country: str = ""  # ISO 3166 two letters, when not the site's

    @property
    def one_line(self) -> str:
        return ", ".join(part for part in (self.name, self.address, self.town, self.postcode) if part)

    @property
    def locality(self) -> str:
        """The town: as given, or the last part of the address ('1 Long Road, Leeds' -> 'Leeds')."""
        if self.town:
            return self.town
        parts = [part.strip() for part in self.address.split(",")]
        return parts[-1] if len(parts) > 1 else ""

    @property
    def street(self) -> str:
        """The address without the town the locality took from its end."""
        if self.town or "," not in self.address:
            return self.address
        return self.address.rsplit(",", 1)[0].strip()


@dataclass(frozen=True)
class Online:
    platform: str = ""
    joining: str = ""
    url: str = ""  # a public page to join from, never a private meeting link


@dataclass(frozen=True)
class Contact:
    """How to book an event or apply to a cluster."""

    url: str = ""
    email: str = ""
    deadline: date | None = None


@dataclass(frozen=True)
class Partner:
    name: str
    url: str = ""


@dataclass(frozen=True)
class Window:
    opens: date
    closes: date


@dataclass(frozen=True)
class Figure:
    value: str
    label: str


@dataclass(frozen=True)
class Action:
    area: str
    what: str
    how: str
    who: str = ""
    when: str = ""
    status: str = ""


@dataclass(frozen=True)
class ActionGroup:
    area: str
    actions: tuple[Action, ...]


# ---------------------------------------------------------------- items


@dataclass(frozen=True)
class Body:
    """An item's Markdown body as HTML, and the links in it to pages of the site.

    Bodies are kept apart from the Site: an item's page is given its own body and no template can reach
    another's, so every page depends on the site's front matter and at most its own body."""

    html: str
    links: tuple[str, ...]  # site-relative
    link_lines: tuple[int, ...] = ()  # the line of the content file each of `links` is on


Bodies = dict[str, Body]  # by the item's URL


@dataclass(frozen=True, eq=False)
class Item:
    """What every content type has (content contract, "Fields every type has"). Besides these, an item
    carries each field its type declares, by its name (`item.start`, `item.venue`: `carry`), and the items
    that name it (`link`)."""

    content_type: str  # the folder: events, series, ...
    slug: str
    source: str  # the content file, as shown to editors
    title: str
    summary: str
    topic_names: tuple[str, ...]
    draft: bool
    published: date | datetime | None
    updated: date | datetime | None
    image: Image | None
    url: str
    output_path: str
    topics: tuple["Topic", ...] = ()
    related: tuple["Item", ...] = ()
    label: str = ""  # the type as a visitor reads it, singular (its declaration's, types.ContentType)

    def __getattr__(self, name: str) -> Any:
        # Only what the item does not carry comes here: its declared fields are in its __dict__ (`carry`).
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(
            f"{self.__dict__.get('content_type', 'this item')!r} has no field {name!r} "
            "(declared fields are types.ContentType.fields)"
        )


# The classes of the standard types: only what is worked out from the fields each type declares.


@dataclass(frozen=True, eq=False)
class Event(Item):
    """Carries the fields of schema.EVENT, and `tz` and `is_past` (resolve.event_derived)."""

    @property
    def ics_url(self) -> str:
        return f"/{self.content_type}/{self.slug}.ics"

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def when(self) -> str:
        return event_when(self.start, self.end, self.tz)

    @property
    def previous_when(self) -> str:
        """When it was going to start, before it moved ('' if it has not moved)."""
        if self.rescheduled_from is None:
            return ""
        return moment_when(self.rescheduled_from, self.tz)

    @property
    def start_iso(self) -> str:
        return iso(self.start, self.tz)

    @property
    def end_iso(self) -> str:
        return iso(self.end, self.tz)

    @property
    def start_day(self) -> date:
        return local_day(self.start, self.tz)

    @property
    def month(self) -> str:
        return month_year(self.start_day)

    @property
    def sort_key(self) -> tuple:
        return (as_datetime(self.start, self.tz).timestamp(), self.slug)

    @property
    def format_label(self) -> str:
        return {"online": "Online", "in-person": "In person", "hybrid": "In person and online"}[self.format]

    @property
    def status_label(self) -> str:
        return {"scheduled": "", "cancelled": "Cancelled", "postponed": "Postponed", "full": "Fully booked"}[
            self.status
        ]

    @property
    def bookable(self) -> bool:
        return self.status == "scheduled" and not self.is_past and self.booking is not None


@dataclass(frozen=True, eq=False)
class Series(Item):
    """Its `events` are linked by resolve (the events' `series`); `ics_url` is its calendar's."""

    @property
    def upcoming(self) -> tuple[Event, ...]:
        return upcoming(self.events)

    @property
    def past(self) -> tuple[Event, ...]:
        return past(self.events)


@dataclass(frozen=True, eq=False)
class Cluster(Item):
    """Carries the fields of schema.CLUSTER; its `meetings` are linked by resolve (the events' `cluster`);
    `ics_url` is its calendar's."""

    @property
    def status_label(self) -> str:
        return {"coming-soon": "Coming soon", "open": "Open to join", "running": "Running", "closed": "Closed"}[
            self.status
        ]

    @property
    def upcoming(self) -> tuple[Event, ...]:
        return upcoming(self.meetings)


@dataclass(frozen=True, eq=False)
class Offer(Item):
    """Carries the fields of schema.OFFER (its windows in order), and `current_window`, `next_window` and
    `ended` (resolve.offer_derived)."""


@dataclass(frozen=True, eq=False)
class Story(Item):
    """Carries the fields of schema.STORY."""


@dataclass(frozen=True, eq=False)
class Resource(Item):
    """Carries the fields of schema.RESOURCE (its `file` as a root-relative URL, its `url` as
    `external_url`), and `file_size` (resolve.resource_derived)."""

    @property
    def action_groups(self) -> tuple[ActionGroup, ...]:
        """Actions grouped by area, areas in the order they first appear."""
        order: dict[str, list[Action]] = {}
        for action in self.actions:
            order.setdefault(action.area, []).append(action)
        return tuple(ActionGroup(area, tuple(actions)) for area, actions in order.items())


@dataclass(frozen=True, eq=False)
class Page(Item):
    pass


@dataclass(frozen=True, eq=False)
class Topic:
    name: str
    slug: str
    url: str
    output_path: str
    ics_url: str
    items: tuple[Item, ...]  # everything tagged, events first, then by type

    def of_type(self, content_type: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.content_type == content_type)

    @property
    def upcoming_events(self) -> tuple[Event, ...]:
        return upcoming(self.events)

    @property
    def past_events(self) -> tuple[Event, ...]:
        return past(self.events)

    @property
    def events(self) -> tuple[Event, ...]:
        return tuple(i for i in self.items if isinstance(i, Event))


@dataclass(frozen=True)
class Section:
    """A content type with its items, as the templates list them (Site.sections)."""

    type: "ContentType"
    items: tuple[Item, ...]

    def __getattr__(self, name: str) -> Any:  # folder, plural, section_url...: the type's
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.type, name)


@dataclass(frozen=True, eq=False)
class Site:
    """The whole site, as every template and feed sees it. Each type's items are `site.<folder>`
    (`site.events`, by start; `site.stories`, newest first: each in its type's order)."""

    config: Config
    today: date
    types: "ContentTypes"  # the content types, in the site's order (types.py)
    collections: dict[str, tuple[Item, ...]]  # each type's items, by its folder
    topics: tuple[Topic, ...]  # by name
    default_image: Image | None = None  # site.yaml's `image`: shared with links to pages without one

    def __getattr__(self, name: str) -> Any:
        # Only what normal lookup does not find comes here: a type's items, by its folder.
        if name.startswith("__") or name == "collections":
            raise AttributeError(name)
        try:
            return self.collections[name]
        except KeyError:
            raise AttributeError(f"the site has no {name!r} (its types are {', '.join(self.collections)})") from None

    @property
    def upcoming_events(self) -> tuple[Event, ...]:
        return upcoming(self.events)

    @property
    def past_events(self) -> tuple[Event, ...]:
        return past(self.events)

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for content_type in self.types for item in self.collections[content_type.folder])

    @property
    def sections(self) -> tuple[Section, ...]:
        """Every content type with its items, in the site's order."""
        return tuple(Section(t, self.collections[t.folder]) for t in self.types)

    def collection(self, content_type: str) -> tuple[Item, ...]:
        return self.collections[content_type]


def upcoming(events: tuple[Event, ...]) -> tuple[Event, ...]:
    """The events not yet over, soonest first (events are kept in start order)."""
    return tuple(e for e in events if not e.is_past)


def past(events: tuple[Event, ...]) -> tuple[Event, ...]:
    """The events already over, most recent first."""
    return tuple(reversed([e for e in events if e.is_past]))


# The fields resolve sets from other items, by link(), besides those the types name (an event's `series`, a
# series' `events`: types.ContentTypes.links). Every other field of an item is a pure function of its own
# front matter, the settings and the build date.
LINKS = ("topics", "related")


def carry(item: Item, values: dict[str, Any]) -> None:
    """Give a new item the fields its type declares; only resolve.make_item calls this, as it makes it."""
    for name, value in values.items():
        object.__setattr__(item, name, value)


def link(item: Any, **attributes: Any) -> None:
    """Set cross references on a frozen item; only resolve (and the preview) calls this, before anyone
    reads it."""
    for name, value in attributes.items():
        object.__setattr__(item, name, value)


def group_by_month(events: tuple[Event, ...]) -> list[tuple[str, list[Event]]]:
    """Events in month groups, keeping their order: [("March 2027", [...]), ...]."""
    groups: list[tuple[str, list[Event]]] = []
    for event in events:
        if not groups or groups[-1][0] != event.month:
            groups.append((event.month, []))
        groups[-1][1].append(event)
    return groups
