"""What a page reads of the site: which attributes of an item can be read on their own.

Reading a field, or a property that reads only fields that are not links, notes
the item alone; reading anything else notes what the item links to as well
(reads.py). Told from the bytecode, and wrong only on the safe side.
"""

from __future__ import annotations

from dataclasses import dataclass

from site_builder.model import Cluster, Event, Item, Series, Topic
from site_builder.reads import _FIELDS, _field_names, _own


def own_extras(cls: type) -> set[str]:
    return set(_FIELDS[cls] - _field_names(cls))


def test_an_events_own_properties_are_read_on_their_own() -> None:
    assert {"when", "start_iso", "month", "bookable", "label", "format_label"} <= own_extras(Event)


def test_properties_that_read_links_are_not() -> None:
    assert "upcoming" not in _FIELDS[Series] and "past" not in _FIELDS[Series]
    assert "upcoming" not in _FIELDS[Cluster]
    assert not own_extras(Topic)  # every property of a topic reads its items
    assert "items" not in _FIELDS[Topic]


def test_anything_the_bytecode_cannot_vouch_for_counts_as_reading_links() -> None:
    def helper(item: object) -> str:
        return str(item)

    @dataclass(frozen=True, eq=False)
    class Probe(Item):
        @property
        def plain(self) -> str:
            return self.title.upper()

        @property
        def through_plain(self) -> str:
            return self.plain + self.summary

        @property
        def handed_on(self) -> str:
            return helper(self)  # the helper may read anything

        @property
        def a_link(self) -> int:
            return len(self.related)

        @property
        def in_a_closure(self) -> list[str]:
            return [self.title for _ in range(2)]

        def method_of_own(self, suffix: str) -> str:
            return self.slug + suffix

    extras = _own(Probe, _field_names(Probe)) - _field_names(Probe)
    assert {"plain", "through_plain", "method_of_own", "label"} <= extras
    assert not {"handed_on", "a_link", "in_a_closure"} & extras
