"""Calendar files read right in every client: four independent parsers (icalendar, Mozilla's ical.js,
libical 3 and vobject) agree on every event of every test site's calendars, through both clock changes, the
hour that happens twice, all-day and multi-day events; every VTIMEZONE onset is a real transition of its
zone; SEQUENCE and DTSTAMP rise with each recorded change; every TEXT value, headers included, round-trips."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar.parser.string import _foldline as icalendar_fold

from site_builder.output.feeds.ical import fold, form_encode, vevent

from tests.calendar_readers import read_everywhere, read_with_icaljs
from tests.conftest import SITES, examples, run_main

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

# The clocks fixture: what the editor meant, worked out by hand (Europe/London: BST is UTC+1 from 01:00 UTC
# on the last Sunday of March to 01:00 UTC on the last Sunday of October).
CLOCKS = {
    "before-the-gap": ("2027-03-28T00:30:00Z", "2027-03-28T02:00:00Z"),  # 00:30 GMT to 03:00 BST
    "spring-morning": ("2027-03-28T08:00:00Z", "2027-03-28T09:00:00Z"),
    "first-one-fifteen": ("2026-10-25T00:15:00Z", "2026-10-25T00:45:00Z"),  # the first 01:15, BST
    "second-half-past-one": ("2026-10-25T01:30:00Z", "2026-10-25T02:30:00Z"),  # the second 01:30, GMT
    "across-fall-back": ("2026-10-24T23:30:00Z", "2026-10-25T03:00:00Z"),  # 00:30 BST to 03:00 GMT
    "change-day": ("2027-03-28", "2027-03-29"),
    "long-weekend": ("2026-10-23", "2026-10-27"),
    "two-nights": ("2027-03-27T18:00:00Z", "2027-03-29T11:00:00Z"),
    "leap-summer": ("2028-07-01T09:00:00Z", "2028-07-01T10:00:00Z"),
    "moved-session": ("2027-04-07T11:00:00Z", "2027-04-07T12:00:00Z"),
    "called-off": ("2027-01-20T18:00:00Z", "2027-01-20T19:00:00Z"),
    "sold-out": ("2027-02-03T18:00:00Z", "2027-02-03T19:00:00Z"),
    "summer-past": ("2026-06-10T17:00:00Z", "2026-06-10T18:00:00Z"),
}
AGREED = ("uid", "summary", "status", "start", "end", "sequence", "location", "description")


@pytest.fixture
def calendars(calendars_site: Path) -> Path:
    return calendars_site


def slug_of(uid: str) -> str:
    return uid.removeprefix("event-").split("@")[0]


def agreed_reading(files: list[Path]) -> dict[str, dict]:
    """What every parser read of each file, asserted the same in all four: the calendar's names and, for
    every event, its UID, summary, status, start and end (UTC), sequence, location and description."""
    readings = read_everywhere(files)
    reference = readings["icalendar"]
    for parser, reading in readings.items():
        for path in files:
            mine, theirs = reading[str(path)], reference[str(path)]
            assert mine["names"] == theirs["names"], (parser, path.name)
            assert len(mine["events"]) == len(theirs["events"]), (parser, path.name)
            for event, other in zip(mine["events"], theirs["events"]):
                for key in AGREED:
                    assert event[key] == other[key], (parser, path.name, slug_of(other["uid"]), key)
    return reference


@pytest.mark.slow  # a whole build or a subprocess: the full run has it
def test_every_calendar_of_every_test_site_reads_alike_in_four_parsers(test_sites: tuple[Path, ...]) -> None:
    files = sorted(path for site in test_sites for path in site.rglob("*.ics"))
    assert len(files) >= 40
    reading = agreed_reading(files)
    assert sum(len(calendar["events"]) for calendar in reading.values()) >= 80


@pytest.mark.parametrize("site, expected", [("calendars_site", EXPECTED), ("clocks_site", CLOCKS)])
def test_every_event_is_the_instant_the_editor_meant_in_every_file(
    site: str, expected: dict, request: pytest.FixtureRequest
) -> None:
    out: Path = request.getfixturevalue(site)
    files = sorted(out.rglob("*.ics"))
    reading = agreed_reading(files)
    seen = set()
    for path in files:
        for event in reading[str(path)]["events"]:
            slug = slug_of(event["uid"])
            assert (event["start"], event["end"]) == expected[slug], (path.name, slug)
            seen.add(slug)
    assert seen == set(expected)


def test_status_and_summary_say_what_happened(clocks_site: Path) -> None:
    events = {
        slug_of(e["uid"]): e
        for e in agreed_reading([clocks_site / "events.ics"])[str(clocks_site / "events.ics")]["events"]
    }
    assert events["called-off"]["status"] == "CANCELLED"
    assert (
        events["called-off"]["summary"] == "Cancelled: Called off: a \\N literal, commas, semicolons; and \\ backslash"
    )
    # A summary is prose: its line breaks are read as spaces (schema.Text(prose=True)), so the one escaped
    # newline is the one the calendar adds after it.
    assert events["called-off"]["description"].startswith("A summary on two lines; with, punctuation \\ and \\N.\n")
    assert events["sold-out"]["status"] == "CONFIRMED"
    assert events["moved-session"]["status"] == "CONFIRMED"
    assert "Rescheduled from: Wednesday 3 March 2027, midday" in events["moved-session"]["description"]
    assert "Join online: https://www.youtube.com/live/clocks-example" in events["two-nights"]["description"]


def _onsets(path: Path) -> list[tuple[str, str, datetime, timedelta, timedelta]]:
    """Each onset of each VTIMEZONE: zone, kind, DTSTART as written, TZOFFSETFROM, TZOFFSETTO."""
    found = []
    for zone in icalendar.Calendar.from_ical(path.read_bytes()).walk("VTIMEZONE"):
        for part in zone.subcomponents:
            found.append(
                (
                    str(zone["TZID"]),
                    part.name,
                    part.decoded("DTSTART"),
                    part.decoded("TZOFFSETFROM"),
                    part.decoded("TZOFFSETTO"),
                )
            )
            assert "RRULE" not in part and "RDATE" not in part
    return found


def test_every_onset_of_every_vtimezone_is_a_real_transition_of_its_zone(test_sites: tuple[Path, ...]) -> None:
    """RFC 5545 3.6.5: an onset's DTSTART is local time in the offset before it. So DTSTART - TZOFFSETFROM
    is the instant of the change, and zoneinfo must say the offset was FROM just before it and TO from it."""
    files = sorted(path for site in test_sites for path in site.rglob("*.ics"))
    checked = 0
    for path in files:
        onsets = _onsets(path)
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        years = {
            e.decoded(key).year
            for e in calendar.walk("VEVENT")
            for key in ("DTSTART", "DTEND")
            if isinstance(e.decoded(key), datetime)
        }
        if not onsets:
            assert not [e for e in calendar.walk("VEVENT") if "TZID" in e["DTSTART"].params], path.name
            continue
        zone = ZoneInfo(onsets[0][0])
        instants = []
        for tzid, kind, start, before, after in onsets:
            moment = (start - before).replace(tzinfo=timezone.utc)
            assert (moment - timedelta(seconds=1)).astimezone(zone).utcoffset() == before, (path.name, start)
            assert moment.astimezone(zone).utcoffset() == after, (path.name, start)
            assert kind == ("DAYLIGHT" if moment.astimezone(zone).dst() else "STANDARD")
            instants.append(moment)
            checked += 1
        # Every change of every year the calendar's events span is there, and one before, to start from.
        for year in years:
            for month in range(1, 13):
                first = datetime(year, month, 1, tzinfo=timezone.utc)
                following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc)
                if first.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
                    assert any(first <= moment < following for moment in instants), (path.name, year, month)
        assert min(instants) <= datetime(min(years), 1, 1, tzinfo=timezone.utc) if years else True
    assert checked >= 100


def test_the_spring_change_is_at_one_in_the_morning_utc(clocks_site: Path) -> None:
    text = (clocks_site / "events.ics").read_bytes().decode()
    assert (
        "BEGIN:DAYLIGHT\r\nDTSTART:20270328T010000\r\nTZNAME:BST\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\n" in text
    )
    assert (
        "BEGIN:STANDARD\r\nDTSTART:20261025T020000\r\nTZNAME:GMT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\n" in text
    )


def test_a_time_that_happens_twice_is_written_in_utc_and_others_by_the_clock(clocks_site: Path) -> None:
    first = (clocks_site / "events" / "first-one-fifteen.ics").read_bytes().decode()
    assert "DTSTART:20261025T001500Z\r\n" in first and "DTEND:20261025T004500Z\r\n" in first
    second = (clocks_site / "events" / "second-half-past-one.ics").read_bytes().decode()
    assert "DTSTART:20261025T013000Z\r\n" in second  # 02:30 comes once: written by the clock
    assert "DTEND;TZID=Europe/London:20261025T023000\r\n" in second
    across = (clocks_site / "events" / "across-fall-back.ics").read_bytes().decode()
    assert "DTSTART;TZID=Europe/London:20261025T003000\r\n" in across
    assert "DTEND;TZID=Europe/London:20261025T030000\r\n" in across


def test_the_page_says_which_clock_on_the_days_the_clocks_change(clocks_site: Path) -> None:
    def when(slug: str) -> str:
        page = (clocks_site / "events" / slug / "index.html").read_text()
        return re.search(r"<dt>When</dt><dd><time[^>]*>([^<]*)</time>", page)[1]

    assert when("first-one-fifteen") == "Sunday 25 October 2026, 1:15am BST to 1:45am BST"
    assert when("second-half-past-one") == "Sunday 25 October 2026, 1:30am GMT to 2:30am GMT"
    assert when("before-the-gap") == "Sunday 28 March 2027, 12:30am GMT to 3am BST"
    assert when("two-nights") == "Saturday 27 March 2027, 6pm GMT to Monday 29 March 2027, midday BST"
    assert when("sold-out") == "Wednesday 3 February 2027, 6pm to 7pm"  # an ordinary day: no clock named


def test_calendars_say_where_they_live_and_how_to_join(clocks_site: Path) -> None:
    series = icalendar.Calendar.from_ical((clocks_site / "series" / "night-shifts.ics").read_bytes())
    assert str(series["URL"]) == "https://clocks.example.org/series/night-shifts/"
    assert str(series["SOURCE"]) == "https://clocks.example.org/series/night-shifts.ics"
    assert str(series["COLOR"]) == "teal"
    assert str(series["REFRESH-INTERVAL"].to_ical().decode()) == "PT12H"
    event = icalendar.Calendar.from_ical((clocks_site / "events" / "two-nights.ics").read_bytes()).walk("VEVENT")[0]
    assert str(event["CONFERENCE"]) == "https://www.youtube.com/live/clocks-example"
    assert event["CONFERENCE"].params["VALUE"] == "URI" and event["CONFERENCE"].params["FEATURE"] == "VIDEO"
    assert str(event["URL"]) == "https://clocks.example.org/events/two-nights/"
    assert (
        "CONFERENCE"
        not in icalendar.Calendar.from_ical((clocks_site / "events" / "change-day.ics").read_bytes()).walk("VEVENT")[0]
    )


def test_a_calendar_with_nothing_to_hold_is_not_published_or_linked(clocks_site: Path, scratch) -> None:
    assert not (clocks_site / "clusters" / "waiting-room.ics").exists()
    page = (clocks_site / "clusters" / "waiting-room" / "index.html").read_text()
    assert "waiting-room.ics" not in page
    assert "waiting-room.ics" not in (clocks_site / "calendars" / "index.html").read_text()
    # The site's own calendar is promised at /events.ics even before there are events: it holds its zone,
    # a component RFC 5545 allows, and nothing else.
    assert scratch.build().code == 0
    empty = scratch.root / "output" / "events.ics"
    calendar = icalendar.Calendar.from_ical(empty.read_bytes())
    assert [c.name for c in calendar.subcomponents] == ["VTIMEZONE"]
    assert read_everywhere([empty])["libical"][str(empty)]["events"] == []


def test_the_subscription_has_future_events_and_the_past_twelve_months(calendars: Path) -> None:
    uids = [
        slug_of(str(e["UID"]))
        for e in icalendar.Calendar.from_ical((calendars / "events.ics").read_bytes()).walk("VEVENT")
    ]
    assert sorted(uids) == sorted(set(EXPECTED) - {"long-ago"})
    assert (calendars / "events" / "long-ago.ics").is_file()


def test_cancelled_and_postponed_events_read_as_such_everywhere(calendars: Path) -> None:
    events = {
        slug_of(e["uid"]): e
        for e in read_with_icaljs([calendars / "events.ics"])[str(calendars / "events.ics")]["events"]
    }
    assert events["awkward-title"]["status"] == "CANCELLED"
    assert events["awkward-title"]["summary"] == "Cancelled: " + TITLE
    assert events["postponed-session"]["status"] == "TENTATIVE"
    assert events["postponed-session"]["summary"] == "Postponed: Postponed session"
    assert events["winter-evening"]["status"] == "CONFIRMED"
    # SEQUENCE is the minutes from 2000 to `updated` (local midnight for a date), 0 without it.
    assert events["winter-evening"]["sequence"] == 0
    assert events["postponed-session"]["sequence"] == (datetime(2027, 1, 5) - datetime(2000, 1, 1)).days * 1440
    assert events["awkward-title"]["sequence"] == (datetime(2027, 1, 20) - datetime(2000, 1, 1)).days * 1440


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


def only_vevent(calendar: bytes) -> bytes | None:
    """The VEVENT of a calendar of one event (as CalendarWriter.render_event makes it), byte for byte; None if it has not
    one. Text values cannot hold a line break, so the component's first and last lines are found whole."""
    start = calendar.find(b"\r\nBEGIN:VEVENT\r\n")
    end = b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    if start < 0 or not calendar.endswith(end) or calendar.count(b"\r\nBEGIN:VEVENT\r\n") != 1:
        return None
    return calendar[start + 2 : len(calendar) - len(b"END:VCALENDAR\r\n")]


