"""Calendar files read right in the clients subscribers use: icalendar (Python) and Mozilla's ical.js
(Thunderbird's parser), agreeing on every event's start and end instant, across clock changes."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo
from pathlib import Path
from urllib.parse import urlencode

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar.parser.string import _foldline as icalendar_fold

from site_builder.feeds.ical import fold, form_encode, only_vevent, vevent

from tests.conftest import PROJECT, SITES, run_main

TITLE = 'Cancelled talk: "Quotes" & <tags>, commas; semicolons \\ backslash 🎉 café'

# Every event of the calendars fixture: the instants every client must agree on (UTC), or dates.
EXPECTED = {
    "spring-forward-day": ("2026-03-29T17:00:00Z", "2026-03-29T18:30:00Z"),  # 18:00 BST, the first evening of it
    "fall-back-evening": ("2026-10-25T18:00:00Z", "2026-10-25T19:00:00Z"),  # 18:00 GMT, the first evening of it
    "winter-evening": ("2026-12-02T18:00:00Z", "2026-12-02T20:00:00Z"),
    "awkward-title": ("2027-02-10T18:00:00Z", "2027-02-10T19:00:00Z"),
    "postponed-session": ("2027-03-03T12:00:00Z", "2027-03-03T13:00:00Z"),
    "open-day": ("2027-05-01", "2027-05-02"),  # all day: DTEND is exclusive
    "residential": ("2027-06-04", "2027-06-07"),
    "from-berlin": ("2027-07-01T17:00:00Z", "2027-07-01T18:30:00Z"),  # 19:00+02:00
    "long-ago": ("2025-06-01T17:00:00Z", "2025-06-01T18:00:00Z"),
}


@pytest.fixture
def calendars(calendars_site: Path) -> Path:
    return calendars_site


def read_with_icaljs(paths: list[Path]) -> dict[str, dict]:
    node = shutil.which("node")
    assert node, "ical.js needs Node.js (bin/test installs it)"
    done = subprocess.run([node, str(PROJECT / "tests" / "ical_reader.mjs"), *map(str, paths)], cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def icalendar_instant(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def icaljs_instant(value: str) -> str:
    return value.replace(".000Z", "Z")


def slug_of(uid: str) -> str:
    return uid.removeprefix("event-").split("@")[0]


def test_every_calendar_file_agrees_in_both_parsers_on_every_instant(calendars: Path) -> None:
    files = sorted(calendars.rglob("*.ics"))
    assert len(files) >= 12
    by_icaljs = read_with_icaljs(files)
    checked = 0
    for path in files:
        parsed = icalendar.Calendar.from_ical(path.read_bytes())
        icaljs_events = {slug_of(e["uid"]): e for e in by_icaljs[str(path)]["events"]}
        py_events = {slug_of(str(e["UID"])): e for e in parsed.walk("VEVENT")}
        assert sorted(icaljs_events) == sorted(py_events), path.name
        for slug, event in py_events.items():
            expected = EXPECTED[slug]
            assert (icalendar_instant(event.decoded("DTSTART")), icalendar_instant(event.decoded("DTEND"))) \
                == expected, (path.name, slug)
            other = icaljs_events[slug]
            assert (icaljs_instant(other["start"]), icaljs_instant(other["end"])) == expected, (path.name, slug)
            checked += 1
    assert checked >= 20


def test_the_subscription_has_future_events_and_the_past_twelve_months(calendars: Path) -> None:
    uids = [slug_of(str(e["UID"])) for e in
            icalendar.Calendar.from_ical((calendars / "events.ics").read_bytes()).walk("VEVENT")]
    assert sorted(uids) == sorted(set(EXPECTED) - {"long-ago"})
    assert (calendars / "events" / "long-ago.ics").is_file()


def test_cancelled_and_postponed_events_read_as_such_everywhere(calendars: Path) -> None:
    events = {slug_of(e["uid"]): e for e in read_with_icaljs([calendars / "events.ics"])[
        str(calendars / "events.ics")]["events"]}
    assert events["awkward-title"]["status"] == "CANCELLED"
    assert events["awkward-title"]["summary"] == "Cancelled: " + TITLE
    assert events["postponed-session"]["status"] == "TENTATIVE"
    assert events["postponed-session"]["summary"] == "Postponed: Postponed session"
    assert events["winter-evening"]["status"] == "CONFIRMED"
    # SEQUENCE rises with the status and with `updated`: days since published plus the status' distance.
    assert events["winter-evening"]["sequence"] == 0
    assert events["postponed-session"]["sequence"] == 4 + 1
    assert events["awkward-title"]["sequence"] == 19 + 2


def test_awkward_text_round_trips_exactly_in_both_parsers(calendars: Path) -> None:
    path = calendars / "events" / "awkward-title.ics"
    event = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Cancelled: " + TITLE
    summary = 'Every character a calendar must escape: & < > " , ; \\ and emoji 🎉, accents é ü ß.'
    assert str(event["DESCRIPTION"]).startswith(summary + "\n")
    assert [str(c) for c in event["CATEGORIES"].cats] == ["Ünïcode & Symbols"]
    other = read_with_icaljs([path])[str(path)]["events"][0]
    assert other["summary"] == "Cancelled: " + TITLE
    assert other["description"].startswith(summary + "\n")
    assert other["categories"] == ["Ünïcode & Symbols"]
    venue = read_with_icaljs([calendars / "events" / "winter-evening.ics"])
    assert next(iter(venue.values()))["events"][0]["location"] == "Hall, Room 2; upstairs, 1 Long Road, Leeds, LS1 1AA"


def test_an_events_own_calendar_holds_its_vevent_exactly_as_the_subscription_has_it(calendars: Path) -> None:
    """A rebuild takes a kept event calendar's VEVENT for the calendars of many events (render.py)."""
    subscription = (calendars / "events.ics").read_bytes()
    own = sorted((calendars / "events").glob("*.ics"))
    assert len(own) == len(EXPECTED)
    for path in own:
        part = only_vevent(path.read_bytes())
        assert part is not None and part.startswith(b"BEGIN:VEVENT\r\n") and part.endswith(b"END:VEVENT\r\n")
        assert path.stem == "long-ago" or b"\r\n" + part in subscription, path.name
    assert only_vevent(subscription) is None  # many events: not one to take
    assert only_vevent(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n") is None


def test_lines_are_folded_at_75_octets_with_crlf(calendars: Path) -> None:
    for path in calendars.rglob("*.ics"):
        data = path.read_bytes()
        assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
        for line in data.split(b"\r\n"):
            assert len(line) <= 75, (path.name, line)


def test_every_time_zone_used_is_defined_and_the_calendar_describes_itself(calendars: Path) -> None:
    parsed = icalendar.Calendar.from_ical((calendars / "events.ics").read_bytes())
    assert parsed.get_missing_tzids() == set()
    assert {str(tz["TZID"]) for tz in parsed.walk("VTIMEZONE")} == {"Europe/London"}
    assert str(parsed["METHOD"]) == "PUBLISH"
    assert str(parsed["X-WR-CALNAME"]) == "Calendar edge cases events"
    assert str(parsed["X-WR-TIMEZONE"]) == "Europe/London"
    assert parsed["REFRESH-INTERVAL"].to_ical() == b"PT12H"


def test_uids_are_stable_across_files_and_stamps_do_not_depend_on_the_build_date(tmp_path: Path) -> None:
    outs = []
    for today in ("2026-11-23", "2027-01-30"):
        out = tmp_path / today
        assert run_main("build", "--content", str(SITES / "calendars"), "--output", str(out),
                        "--today", today).code == 0
        outs.append(out)
    for path in (outs[0] / "events").glob("*.ics"):
        assert path.read_bytes() == (outs[1] / "events" / path.name).read_bytes(), path.name
    series = icalendar.Calendar.from_ical((outs[0] / "series" / "evenings.ics").read_bytes())
    single = icalendar.Calendar.from_ical((outs[0] / "events" / "winter-evening.ics").read_bytes())
    series_uids = {str(e["UID"]) for e in series.walk("VEVENT")}
    assert str(single.walk("VEVENT")[0]["UID"]) in series_uids


def test_event_pages_offer_download_subscribe_and_web_calendar_links(calendars: Path) -> None:
    page = (calendars / "events" / "winter-evening" / "index.html").read_text()
    assert 'href="/events/winter-evening.ics" download' in page
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE&amp;text=A+winter+evening&amp;" \
           "dates=20261202T180000Z%2F20261202T200000Z" in page
    assert "https://outlook.live.com/calendar/0/action/compose?" in page
    assert "startdt=2026-12-02T18%3A00%3A00%2B00%3A00" in page
    series = (calendars / "series" / "evenings" / "index.html").read_text()
    assert 'href="webcal://calendars.example.org/series/evenings.ics"' in series
    guide = (calendars / "calendars" / "index.html").read_text()
    assert "webcal://calendars.example.org/events.ics" in guide
    assert "Subscribe from web" in guide


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \\^;,é€🎉\u00e9x"), max_size=400))
def test_our_line_folding_is_icalendars_byte_for_byte(text: str) -> None:
    """site_builder folds event lines itself for speed; every line must come out as icalendar folds it."""
    line = f"DESCRIPTION:{text}"
    assert fold(line) == icalendar_fold(line)


TEXT = st.text(alphabet=st.sampled_from("ab \\^;,:\"\n\r\tNé€🎉"), max_size=120)
ZONES = st.sampled_from([ZoneInfo("Europe/London"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")])
MOMENTS = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31))


@st.composite
def vevent_properties(draw: st.DrawFn) -> tuple[tuple[str, object], ...]:
    """Properties in the shape ical._vevent_properties gives them, with any text and moments."""
    stamp = draw(MOMENTS).replace(tzinfo=timezone.utc)
    properties: list[tuple[str, object]] = [("uid", draw(TEXT)), ("dtstamp", stamp)]
    if draw(st.booleans()):
        properties.append(("last-modified", stamp))
    properties += [("sequence", draw(st.integers(0, 10_000))), ("summary", draw(TEXT))]
    if draw(st.booleans()):
        day = draw(st.dates(min_value=date(1900, 1, 1)))
        properties += [("dtstart", day), ("dtend", day)]
    else:
        zone = draw(ZONES)
        properties += [("dtstart", draw(MOMENTS).replace(tzinfo=zone)), ("dtend", draw(MOMENTS).replace(tzinfo=zone))]
    properties += [("status", draw(st.sampled_from(["CONFIRMED", "TENTATIVE", "CANCELLED"]))),
                   ("transp", draw(st.sampled_from(["OPAQUE", "TRANSPARENT"]))), ("location", draw(TEXT)),
                   ("url", "https://example.org/events/" + draw(st.from_regex(r"[a-z0-9-]{0,90}", fullmatch=True)))]
    if draw(st.booleans()):
        properties.append(("categories", draw(st.lists(TEXT, min_size=1, max_size=4))))
    properties.append(("description", draw(TEXT) * draw(st.integers(1, 4))))
    return tuple(draw(st.permutations(properties)))


@settings(max_examples=400, deadline=None)
@given(vevent_properties())
def test_our_vevents_are_icalendars_byte_for_byte(properties: tuple[tuple[str, object], ...]) -> None:
    """site_builder writes each event's VEVENT itself for speed; it must be what icalendar writes."""
    event = icalendar.Event()
    for name, value in properties:
        event.add(name, value)
    assert vevent(properties) == event.to_ical()


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=20), st.text(max_size=200), max_size=6))
def test_our_form_encoding_is_urllibs(fields: dict[str, str]) -> None:
    """The 'Add to Google Calendar' and Outlook links are encoded by site_builder for speed; urllib's way."""
    assert form_encode(fields) == urlencode(fields)
