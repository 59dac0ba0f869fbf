"""Quick pages: after a save that changes only what an item says, every open page that shows it, in a moment.

`serve` rebuilds the whole site on every save, which at thousands of events
takes many seconds, most of them the search index. When a save changes only an
item's title, summary or body (nothing that decides which pages or lists show
it), the site the last build resolved is that site with the item's new words in
place: the same items, the same lists, in the same order. So the item takes its
new words where it is, and the pages the editor has open (its own, a listing
that shows it) are made again from the last build's site map, with the compiled
templates and the cards of every other item kept. The full rebuild follows, and
writes the very same bytes.

What must hold, or nothing is made here (the full build alone shows the save):
- the file is an item of the last build, read without errors, naming the same
  items (series, cluster), with no other field changed, and its body with no
  link to a content file and no picture (only the whole site says where a link
  leads, and the image stage makes pictures; see preview.plain_body);
- when the title changed, the item keeps its place in every list sorted by it:
  its type's list, the lists of the items it names (a series' events) and its
  topics' (checked against the neighbours on both sides, with no tie); and as
  the related items of other items are chosen by title, their pages are left to
  the full build when the item has topics.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable

from ..errors import display_path
from ..output.render import PartsEnvironment, item_page
from ..pipeline import Loaded, Options
from ..site.model import Body, Item, Site
from ..site.resolve import _topic_order
from .preview import named_items, plain_body, read_item

# The fields a save may change for its pages to be made here: what pages say of the item, not where.
SAYS = frozenset({"title", "summary"})


@dataclass(frozen=True)
class Made:
    """The pages a save changes that were made here: each page's path in the output folder, and its bytes."""

    url: str  # the saved item's page
    pages: dict[str, bytes]


def quick_pages(options: Options, loaded: Loaded, changed: Path, wanted: set[str]) -> Made | None:
    """The saved item's own page and the `wanted` pages (paths in the output folder: the open ones), made from
    the last build with the item's new words, if that is all the save changed (see the module's docstring).
    The last build's site then holds the new words, as the files do."""
    site, plan = loaded.site, loaded.plan
    if site is None or plan is None or not isinstance(plan.env, PartsEnvironment) or changed.suffix != ".md":
        return None
    shown = display_path(changed, options.base)
    old = next((item for item in site.items if item.source == shown), None)
    if old is None or old.url not in loaded.bodies:
        return None
    read = read_item(options, site, changed, shown)
    if read is None:
        return None
    new, body_html, named = read
    if named != named_items(old, site) or not plain_body(body_html, old.content_type):
        return None
    links = set(site.types.links)
    fields = {name for name in new.__dict__ if name not in links} | {n for n in old.__dict__ if n not in links}
    differing = {name for name in fields if old.__dict__.get(name, _MISSING) != new.__dict__.get(name, _MISSING)}
    if not differing <= SAYS:
        return None
    body = Body(body_html, ())

    kept = {name: old.__dict__[name] for name in differing}
    old.__dict__.update({name: new.__dict__[name] for name in differing})  # the item takes its new words in place
    try:
        if "title" in differing and not _in_place(site, old):
            raise _Moved
        pages = _render(site, loaded, old, body, wanted, others=not ("title" in differing and old.topics))
    except _Moved:
        old.__dict__.update(kept)
        return None
    except BaseException:
        old.__dict__.update(kept)
        raise
    loaded.bodies[old.url] = Body(body.html, loaded.bodies[old.url].links, loaded.bodies[old.url].link_lines)
    return Made(old.url, pages)


_MISSING = object()


class _Moved(Exception):
    """The new title moves the item in a list: only the full build can say where."""


def _render(site: Site, loaded: Loaded, item: Item, body: Body, wanted: set[str], others: bool) -> dict[str, bytes]:
    """The item's own page and the wanted pages of the site map, with the item's cards (and those of the items
    linked to it, which may show its title) made again. `others`: other items' pages too (their related items
    are chosen by title, so not when the title of an item with topics changed)."""
    assert loaded.plan is not None
    plan = loaded.plan
    env = plan.env
    assert isinstance(env, PartsEnvironment)
    linked = [item]
    for name in site.types.links:
        value = item.__dict__.get(name)
        linked += value if isinstance(value, tuple) else [value] if isinstance(value, Item) else []
    env.forget(linked)
    planned = {entry.path: entry for entry in plan.made if entry.given is not None}
    own = planned.get(item.output_path)
    if own is None or own.given is None:
        raise _Moved
    path, template, meta = item_page(item, site)
    own.given.update(page=meta, body=body.html)  # the site map's entry for the page, as the full build makes it
    pages = {path: own.make()}
    for rel in wanted:
        entry = planned.get(rel)
        if entry is None or rel in pages or entry.given is None:
            continue
        if "item" in entry.given and not others:
            continue
        pages[rel] = entry.make()
    return pages


def _in_place(site: Site, item: Item) -> bool:
    """Whether the item, with its new title, is still where its lists have it: its type's list, the lists of
    the items naming it or that it names, and its topics'."""
    kind = site.types[item.content_type]
    order: Callable[[list[Any]], tuple] = partial(_ordered, kind.order, site)
    if not _between(site.collection(item.content_type), item, order):
        return False
    for name, _, back in kind.references:
        target = item.__dict__.get(name)
        if isinstance(target, Item) and not _between(getattr(target, back), item, order):
            return False
    place = {folder: n for n, folder in enumerate(site.types.folders)}
    key = partial(_topic_order, place)
    return all(_between(topic.items, item, lambda three: tuple(sorted(three, key=key))) for topic in item.topics)


def _ordered(order: Callable[..., tuple], site: Site, items: list[Any]) -> tuple:
    return order(items, site.config)


def _between(items: tuple, item: Item, order: Callable[[list[Any]], tuple]) -> bool:
    """Whether `order` puts the item between its neighbours in `items`, whichever comes first (so no tie)."""
    at = next((n for n, other in enumerate(items) if other is item), None)
    if at is None:
        return False
    window = list(items[max(0, at - 1) : at + 2])
    return list(order(window)) == window and list(order(window[::-1])) == window
