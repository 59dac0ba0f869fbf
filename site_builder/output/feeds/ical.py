"""iCalendar (RFC 5545, RFC 7986) files of events.

Every line is written here: the calendar's own properties (`calendar_header`), its VTIMEZONE, made from the
zone's real transitions in `zoneinfo` (`vtimezone`), and each event's VEVENT (`vevent`), with icalendar's
value formats, property order and line folding. icalendar is the reference each part is tested against,
and the parser the build's own check reads the last published calendars with. It is not the writer: its
VTIMEZONEs put each spring change an hour late (RFC 5545 3.6.5: an onset is local time in the offset
before it), its calendar properties cannot hold a line break, and building an icalendar Event cost 0.8 ms
an event, the largest single cost of a cold build (benchmarks/README.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo


from ...site.dates import as_datetime, day_after, short_date
from ...site.model import Event, Site

# `icalendar.Event.canonical_order`: these properties first, in this order, then the rest A to Z, as
# `icalendar.Event.to_ical()` writes them. Kept here so a build never imports icalendar, a fifth of the builder's
# start-up; tests/test_calendars.py holds it to icalendar's own.
CANONICAL_ORDER = (
    "SUMMARY",
    "DTSTART",
    "DTEND",
    "DURATION",
    "DTSTAMP",
    "UID",
    "RECURRENCE-ID",
    "SEQUENCE",
    "RRULE",
    "RDATE",
    "EXDATE",
)
_CANONICAL = {name: n for n, name in enumerate(CANONICAL_ORDER)}


def _property_order(name: str) -> tuple[int, str]:
    return _CANONICAL.get(name, len(CANONICAL_ORDER)), name


PRODID = "-//site-builder//learning programme events//EN"
REFRESH = "PT12H"
STATUS = {"scheduled": "CONFIRMED", "full": "CONFIRMED", "postponed": "TENTATIVE", "cancelled": "CANCELLED"}
# SEQUENCE counts minutes from here to `updated`: it rises each time an editor moves `updated` on, and only then.
SEQUENCE_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


def subscription_events(site: Site) -> tuple[Event, ...]:
    """All future events and the past twelve months: subscribers keep recent history."""
    since = site.today - timedelta(days=366)
    return tuple(e for e in site.events if not e.is_past or e.start_day >= since)


class CalendarWriter:
    """Writes calendars for one site. Each event's VEVENT and each time zone's VTIMEZONE is serialised
    once and reused in every calendar that has it (an event is in up to five files)."""

    def __init__(self, site: Site):
        self.site = site
        self._events: dict[str, bytes] = {}
        self._zones: dict[tuple[int, int], bytes] = {}
        self._single_header = b""

    def render(self, events: tuple[Event, ...], name: str, description: str, page: str = "", source: str = "") -> bytes:
        """A calendar to subscribe to: named, described, where it is shown (`page`) and where it is fetched
        from (`source`), both site URLs, and refreshed by clients twice a day. With no events it still holds
        the site's time zone: RFC 5545 asks every calendar for at least one component."""
        return self._assemble(calendar_header(self.site, name, description, page, source), events)

    def render_event(self, event: Event) -> bytes:
        """One event's "Add to calendar" file: imported once, so it carries no name or refresh interval."""
        if not self._single_header:
            self._single_header = calendar_header(self.site, None, None)
        return self._assemble(self._single_header, (event,))

    def render_event_entry(self, event: Event) -> tuple[bytes, tuple[str, bytes]]:
        """One event's own calendar file, and its VEVENT by its slug (for the calendars of many events)."""
        return self.render_event(event), (event.slug, self.event_bytes(event))

    def _assemble(self, header: bytes, events: tuple[Event, ...]) -> bytes:
        parts = []
        timed = [
            e
            for e in events
            if not e.all_day and not (_in_utc(e.start, self.site.config.tz) and _in_utc(e.end, self.site.config.tz))
        ]
        if timed:
            parts.append(self._zone(min(e.start_day for e in timed).year, max(_end_day(e) for e in timed).year))
        elif not events:
            parts.append(self._zone(self.site.today.year, self.site.today.year))
        parts += [self.event_bytes(event) for event in events]
        end = b"END:VCALENDAR\r\n"
        assert header.endswith(end)
        return header[: -len(end)] + b"".join(parts) + end

    def event_bytes(self, event: Event) -> bytes:
        """One event's VEVENT, serialised (and remembered)."""
        if event.slug not in self._events:
            self._events[event.slug] = vevent(vevent_properties(self.site, event))
        return self._events[event.slug]

    def preload(self, slug: str, vevent: bytes) -> None:
        """Take an event's VEVENT serialised elsewhere (by a worker)."""
        self._events[slug] = vevent

    def _zone(self, first_year: int, last_year: int) -> bytes:
        if (first_year, last_year) not in self._zones:
            self._zones[(first_year, last_year)] = vtimezone(self.site.config.tz, first_year, last_year)
        return self._zones[(first_year, last_year)]


