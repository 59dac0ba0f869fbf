"""What an item's own page reads of the site, so a rebuild can tell which pages an edit can have changed.

An item's page is made from its template, the code, the settings, the build date, its own body, and
whatever its template reads of the site's items and topics. Jinja reads every attribute through its
environment, so `TrackingEnvironment` notes each item, topic and Site attribute a page touches; helpers the
templates call note what they read themselves. A page's key holds the state of each thing it read
(`States`), and the next build works that key out again from the same things' new states: when it is the
same, nothing the page read has changed, and neither has the page, since a template is a pure function
of what it reads.

The states are cheap because an item is a pure function of its own front matter, the settings and the
date, and of the links resolve sets between items (model.LINKS). So an item's state is its front
matter's digest and the identity of each item and topic it links to; those items' own states are read
only if the page reads them.

A field of an item or topic is read as it is. A property or method of one may read the items it links to
(`series.upcoming` reads each event's date), so reading one notes those items too. A property or method
of the Site itself reads the whole site: a page that uses one is keyed by the whole site's front matter,
as listings are.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from typing import Any, Iterable

import jinja2

from .model import LINKS, Item, Site, Topic

Read = tuple[str, str]  # ("item", url), ("topic", slug), ("members", slug), ("site", field)
WHOLE_SITE: Read = ("site", "*")  # read something that depends on every item: keyed by the whole site


class TrackingEnvironment(jinja2.Environment):
    """A Jinja environment that notes what a template reads while `reads` is a set (see above)."""

    reads: set[Read] | None = None

    def getattr(self, obj: Any, attribute: str) -> Any:
        if self.reads is not None and type(obj) in _TRACKED:
            _note(self.reads, obj, attribute)
        # As jinja2.Environment.getattr (every attribute a template reads comes here: kept short).
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        # `site["events"]`, and filters given an attribute (`sort(attribute="title")`), come here.
        if self.reads is not None and type(obj) in _TRACKED and isinstance(argument, str):
            _note(self.reads, obj, argument)
        return super().getitem(obj, argument)

    def note(self, obj: Item | Topic) -> None:
        """A helper read this item or topic, and perhaps what it links to."""
        if self.reads is not None:
            self.reads.update(deep(obj))


def _subclasses(cls: type) -> set[type]:
    return {cls}.union(*(_subclasses(sub) for sub in cls.__subclasses__()))


_TRACKED = frozenset({Site, Topic, *_subclasses(Item)})


@functools.cache
def _fields(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


_TOPIC_OWN = _fields(Topic) - {"items"}


def _note(reads: set[Read], obj: Any, name: str) -> None:
    kind = type(obj)
    if kind is Site:
        reads.add(("site", name) if name in _fields(Site) else WHOLE_SITE)
    elif kind is Topic:
        if name in _TOPIC_OWN:
            reads.add(("topic", obj.slug))
        else:
            reads.update(deep(obj))
    elif name in _fields(kind):
        reads.add(("item", obj.url))
    else:
        reads.update(deep(obj))


def deep(obj: Item | Topic) -> Iterable[Read]:
    """An item or topic, with every item and topic it links to."""
    if isinstance(obj, Topic):
        yield ("topic", obj.slug)
        yield ("members", obj.slug)
        for item in obj.items:
            yield ("item", item.url)
        return
    yield ("item", obj.url)
    for name in LINKS:
        value = getattr(obj, name, None)
        for linked in value if isinstance(value, tuple) else (value,):
            if isinstance(linked, Item):
                yield ("item", linked.url)
            elif isinstance(linked, Topic):
                yield ("topic", linked.slug)


class States:
    """The state of each item, topic and Site field of one site, as a digest (see above). `fronts` holds
    each item's front-matter digest, by its URL."""

    def __init__(self, site: Site, fronts: dict[str, str]):
        self.site = site
        self.fronts = fronts
        self._items = {item.url: item for item in site.items}
        self._topics = {topic.slug: topic for topic in site.topics}
        self._known: dict[Read, bytes | None] = {WHOLE_SITE: None}  # each read, with its state, as bytes

    def all(self) -> None:
        """Work out every item's and topic's state now: once, before the workers are forked."""
        for url in self._items:
            self.of(("item", url))
        for slug in self._topics:
            self.of(("topic", slug))
            self.of(("members", slug))

    def of(self, read: Read) -> bytes | None:
        """What was read with its state; None when it is not in the site (or is the whole site)."""
        known = self._known.get(read, False)
        if known is False:
            state = self._state(*read)
            known = self._known[read] = None if state is None else \
                f"{read[0]}\0{read[1]}\0{state}\0".encode("utf-8", "surrogatepass")
        return known

    def key(self, reads: tuple[Read, ...]) -> str | None:
        """One digest of the states of all that a page read (in sorted order); None when one is gone."""
        lines = [self.of(read) for read in reads]
        if None in lines:
            return None
        return hashlib.sha256(b"".join(lines)).hexdigest()  # type: ignore[arg-type]

    def _state(self, kind: str, name: str) -> str | None:
        if kind == "item":
            item = self._items.get(name)
            if item is None or name not in self.fronts:
                return None
            parts = [self.fronts[name], *(_identity(getattr(item, link, None)) for link in LINKS)]
        elif kind in ("topic", "members"):
            topic = self._topics.get(name)
            if topic is None:
                return None
            parts = [_identity(topic.items)] if kind == "members" else \
                [repr(getattr(topic, field)) for field in sorted(_TOPIC_OWN)]
        elif kind == "site" and name in _fields(Site):
            parts = [_identity(getattr(self.site, name))]
        else:
            return None
        return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _identity(value: Any) -> str:
    """What names an item, topic or tuple of them; anything else (the settings, the date) as its repr."""
    if isinstance(value, Item):
        return value.url
    if isinstance(value, Topic):
        return "#" + value.slug
    if isinstance(value, tuple):
        return "(" + ",".join(_identity(each) for each in value) + ")"
    return repr(value)
