"""`diff`: what one build of the site changes against another, said in words.

It compares two output folders, as published: the pages (each `.html` file, named by its
address and its heading), the events (read from the calendars with the icalendar library, as
calendar apps read them: when, where and whether it is cancelled), and the calendars and feeds
whose bytes changed, which are what subscribers will see change. The search index (/pagefind/, hundreds
of files named by digests of what they hold) is said in one line, with a count of its files. A pull
request's job summary is this, in Markdown (docs/content-workflow.yml).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from ..site.dates import event_when
from ..errors import SiteError, count
from ..output.search import BUNDLE as SEARCH_INDEX
from ..output.write import MARKER

# Past this many, a list says how many more there are rather than naming each.
MAX_LISTED = 30


@dataclass(frozen=True)
class Page:
    url: str
    title: str


@dataclass(frozen=True)
class EventChange:
    url: str
    title: str
    changes: tuple[str, ...]  # each a sentence part: "now ... (was ...)"


@dataclass(frozen=True)
class SiteChanges:
    added: tuple[Page, ...]
    removed: tuple[Page, ...]
    changed: tuple[Page, ...]  # what the page says (its <main>) changed
    surroundings: tuple[Page, ...]  # only the navigation, footer or head changed
    events: tuple[EventChange, ...]
    calendars: tuple[str, ...]  # addresses of calendars added, removed or changed
    feeds: tuple[str, ...]
    other_files: tuple[str, ...]  # media, stylesheets and the rest
    search_index: int = 0  # files of the search index (/pagefind/) added, removed or changed

    @property
    def is_empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.changed
            or self.surroundings
            or self.events
            or self.calendars
            or self.feeds
            or self.other_files
            or self.search_index
        )


@dataclass(frozen=True)
class _Event:
    title: str
    url: str
    start: date | datetime
    end: date | datetime
    location: str
    status: str
    tz: ZoneInfo


def compare_sites(base: Path, head: Path) -> SiteChanges:
    """What changes from the site in `base` to the site in `head` (two output folders)."""
    for name, folder in (("--base", base), ("--head", head)):
        if not (folder / MARKER).is_file():
            raise SiteError(
                f"{name}: {folder} is not a folder this builder wrote (expected the output "
                f"folder of a build, with its {MARKER} file)",
                2,
            )
    before, after = _files(base), _files(head)
    added = sorted(after.keys() - before.keys(), key=_address)
    removed = sorted(before.keys() - after.keys(), key=_address)
    differ = sorted(
        (rel for rel in before.keys() & after.keys() if before[rel].read_bytes() != after[rel].read_bytes()),
        key=_address,
    )
    every = sorted(added + removed + differ, key=_address)
    pages = [rel for rel in differ if rel.endswith(".html")]
    said = [rel for rel in pages if _main(before[rel]) != _main(after[rel])]

    def listed(rels: list[str], root: Path) -> tuple[Page, ...]:
        return tuple(Page(_address(rel), _title(root / rel)) for rel in rels if rel.endswith(".html"))

    return SiteChanges(
        added=listed(added, head),
        removed=listed(removed, base),
        changed=listed(said, head),
        surroundings=listed([rel for rel in pages if rel not in said], head),
        events=tuple(_titled(change, head) for change in _event_changes(_events(base), _events(head))),
        calendars=tuple(_address(rel) for rel in every if rel.endswith(".ics")),
        feeds=tuple(_address(rel) for rel in every if _is_feed(rel)),
        other_files=tuple(
            _address(rel)
            for rel in every
            if not rel.endswith((".html", ".ics")) and not _is_feed(rel) and not _is_index(rel)
        ),
        search_index=sum(1 for rel in every if _is_index(rel)),
    )


def _is_index(rel: str) -> bool:
    return rel.startswith(SEARCH_INDEX + "/")


def _is_feed(rel: str) -> bool:
    return rel.rpartition("/")[2] == "feed.xml"


def _main(path: Path) -> bytes:
    """What a page says: its <main> element (every page has one), else the whole file."""
    data = path.read_bytes()
    start, end = data.find(b"<main"), data.rfind(b"</main>")
    return data[start:end] if 0 <= start < end else data


def _files(root: Path) -> dict[str, Path]:
    return {
        path.relative_to(root).as_posix(): path for path in root.rglob("*") if path.is_file() and path.name != MARKER
    }


def _address(rel: str) -> str:
    """The address a file is published at: `events/x/index.html` is /events/x/."""
    if rel == "index.html":
        return "/"
    if rel.endswith("/index.html"):
        return "/" + rel[: -len("index.html")]
    return "/" + rel


class _Heading(HTMLParser):
    """The text of a page's first <h1>, or else its <title>."""

    def __init__(self) -> None:
        super().__init__()
        self.h1: list[str] = []
        self.title: list[str] = []
        self._in: str | None = None
        self._h1_done = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "h1" and not self._h1_done:
            self._in = "h1"
        elif tag == "title" and not self.title:
            self._in = "title"

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._h1_done = self._h1_done or tag == "h1"
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "h1":
            self.h1.append(data)
        elif self._in == "title":
            self.title.append(data)


def _title(path: Path) -> str:
    parser = _Heading()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    text = " ".join("".join(parser.h1 or parser.title).split())
    return text or path.name