def test_an_events_own_calendar_holds_its_vevent_exactly_as_the_subscription_has_it(calendars: Path) -> None:
    """An event reads the same, byte for byte, whether imported alone or subscribed to with the others."""
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
        assert (
            run_main("build", "--content", str(SITES / "calendars"), "--output", str(out), "--today", today).code == 0
        )
        outs.append(out)
    for path in (outs[0] / "events").glob("*.ics"):
        assert path.read_bytes() == (outs[1] / "events" / path.name).read_bytes(), path.name
    series = icalendar.Calendar.from_ical((outs[0] / "series" / "evenings.ics").read_bytes())
    single = icalendar.Calendar.from_ical((outs[0] / "events" / "winter-evening.ics").read_bytes())
    series_uids = {str(e["UID"]) for e in series.walk("VEVENT")}
    assert str(single.walk("VEVENT")[0]["UID"]) in series_uids


def _query(link: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}


def _links(page: Path) -> list[str]:
    import html

    return [html.unescape(href) for href in re.findall(r'href="([^"]*)"', page.read_text())]


def test_event_pages_offer_google_both_outlooks_and_a_download(calendars: Path, clocks_site: Path) -> None:
    page = calendars / "events" / "winter-evening" / "index.html"
    assert 'href="/events/winter-evening.ics" download' in page.read_text()
    links = _links(page)
    google = next(link for link in links if link.startswith("https://calendar.google.com/calendar/render?"))
    assert _query(google)["dates"] == "20261202T180000Z/20261202T200000Z"
    assert _query(google)["text"] == "A winter evening"
    for host in ("outlook.live.com", "outlook.office.com"):  # Outlook.com, and Microsoft 365 for work or school
        outlook = _query(next(link for link in links if link.startswith(f"https://{host}/calendar/0/action/compose?")))
        assert (outlook["startdt"], outlook["enddt"]) == ("2026-12-02T18:00:00Z", "2026-12-02T20:00:00Z")
        assert outlook["subject"] == "A winter evening" and outlook["allday"] == "false"
    # The hour that happens twice: every link names the instant the editor pinned.
    second = _links(clocks_site / "events" / "second-half-past-one" / "index.html")
    outlook = _query(next(link for link in second if link.startswith("https://outlook.office.com/")))
    assert outlook["startdt"] == "2026-10-25T01:30:00Z"
    all_day = _query(
        next(
            link
            for link in _links(clocks_site / "events" / "long-weekend" / "index.html")
            if link.startswith("https://outlook.live.com/")
        )
    )
    assert (all_day["startdt"], all_day["enddt"], all_day["allday"]) == ("2026-10-23", "2026-10-27", "true")


