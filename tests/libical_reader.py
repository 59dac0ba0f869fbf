"""Read calendar files the way Evolution and GNOME Calendar do (libical 3, through Debian's GObject
bindings) and print what it understood, as JSON. Run with the system's Python, which has `gi`:
/usr/bin/python3 tests/libical_reader.py FILE..."""

import json
import sys
from datetime import datetime, timezone

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as ICal  # noqa: E402


def moment(calendar, value):
    """A DATE as YYYY-MM-DD; a DATE-TIME as its UTC instant, read through the file's own VTIMEZONE."""
    if value.is_date():
        return f"{value.get_year():04d}-{value.get_month():02d}-{value.get_day():02d}"
    if value.is_utc():
        zone = ICal.Timezone.get_utc_timezone()
    else:
        tzid = value.get_tzid()
        zone = calendar.get_timezone(tzid) if tzid else None  # the VTIMEZONE in this file, not libical's own
        if tzid and zone is None:
            raise SystemExit(f"no VTIMEZONE for {tzid}")
    stamp = value.as_timet_with_zone(zone)
    return datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main(paths):
    result = {}
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            calendar = ICal.Component.new_from_string(handle.read())
        if calendar is None or calendar.isa() != ICal.ComponentKind.VCALENDAR_COMPONENT:
            raise SystemExit(f"{path}: libical could not read it")
        events = []
        event = calendar.get_first_component(ICal.ComponentKind.VEVENT_COMPONENT)
        while event is not None:
            status = event.get_status()
            events.append(
                {
                    "uid": event.get_uid(),
                    "summary": event.get_summary(),
                    "description": event.get_description(),
                    "location": event.get_location(),
                    "status": ICal.Property.status_to_string(status) if status != ICal.PropertyStatus.NONE else None,
                    "sequence": event.get_sequence(),
                    "start": moment(calendar, event.get_dtstart()),
                    "end": moment(calendar, event.get_dtend()),
                }
            )
            event = calendar.get_next_component(ICal.ComponentKind.VEVENT_COMPONENT)
        names = {}
        for kind in ("X-WR-CALNAME", "X-WR-CALDESC", "NAME", "DESCRIPTION"):
            found = calendar.get_first_property(
                ICal.PropertyKind.X_PROPERTY
                if kind.startswith("X-")
                else getattr(ICal.PropertyKind, f"{kind}_PROPERTY")
            )
            while found is not None and kind.startswith("X-") and found.get_x_name() != kind:
                found = calendar.get_next_property(ICal.PropertyKind.X_PROPERTY)
            names[kind] = (
                found.get_value().get_x()
                if found is not None and kind.startswith("X-")
                else (found.get_value().get_text() if found is not None else None)
            )
        result[path] = {"names": names, "events": events}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
