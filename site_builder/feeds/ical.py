"""iCalendar (RFC 5545) files of events, written with the icalendar library.

The library makes the calendar headers and the VTIMEZONEs; this module decides
what each property says. Each event's VEVENT is written here (`vevent`), with
icalendar's text escaping, value formats, property order and line folding:
building an icalendar Event and serialising it cost 0.8 ms an event, the largest
single cost of a cold build (benchmarks/README.md). A property test holds the
bytes equal to icalendar's own.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable
from urllib.parse import urlsplit

from icalendar import Calendar, Event as VEvent, Timezone
from icalendar.caselessdict import canonsort_keys

from ..dates import as_datetime, day_after, local_day, short_date
from ..model import Event, Site

PRODID = "-//site-builder//learning programme events//EN"
REFRESH = timedelta(hours=12)
STATUS = {"scheduled": "CONFIRMED", "full": "CONFIRMED", "postponed": "TENTATIVE", "cancelled": "CANCELLED"}
# How far each status is from the original plan; SEQUENCE rises as an event moves along it.
STATUS_RANK = {"scheduled": 0, "full": 0, "postponed": 1, "cancelled": 2}


def subscription_events(site: Site) -> tuple[Event, ...]:
    """All future events and the past twelve months: subscribers keep recent history."""
    since = site.today - timedelta(days=366)
    return tuple(e for e in site.events if not e.is_past or e.start_day >= since)


class CalendarWriter:
    """Writes calendars for one site. Each event's VEVENT and each time zone's VTIMEZONE is serialised
    once and reused in every calendar that has it (an event is in up to five files)."""

    def __init__(self, site: Site, stored: Callable[[Event], bytes | None] | None = None):
        """`stored` gives an event's own calendar file as an earlier build made it from the same event and
        settings, when there is one: its VEVENT is taken from there rather than made again."""
        self.site = site
        self.stored = stored
        self._events: dict[str, bytes] = {}
        self._zones: dict[tuple[int, int], bytes] = {}
        self._single_header = b""

    def render(self, events: tuple[Event, ...], name: str, description: str) -> bytes:
        """A calendar to subscribe to: named, described, and refreshed by clients twice a day."""
        return self._assemble(_calendar_header(self.site, name, description), events)

    def render_event(self, event: Event) -> bytes:
        """One event's "Add to calendar" file: imported once, so it carries no name or refresh interval."""
        if not self._single_header:
            self._single_header = _calendar_header(self.site, None, None)
        return self._assemble(self._single_header, (event,))

    def render_event_entry(self, event: Event) -> tuple[bytes, tuple[str, bytes]]:
        """One event's own calendar file, and its VEVENT by its slug (for the calendars of many events)."""
        return self.render_event(event), (event.slug, self.event_bytes(event))

    def _assemble(self, header: bytes, events: tuple[Event, ...]) -> bytes:
        parts = []
        timed = [e for e in events if not e.all_day]
        if timed:
            first = min(e.start_day for e in timed).year - 1
            last = max(e.start_day for e in timed).year + 1
            parts.append(self._zone(first, last))
        parts += [self.event_bytes(event) for event in events]
        end = b"END:VCALENDAR\r\n"
        assert header.endswith(end)
        return header[: -len(end)] + b"".join(parts) + end

    def event_bytes(self, event: Event) -> bytes:
        """One event's VEVENT, serialised (and remembered)."""
        if event.slug not in self._events:
            stored = self.stored(event) if self.stored else None
            made = only_vevent(stored) if stored else None
            self._events[event.slug] = made or vevent(_vevent_properties(self.site, event))
        return self._events[event.slug]

    def preload(self, slug: str, vevent: bytes) -> None:
        """Take an event's VEVENT serialised elsewhere (by a worker)."""
        self._events[slug] = vevent

    def _zone(self, first_year: int, last_year: int) -> bytes:
        if (first_year, last_year) not in self._zones:
            zone = Timezone.from_tzinfo(self.site.config.tz, first_date=date(first_year, 1, 1),
                                        last_date=date(last_year, 12, 31))
            _one_date_per_rdate(zone)
            self._zones[(first_year, last_year)] = zone.to_ical()
        return self._zones[(first_year, last_year)]


def fold(line: str, limit: int = 75) -> str:
    """RFC 5545 folding as icalendar does it: at most limit - 1 octets a line, never inside a UTF-8
    character, and never just after a backslash or caret, which would split an escape."""
    if len(line) < limit and line.isascii():
        return line
    data = line.encode()
    if len(data) < limit:
        return line
    pieces, start = [], 0
    while len(data) - start >= limit:
        end = start + limit - 1
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back up to the character's start
            end -= 1
        if end - start > 1 and data[end - 1] in b"\\^":
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return b"\r\n ".join(pieces).decode()