def test_series_topic_and_cluster_pages_offer_subscriptions(clocks_site: Path, small_site: Path) -> None:
    pages = {"series/night-shifts": "/series/night-shifts.ics", "topics/young-people": "/topics/young-people.ics"}
    for page, ics in pages.items():
        links = _links(clocks_site / page / "index.html")
        assert f"webcal://clocks.example.org{ics}" in links
        assert any(
            link.startswith("https://calendar.google.com/calendar/render?cid=")
            and _query(link)["cid"] == f"webcal://clocks.example.org{ics}"
            for link in links
        )
        for host in ("outlook.live.com", "outlook.office.com"):
            adding = [_query(link) for link in links if link.startswith(f"https://{host}/calendar/0/addfromweb?")]
            assert [query["url"] for query in adding] == [f"https://clocks.example.org{ics}"], (page, host)
    cluster = _links(small_site / "clusters" / "better-homes" / "index.html")
    assert "webcal://small.example.org/clusters/better-homes.ics" in cluster
    guide = (clocks_site / "calendars" / "index.html").read_text()
    assert "webcal://clocks.example.org/events.ics" in guide
    assert "Subscribe from web" in guide


def test_a_moved_event_says_so_on_its_page(clocks_site: Path) -> None:
    page = (clocks_site / "events" / "moved-session" / "index.html").read_text()
    assert (
        "It was going to be on Wednesday 3 March 2027, midday; it is now on Wednesday 7 April 2027, "
        "midday to 1pm." in page
    )
    assert '<dt>Rescheduled from</dt><dd><time datetime="2027-03-03T12:00+00:00">' in page


