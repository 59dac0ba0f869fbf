"""What an item's page reads of the site, so that a rebuild can tell which pages an edit can have changed.

An item's page is made from its template, the settings, the build date, its own body, and whatever its
template reads of the site's items and topics. Jinja reads every attribute through its environment, so
`TrackingEnvironment` notes each item, topic and Site attribute a page touches, and every item or topic
an attribute hands back; helpers the templates call note what they read themselves. A page's key is made
from the state of each thing it read (`States`). The next build works the key out again from the same
things' new states and keeps the page when it is the same: nothing the page read has changed, and a
template is a pure function of what it reads, so neither has the page. Anything the page read that is
gone, or a changed state, makes it again; and a page that calls a method of the site or of an item (whose
reads cannot be told) is keyed by the whole site's front matter instead.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from datetime import date, datetime
from typing import Any

import jinja2

from .model import Item, Site, Topic

Read = tuple[str, str]  # ("item", url), ("topic", slug) or ("site", attribute name)


def read_of(obj: Any) -> Read | None:
    if isinstance(obj, Item):
        return ("item", obj.url)
    if isinstance(obj, Topic):
        return ("topic", obj.slug)
    return None


class TrackingEnvironment(jinja2.Environment):
    """A Jinja environment that can note what a template reads (see the module's docstring)."""

    reads: set[Read] | None = None  # the page being made's reads, while one is noted
    opaque = False  # the page called a method: what it read cannot be told

    def getattr(self, obj: Any, attribute: str) -> Any:
        value = super().getattr(obj, attribute)
        if self.reads is not None:
            self._note(obj, attribute, value)
        return value

    def getitem(self, obj: Any, argument: Any) -> Any:
        value = super().getitem(obj, argument)
        if self.reads is not None:
            self._note(obj, argument, value)
        return value

    def note(self, obj: Any) -> None:
        """A helper read this item or topic (or its fields)."""
        if self.reads is not None and (read := read_of(obj)) is not None:
            self.reads.add(read)

    def _note(self, obj: Any, name: Any, value: Any) -> None:
        if isinstance(obj, Site):
            self.reads.add(("site", str(name)))  # type: ignore[union-attr]
        elif (read := read_of(obj)) is not None:
            self.reads.add(read)  # type: ignore[union-attr]
        else:
            return  # a value of an item (a venue, a date): part of that item's state
        if callable(value) and read_of(value) is None:
            self.opaque = True
        elif isinstance(value, (tuple, list)):
            for each in value:
                self.note(each)
        else:
            self.note(value)


class States:
    """The state of each item, topic and Site attribute of one site, as a digest: every field, with the
    items and topics a field names given by their identity (their own states are read separately)."""

    def __init__(self, site: Site):
        self.site = site
        self._items = {item.url: item for item in site.items}
        self._topics = {topic.slug: topic for topic in site.topics}
        self._known: dict[Read, str | None] = {}

    def of(self, read: Read) -> str | None:
        """The state of what was read; None when it is not in the site."""
        if read not in self._known:
            kind, name = read
            if kind == "site":
                value = getattr(self.site, name, None)
                state = None if value is None or callable(value) else repr(_identity(value))
            else:
                found = (self._items if kind == "item" else self._topics).get(name)
                state = None if found is None else repr([_identity(getattr(found, name)) for name in _fields(found)])
            self._known[read] = None if state is None else hashlib.sha256(state.encode()).hexdigest()
        return self._known[read]


_PLAIN = (str, int, float, bool, type(None), date, datetime)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _fields(obj: Any) -> tuple[str, ...]:
    return _field_names(type(obj))


def _identity(value: Any) -> Any:
    """A value with each item and topic in it replaced by what names it."""
    if isinstance(value, _PLAIN):
        return value
    if (read := read_of(value)) is not None:
        return read
    if isinstance(value, (tuple, list)):
        return tuple(_identity(each) for each in value)
    return value
