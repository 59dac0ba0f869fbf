"""schema.org JSON-LD on event pages, checked against Google's Event documentation: every required
property, and every recommended one the content can honestly fill, with the values the fields say."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from site_builder.output.structured import is_free, price_of

LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
SCHEMA = "https://schema.org/"
STATUSES = {
    SCHEMA + s for s in ("EventScheduled", "EventCancelled", "EventPostponed", "EventRescheduled", "EventMovedOnline")
}
MODES = {SCHEMA + m for m in ("OnlineEventAttendanceMode", "OfflineEventAttendanceMode", "MixedEventAttendanceMode")}
AVAILABILITY = {SCHEMA + a for a in ("InStock", "SoldOut", "PreOrder", "OutOfStock", "Discontinued")}
ISO = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?[+-]\d{2}:\d{2})?")


@pytest.fixture
def calendars(calendars_site: Path) -> Path:
    return calendars_site


def json_ld(page: Path) -> dict:
    blocks = LD.findall(page.read_text())
    assert len(blocks) == 1
    return json.loads(blocks[0])


def check_google_event(data: dict, page: Path, site_has_image: bool) -> None:
    """Google's Event structured data: required name, startDate and location (a Place with a full
    PostalAddress, or a VirtualLocation with a url); recommended description, endDate, eventAttendanceMode,
    eventStatus, image, offers (price, priceCurrency, availability, url, validFrom), organizer (name, url),
    performer (name), and previousStartDate when rescheduled."""
    where = page.parent.name
    assert data["@context"] == "https://schema.org" and data["@type"] == "Event", where
    assert data["name"].strip(), where
    assert ISO.fullmatch(data["startDate"]) and ISO.fullmatch(data["endDate"]), where
    locations = data["location"] if isinstance(data["location"], list) else [data["location"]]
    for location in locations:
        if location["@type"] == "Place":
            address = location["address"]
            assert location["name"] and address["@type"] == "PostalAddress", where
            assert address["streetAddress"] and re.fullmatch(r"[A-Z]{2}", address["addressCountry"]), where
        else:
            assert location["@type"] == "VirtualLocation" and location["url"].startswith("https://"), where
    assert data["description"].strip(), where
    assert data["eventStatus"] in STATUSES and data["eventAttendanceMode"] in MODES, where
    if data["eventStatus"] == SCHEMA + "EventRescheduled":
        assert ISO.fullmatch(data["previousStartDate"]), where
    else:
        assert "previousStartDate" not in data, where
    if site_has_image:
        assert data["image"] and all(url.startswith("https://") for url in data["image"]), where
    offer = data["offers"]
    assert offer["@type"] == "Offer" and offer["url"].startswith("https://"), where
    assert offer["availability"] in AVAILABILITY, where
    if "price" in offer:
        assert re.fullmatch(r"\d+(\.\d{1,2})?", offer["price"]) and re.fullmatch(r"[A-Z]{3}", offer["priceCurrency"])
    assert ISO.fullmatch(offer["validFrom"]), where
    assert data["organizer"]["name"] and data["organizer"]["url"].startswith("https://"), where
    assert data["performer"]["name"], where
    assert isinstance(data["isAccessibleForFree"], bool), where
    # No offer of places that cannot be had.
    if data["eventStatus"] in (SCHEMA + "EventCancelled", SCHEMA + "EventPostponed"):
        assert offer["availability"] != SCHEMA + "InStock", where


def test_every_event_of_every_test_site_meets_googles_event_properties(
    test_sites: tuple[Path, ...], real_site: Path
) -> None:
    checked = 0
    for site in (*test_sites, real_site):
        has_image = site.name == "output" and any((site / "media" / "images").glob("default.*-social.jpg"))
        for page in sorted((site / "events").glob("*/index.html")):
            if page.parent.name in ("past", "format", "page"):
                continue
            data = json_ld(page)
            assert data["url"].endswith(f"/events/{page.parent.name}/")
            check_google_event(data, page, has_image)
            checked += 1
    assert checked >= 40


def test_json_ld_matches_the_event_fields(calendars: Path, clocks_site: Path) -> None:
    winter = json_ld(calendars / "events" / "winter-evening" / "index.html")
    assert winter["name"] == "A winter evening"
    assert winter["startDate"] == "2026-12-02T18:00+00:00"
    assert winter["endDate"] == "2026-12-02T20:00+00:00"
    assert winter["eventStatus"] == SCHEMA + "EventScheduled"
    assert winter["eventAttendanceMode"] == SCHEMA + "OfflineEventAttendanceMode"
    assert winter["location"] == {
        "@type": "Place",
        "name": "Hall, Room 2; upstairs",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "1 Long Road",
            "addressLocality": "Leeds",
            "postalCode": "LS1 1AA",
            "addressCountry": "GB",
        },
    }
    assert winter["offers"]["price"] == "0" and winter["offers"]["priceCurrency"] == "GBP"
    assert winter["offers"]["availability"] == SCHEMA + "InStock"
    assert winter["isAccessibleForFree"] is True
    assert winter["organizer"]["name"] == "Calendar edge cases"

    hybrid = json_ld(calendars / "events" / "from-berlin" / "index.html")
    assert hybrid["eventAttendanceMode"] == SCHEMA + "MixedEventAttendanceMode"
    assert [place["@type"] for place in hybrid["location"]] == ["Place", "VirtualLocation"]
    assert hybrid["startDate"] == "2027-07-01T18:00+01:00"

    cancelled = json_ld(calendars / "events" / "awkward-title" / "index.html")
    assert cancelled["eventStatus"] == SCHEMA + "EventCancelled"
    assert cancelled["offers"]["availability"] == SCHEMA + "Discontinued"
    assert cancelled["name"] == 'Cancelled talk: "Quotes" & <tags>, commas; semicolons \\ backslash 🎉 café'
    assert cancelled["location"] == {
        "@type": "VirtualLocation",
        "url": "https://calendars.example.org/events/awkward-title/",
    }
    postponed = json_ld(calendars / "events" / "postponed-session" / "index.html")
    assert postponed["eventStatus"] == SCHEMA + "EventPostponed"
    assert postponed["offers"]["availability"] == SCHEMA + "OutOfStock"
    past = json_ld(calendars / "events" / "long-ago" / "index.html")
    assert past["offers"]["availability"] == SCHEMA + "Discontinued"
    all_day = json_ld(calendars / "events" / "residential" / "index.html")
    assert (all_day["startDate"], all_day["endDate"]) == ("2027-06-04", "2027-06-06")

    covered = json_ld(clocks_site / "events" / "long-weekend" / "index.html")
    assert covered["isAccessibleForFree"] is True and covered["offers"]["price"] == "0"
    assert covered["location"]["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "Lake Road",
        "addressLocality": "Keswick",
        "postalCode": "CA12 5DJ",
        "addressCountry": "GB",
    }
    assert len(covered["image"]) == 1 and re.fullmatch(
        r"https://clocks\.example\.org/media/images/default\.[0-9a-f]{10}"
        r"-social\.jpg",
        covered["image"][0],
    )
    full = json_ld(clocks_site / "events" / "sold-out" / "index.html")
    assert full["offers"]["availability"] == SCHEMA + "SoldOut"
    assert full["isAccessibleForFree"] is False and full["offers"]["price"] == "5"
    moved = json_ld(clocks_site / "events" / "moved-session" / "index.html")
    assert moved["eventStatus"] == SCHEMA + "EventRescheduled"
    assert (moved["previousStartDate"], moved["startDate"]) == ("2027-03-03T12:00+00:00", "2027-04-07T12:00+01:00")
    livestream = json_ld(clocks_site / "events" / "two-nights" / "index.html")
    assert livestream["location"][1] == {
        "@type": "VirtualLocation",
        "url": "https://www.youtube.com/live/clocks-example",
    }
    assert livestream["performer"] == {"@type": "Person", "name": "Amara Okafor"}
    assert (livestream["offers"]["price"], livestream["offers"]["priceCurrency"]) == ("12.50", "GBP")


@pytest.mark.parametrize(
    "cost, free, price",
    [
        ("Free", True, ("0", "GBP")),
        ("Free (travel and childcare covered)", True, ("0", "GBP")),
        ("free to members", True, ("0", "GBP")),
        ("£12.50", False, ("12.50", "GBP")),
        ("£5, or free for volunteers", False, ("5", "GBP")),
        ("€20 a day", False, ("20", "EUR")),
        ("1,200 GBP", False, ("1200", "GBP")),
        ("50p", False, ("0.50", "GBP")),
        ("Pay what you can", False, None),
        ("Freedom Trust members only", False, None),
    ],
)
def test_cost_is_read_for_price_and_free_entry(cost: str, free: bool, price: tuple[str, str] | None) -> None:
    assert is_free(cost) is free
    assert price_of(cost) == price


def test_text_cannot_close_the_script_block(scratch) -> None:
    scratch.write(
        "events/inject.md",
        """
        ---
        title: "</script><script>alert(1)</script>"
        summary: "<!-- & </SCRIPT> -->"
        start: 2027-03-04 18:00
        end: 2027-03-04 19:00
        format: online
        ---
        """,
    )
    assert scratch.build().code == 0
    page = (scratch.root / "output" / "events" / "inject" / "index.html").read_text()
    block = LD.findall(page)[0]
    assert "<" not in block
    assert json.loads(block)["name"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in page