@settings(max_examples=examples(300), deadline=None)
@given(st.text(alphabet=st.sampled_from("ab \\^;,é€🎉\u00e9x"), max_size=400))
def test_our_line_folding_is_icalendars_byte_for_byte(text: str) -> None:
    """site_builder folds event lines itself for speed; every line must come out as icalendar folds it."""
    line = f"DESCRIPTION:{text}"
    assert fold(line) == icalendar_fold(line)


TEXT = st.text(alphabet=st.sampled_from('ab \\^;,:"\n\r\tNé€🎉'), max_size=120)
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
    properties += [
        ("status", draw(st.sampled_from(["CONFIRMED", "TENTATIVE", "CANCELLED"]))),
        ("transp", draw(st.sampled_from(["OPAQUE", "TRANSPARENT"]))),
        ("location", draw(TEXT)),
        ("url", "https://example.org/events/" + draw(st.from_regex(r"[a-z0-9-]{0,90}", fullmatch=True))),
    ]
    if draw(st.booleans()):
        properties.append(("categories", draw(st.lists(TEXT, min_size=1, max_size=4))))
    properties.append(("description", draw(TEXT) * draw(st.integers(1, 4))))
    return tuple(draw(st.permutations(properties)))


@settings(max_examples=examples(400), deadline=None)
@given(vevent_properties())
def test_our_vevents_are_icalendars_byte_for_byte(properties: tuple[tuple[str, object], ...]) -> None:
    """site_builder writes each event's VEVENT itself for speed; it must be what icalendar writes, but for
    one thing: icalendar writes a literal \\N in text as a line break, and we keep it the text it is."""
    if any(isinstance(value, str) and "\\N" in value for _, value in properties) or any(
        isinstance(value, list) and any("\\N" in v for v in value) for _, value in properties
    ):
        return
    event = icalendar.Event()
    for name, value in properties:
        event.add(name, value)
    assert vevent(properties) == event.to_ical()