# ---------------------------------------------------------------- time zones


@dataclass(frozen=True)
class Transition:
    """One change of a zone's clocks: the instant (UTC), the offsets before and after, the new clock's name."""

    instant: datetime
    before: timedelta
    after: timedelta
    name: str
    daylight: bool


def _state(tz: ZoneInfo, stamp: int) -> tuple[timedelta | None, timedelta | None, str | None]:
    local = datetime.fromtimestamp(stamp, tz)
    return local.utcoffset(), local.dst(), local.tzname()


def transitions(tz: ZoneInfo, start: datetime, end: datetime) -> list[Transition]:
    """Every change of `tz`'s offset, clock name or daylight saving from `start` up to `end` (UTC), to the
    second, found from zoneinfo itself: scanned six hours at a time, each change then bisected."""
    step = 6 * 3600
    found = []
    low, high = int(start.timestamp()), int(end.timestamp())
    state = _state(tz, low)
    at = low
    while at < high:
        after = min(at + step, high)
        state_after = _state(tz, after)
        if state_after != state:
            left, right = at, after  # the change is in (left, right]
            while right - left > 1:
                middle = (left + right) // 2
                if _state(tz, middle) == state:
                    left = middle
                else:
                    right = middle
            new = _state(tz, right)
            moment = datetime.fromtimestamp(right, timezone.utc)
            found.append(Transition(moment, state[0] or timedelta(), new[0] or timedelta(), new[2] or "", bool(new[1])))
            state, at = new, right
            continue
        at = after
    return found


