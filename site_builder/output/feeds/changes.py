"""A check apart from rendering: has an event's time, place or status changed since the last build published
its calendar, while `updated` did not move? Then SEQUENCE stays put, and people who imported the event keep
the old one (RFC 5546), so the build warns. It reads the live output's own calendar of each event, and
nothing else of it; it changes nothing."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from ...errors import Problem, warning
from ...site.model import Site
from .ical import vevent, vevent_properties

WATCHED = {"DTSTART": "start", "DTEND": "end", "LOCATION": "place", "STATUS": "status"}


def calendar_changes(site: Site, output_dir: Path, base: Path) -> list[Problem]:
    """A warning for each event whose calendar would change what subscribers rely on without its SEQUENCE
    rising, or whose SEQUENCE would fall (its `updated` moved back or was removed)."""
    problems = []
    for event in site.events:
        try:
            published = (output_dir / event.ics_url.lstrip("/")).read_bytes()
        except OSError:
            continue  # new, or never built: nothing to compare with
        before = _properties(published)
        after = _properties(vevent(vevent_properties(site, event)))
        if "SEQUENCE" not in before:
            continue
        old, new = int(before["SEQUENCE"][1] or 0), int(after["SEQUENCE"][1])
        changed = [what for name, what in WATCHED.items() if _value(before.get(name)) != _value(after.get(name))]
        line = _line_of(base / event.source, "updated")
        example = f"`updated: {site.today.isoformat()}`, or a time on it if it was set to that day already"
        if new < old:
            problems.append(
                warning(
                    event.source,
                    line,
                    "updated",
                    "is earlier than when the last build published "
                    "this event, so calendars that imported it would ignore this version "
                    f"(expected {example})",
                )
            )
        elif changed and new == old:
            problems.append(
                warning(
                    event.source,
                    line,
                    "updated",
                    f"did not move, but the event's "
                    f"{_listed(changed)} changed since the last build published it, so calendars "
                    f"that imported it keep the old one (expected {example})",
                )
            )
    return problems


def _properties(data: bytes) -> dict[str, tuple[str, str]]:
    """Each property of a calendar's first VEVENT: its parameters and its value, as written."""
    text = data.decode("utf-8", "replace").replace("\r\n ", "").replace("\r\n\t", "")
    found: dict[str, tuple[str, str]] = {}
    inside = False
    for line in text.split("\r\n"):
        if line == "BEGIN:VEVENT":
            inside = True
        elif line == "END:VEVENT":
            break
        elif inside:
            head, _, value = line.partition(":")
            name, _, params = head.partition(";")
            found.setdefault(name.upper(), (params, value))
    return found


def _value(written: tuple[str, str] | None) -> object:
    """A property's value, with times as instants: the same time may be written by the zone's clock or in UTC."""
    if written is None:
        return None
    params, value = written
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?", value)
    if not match:
        return value
    day = date(int(match[1]), int(match[2]), int(match[3]))
    if match[4] is None:
        return day
    moment = datetime(day.year, day.month, day.day, int(match[4]), int(match[5]), int(match[6]))
    zone = re.search(r"TZID=([^;:]+)", params)
    if match[7]:
        return moment.replace(tzinfo=timezone.utc)
    try:
        return moment.replace(tzinfo=ZoneInfo(zone[1])).astimezone(timezone.utc) if zone else moment
    except (ValueError, KeyError):
        return value


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _line_of(path: Path, field: str) -> int:
    """The line of a top-level field in a content file (the opening line when it has none)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    return next((n for n, line in enumerate(lines, start=1) if re.match(rf"{field}\s*:", line)), 1)