@settings(max_examples=examples(300), deadline=None)
@given(st.dictionaries(st.text(max_size=20), st.text(max_size=200), max_size=6))
def test_our_form_encoding_is_urllibs(fields: dict[str, str]) -> None:
    """The 'Add to Google Calendar' and Outlook links are encoded by site_builder for speed; urllib's way."""
    assert form_encode(fields) == urlencode(fields)


# ---------------------------------------------------------------- changes over builds

MOVING = """
    ---
    title: Moving target
    summary: An event an editor changes between builds.
    start: {start}
    end: {end}
    format: in-person
    venue:
      name: {venue}
      address: 1 Long Road, Leeds
    status: {status}
    published: 2027-01-01
    {updated}
    ---
    """


def _stamps(out: Path) -> list[tuple[int, datetime]]:
    """SEQUENCE and DTSTAMP of the moving event, in its own calendar and in the site's."""
    found = []
    for path in (out / "events" / "moving.ics", out / "events.ics"):
        event = next(
            e
            for e in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
            if str(e["UID"]).startswith("event-moving@")
        )
        found.append((int(event["SEQUENCE"]), event.decoded("DTSTAMP")))
    assert found[0] == found[1]
    return found


def test_sequence_and_dtstamp_rise_with_each_recorded_edit_cancellation_and_reinstatement(scratch) -> None:
    steps = [
        dict(start="2027-03-04 18:00", end="2027-03-04 19:00", venue="Hall", status="scheduled", updated=""),
        dict(
            start="2027-03-05 18:00",
            end="2027-03-05 19:00",
            venue="Hall",
            status="scheduled",
            updated="updated: 2027-01-10",
        ),  # moved a day
        dict(
            start="2027-03-05 18:00",
            end="2027-03-05 19:00",
            venue="Hall",
            status="cancelled",
            updated="updated: 2027-01-11 09:00",
        ),
        dict(
            start="2027-03-05 18:00",
            end="2027-03-05 19:00",
            venue="Hall",
            status="scheduled",
            updated="updated: 2027-01-11 15:30",
        ),  # reinstated the same day: a time on `updated`
    ]
    history = []
    for step in steps:
        scratch.write("events/moving.md", MOVING.format(**step))
        run = scratch.build()
        assert run.code == 0, run.err
        assert "moving.md" not in run.err  # every change was recorded: nothing to warn about
        history.append(_stamps(scratch.root / "output")[0])
    for before, after in zip(history, history[1:]):
        assert after[0] > before[0] and after[1] > before[1], history
    assert history[0][1] == datetime(2027, 1, 1, tzinfo=timezone.utc)  # published, never the start
    # The same content and build date give the same bytes.
    first = {p: p.read_bytes() for p in (scratch.root / "output").rglob("*.ics")}
    assert scratch.build("--no-cache").code == 0
    assert {p: p.read_bytes() for p in (scratch.root / "output").rglob("*.ics")} == first