@lru_cache(maxsize=64)
def vtimezone(tz: ZoneInfo, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE of `tz` for events from `first_year` to `last_year`: one observance a transition, each
    DTSTART the local time in the offset before it (RFC 5545 3.6.5), from the last change before the first
    year to the last change of the last; a zone whose clocks have not changed for twenty years has one
    observance, its offset. No RRULE or RDATE: every client reads a list of dated onsets alike."""
    start = datetime(first_year, 1, 1, tzinfo=timezone.utc) - timedelta(days=2)
    end = datetime(last_year + 1, 1, 1, tzinfo=timezone.utc) + timedelta(days=2)
    shown = transitions(tz, start, end)
    earlier: list[Transition] = []
    reach = start
    while not earlier and reach > start - timedelta(days=366 * 20):
        earlier = transitions(tz, reach - timedelta(days=366), reach)
        reach -= timedelta(days=366)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{escape_text(tz.key)}"]
    if earlier:
        shown.insert(0, earlier[-1])
    else:
        offset, dst, name = _state(tz, int(start.timestamp()))
        shown.insert(
            0,
            Transition(
                datetime(1970, 1, 1, tzinfo=timezone.utc) - (offset or timedelta()),
                offset or timedelta(),
                offset or timedelta(),
                name or "",
                bool(dst),
            ),
        )
    for change in shown:
        kind = "DAYLIGHT" if change.daylight else "STANDARD"
        local = (change.instant + change.before).replace(tzinfo=None)
        lines += [f"BEGIN:{kind}", f"DTSTART:{local:%Y%m%dT%H%M%S}"]
        if change.name:
            lines.append(f"TZNAME:{escape_text(change.name)}")
        lines += [f"TZOFFSETFROM:{utc_offset(change.before)}", f"TZOFFSETTO:{utc_offset(change.after)}", f"END:{kind}"]
    lines.append("END:VTIMEZONE")
    return "".join(fold(line) + "\r\n" for line in lines).encode()


def utc_offset(delta: timedelta) -> str:
    """RFC 5545 UTC-OFFSET (3.3.14): +0100, -0330, +001515 with seconds when there are some."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    text = f"{sign}{seconds // 3600:02d}{seconds % 3600 // 60:02d}"
    return text + f"{seconds % 60:02d}" if seconds % 60 else text


def _in_utc(moment: date | datetime, tz: ZoneInfo) -> bool:
    """Whether a moment is written in UTC rather than by the zone's clock: when the clock time happens twice
    (the hour the clocks go back), a local time alone would not say which, and parsers differ on it."""
    if not isinstance(moment, datetime):
        return False
    local = moment.astimezone(tz)
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


def _end_day(event: Event) -> date:
    return event.end.astimezone(event.tz).date() if isinstance(event.end, datetime) else event.end


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


def calendar_header(site: Site, name: str | None, description: str | None, page: str = "", source: str = "") -> bytes:
    """The calendar's own properties, and its END line; a name makes it a calendar to subscribe to. Every
    TEXT value is escaped (RFC 5545 3.3.11), the calendar's name and description as much as an event's."""
    config = site.config
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    if name is not None:
        if description:
            lines += [f"DESCRIPTION:{escape_text(description)}", f"X-WR-CALDESC:{escape_text(description)}"]
        lines += [
            f"NAME:{escape_text(name)}",  # RFC 7986
            f"X-WR-CALNAME:{escape_text(name)}",
        ]  # what Google, Apple and Outlook read
        if page:
            lines.append(f"URL:{config.absolute(page)}")  # RFC 7986 5.5: where the calendar is described
        if source:
            lines.append(f"SOURCE:{config.absolute(source)}")  # RFC 7986 5.8: where to fetch it again
        if config.color:
            lines.append(f"COLOR:{config.color}")  # RFC 7986 5.9: a CSS colour name
        lines += [
            f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",  # RFC 7986
            f"X-PUBLISHED-TTL:{REFRESH}",
        ]  # Outlook and Apple read this one
    lines += [f"X-WR-TIMEZONE:{escape_text(config.timezone)}", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines).encode()


def vevent_properties(site: Site, event: Event) -> tuple[tuple[str, Any], ...]:
    """Every property of an event's VEVENT, in order, as plain values: all that `vevent` is given."""
    config = site.config
    host = urlsplit(config.base_url).hostname or "localhost"
    properties: list[tuple[str, Any]] = [
        ("uid", f"event-{event.slug}@{host}"),
        ("dtstamp", stamp(event, site)),
    ]
    changed = event.updated or event.published
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
        assert isinstance(event.start, datetime) and isinstance(event.end, datetime)  # not all day: times
        properties.append(("dtstart", calendar_time(event.start, config.tz)))
        properties.append(("dtend", calendar_time(event.end, config.tz)))
    properties.append(("status", STATUS[event.status]))
    properties.append(("transp", "TRANSPARENT" if event.status == "cancelled" else "OPAQUE"))
    properties.append(("location", location(event)))
    properties.append(("url", config.absolute(event.url)))
    if event.online and event.online.url and event.format != "in-person":
        properties.append(("conference", event.online.url))  # RFC 7986 5.11: a public page to join from
    if event.topics:
        properties.append(("categories", [t.name for t in event.topics]))
    properties.append(("description", _description(site, event)))
    return tuple(properties)


def calendar_time(moment: datetime, tz: ZoneInfo) -> datetime:
    """A time as a calendar file writes it: by the site's clock, or in UTC when that clock time happens twice.
    An instant pinned with an offset keeps that instant either way."""
    return moment.astimezone(timezone.utc) if _in_utc(moment, tz) else moment.astimezone(tz)


def stamp(event: Event, site: Site) -> datetime:
    """DTSTAMP: when the event was last changed (`updated`, else `published`), never its own start; with
    neither, the build date, which never goes back. All from the content and the build date, never the
    clock, so builds repeat byte for byte."""
    changed = event.updated or event.published
    return _utc(changed if changed else site.today, site)


def vevent(properties: tuple[tuple[str, Any], ...]) -> bytes:
    """The VEVENT of these properties (each name once), byte for byte what `icalendar.Event.to_ical()` gives
    after `add`ing each one, made without building the Event: it made 38 parameter dictionaries an event."""
    lines = {}
    for name, value in properties:
        name = name.upper()
        params, text = _encode(name, value)
        lines[name] = f"{name};{params}:{text}" if params else f"{name}:{text}"
    ordered = [lines[name] for name in sorted(lines, key=_property_order)]
    return "".join(fold(line) + "\r\n" for line in ("BEGIN:VEVENT", *ordered, "END:VEVENT")).encode()


def _encode(name: str, value: Any) -> tuple[str, str]:
    """A property's parameters and value, as RFC 5545 writes them (3.3) and icalendar encodes them: a date, a
    date-time in UTC or in a named zone, an integer, a URI, a list of text, or text."""
    if isinstance(value, datetime):
        stamp = f"{value.year:04}{value.month:02}{value.day:02}T{value.hour:02}{value.minute:02}{value.second:02}"
        if value.tzinfo is timezone.utc:
            return "", stamp + "Z"
        zone = value.tzinfo
        assert isinstance(zone, ZoneInfo), "a time is written in UTC or in the site's named zone"
        return f"TZID={zone.key}", stamp
    if isinstance(value, date):
        return "VALUE=DATE", f"{value.year:04}{value.month:02}{value.day:02}"
    if isinstance(value, int):
        return "", str(value)
    if name == "URL":
        return "", value
    if name == "CONFERENCE":
        return "VALUE=URI;FEATURE=VIDEO;LABEL=Join online", value
    if isinstance(value, list):
        return "", ",".join(map(escape_text, value))
    return "", escape_text(value)


def escape_text(text: str) -> str:
    """RFC 5545 TEXT (3.3.11): backslash first, so a literal \\N stays the two characters it is."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def sequence(event: Event) -> int:
    """RFC 5545 SEQUENCE from `updated` alone: the minutes from 2000 to it (0 without it). It rises each
    time an editor moves `updated` on, so clients that imported the event take the change (RFC 5546), and
    it never falls while `updated` does not go back: cancelling and reinstating both raise it."""
    if not event.updated:
        return 0
    moment = as_datetime(event.updated, event.tz).astimezone(timezone.utc)
    return max(0, int((moment - SEQUENCE_EPOCH).total_seconds() // 60))


OUTLOOK_HOSTS = {"outlook": "outlook.live.com", "outlook_work": "outlook.office.com"}


def add_links(event: Event, site: Site) -> dict[str, str]:
    """'Add to Google Calendar', 'Add to Outlook.com' and 'Add to Outlook for work or school' (Microsoft 365)
    links: the event as each web calendar's form wants it, times in UTC (`...Z`, as Outlook's form is
    documented), so no calendar has to guess a zone."""
    config = site.config
    details = f"{event.summary}\n\n{config.absolute(event.url)}"
    where = location(event)
    if event.all_day:
        google_dates = f"{event.start:%Y%m%d}/{day_after(event.end):%Y%m%d}"
        outlook_start, outlook_end = event.start.isoformat(), day_after(event.end).isoformat()
    else:
        assert isinstance(event.start, datetime) and isinstance(event.end, datetime)  # not all day: times
        start, end = event.start.astimezone(timezone.utc), event.end.astimezone(timezone.utc)
        google_dates = f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}"
        outlook_start, outlook_end = f"{start:%Y-%m-%dT%H:%M:%SZ}", f"{end:%Y-%m-%dT%H:%M:%SZ}"
    links = {
        "google": "https://calendar.google.com/calendar/render?"
        + form_encode(
            {
                "action": "TEMPLATE",
                "text": event.title,
                "dates": google_dates,
                "details": details,
                "location": where,
                "ctz": config.timezone,
            }
        )
    }
    for name, host in OUTLOOK_HOSTS.items():
        links[name] = f"https://{host}/calendar/0/action/compose?" + form_encode(
            {
                "rru": "addevent",
                "path": "/calendar/action/compose",
                "subject": event.title,
                "startdt": outlook_start,
                "enddt": outlook_end,
                "allday": "true" if event.all_day else "false",
                "location": where,
                "body": details,
            }
        )
    return links


def subscribe_links(site: Site, ics_url: str, name: str) -> dict[str, str]:
    """Links that subscribe to a calendar of many events: `webcal:` (Apple Calendar, Outlook on a desktop,
    most phones), and Google Calendar's, Outlook.com's and Microsoft 365's pages for adding one by address."""
    host = urlsplit(site.config.base_url).netloc
    webcal = f"webcal://{host}{ics_url}"
    address = site.config.absolute(ics_url)
    links = {"webcal": webcal, "google": "https://calendar.google.com/calendar/render?" + form_encode({"cid": webcal})}
    for key, outlook in OUTLOOK_HOSTS.items():
        links[key] = f"https://{outlook}/calendar/0/addfromweb?" + form_encode({"url": address, "name": name})
    return links


_UNRESERVED = re.compile(rb"[^A-Za-z0-9_.~ -]")


def form_encode(fields: dict[str, str]) -> str:
    """What urllib.parse.urlencode gives, byte for byte. urllib quotes a character at a time in Python,
    which was a fifth of the time of an event page; this hands only the characters to escape to Python."""
    return "&".join(f"{_form_quote(key)}={_form_quote(value)}" for key, value in fields.items())


@lru_cache(maxsize=256)  # an event's page quotes its title, place and details for three calendars
def _form_quote(text: str) -> str:
    data = _UNRESERVED.sub(lambda match: b"%%%02X" % match[0][0], text.encode("utf-8"))
    return data.replace(b" ", b"+").decode("ascii")


def location(event: Event) -> str:
    """Where, in one line: the venue, and whether it is online too."""
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
    if event.previous_when:
        lines.append(f"Rescheduled from: {event.previous_when}")
    lines.append(f"Format: {event.format_label}")
    if event.online and event.online.joining:
        lines.append(f"Joining: {event.online.joining}")
    if event.online and event.online.url and event.format != "in-person":
        lines.append(f"Join online: {event.online.url}")
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
