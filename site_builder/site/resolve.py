"""Resolve: turn checked records into the Site, resolving every cross reference.

Cross-file rules live here, because only here are all files known at once:
duplicate slugs, references to missing series or clusters, page slugs that
would overwrite a section, topics that differ only in spelling.
"""

from __future__ import annotations

import difflib
import functools
import heapq
import re
import unicodedata
from collections import Counter, defaultdict
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from ..content.config import Config
from .dates import as_datetime, local_day
from ..errors import Problem, error
from ..output.images import image_of
from .model import Bodies, Body, Event, Item, Picture, Site, Topic, carry, link
from ..content.validate import Record

if TYPE_CHECKING:
    from ..content.types import ContentType, ContentTypes

RELATED_LIMIT = 4


@functools.lru_cache(maxsize=4096)  # a site has dozens of topics, named thousands of times
def topic_slug(name: str) -> str:
    """'Black Lives Matter' -> 'black-lives-matter'; accents folded, '&' read as 'and'."""
    text = unicodedata.normalize("NFKD", name.replace("&", " and ")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def resolve_site(
    config: Config,
    records: list[Record],
    today: date,
    types: ContentTypes,
    hidden: dict[str, set[str]] | None = None,
    broken: dict[str, set[str]] | None = None,
    pictures: dict[str, Picture] | None = None,
) -> tuple[Site, list[Problem]]:
    """Build the Site from every record, reporting cross-file problems. `hidden` names the drafts left out,
    by folder, so a reference to one can say so; `broken` the files left out for errors of their own, which
    a reference to is not reported (their errors are); `pictures` are the image stage's, by original."""
    problems: list[Problem] = []
    records = _unique(records, types, problems)
    by_type: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_type[record.kind].append(record)

    items: dict[str, list[Any]] = {}
    for content_type in types:
        built = []
        for record in by_type.get(content_type.folder, []):
            built.append(make_item(record, config, today, types, pictures))
        items[content_type.folder] = built

    _link_references(items, by_type, types, config, problems, hidden or {}, broken or {})
    topics = _gather_topics(items, types, problems)
    _link_related(items, types)

    site = Site(
        config=config,
        today=today,
        types=types,
        topics=topics,
        default_image=image_of({"src": config.image.lstrip("/")}, pictures or {}) if config.image else None,
        collections={t.folder: in_site_order(t, items[t.folder], config) for t in types},
    )
    return site, problems


def in_site_order(content_type: ContentType, items: Any, config: Config) -> tuple:
    """A type's items in the order the site lists them."""
    return content_type.order(items, config)


# ---------------------------------------------------------------- checks across files


def _unique(records: list[Record], types: ContentTypes, problems: list[Problem]) -> list[Record]:
    """Drop records whose output path another record already claims, naming both files."""
    claimed: dict[tuple[str, str], list[Record]] = defaultdict(list)
    reserved = types.reserved
    for record in records:
        content_type = types[record.kind]
        if content_type.top_level and record.slug in reserved:
            problems.append(
                error(
                    record.shown,
                    record.line("slug"),
                    "slug",
                    f"'{record.slug}' is a section of the site (expected another slug for this page)",
                )
            )
            continue
        # Slugs a section's own pages use: /events/past/, /events/format/online/, /stories/page/2/.
        if record.slug in content_type.section_pages:
            problems.append(
                error(
                    record.shown,
                    record.line("slug"),
                    "slug",
                    f"'{record.slug}' is used by the site for /{record.kind}/{record.slug}/ (expected another slug)",
                )
            )
            continue
        claimed[(record.kind, record.slug)].append(record)
    kept = []
    for (kind, slug), group in claimed.items():
        if len(group) > 1:
            for record in group:
                others = ", ".join(r.shown for r in group if r is not record)
                problems.append(
                    error(
                        record.shown,
                        record.line("slug"),
                        "slug",
                        f"'{slug}' is also the slug of {others} (expected a slug of its own: "
                        "rename one file or set `slug:`)",
                    )
                )
            continue
        kept.append(group[0])
    return kept


def _link_references(
    items: dict[str, list[Any]],
    by_type: dict[str, list[Record]],
    types: ContentTypes,
    config: Config,
    problems: list[Problem],
    hidden: dict[str, set[str]],
    broken: dict[str, set[str]],
) -> None:
    """Link each item to the items its fields name (an event to its series and cluster), and each named item
    to those that name it, in their type's order (a series to its events), as the types declare
    (types.ContentType.references)."""
    for content_type in types:
        if not content_type.references:
            continue
        by_slug = {r.slug: r for r in by_type.get(content_type.folder, ())}
        targets = {name: {t.slug: t for t in items.get(folder, ())} for name, folder, _ in content_type.references}
        naming: dict[str, dict[str, list[Item]]] = {name: defaultdict(list) for name, _, _ in content_type.references}
        for item in items[content_type.folder]:
            record = by_slug[item.slug]
            for name, folder, _ in content_type.references:
                known = targets[name]
                wanted = record.data.get(name)
                if not wanted:
                    continue
                if wanted not in known:
                    close = difflib.get_close_matches(wanted, sorted(known), n=1)
                    if wanted in broken.get(folder, ()):
                        continue
                    if wanted in hidden.get(folder, ()):
                        problems.append(
                            error(
                                record.shown,
                                record.line(name),
                                name,
                                f"'{wanted}' is a draft "
                                "(expected it published, without `draft: true`, or a build with "
                                "--drafts)",
                            )
                        )
                        continue
                    hint = (
                        f"a file name from {folder}/; did you mean '{close[0]}'?"
                        if close
                        else (
                            f"one of {', '.join(sorted(known))}"
                            if known
                            else f"a file in {folder}/ first; there are none"
                        )
                    )
                    problems.append(
                        error(
                            record.shown,
                            record.line(name),
                            name,
                            f"there is no {name} '{wanted}' in {folder}/ (expected {hint})",
                        )
                    )
                    continue
                link(item, **{name: known[wanted]})
                naming[name][wanted].append(item)
        for name, _, back in content_type.references:
            for slug, owner in targets[name].items():
                link(owner, **{back: content_type.order(naming[name][slug], config)})


def _gather_topics(items: dict[str, list[Any]], types: ContentTypes, problems: list[Problem]) -> tuple[Topic, ...]:
    tagged: dict[str, list[Item]] = defaultdict(list)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    place = {folder: n for n, folder in enumerate(types.folders)}
    for kind in types.folders:
        for item in items[kind]:
            for name in item.topic_names:
                slug = topic_slug(name)
                if not slug:
                    problems.append(
                        error(
                            item.source,
                            1,
                            "topics",
                            f"the topic {name!r} has no letters or digits to make a web address from (expected words)",
                        )
                    )
                    continue
                if not tagged[slug] or tagged[slug][-1] is not item:  # a topic named twice in one item
                    tagged[slug].append(item)
                spellings[slug][name] += 1
    topics: dict[str, Topic] = {}
    for slug, items_tagged in tagged.items():
        # The most used spelling names the topic; ties go to the first in sorted order.
        name = sorted(spellings[slug].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        ordered = sorted(items_tagged, key=partial(_topic_order, place))
        topics[slug] = Topic(
            name, slug, f"/topics/{slug}/", f"topics/{slug}/index.html", f"/topics/{slug}.ics", tuple(ordered)
        )
    for kind in types.folders:
        for item in items[kind]:
            own = []
            for name in item.topic_names:
                topic = topics.get(topic_slug(name))
                if topic and topic not in own:
                    own.append(topic)
            link(item, topics=tuple(own))
    return tuple(sorted(topics.values(), key=lambda t: (t.name.casefold(), t.slug)))


def _topic_order(place: dict[str, int], item: Item) -> tuple:
    if isinstance(item, Event):
        return (0, item.sort_key, "")
    return (place[item.content_type], (0.0, ""), item.title.casefold())


def _link_related(items: dict[str, list[Any]], types: ContentTypes) -> None:
    """Related items: others sharing the most topics (not past events, not plain pages), ties broken by type
    and title. How many topics two items share depends only on their two sets of topics, so candidates are
    grouped by topic set and each set is ranked once: the cost grows with the number of distinct sets, not
    with the number of items squared."""
    place = {folder: n for n, folder in enumerate(types.folders)}

    def order(other: Item) -> tuple:
        return (place[other.content_type], other.title.casefold(), other.slug)

    kinds = tuple(t.folder for t in types if t.related)
    groups: dict[frozenset[str], list[Item]] = defaultdict(list)
    for kind in kinds:
        for other in items[kind]:
            if other.topics and not (isinstance(other, Event) and other.is_past):
                groups[frozenset(t.slug for t in other.topics)].append(other)
    # Each group keeps only its first RELATED_LIMIT + 1 in order: one may be the item itself.
    heads = {key: sorted((order(o), o) for o in group)[: RELATED_LIMIT + 1] for key, group in groups.items()}
    keys_by_topic: dict[str, list[frozenset[str]]] = defaultdict(list)
    for key in heads:
        for slug in key:
            keys_by_topic[slug].append(key)

    ranked: dict[frozenset[str], list[Item]] = {}
    for kind in kinds:
        for item in items[kind]:
            mine = frozenset(t.slug for t in item.topics)
            if mine not in ranked:
                ranked[mine] = _rank_related(mine, heads, keys_by_topic)
            link(item, related=tuple(o for o in ranked[mine] if o is not item)[:RELATED_LIMIT])


def _rank_related(
    mine: frozenset[str],
    heads: dict[frozenset[str], list[tuple[tuple, Item]]],
    keys_by_topic: dict[str, list[frozenset[str]]],
) -> list[Item]:
    """The first RELATED_LIMIT + 1 candidates for items with the topics `mine`: most topics shared first, so
    the groups sharing the most are read first, and those sharing fewer only while places are left."""
    by_shared: dict[int, list[frozenset[str]]] = defaultdict(list)
    for key in {key for slug in mine for key in keys_by_topic.get(slug, ())}:
        by_shared[len(key & mine)].append(key)
    chosen: list[Item] = []
    for shared in sorted(by_shared, reverse=True):
        candidates = (entry for key in by_shared[shared] for entry in heads[key])
        chosen += [
            other
            for _, other in heapq.nsmallest(RELATED_LIMIT + 1 - len(chosen), candidates, key=lambda entry: entry[0])
        ]
        if len(chosen) > RELATED_LIMIT:
            break
    return chosen


def by_title(items: list[Any], config: Config | None = None) -> tuple:
    return tuple(sorted(items, key=lambda i: (i.title.casefold(), i.slug)))


def newest_first(items: list[Any], config: Config) -> tuple:
    def key(item: Item) -> tuple:
        stamp = as_datetime(item.published, config.tz).timestamp() if item.published else 0.0
        return (-stamp, item.title.casefold(), item.slug)

    return tuple(sorted(items, key=key))


def by_start(items: list[Any], config: Config | None = None) -> tuple:
    return tuple(sorted(items, key=lambda e: e.sort_key))


# ---------------------------------------------------------------- one item


def item_url(kind: str, slug: str, types: ContentTypes) -> str:
    return types[kind].item_url(slug)


def bodies_of(records: list[Record], types: ContentTypes) -> Bodies:
    """Each record's body, by its item's URL."""
    return {
        item_url(record.kind, record.slug, types): Body(record.body_html, record.body_links, record.body_link_lines)
        for record in records
    }


def make_item(
    record: Record, config: Config, today: date, types: ContentTypes, pictures: dict[str, Picture] | None = None
) -> Item:
    """One record as an item of the site, before resolve links it to others (the preview links it itself):
    the fields every type has, and those its type declares (types.ContentType.carried); `pictures` are the
    image stage's, by original."""
    data = record.data
    kind = record.kind
    content_type = types[kind]
    url = content_type.item_url(record.slug)
    image = data.get("image")
    common: dict[str, Any] = dict(
        content_type=kind,
        slug=record.slug,
        source=record.shown,
        title=data["title"],
        summary=data["summary"],
        topic_names=tuple(data.get("topics", ())),
        draft=data.get("draft", False),
        published=data.get("published"),
        updated=data.get("updated"),
        image=image_of(image, pictures or {}),
        url=url,
        output_path=url.strip("/") + "/index.html",
        label=content_type.singular,
    )
    item = content_type.model(**common)
    carry(item, {**content_type.carried(record, config, today), **types.linked(kind)})
    return item


# What the standard types' items take from the build besides their fields (types.STANDARD_TYPES, `derive`).


def event_derived(values: dict[str, Any], record: Record, config: Config, today: date) -> dict[str, Any]:
    return dict(tz=config.tz, is_past=local_day(values["end"], config.tz) < today)


def offer_derived(values: dict[str, Any], record: Record, config: Config, today: date) -> dict[str, Any]:
    windows = tuple(sorted(values["windows"], key=lambda w: w.opens))
    until = values["available_until"]
    return dict(
        windows=windows,
        current_window=next((w for w in windows if w.opens <= today <= w.closes), None),
        next_window=next((w for w in windows if w.opens > today), None),
        ended=bool(until and until < today),
    )


def resource_derived(values: dict[str, Any], record: Record, config: Config, today: date) -> dict[str, Any]:
    return dict(file_size=record.data.get("file_size", 0))  # validate.check_resource measured the file