def test_a_change_of_time_place_or_status_without_updated_is_warned(scratch) -> None:
    step = dict(
        start="2027-03-04 18:00",
        end="2027-03-04 19:00",
        venue="Hall",
        status="scheduled",
        updated="updated: 2027-01-10",
    )
    scratch.write("events/moving.md", MOVING.format(**step))
    assert scratch.build().code == 0
    scratch.write(
        "events/moving.md",
        MOVING.format(**{**step, "start": "2027-03-04 17:30", "venue": "Annexe", "status": "cancelled"}),
    )
    run = scratch.build()
    assert run.code == 0
    assert (
        "content/events/moving.md:12: warning: updated: did not move, but the event's start, place and "
        "status changed since the last build published it, so calendars that imported it keep the old one "
        "(expected `updated: 2027-01-15`, or a time on it if it was set to that day already)" in run.err_lines
    )
    # `updated` moved back: SEQUENCE would fall, and calendars that imported the event would ignore it.
    scratch.write(
        "events/moving.md",
        MOVING.format(
            **{
                **step,
                "start": "2027-03-04 17:30",
                "venue": "Annexe",
                "status": "cancelled",
                "updated": "updated: 2027-01-02",
            }
        ),
    )
    run = scratch.build()
    assert run.code == 0
    assert [line for line in run.err_lines if "moving.md" in line] == [
        "content/events/moving.md:12: warning: updated: is earlier than when the last build published this event, "
        "so calendars that imported it would ignore this version (expected `updated: 2027-01-15`, or a time on "
        "it if it was set to that day already)"
    ]
    # Nothing changed since: nothing to say.
    assert "moving.md" not in scratch.build().err


