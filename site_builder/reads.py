"""What a page reads of the site, so a rebuild can tell which pages an edit can have changed.

A page is made from its template, the code, the settings, the build date, what render gives it (an item
and its body; or a listing's items, in order, under their headings), and whatever its template reads of
the site's items and topics. Jinja reads every attribute through its environment, so `TrackingEnvironment`
notes each item, topic and Site field a page touches; helpers the templates call note what they read
themselves. A page's key holds the state of each thing it read (`States`) and what it was given (with
items by `identity`), and the next build works that key out again from the same things' new states: when
it is the same, nothing the page read has changed, and neither has the page, since a template is a pure
function of what it reads.

The states are cheap because an item is a pure function of its own front matter, the settings and the
date, and of the links resolve sets between items (model.LINKS). So an item's state is its front
matter's digest and the identity of each item and topic it links to; those items' own states are read
only if the page reads them.

A field of an item or topic is read as it is. A property or method of one may read the items it links to
(`series.upcoming` reads each event's date), so reading one notes those items too, unless its bytecode
shows it reads only the object's own fields (`_own`). A property or method of the Site itself reads the
whole site: a page that uses one is keyed by the whole site's front matter.
"""

from __future__ import annotations

import dataclasses
import dis
import hashlib
import inspect
from typing import Any, Callable, Hashable, Iterable, TypeVar

import jinja2

from .model import LINKS, Item, Site, Topic

Read = tuple[str, str]  # ("item", url), ("topic", slug), ("members", slug), ("site", field)
WHOLE_SITE: Read = ("site", "*")  # read something that depends on every item: keyed by the whole site
Noted = tuple[tuple[Any, ...], tuple[Any, ...]]  # what a part read, as TrackingEnvironment notes it
T = TypeVar("T")


class TrackingEnvironment(jinja2.Environment):
    """A Jinja environment that notes what a template reads while `reads` is a set (see above): in `reads`,
    the items and topics whose fields it read, and the Site's fields by name; in `deep`, the items and
    topics whose properties or methods it read. Every attribute a template reads comes through here, so
    this notes objects, not names, and leaves the rest to `stop`."""

    def __init__(self, **options: Any):
        super().__init__(**options)
        self.reads: set[Any] | None = None
        self.deep: set[Item | Topic] = set()
        self._parts: dict[Hashable, tuple[Any, Noted]] = {}  # see `part`

    def start(self) -> None:
        self.reads, self.deep = set(), set()

    def stop(self) -> tuple[Read, ...] | None:
        """What the template read since `start`, sorted; None when that was the whole site."""
        reads, deep_reads = self.reads or set(), self.deep
        self.reads, self.deep = None, set()
        noted: set[Read] = set()
        for obj in reads:
            noted.add(obj if isinstance(obj, tuple) else _read_of(obj))
        for obj in deep_reads:
            noted.update(deep(obj))
        return None if WHOLE_SITE in noted else tuple(sorted(noted))

    def part(self, key: Hashable, make: Callable[[], T]) -> T:
        """A part shown alike on many pages (a card, the navigation), by `key`: made once, with what it read
        noted apart from the page being made; every page that shows it reads that too."""
        if key not in self._parts:
            outer = self.reads, self.deep
            self.start()
            try:
                self._parts[key] = make(), (tuple(self.reads or ()), tuple(self.deep))
            finally:
                self.reads, self.deep = outer
        made, (reads, deep_reads) = self._parts[key]
        if self.reads is not None:
            self.reads.update(reads)
            self.deep.update(deep_reads)
        return made

    def getattr(self, obj: Any, attribute: str) -> Any:
        if self.reads is not None and (fields := _FIELDS.get(type(obj))) is not None:
            if attribute in fields and type(obj) is not Site:
                self.reads.add(obj)  # the most common case, without a call
            else:
                self._note(obj, attribute, fields)
        # As jinja2.Environment.getattr.
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
        if self.reads is not None and (fields := _FIELDS.get(type(obj))) is not None and isinstance(argument, str):
            self._note(obj, argument, fields)
        return super().getitem(obj, argument)

    def note(self, obj: Item | Topic) -> None:
        """A helper read this item or topic, and perhaps what it links to."""
        if self.reads is not None:
            self.deep.add(obj)

    def _note(self, obj: Any, name: str, fields: frozenset[str]) -> None:
        assert self.reads is not None
        if type(obj) is Site:
            self.reads.add(("site", name) if name in fields else WHOLE_SITE)
        elif name in fields:
            self.reads.add(obj)
        else:
            self.deep.add(obj)


def _subclasses(cls: type) -> set[type]:
    return {cls}.union(*(_subclasses(sub) for sub in cls.__subclasses__()))


