"""Checks for likely mistakes that are not errors: warnings an editor would want to see."""

from __future__ import annotations

import bisect
import difflib
import re
from collections import Counter, defaultdict
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from .dates import local_day
from ..errors import Problem, warning
from ..output.markup import HREF
from .model import Bodies, Site
from .resolve import topic_slug
from ..content.validate import Record

if TYPE_CHECKING:
    from ..content.types import ContentTypes

_LINK = re.compile(r'(?:href|src)="([^"]*)"')


def output_for_url(url: str) -> str:
    """The output file a root-relative URL is served from: /events/ -> events/index.html."""
    path = unquote(urlsplit(url).path).lstrip("/")
    if path == "" or path.endswith("/"):
        return path + "index.html"
    return path


def site_links(html: str) -> tuple[str, ...]:
    """The links and sources in some HTML that point inside the site (root-relative), in order."""
    # Most bodies have no src=; a pattern that starts with a plain string is found several times faster.
    found = _LINK.findall(html) if "src=" in html else HREF.findall(html)
    return tuple(url for url in found if url.startswith("/") and not url.startswith("//"))


def link_lines(links: tuple[str, ...], body: str, first_line: int) -> tuple[int, ...]:
    """The line of the file each link of a body is on: where its address next appears in the Markdown
    (`first_line` is the body's first line), or the body's first line if it is written some other way."""
    lines, at = [], 0
    for url in links:
        plain = url.replace("&amp;", "&")
        found = body.find(plain, at)
        if found < 0:
            found = body.find(plain)
        if found < 0:
            lines.append(first_line)
            continue
        at = found + len(plain)
        lines.append(first_line + body.count("\n", 0, found))
    return tuple(lines)


def check_body_links(site: Site, bodies: Bodies, existing: set[str]) -> list[Problem]:
    """Warn about links in Markdown bodies to pages or files the site does not have (`existing`: every
    file's path in the output folder)."""
    problems = []
    for item in site.items:
        body = bodies[item.url]
        for n, url in enumerate(body.links):
            target = output_for_url(url.replace("&amp;", "&"))
            if target not in existing and target + "/index.html" not in existing:
                line = body.link_lines[n] if n < len(body.link_lines) else 1
                problems.append(
                    warning(
                        item.source,
                        line,
                        "body",
                        f"links to {url}, which is not a page or "
                        "file on this site (expected a page's address, like /events/)",
                    )
                )
    return problems


def check_records(records: list[Record], today: date, tz: ZoneInfo, types: ContentTypes) -> list[Problem]:
    """Warnings across the checked records: repeated summaries, stale bookings, near-duplicate topics."""
    problems: list[Problem] = []
    for record in records:
        data = record.data
        title, summary = data["title"].casefold(), data["summary"].casefold().rstrip(".!? ")
        if summary == title or summary.startswith(title) and len(summary) < len(title) + 15:
            problems.append(
                warning(
                    record.shown,
                    record.line("summary"),
                    "summary",
                    "repeats the title (expected a sentence on what it is about and who it is for)",
                )
            )
        # Types whose new items are news expect `published` (types.ContentType.published).
        if types[record.kind].published == "expected" and "published" not in data and "updated" not in data:
            problems.append(
                warning(
                    record.shown,
                    1,
                    "published",
                    "is missing, so this is left out of the news "
                    "feed (expected `published:` with the day it was announced)",
                )
            )
        if record.kind == "events" and data.get("booking") and data.get("status", "scheduled") == "scheduled":
            problems += _booking_warnings(record, today, tz)
    problems += _topic_warnings(records)
    return problems


def _booking_warnings(record: Record, today: date, tz: ZoneInfo) -> list[Problem]:
    start_day = local_day(record.data["start"], tz)
    end_day = local_day(record.data["end"], tz)
    deadline = record.data["booking"].get("deadline")
    line = record.line("booking")
    if end_day < today and (deadline is None or deadline >= today):
        return [
            warning(
                record.shown,
                line,
                "booking",
                "this event has already happened but is still taking "
                "bookings (expected no `booking`, or a `deadline` that has passed)",
            )
        ]
    if deadline and deadline > start_day:
        return [
            warning(
                record.shown,
                line,
                "booking.deadline",
                f"{deadline.isoformat()} is after the event starts "
                f"on {start_day.isoformat()} (expected a deadline on or before the day)",
            )
        ]
    return []


