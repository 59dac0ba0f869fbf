"""The site feed and calendars parse in the clients people use (the contract's feeds;
issue-level depth on clock changes and escaping lives with the feeds' own tests)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
import icalendar


def test_site_feed_parses_cleanly_with_absolute_links_and_dates(small_site: Path) -> None:
    feed = feedparser.parse((small_site / "feed.xml").read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.feed.title == "Small Test Programme"
    assert feed.entries
    for entry in feed.entries:
        assert entry.title and entry.id and entry.published_parsed
        assert entry.link.startswith("https://small.example.org/")
    titles = [e.title for e in feed.entries]
    assert "An inclusive workshop" in titles
    assert any(t.startswith("Cancelled: Grants clinic") for t in titles)
    # Newest first.
    stamps = [e.published_parsed for e in feed.entries]
    assert stamps == sorted(stamps, reverse=True)


def test_events_calendar_has_each_event_at_the_right_instant(small_site: Path) -> None:
    calendar = icalendar.Calendar.from_ical((small_site / "events.ics").read_bytes())
    events = {str(e["UID"]).split("@")[0]: e for e in calendar.walk("VEVENT")}
    assert "event-draft-session" not in events
    spring = events["event-listening-to-young-people"]
    assert spring.decoded("DTSTART").astimezone(timezone.utc) == datetime(2027, 3, 29, 17, 0, tzinfo=timezone.utc)
    winter = events["event-winter-listening-circle"]
    assert winter.decoded("DTSTART").astimezone(timezone.utc) == datetime(2027, 1, 20, 18, 0, tzinfo=timezone.utc)
    cancelled = events["event-grants-clinic"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["SUMMARY"]).startswith("Cancelled: ")
    assert cancelled.decoded("DTEND") - cancelled.decoded("DTSTART") == timedelta(days=2)


def test_calendar_lines_are_crlf_and_at_most_75_octets(small_site: Path) -> None:
    for path in small_site.rglob("*.ics"):
        data = path.read_bytes()
        assert data.endswith(b"\r\n")
        for line in data.split(b"\r\n"):
            assert len(line) <= 75, (path.name, line)
            assert b"\n" not in line