def _events(root: Path) -> dict[str, _Event]:
    """Every event in the site's calendars, by UID (an event is in several calendars, the same in each)."""
    found: dict[str, _Event] = {}
    for path in sorted(root.rglob("*.ics")):
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        try:
            tz = ZoneInfo(str(calendar.get("X-WR-TIMEZONE", "UTC")))
        except (ZoneInfoNotFoundError, ValueError):
            tz = ZoneInfo("UTC")
        for event in calendar.walk("VEVENT"):
            uid = str(event.get("UID"))
            if uid in found:
                continue
            start = event.decoded("DTSTART")
            end = event.decoded("DTEND") if "DTEND" in event else start
            if not isinstance(end, datetime):
                end = end - timedelta(days=1)  # RFC 5545: an all-day DTEND is the day after the last
            found[uid] = _Event(
                str(event.get("SUMMARY", "")),
                str(event.get("URL", "")),
                start,
                end,
                str(event.get("LOCATION", "")),
                str(event.get("STATUS", "CONFIRMED")),
                tz,
            )
    return found


def _titled(change: EventChange, root: Path) -> EventChange:
    """An event named by its page's heading, as the pages list it (a calendar's SUMMARY may say
    "Cancelled: ...")."""
    page = root / change.url.strip("/") / "index.html"
    if change.url.startswith("/") and page.is_file():
        return EventChange(change.url, _title(page), change.changes)
    return change


# RFC 5545 STATUS of an event, as a reader would say it.
_STATUS = {"CONFIRMED": "going ahead", "CANCELLED": "cancelled", "TENTATIVE": "not certain"}


def _event_changes(before: dict[str, _Event], after: dict[str, _Event]) -> tuple[EventChange, ...]:
    changes = []
    for uid in sorted(before.keys() & after.keys()):
        old, new = before[uid], after[uid]
        said = []
        old_when, new_when = event_when(old.start, old.end, old.tz), event_when(new.start, new.end, new.tz)
        if old_when != new_when:
            said.append(f"now {new_when} (was {old_when})")
        if old.location != new.location:
            said.append(f"now at {new.location or 'no venue'} (was {old.location or 'no venue'})")
        if old.status != new.status:
            said.append(
                f"now {_STATUS.get(new.status, new.status.lower())} (was {_STATUS.get(old.status, old.status.lower())})"
            )
        if said:
            path = new.url.split("://", 1)[-1]
            url = "/" + path.split("/", 1)[1] if "/" in path else new.url
            changes.append(EventChange(url, new.title, tuple(said)))
    return tuple(sorted(changes, key=lambda change: change.url))


def describe(changes: SiteChanges, markdown: bool = False) -> str:
    """The changes in words: a sentence of counts, then what each list holds."""
    heading = "What this change does to the site"
    if changes.is_empty:
        body = "Nothing: every page, feed and calendar stays exactly as it was.\n"
        return f"### {heading}\n\n{body}" if markdown else f"{heading}: {body}"
    counts = []
    pages = [(changes.added, "added"), (changes.removed, "removed"), (changes.changed, "changed")]
    nearby = changes.surroundings
    said = [(items, how) for items, how in pages if items]
    if said:
        (first, how), rest = said[0], said[1:]
        counts.append(_join([f"{count(len(first), 'page')} {how}"] + [f"{len(items)} {how}" for items, how in rest]))
    if nearby:
        counts.append(
            f"{count(len(nearby), 'page')} {'changes' if len(nearby) == 1 else 'change'} only in "
            "the navigation or footer"
        )
    if changes.events:
        counts.append(f"{count(len(changes.events), 'event')} moved or changed")
    if changes.calendars:
        counts.append(f"{count(len(changes.calendars), 'calendar')} affected")
    if changes.feeds:
        counts.append(f"{count(len(changes.feeds), 'feed')} affected")
    if changes.search_index:
        counts.append(f"the search index changed ({count(changes.search_index, 'file')})")
    if changes.other_files:
        counts.append(f"{count(len(changes.other_files), 'other file')} changed")
    summary = "; ".join(counts) + "."
    summary = summary[0].upper() + summary[1:]

    sections: list[tuple[str, list[str]]] = []
    for items, how in pages:
        if items:
            sections.append((f"Pages {how}", [_page(page, markdown) for page in items]))
    if changes.events:
        sections.append(
            (
                "Events moved or changed",
                [
                    f"{_page(Page(event.url, event.title), markdown)}: "
                    + (_markdown_text("; ".join(event.changes)) if markdown else "; ".join(event.changes))
                    for event in changes.events
                ],
            )
        )
    if changes.calendars:
        sections.append(
            (
                "Calendars affected (subscribers see the change)",
                [f"`{url}`" if markdown else url for url in changes.calendars],
            )
        )
    if changes.feeds:
        sections.append(("Feeds affected", [f"`{url}`" if markdown else url for url in changes.feeds]))
    if nearby:
        sections.append(
            ("Pages that change only in the navigation or footer", [_page(page, markdown) for page in nearby])
        )
    if changes.search_index:
        where = f"`/{SEARCH_INDEX}/`" if markdown else f"/{SEARCH_INDEX}/"
        sections.append(("Search index", [f"{where}: {count(changes.search_index, 'file')} added, removed or changed"]))
    if changes.other_files:
        sections.append(("Other files", [f"`{url}`" if markdown else url for url in changes.other_files]))

    lines = [f"### {heading}", "", summary] if markdown else [f"{heading}:", summary]
    for title, listed in sections:
        lines += ["", f"**{title}**", ""] if markdown else ["", f"{title}:"]
        shown = listed[:MAX_LISTED]
        if len(listed) > len(shown):
            shown.append(f"and {len(listed) - len(shown)} more")
        lines += [f"- {item}" if markdown else f"  {item}" for item in shown]
    return "\n".join(lines) + "\n"


def _page(page: Page, markdown: bool) -> str:
    return f"{_markdown_text(page.title)} (`{page.url}`)" if markdown else f"{page.url} {page.title}"


def _markdown_text(text: str) -> str:
    """Text that Markdown shows as it is: an editor's title may hold `*`, `[` or `<`."""
    return "".join("\\" + char if char in "\\`*_[]<>#|~" else char for char in text)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