def only_vevent(calendar: bytes) -> bytes | None:
    """The VEVENT of a calendar of one event (as render_event makes it), byte for byte; None if it has not
    one. Text values cannot hold a line break, so the component's first and last lines are found whole."""
    start = calendar.find(b"\r\nBEGIN:VEVENT\r\n")
    end = b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    if start < 0 or not calendar.endswith(end) or calendar.count(b"\r\nBEGIN:VEVENT\r\n") != 1:
        return None
    return calendar[start + 2: len(calendar) - len(b"END:VCALENDAR\r\n")]


def _calendar_header(site: Site, name: str | None, description: str | None) -> bytes:
    """The calendar's own properties; a name and description make it a subscription."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name is not None:
        calendar.add("name", name)  # RFC 7986
        calendar.add("x-wr-calname", name)  # what Google, Apple and Outlook read
        calendar.add("description", description)
        calendar.add("x-wr-caldesc", description)
    calendar.add("x-wr-timezone", site.config.timezone)
    if name is not None:
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})  # RFC 7986
        calendar.add("x-published-ttl", "PT12H")  # Outlook and Apple read this one
    return calendar.to_ical()


def _one_date_per_rdate(zone: Timezone) -> None:
    """Write each time-zone transition as its own RDATE line.

    icalendar lists a zone's transitions in one multi-valued RDATE, which RFC 5545 allows, but Mozilla's
    ical.js (Thunderbird) reads only the first value of each RDATE in a VTIMEZONE: every event after the
    first year would be an hour out there. One value a line is read right by every client.
    """
    for part in zone.subcomponents:
        if "RDATE" not in part:
            continue
        values = part["RDATE"] if isinstance(part["RDATE"], list) else [part["RDATE"]]
        moments = [moment.dt for value in values for moment in value.dts]
        del part["RDATE"]
        for moment in moments:
            part.add("rdate", moment)


def _vevent_properties(site: Site, event: Event) -> tuple[tuple[str, Any], ...]:
    """Every property of an event's VEVENT, in order, as plain values: all that icalendar is given."""
    config = site.config
    host = urlsplit(config.base_url).hostname or "localhost"
    # DTSTAMP and LAST-MODIFIED come from the content, never the clock, so builds repeat byte for byte.
    changed = event.updated or event.published
    properties: list[tuple[str, Any]] = [
        ("uid", f"event-{event.slug}@{host}"),
        ("dtstamp", _utc(changed or event.start, site)),
    ]
    if changed:
        properties.append(("last-modified", _utc(changed, site)))
    properties.append(("sequence", sequence(event)))
    summary = f"Cancelled: {event.title}" if event.status == "cancelled" else event.title
    if event.status == "postponed":
        summary = f"Postponed: {event.title}"
    properties.append(("summary", summary))
    if event.all_day:
        properties.append(("dtstart", event.start))
        properties.append(("dtend", day_after(event.end)))  # an all-day DTEND is exclusive (RFC 5545 3.6.1)
    else:
        properties.append(("dtstart", event.start.astimezone(config.tz)))
        properties.append(("dtend", event.end.astimezone(config.tz)))
    properties.append(("status", STATUS[event.status]))
    properties.append(("transp", "TRANSPARENT" if event.status == "cancelled" else "OPAQUE"))
    properties.append(("location", _location(event)))
    properties.append(("url", config.absolute(event.url)))
    if event.topics:
        properties.append(("categories", [t.name for t in event.topics]))
    properties.append(("description", _description(site, event)))
    return tuple(properties)


def vevent(properties: tuple[tuple[str, Any], ...]) -> bytes:
    """The VEVENT of these properties (each name once), byte for byte what icalendar's `Event.to_ical()` gives
    after `add`ing each one, made without building the Event: it made 38 parameter dictionaries an event."""
    lines = {}
    for name, value in properties:
        name = name.upper()
        params, text = _encode(name, value)
        lines[name] = f"{name};{params}:{text}" if params else f"{name}:{text}"
    ordered = [lines[name] for name in canonsort_keys(lines, VEvent.canonical_order)]
    return "".join(fold(line) + "\r\n" for line in ("BEGIN:VEVENT", *ordered, "END:VEVENT")).encode()


