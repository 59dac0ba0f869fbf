"""schema.org JSON-LD on event pages parses and says what the event's fields say."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest


LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture
def calendars(calendars_site: Path) -> Path:
    return calendars_site


def json_ld(page: Path) -> dict:
    blocks = LD.findall(page.read_text())
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_every_event_page_has_json_ld_that_parses(real_site: Path) -> None:
    pages = [p for p in (real_site / "events").glob("*/index.html") if p.parent.name != "past"]
    assert pages
    for page in pages:
        data = json_ld(page)
        assert data["@type"] == "Event" and data["@context"] == "https://schema.org"
        assert data["url"] == f"https://learning.example.org/events/{page.parent.name}/"


def test_json_ld_matches_the_event_fields(calendars: Path) -> None:
    winter = json_ld(calendars / "events" / "winter-evening" / "index.html")
    assert winter["name"] == "A winter evening"
    assert winter["startDate"] == "2026-12-02T18:00+00:00"
    assert winter["endDate"] == "2026-12-02T20:00+00:00"
    assert winter["eventStatus"] == "https://schema.org/EventScheduled"
    assert winter["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert winter["location"] == {"@type": "Place", "name": "Hall, Room 2; upstairs",
                                  "address": {"@type": "PostalAddress", "streetAddress": "1 Long Road, Leeds",
                                              "postalCode": "LS1 1AA"}}
    assert winter["offers"]["price"] == "0" and winter["offers"]["priceCurrency"] == "GBP"
    assert winter["organizer"]["name"] == "Calendar edge cases"

    hybrid = json_ld(calendars / "events" / "from-berlin" / "index.html")
    assert hybrid["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert [place["@type"] for place in hybrid["location"]] == ["Place", "VirtualLocation"]
    assert hybrid["startDate"] == "2027-07-01T18:00+01:00"

    cancelled = json_ld(calendars / "events" / "awkward-title" / "index.html")
    assert cancelled["eventStatus"] == "https://schema.org/EventCancelled"
    assert cancelled["name"] == 'Cancelled talk: "Quotes" & <tags>, commas; semicolons \\ backslash 🎉 café'
    assert cancelled["location"] == {"@type": "VirtualLocation",
                                     "url": "https://calendars.example.org/events/awkward-title/"}
    postponed = json_ld(calendars / "events" / "postponed-session" / "index.html")
    assert postponed["eventStatus"] == "https://schema.org/EventPostponed"
    all_day = json_ld(calendars / "events" / "residential" / "index.html")
    assert (all_day["startDate"], all_day["endDate"]) == ("2027-06-04", "2027-06-06")


def test_text_cannot_close_the_script_block(scratch) -> None:
    scratch.write("events/inject.md", """
        ---
        title: "</script><script>alert(1)</script>"
        summary: "<!-- & </SCRIPT> -->"
        start: 2027-03-04 18:00
        end: 2027-03-04 19:00
        format: online
        ---
        """)
    assert scratch.build().code == 0
    page = (scratch.root / "output" / "events" / "inject" / "index.html").read_text()
    block = LD.findall(page)[0]
    assert "<" not in block
    assert json.loads(block)["name"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in page
