"""Checks for likely mistakes that are not errors: warnings an editor would want to see."""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from .dates import local_day
from .errors import Problem, warning
from .markup import HREF
from .model import Bodies, Site
from .resolve import topic_slug
from .validate import Record

if TYPE_CHECKING:
    from .types import ContentTypes

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
                problems.append(warning(item.source, line, "body", f"links to {url}, which is not a page or "
                                        "file on this site (expected a page's address, like /events/)"))
    return problems


def check_records(records: list[Record], today: date, tz: ZoneInfo, types: ContentTypes) -> list[Problem]:
    """Warnings across the checked records: repeated summaries, stale bookings, near-duplicate topics."""
    problems: list[Problem] = []
    for record in records:
        data = record.data
        title, summary = data["title"].casefold(), data["summary"].casefold().rstrip(".!? ")
        if summary == title or summary.startswith(title) and len(summary) < len(title) + 15:
            problems.append(warning(record.shown, record.line("summary"), "summary",
                                    "repeats the title (expected a sentence on what it is about and who "
                                    "it is for)"))
        # Types whose new items are news expect `published` (types.ContentType.published).
        if types[record.kind].published == "expected" and "published" not in data and "updated" not in data:
            problems.append(warning(record.shown, 1, "published", "is missing, so this is left out of the news "
                                    "feed (expected `published:` with the day it was announced)"))
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
        return [warning(record.shown, line, "booking", "this event has already happened but is still taking "
                        "bookings (expected no `booking`, or a `deadline` that has passed)")]
    if deadline and deadline > start_day:
        return [warning(record.shown, line, "booking.deadline", f"{deadline.isoformat()} is after the event starts "
                        f"on {start_day.isoformat()} (expected a deadline on or before the day)")]
    return []


def _topic_warnings(records: list[Record]) -> list[Problem]:
    uses: Counter[str] = Counter()
    spellings: dict[str, set[str]] = defaultdict(set)
    files: dict[str, list[str]] = defaultdict(list)  # spelling -> files that use it
    for record in records:
        for name in record.data.get("topics", ()):
            uses[topic_slug(name)] += 1
            spellings[topic_slug(name)].add(name)
            files[name].append(record.shown)
    problems = []
    for record in records:
        for name in record.data.get("topics", ()):
            slug = topic_slug(name)
            if len(spellings[slug]) > 1:
                others = ", ".join(repr(s) for s in sorted(spellings[slug] - {name}))
                where = ", ".join(sorted({f for s in spellings[slug] - {name} for f in files[s]})[:3])
                problems.append(warning(record.shown, record.line("topics"), "topics",
                                        f"{name!r} is spelled {others} in {where} "
                                        "(expected one spelling; they share one topic page)"))
            if uses[slug] == 1:
                close = difflib.get_close_matches(slug, [s for s in uses if s != slug], n=1, cutoff=0.8)
                if close:
                    problems.append(warning(record.shown, record.line("topics"), "topics",
                                            f"{name!r} is used only here and is close to "
                                            f"{sorted(spellings[close[0]])[0]!r} (expected "
                                            f"{sorted(spellings[close[0]])[0]!r}, if that is what you mean)"))
    return problems