def _encode(name: str, value: Any) -> tuple[str, str]:
    """A property's parameters and value, as RFC 5545 writes them (3.3) and icalendar encodes them: a date, a
    date-time in UTC or in a named zone, an integer, a URI, a list of text, or text."""
    if isinstance(value, datetime):
        stamp = f"{value.year:04}{value.month:02}{value.day:02}T{value.hour:02}{value.minute:02}{value.second:02}"
        if value.tzinfo is timezone.utc:
            return "", stamp + "Z"
        return f"TZID={value.tzinfo.key}", stamp  # type: ignore[union-attr]
    if isinstance(value, date):
        return "VALUE=DATE", f"{value.year:04}{value.month:02}{value.day:02}"
    if isinstance(value, int):
        return "", str(value)
    if name == "URL":
        return "", value
    if isinstance(value, list):
        return "", ",".join(map(escape_text, value))
    return "", escape_text(value)


def escape_text(text: str) -> str:
    """RFC 5545 TEXT (3.3.11), with icalendar's order of replacements and its reading of a literal \\N."""
    return (text.replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def sequence(event: Event) -> int:
    """RFC 5545 SEQUENCE from the content alone: the days from `published` to `updated`, plus how far the
    status has moved from scheduled. Editing `updated` or the status raises it, so clients take the change;
    it never reads the clock or a previous build."""
    days = 0
    if event.published and event.updated:
        days = max(0, (local_day(event.updated, event.tz) - local_day(event.published, event.tz)).days)
    return days + STATUS_RANK[event.status]


def add_links(event: Event, site: Site) -> dict[str, str]:
    """'Add to Google Calendar' and 'Add to Outlook' links: the event as each web calendar's form wants it."""
    config = site.config
    details = f"{event.summary}\n\n{config.absolute(event.url)}"
    location = _location(event)
    if event.all_day:
        google_dates = f"{event.start:%Y%m%d}/{day_after(event.end):%Y%m%d}"
        outlook_start, outlook_end = event.start.isoformat(), day_after(event.end).isoformat()
    else:
        start, end = event.start.astimezone(timezone.utc), event.end.astimezone(timezone.utc)
        google_dates = f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}"
        outlook_start = event.start.astimezone(config.tz).isoformat()
        outlook_end = event.end.astimezone(config.tz).isoformat()
    google = "https://calendar.google.com/calendar/render?" + form_encode({
        "action": "TEMPLATE", "text": event.title, "dates": google_dates, "details": details,
        "location": location, "ctz": config.timezone})
    outlook = "https://outlook.live.com/calendar/0/action/compose?" + form_encode({
        "rru": "addevent", "path": "/calendar/action/compose", "subject": event.title,
        "startdt": outlook_start, "enddt": outlook_end, "allday": "true" if event.all_day else "false",
        "location": location, "body": details})
    return {"google": google, "outlook": outlook}


_UNRESERVED = re.compile(rb"[^A-Za-z0-9_.~ -]")


def form_encode(fields: dict[str, str]) -> str:
    """What urllib.parse.urlencode gives, byte for byte. urllib quotes a character at a time in Python,
    which was a fifth of the time of an event page; this hands only the characters to escape to Python."""
    def quote(text: str) -> str:
        data = _UNRESERVED.sub(lambda match: b"%%%02X" % match[0][0], text.encode("utf-8"))
        return data.replace(b" ", b"+").decode("ascii")
    return "&".join(f"{quote(key)}={quote(value)}" for key, value in fields.items())


def _location(event: Event) -> str:
    if event.venue and event.format == "hybrid":
        return f"{event.venue.one_line} (and online)"
    if event.venue:
        return event.venue.one_line
    platform = event.online.platform if event.online and event.online.platform else ""
    return f"Online ({platform})" if platform else "Online"


def _description(site: Site, event: Event) -> str:
    lines = [event.summary, ""]
    if event.status_label:
        lines.append(f"Status: {event.status_label}")
    lines.append(f"When: {event.when}")
    lines.append(f"Format: {event.format_label}")
    if event.online and event.online.joining:
        lines.append(f"Joining: {event.online.joining}")
    lines.append(f"Cost: {event.cost}")
    if event.accessibility:
        lines.append("Accessibility: " + ", ".join(event.accessibility))
    if event.booking and event.status == "scheduled":
        how = event.booking.url or f"email {event.booking.email}"
        lines.append(f"Book: {how}")
        if event.booking.deadline:
            lines.append(f"Book by: {short_date(event.booking.deadline)}")
    lines.append(f"Details: {site.config.absolute(event.url)}")
    return "\n".join(lines)


def _utc(moment: date | datetime, site: Site) -> datetime:
    return as_datetime(moment, site.config.tz).astimezone(timezone.utc)
