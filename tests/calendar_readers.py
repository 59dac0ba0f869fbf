"""Four independent iCalendar parsers, each reading calendar files into the same plain shape, so tests can
ask whether they agree: icalendar (Python), Mozilla's ical.js (Thunderbird), libical 3 (Evolution and GNOME
Calendar, through Debian's GObject bindings) and vobject (Python, its own parser and time-zone reading).
Every time is read through the file's own VTIMEZONE and given as a UTC instant, `YYYY-MM-DDTHH:MM:SSZ`, or
a date, `YYYY-MM-DD`."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import icalendar
import vobject

from tests.conftest import PROJECT

NAMES = ("X-WR-CALNAME", "X-WR-CALDESC", "NAME", "DESCRIPTION")
SYSTEM_PYTHON = "/usr/bin/python3"  # the one with Debian's `gi`; the virtual environment cannot import it


def instant(value: date | datetime) -> str:
    if isinstance(value, datetime):
        assert value.tzinfo is not None, "a floating time: no zone was applied"
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def as_text(written: str) -> str:
    """A value read as icalendar reads TEXT: as an event's SUMMARY."""
    return str(icalendar.Event.from_ical(f"BEGIN:VEVENT\r\nSUMMARY:{written}\r\nEND:VEVENT\r\n")["SUMMARY"])


def read_with_icalendar(paths: list[Path]) -> dict[str, dict[str, Any]]:
    result = {}
    for path in paths:
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        events = [
            {
                "uid": str(e["UID"]),
                "summary": str(e["SUMMARY"]),
                "status": str(e.get("STATUS")),
                "sequence": int(e.get("SEQUENCE", 0)),
                "start": instant(e.decoded("DTSTART")),
                "end": instant(e.decoded("DTEND")),
                "description": str(e.get("DESCRIPTION")),
                "location": str(e.get("LOCATION")),
            }
            for e in calendar.walk("VEVENT")
        ]
        # icalendar leaves properties it has no type for (NAME, X-WR-*) as written; they are TEXT (RFC 7986).
        names = {
            name: (
                str(calendar[name])
                if isinstance(calendar[name], icalendar.vText)
                else as_text(calendar[name].to_ical().decode())
            )
            if name in calendar
            else None
            for name in NAMES
        }
        result[str(path)] = {"names": names, "events": events}
    return result


def read_with_vobject(paths: list[Path]) -> dict[str, dict[str, Any]]:
    result = {}
    for path in paths:
        calendar = vobject.readOne(path.read_text(encoding="utf-8"))
        events = []
        for event in getattr(calendar, "vevent_list", []):
            events.append(
                {
                    "uid": event.uid.value,
                    "summary": event.summary.value,
                    "status": event.status.value,
                    "sequence": int(event.sequence.value),
                    "start": instant(event.dtstart.value),
                    "end": instant(event.dtend.value),
                    "description": event.description.value,
                    "location": event.location.value,
                }
            )
        names = {}
        for name in NAMES:
            found = calendar.contents.get(name.lower())
            names[name] = found[0].value if found else None
        result[str(path)] = {"names": names, "events": events}
    return result


def read_with_icaljs(paths: list[Path]) -> dict[str, dict[str, Any]]:
    node = shutil.which("node")
    assert node, "ical.js needs Node.js (bin/test installs it)"
    done = subprocess.run(
        [node, str(PROJECT / "tests" / "ical_reader.mjs"), *map(str, paths)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for calendar in result.values():
        for event in calendar["events"]:
            for key in ("start", "end"):
                event[key] = event[key].replace(".000Z", "Z")
    return result


def read_with_libical(paths: list[Path]) -> dict[str, dict[str, Any]]:
    done = subprocess.run(
        [SYSTEM_PYTHON, str(PROJECT / "tests" / "libical_reader.py"), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"libical 3 (bin/test installs gir1.2-ical-3.0): {done.stderr}"
    return json.loads(done.stdout)


READERS = {
    "icalendar": read_with_icalendar,
    "ical.js": read_with_icaljs,
    "libical": read_with_libical,
    "vobject": read_with_vobject,
}


def read_everywhere(paths: list[Path]) -> dict[str, dict[str, dict[str, Any]]]:
    """What each parser read of each file: parser -> path -> {names, events}."""
    return {name: read(paths) for name, read in READERS.items()}