# A topic used once is compared with the topics nearest it in alphabetical order among those of its length
# and one letter longer or shorter (a typo adds, drops, swaps or changes a letter), this many on each side:
# the comparisons stay in proportion to the number of topics, however many there are.
_TOPIC_NEIGHBOURS = 5
_SHOWN = 3  # spellings and files named in a message


def _topic_warnings(records: list[Record]) -> list[Problem]:
    """Topics spelled two ways, and topics used once that are close to another. Near-linear in the number of
    topic uses: each spelling's message is made once, and suggestions compare only near neighbours."""
    uses: Counter[str] = Counter()
    spellings: dict[str, set[str]] = defaultdict(set)
    files: dict[str, list[str]] = defaultdict(list)  # spelling -> files that use it
    for record in records:
        for name in record.data.get("topics", ()):
            uses[topic_slug(name)] += 1
            spellings[topic_slug(name)].add(name)
            files[name].append(record.shown)
    spelled = {slug: sorted(names) for slug, names in spellings.items() if len(names) > 1}
    # The first few files of each spelling, then of every other spelling of its topic, in order of file.
    first_files = {
        slug: sorted((f, s) for s in names for f in sorted(set(files[s]))[:_SHOWN]) for slug, names in spelled.items()
    }
    messages: dict[str, str] = {}

    def spelling_message(slug: str, name: str) -> str:
        if name not in messages:
            others = [s for s in spelled[slug][: _SHOWN + 1] if s != name][:_SHOWN]
            more = len(spelled[slug]) - 1 - len(others)
            shown = ", ".join(repr(s) for s in others) + (f" and {more} other spellings" if more else "")
            where: list[str] = []
            for file, spelling in first_files[slug]:
                if spelling != name and file not in where:
                    where.append(file)
                    if len(where) == _SHOWN:
                        break
            messages[name] = (
                f"{name!r} is spelled {shown} in {', '.join(where)} (expected one spelling; they share one topic page)"
            )
        return messages[name]

    close = _close_topics([slug for slug, n in uses.items() if n == 1], list(uses))
    problems = []
    for record in records:
        for name in record.data.get("topics", ()):
            slug = topic_slug(name)
            if slug in spelled:
                problems.append(warning(record.shown, record.line("topics"), "topics", spelling_message(slug, name)))
            if slug in close:
                other = sorted(spellings[close[slug]])[0]
                problems.append(
                    warning(
                        record.shown,
                        record.line("topics"),
                        "topics",
                        f"{name!r} is used only here and is close to {other!r} (expected "
                        f"{other!r}, if that is what you mean)",
                    )
                )
    return problems


def _close_topics(lonely: list[str], every: list[str]) -> dict[str, str]:
    """For each topic used once, the closest other topic by difflib's measure (at least 0.8), if any, among
    its near neighbours (_TOPIC_NEIGHBOURS)."""
    by_length: dict[int, list[str]] = defaultdict(list)
    for slug in every:
        by_length[len(slug)].append(slug)
    for group in by_length.values():
        group.sort()
    found = {}
    matcher = difflib.SequenceMatcher()
    for slug in lonely:
        matcher.set_seq2(slug)
        best, best_ratio = None, 0.8
        for length in (len(slug), len(slug) - 1, len(slug) + 1):
            group = by_length.get(length, [])
            at = bisect.bisect_left(group, slug)
            for other in group[max(0, at - _TOPIC_NEIGHBOURS) : at + _TOPIC_NEIGHBOURS + 1]:
                if other == slug:
                    continue
                matcher.set_seq1(other)
                if matcher.real_quick_ratio() >= best_ratio and matcher.quick_ratio() >= best_ratio:
                    ratio = matcher.ratio()
                    if ratio > best_ratio or (ratio == best_ratio and (best is None or other < best)):
                        best, best_ratio = other, ratio
        if best is not None:
            found[slug] = best
    return found
