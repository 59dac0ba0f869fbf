"""What readers, browsers and crawlers rely on, checked on every built page
(content contract, "Output a reader relies on"), for the fixture site and the real content."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import PROJECT, SITES, run_main
from tests.pages import html_pages, read_page, target_of

SITES_UNDER_TEST = ["small_site", "real_site"]


@pytest.fixture(params=SITES_UNDER_TEST)
def built(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue(request.param)


def test_every_page_has_the_landmarks_a_reader_relies_on(built: Path) -> None:
    for page in html_pages(built):
        facts = read_page(page)
        where = page.relative_to(built)
        assert facts.lang == "en-GB", where
        assert facts.h1_count == 1, where
        assert facts.first_link == "#main", f"{where}: the skip link must come first"
        assert facts.has_main and facts.main_id == "main", where
        assert facts.canonical and facts.canonical.startswith("https://"), where
        assert facts.description, where
        assert ("application/rss+xml", "/feed.xml") in facts.alternates, where
        assert ("text/calendar", "/events.ics") in facts.alternates, where


def test_every_internal_link_resolves(built: Path) -> None:
    broken = []
    for page in html_pages(built):
        for url in read_page(page).links:
            if url.startswith("/") and not url.startswith("//") and not target_of(built, url).is_file():
                broken.append(f"{page.relative_to(built)} -> {url}")
    assert broken == []


def test_the_files_every_site_has_exist(built: Path) -> None:
    for rel in (
        "index.html",
        "404.html",
        "feed.xml",
        "events.ics",
        "sitemap.xml",
        "robots.txt",
        "events/index.html",
        "events/past/index.html",
        "series/index.html",
        "clusters/index.html",
        "offers/index.html",
        "stories/index.html",
        "resources/index.html",
        "topics/index.html",
    ):
        assert (built / rel).is_file(), rel
    assert "Sitemap: https://" in (built / "robots.txt").read_text()


def test_every_content_file_has_its_pretty_url(small_site: Path) -> None:
    for folder in ("events", "series", "clusters", "offers", "stories", "resources"):
        for source in (SITES / "small" / folder).glob("[!_.]*.md"):
            if "draft: true" in source.read_text():
                continue
            assert (small_site / folder / source.stem / "index.html").is_file(), source
    assert (small_site / "about" / "index.html").is_file()
    assert (small_site / "accessibility" / "index.html").is_file()


@pytest.mark.slow  # a whole build or a subprocess: the full run has it
def test_drafts_and_ignored_files_are_left_out_unless_asked(small_site: Path, tmp_path: Path) -> None:
    assert not (small_site / "events" / "draft-session").exists()
    assert not (small_site / "events" / "_template-notes").exists()
    assert "draft-session" not in (small_site / "events.ics").read_text()
    out = tmp_path / "with-drafts"
    run = run_main(
        "build", "--content", str(SITES / "small"), "--output", str(out), "--today", "2027-01-15", "--drafts"
    )
    assert run.code == 0
    assert (out / "events" / "draft-session" / "index.html").is_file()


def test_each_event_page_links_its_own_calendar_file(built: Path) -> None:
    for page in (built / "events").glob("*/index.html"):
        if page.parent.name == "past":
            continue
        ics = f"/events/{page.parent.name}.ics"
        assert ics in read_page(page).links, page
        assert target_of(built, ics).is_file()


def test_series_cluster_and_topic_pages_that_list_events_link_a_calendar_of_them(small_site: Path) -> None:
    for rel, ics in (
        ("series/listening-well/index.html", "/series/listening-well.ics"),
        ("clusters/better-homes/index.html", "/clusters/better-homes.ics"),
        ("topics/finance/index.html", "/topics/finance.ics"),
    ):
        assert ics in read_page(small_site / rel).links
        assert target_of(small_site, ics).read_text().count("BEGIN:VEVENT") >= 2


def test_sitemap_lists_every_page_but_the_404(built: Path) -> None:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = {loc.text for loc in ET.parse(built / "sitemap.xml").getroot().findall("s:url/s:loc", ns)}
    pages = {p.relative_to(built).as_posix() for p in html_pages(built)} - {"404.html"}
    base = next(iter(locations)).split("/")[:3]
    expected = {"/".join(base) + "/" + p.removesuffix("index.html") for p in pages}
    assert locations == expected


def test_event_times_are_plain_english_in_the_site_time_zone(small_site: Path) -> None:
    def when(slug: str) -> str:
        text = " ".join(read_page(small_site / "events" / slug / "index.html").text)
        return re.sub(r"\s+", " ", text)

    # After the clocks change (BST) and in winter (GMT): shown as local wall time either way.
    assert "Monday 29 March 2027, 6pm to 7:30pm" in when("listening-to-young-people")
    assert "Wednesday 20 January 2027, 6pm to 8pm" in when("winter-listening-circle")
    assert "Tuesday 16 February 2027 to Wednesday 17 February 2027" in when("grants-clinic")
    assert "This event is cancelled." in when("grants-clinic")
    assert "This event is fully booked." in when("winter-listening-circle")
    page = (small_site / "events" / "listening-to-young-people" / "index.html").read_text()
    assert '<time datetime="2027-03-29T18:00+01:00">' in page


@pytest.mark.slow  # a whole build or a subprocess: the full run has it
def test_upcoming_and_past_events_are_split_by_the_build_date(tmp_path: Path) -> None:
    early = tmp_path / "early"
    late = tmp_path / "late"
    assert (
        run_main("build", "--content", str(SITES / "small"), "--output", str(early), "--today", "2026-10-01").code == 0
    )
    assert (
        run_main("build", "--content", str(SITES / "small"), "--output", str(late), "--today", "2027-01-15").code == 0
    )
    assert "Budget basics" in (early / "events" / "index.html").read_text()
    assert "Budget basics" not in (late / "events" / "index.html").read_text()
    assert "Budget basics" in (late / "events" / "past" / "index.html").read_text()


@pytest.mark.slow  # two whole builds of the programme's content
def test_the_same_content_and_date_build_byte_identical_output(tmp_path: Path) -> None:
    outputs = []
    for n in (1, 2):
        out = tmp_path / f"out{n}"
        assert (
            run_main("build", "--content", str(PROJECT / "content"), "--output", str(out), "--today", "2026-11-23").code
            == 0
        )
        outputs.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert outputs[0] == outputs[1]


def test_real_content_has_every_type_the_programme_publishes(real_site: Path) -> None:
    for folder, at_least in (
        ("events", 20),
        ("series", 1),
        ("clusters", 5),
        ("offers", 4),
        ("stories", 9),
        ("resources", 1),
    ):
        pages = [p for p in (real_site / folder).glob("*/index.html") if p.parent.name != "past"]
        assert len(pages) >= at_least, folder
    plan = (real_site / "resources" / "edi-action-plan" / "index.html").read_text()
    assert plan.count("<caption") == 3
    assert plan.count('<th scope="row">') >= 30
