"""A small site for the search and month view tests: words that appear in one body only, items of several
types and topics sharing a word, events upcoming, past, cancelled and full across three months."""

from __future__ import annotations

import textwrap
from pathlib import Path

TODAY = "2027-03-10"

FILES = {
    "site.yaml": """
        title: Search Test Programme
        base_url: https://search.example.org/
        language: en-GB
        timezone: Europe/London
        """,
    # "beekeeping" is in this body alone: its title, summary and fields say nothing of bees.
    "events/garden-morning.md": """
        ---
        title: Community garden morning
        summary: A morning of planting in the community garden.
        start: 2027-03-20 10:00
        end: 2027-03-20 12:00
        format: in-person
        venue:
          name: Green Street Garden
          address: 2 Green Street, Leeds
        topics: [Gardens]
        ---

        We will also talk about beekeeping on the allotments, and how the hives came to the estate.
        """,
    "events/garden-evening.md": """
        ---
        title: Garden planning evening
        summary: Planning next year's garden together.
        start: 2027-04-07 18:00
        end: 2027-04-07 19:30
        format: online
        online:
          joining: The link is emailed to everyone booked.
        status: full
        topics: [Gardens, Planning]
        ---

        Bring ideas for the garden.
        """,
    "events/garden-cancelled.md": """
        ---
        title: Garden open day
        summary: An open day in the garden for the whole estate.
        start: 2027-03-27
        end: 2027-03-27
        format: in-person
        venue:
          name: Green Street Garden
          address: 2 Green Street, Leeds
        status: cancelled
        topics: [Gardens]
        ---

        The garden gate will be open all day.
        """,
    "events/garden-last-year.md": """
        ---
        title: Garden clear-up
        summary: Clearing the garden after winter.
        start: 2027-01-16 10:00
        end: 2027-01-16 13:00
        format: in-person
        venue:
          name: Green Street Garden
          address: 2 Green Street, Leeds
        topics: [Gardens]
        ---

        A garden clear-up with tea afterwards.
        """,
    "stories/estate-garden.md": """
        ---
        title: How the estate garden grew
        summary: The story of a garden made by residents.
        published: 2026-10-01
        topics: [Gardens]
        ---

        Residents turned a car park into a garden in two summers.
        """,
    "resources/garden-guide.md": """
        ---
        title: Starting a community garden
        summary: A guide for partnerships starting a garden.
        published: 2026-09-01
        kind: guide
        topics: [Planning]
        ---

        Everything a partnership needs to know before it starts a garden: land, insurance and volunteers.
        """,
    "pages/about.md": """
        ---
        title: About
        summary: Who runs this site.
        ---

        We run a community garden programme.
        """,
}


def write_search_site(content: Path) -> Path:
    for rel, text in FILES.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return content