# ---------------------------------------------------------------- content no one on the team wrote

LONDON = ZoneInfo("Europe/London")
WORDS = (
    st.lists(
        st.characters(whitelist_categories=("L", "M", "N", "P", "S", "Zs"))
        | st.sampled_from(list(",;:\\\"'#&<>\t") + ["\\N", "\\n", "\\,", "\\;"]),
        min_size=1,
        max_size=30,
    )
    .map("".join)
    .filter(lambda text: text.strip() != "")
)
# (No line breaks: a title on two lines is an error and a summary's breaks are spaces, schema.Text(prose=True);
# tests/test_well_formed_output.py holds those rules.)
# Moments around both changes and anywhere else in the years the calendars span.
NEAR = [
    datetime(2026, 10, 25, 0, 0),
    datetime(2026, 10, 25, 1, 0),
    datetime(2027, 3, 28, 0, 30),
    datetime(2027, 3, 28, 2, 0),
    datetime(2027, 10, 31, 1, 0),
    datetime(2028, 3, 26, 0, 45),
]
OFFSETS = st.sampled_from([None, None, timedelta(0), timedelta(hours=1), timedelta(hours=2), timedelta(hours=-5)])


def yaml_text(text: str) -> str:
    """Any text as a YAML double-quoted scalar."""
    out = []
    for char in text:
        if char in '\\"':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) > 0xFFFF:
            out.append(f"\\U{ord(char):08x}")
        elif not char.isprintable() or char in "\x85\u2028\u2029\ufeff":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


@st.composite
def event_content(draw: st.DrawFn, number: int) -> tuple[str, dict]:
    """One event's file, and what every calendar must say of it."""
    title, summary = draw(WORDS), draw(WORDS)
    status = draw(st.sampled_from(["scheduled", "cancelled", "postponed", "full"]))
    lines = [
        "---",
        f"title: {yaml_text(title)}",
        f"summary: {yaml_text(summary)}",
        "series: found",
        f"status: {status}",
        "published: 2026-01-01",
    ]
    if draw(st.booleans()):
        day = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)))
        last = day + timedelta(days=draw(st.integers(0, 5)))
        lines += [f"start: {day}", f"end: {last}"]
        when = (day.isoformat(), (last + timedelta(days=1)).isoformat())
    else:
        if draw(st.booleans()):
            wall = draw(st.sampled_from(NEAR)) + timedelta(minutes=draw(st.integers(-90, 150)))
        else:
            wall = draw(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 30)))
        wall = wall.replace(second=0, microsecond=0)
        offset = draw(OFFSETS)
        if offset is None:
            local = wall.replace(tzinfo=LONDON)  # fold 0: the first of a time that happens twice
            if local.astimezone(timezone.utc).astimezone(LONDON).replace(tzinfo=None) != wall:
                offset = timedelta(0)  # that time never comes (the clocks went forward): pin it instead
        start = (
            (wall - offset).replace(tzinfo=timezone.utc)
            if offset is not None
            else wall.replace(tzinfo=LONDON).astimezone(timezone.utc)
        )
        finish = start + timedelta(minutes=draw(st.integers(1, 3000)))

        def written(instant: datetime) -> str:
            if offset is not None:
                sign = "+" if offset >= timedelta(0) else "-"
                hours = abs(int(offset.total_seconds())) // 3600
                return f"{(instant + offset).replace(tzinfo=None):%Y-%m-%dT%H:%M:%S}{sign}{hours:02d}:00"
            local = instant.astimezone(LONDON)
            if local.fold:  # the second of a time that happens twice needs its offset to say so
                return local.isoformat(timespec="seconds")
            return f"{local:%Y-%m-%d %H:%M}"

        lines += [f"start: {written(start)}", f"end: {written(finish)}"]
        when = (f"{start:%Y-%m-%dT%H:%M:%SZ}", f"{finish:%Y-%m-%dT%H:%M:%SZ}")
    if draw(st.booleans()):
        venue, address = draw(WORDS), draw(WORDS)
        lines += ["format: in-person", "venue:", f"  name: {yaml_text(venue)}", f"  address: {yaml_text(address)}"]
        where = f"{venue.strip()}, {address.strip()}"
    else:
        lines.append("format: online")
        where = "Online"
    lines.append("---")
    prefix = {"cancelled": "Cancelled: ", "postponed": "Postponed: "}.get(status, "")
    return "\n".join(lines) + "\n", {
        "summary": prefix + title.strip(),
        "start": when[0],
        "end": when[1],
        "status": {"scheduled": "CONFIRMED", "full": "CONFIRMED", "postponed": "TENTATIVE", "cancelled": "CANCELLED"}[
            status
        ],
        "location": where,
        "description": summary.strip(),
    }


