"""iCalendar (RFC 5545) files of events, written by the icalendar library.

The library does the line folding at 75 octets, CRLF line ends, text escaping
and VTIMEZONE generation; this module decides what each property says.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

from icalendar import Calendar, Event as VEvent

from ..dates import as_datetime, day_after, short_date
from ..model import Event, Site

PRODID = "-//site-builder//learning programme events//EN"
REFRESH = timedelta(hours=12)
STATUS = {"scheduled": "CONFIRMED", "full": "CONFIRMED", "postponed": "TENTATIVE", "cancelled": "CANCELLED"}


def subscription_events(site: Site) -> tuple[Event, ...]:
    """All future events and the past twelve months: subscribers keep recent history."""
    since = site.today - timedelta(days=366)
    return tuple(e for e in site.events if not e.is_past or e.start_day >= since)


def render_calendar(site: Site, events: tuple[Event, ...], name: str, description: str) -> bytes:
    """One calendar of the given events, for subscription or download."""
    config = site.config
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)  # RFC 7986
    calendar.add("x-wr-calname", name)  # what Google, Apple and Outlook read
    calendar.add("description", description)
    calendar.add("x-wr-caldesc", description)
    calendar.add("x-wr-timezone", config.timezone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})  # RFC 7986
    calendar.add("x-published-ttl", "PT12H")  # Outlook and Apple read this one
    for event in events:
        calendar.add_component(_vevent(site, event))
    timed = [e for e in events if not e.all_day]
    if timed:
        first = min(e.start_day for e in timed)
        last = max(e.start_day for e in timed)
        calendar.add_missing_timezones(first_date=date(first.year - 1, 1, 1), last_date=date(last.year + 1, 12, 31))
    return calendar.to_ical()


def _vevent(site: Site, event: Event) -> VEvent:
    config = site.config
    host = urlsplit(config.base_url).hostname or "localhost"
    vevent = VEvent()
    vevent.add("uid", f"event-{event.slug}@{host}")
    # DTSTAMP and LAST-MODIFIED come from the content, never the clock, so builds repeat byte for byte.
    changed = event.updated or event.published
    vevent.add("dtstamp", _utc(changed or event.start, site))
    if changed:
        vevent.add("last-modified", _utc(changed, site))
    vevent.add("sequence", 0 if event.status in ("scheduled", "full") else 1)
    summary = f"Cancelled: {event.title}" if event.status == "cancelled" else event.title
    if event.status == "postponed":
        summary = f"Postponed: {event.title}"
    vevent.add("summary", summary)
    if event.all_day:
        vevent.add("dtstart", event.start)
        vevent.add("dtend", day_after(event.end))  # DTEND of an all-day event is exclusive (RFC 5545 3.6.1)
    else:
        vevent.add("dtstart", event.start.astimezone(config.tz))
        vevent.add("dtend", event.end.astimezone(config.tz))
    vevent.add("status", STATUS[event.status])
    vevent.add("transp", "TRANSPARENT" if event.status == "cancelled" else "OPAQUE")
    vevent.add("location", _location(event))
    vevent.add("url", config.absolute(event.url))
    if event.topics:
        vevent.add("categories", [t.name for t in event.topics])
    vevent.add("description", _description(site, event))
    return vevent


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
