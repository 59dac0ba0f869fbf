"""Finding things without JavaScript: long lists in pages, events by format and month."""

from __future__ import annotations


from tests.conftest import Scratch
from tests.pages import read_page, target_of


def test_long_lists_are_paged_with_working_links(scratch: Scratch) -> None:
    for n in range(45):
        scratch.write(
            f"stories/story-{n:02d}.md",
            f"---\ntitle: Story {n:02d}\nsummary: Number {n}.\npublished: 2026-01-{n % 28 + 1:02d}\n---\n",
        )
    assert scratch.build().code == 0
    out = scratch.root / "output"
    first, second, third = (
        out / "stories" / "index.html",
        out / "stories" / "page" / "2" / "index.html",
        out / "stories" / "page" / "3" / "index.html",
    )
    assert first.read_text().count('class="card"') == 20
    assert third.read_text().count('class="card"') == 5
    assert "<title>Case stories (page 2 of 3) – Scratch site</title>" in second.read_text()
    assert read_page(second).canonical == "https://scratch.example.org/stories/page/2/"
    links = read_page(second).links
    assert "/stories/" in links and "/stories/page/3/" in links
    assert (
        '<a href="/stories/page/2/" aria-current="page">Page 2<span class="visually-hidden"> (this page)</span></a>'
        in second.read_text()
    )
    for url in links:
        if url.startswith("/"):
            assert target_of(out, url).is_file(), url


def test_upcoming_events_can_be_narrowed_to_a_format(scratch: Scratch) -> None:
    for slug, fmt in (("talk", "online"), ("walk", "in-person")):
        venue = "venue: {name: Hall, address: 1 Road}\n" if fmt == "in-person" else ""
        scratch.write(
            f"events/{slug}.md",
            f"---\ntitle: {slug.title()}\nsummary: A {fmt} event.\n"
            f"start: 2027-03-04 18:00\nend: 2027-03-04 19:00\nformat: {fmt}\n"
            f"{venue}---\n",
        )
    assert scratch.build().code == 0
    out = scratch.root / "output"
    online = (out / "events" / "format" / "online" / "index.html").read_text()
    assert "Talk" in online and "Walk" not in online
    assert (
        '<a href="/events/format/online/" aria-current="page">Online only<span class="visually-hidden"> (shown)'
        "</span></a>" in online
    )
    assert not (out / "events" / "format" / "hybrid").exists()
    listing = (out / "events" / "index.html").read_text()
    assert '<a href="/events/format/in-person/">In person only</a>' in listing


def test_events_are_grouped_by_month_with_links_to_each_month(scratch: Scratch) -> None:
    for month in ("03", "05"):
        scratch.write(
            f"events/e{month}.md",
            f"---\ntitle: E{month}\nsummary: In month {month}.\n"
            f"start: 2027-{month}-04 18:00\nend: 2027-{month}-04 19:00\n"
            "format: online\n---\n",
        )
    assert scratch.build().code == 0
    listing = (scratch.root / "output" / "events" / "index.html").read_text()
    assert '<a href="#month-2027-03">March 2027</a>' in listing
    assert '<h2 id="month-2027-05">May 2027</h2>' in listing
    assert listing.index("March 2027</h2>") < listing.index("May 2027</h2>")