@st.composite
def strangers_sites(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, dict], dict[str, str]]:
    site_title, series_title, series_summary = draw(WORDS), draw(WORDS), draw(WORDS)
    files = {
        "site.yaml": f"title: {yaml_text(site_title)}\nbase_url: https://strangers.example.org/\n",
        "series/found.md": f"---\ntitle: {yaml_text(series_title)}\nsummary: {yaml_text(series_summary)}\n"
        "published: 2026-01-01\n---\n",
    }
    expected = {}
    for number in range(draw(st.integers(1, 6))):
        text, facts = draw(event_content(number))
        files[f"events/e{number}.md"] = text
        expected[f"e{number}"] = facts
    names = {"X-WR-CALNAME": f"{series_title.strip()} ({site_title.strip()})", "X-WR-CALDESC": series_summary.strip()}
    names.update(NAME=names["X-WR-CALNAME"], DESCRIPTION=names["X-WR-CALDESC"])
    return files, expected, names


@settings(
    max_examples=examples(8), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(strangers_sites())
def test_on_content_no_one_here_wrote_every_parser_reads_what_the_editor_meant(
    site: tuple[dict[str, str], dict[str, dict], dict[str, str]],
) -> None:
    """Any text in every calendar field, headers included, and any times, across both clock changes and in
    the hour that happens twice, pinned with an offset or not: four parsers read back exactly that."""
    import tempfile

    files, expected, names = site
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for rel, text in files.items():
            (root / "content" / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / "content" / rel).write_text(text, encoding="utf-8")
        run = run_main(
            "build", "--content", str(root / "content"), "--output", str(root / "out"), "--today", "2026-06-01"
        )
        assert run.code == 0, run.err
        calendars = sorted((root / "out").rglob("*.ics"))
        reading = agreed_reading(calendars)
        series = reading[str(root / "out" / "series" / "found.ics")]
        assert series["names"] == names
        for path in calendars:
            for event in reading[str(path)]["events"]:
                facts = expected[slug_of(event["uid"])]
                for key in ("summary", "start", "end", "status", "location"):
                    assert event[key] == facts[key], (path.name, key)
                assert event["description"].startswith(facts["description"] + "\n\n")


def test_the_property_order_is_icalendars() -> None:
    """ical.py keeps icalendar's canonical order of a VEVENT's properties, so a build need not import it."""
    from site_builder.output.feeds.ical import CANONICAL_ORDER

    assert CANONICAL_ORDER == tuple(icalendar.Event.canonical_order)