def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


def _own(cls: type, fields: frozenset[str]) -> frozenset[str]:
    """The names of a class's fields, and of its properties and methods that read only its fields that are
    not links (model.LINKS), or other such properties: told from their bytecode, where each use of `self`
    must be the reading of such an attribute. Anything else (`self` handed to a function, a link read, a
    closure) counts as reading what the object links to."""
    plain = fields - set(LINKS)
    own: set[str] = set()

    def reads_only_own(name: str, seen: frozenset[str]) -> bool:
        if name in plain or name in own:
            return True
        attribute = inspect.getattr_static(cls, name, None)
        function = attribute.fget if isinstance(attribute, property) else attribute
        code = getattr(function, "__code__", None)
        if code is None or name in seen or not code.co_varnames or code.co_argcount < 1:
            return False
        this = code.co_varnames[0]
        if this in code.co_cellvars:
            return False
        steps = list(dis.get_instructions(function))
        for n, step in enumerate(steps):
            uses = step.argval == this or (isinstance(step.argval, tuple) and this in step.argval)
            if not uses:
                continue
            after = steps[n + 1] if n + 1 < len(steps) else None
            if step.opname != "LOAD_FAST" or after is None or after.opname not in ("LOAD_ATTR", "LOAD_METHOD") \
                    or not reads_only_own(after.argval, seen | {name}):
                return False
        return True

    names = {name for klass in cls.__mro__ if klass is not object for name in vars(klass)
             if not name.startswith("__")}
    for name in sorted(names - fields):
        if reads_only_own(name, frozenset()):
            own.add(name)
    return fields | own


# What each kind of thing noted can be read for on its own (see _own): reading any other attribute notes
# what the thing links to as well. A topic's items are read as a link; the Site's properties read it all.
_ITEM_TYPES = frozenset(_subclasses(Item))
_FIELDS: dict[type, frozenset[str]] = {
    Site: _field_names(Site),
    Topic: _own(Topic, _field_names(Topic) - {"items"}),
    **{cls: _own(cls, _field_names(cls)) for cls in _subclasses(Item)},
}


def _read_of(obj: Item | Topic) -> Read:
    return ("topic", obj.slug) if isinstance(obj, Topic) else ("item", obj.url)


def deep(obj: Item | Topic) -> Iterable[Read]:
    """An item or topic, with every item and topic it links to."""
    yield _read_of(obj)
    if isinstance(obj, Topic):
        yield ("members", obj.slug)
        yield from map(_read_of, obj.items)
        return
    for name in LINKS:
        value = getattr(obj, name, None)
        for linked in value if isinstance(value, tuple) else (value,):
            if isinstance(linked, (Item, Topic)):
                yield _read_of(linked)


class States:
    """The state of each item, topic and Site field of one site, as a digest (see above). `fronts` holds
    each item's front-matter digest, by its URL."""

    def __init__(self, site: Site, fronts: dict[str, str]):
        self.site = site
        self.fronts = fronts
        self._items = {item.url: item for item in site.items}
        self._topics = {topic.slug: topic for topic in site.topics}
        self._known: dict[Read, bytes | None] = {WHOLE_SITE: None}  # each read, with its state, as bytes

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
        known = self._known
        lines = [known.get(read) or self.of(read) for read in reads]
        if None in lines:
            return None
        return hashlib.sha256(b"".join(lines)).hexdigest()  # type: ignore[arg-type]

    def _state(self, kind: str, name: str) -> str | None:
        if kind == "item":
            item = self._items.get(name)
            if item is None or name not in self.fronts:
                return None
            parts = [self.fronts[name], *(identity(getattr(item, link, None)) for link in LINKS)]
        elif kind in ("topic", "members"):
            topic = self._topics.get(name)
            if topic is None:
                return None
            parts = [identity(topic.items)] if kind == "members" else \
                [repr(getattr(topic, field)) for field in sorted(_FIELDS[Topic])]
        elif kind == "site" and name in _FIELDS[Site]:
            parts = [identity(getattr(self.site, name))]
        else:
            return None
        return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def identity(value: Any) -> str:
    """A value as text, with each item and topic in it given by what names it (its state is read apart);
    anything else (text, dates, the settings, a page's place in a list) as its repr. (Listings hand it
    thousands of items: the common types are told apart first, by their exact type.)"""
    kind = type(value)
    if kind in _ITEM_TYPES:
        return value.url
    if kind is tuple or kind is list:
        inner = ",".join([identity(each) for each in value])
        return f"({inner})" if kind is tuple else f"[{inner}]"
    if kind is Topic:
        return "#" + value.slug
    if isinstance(value, Item):
        return value.url
    return repr(value)
