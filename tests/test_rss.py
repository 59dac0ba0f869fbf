"""Every RSS feed of every test site reads clean in feedparser (the parser feed readers are built on) and
in a strict RSS 2.0 reading with the standard library's XML parser; a feed per type and per topic, each
linked from the pages it follows; enclosures for files; absolute links; titles exactly as written."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

TITLE = 'Cancelled talk: "Quotes" & <tags>, commas; semicolons \\ backslash 🎉 café'
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
ATOM_LINK = "{http://www.w3.org/2005/Atom}link"
TYPES = ("events", "series", "clusters", "offers", "stories", "resources")


@pytest.fixture
def calendars(calendars_site: Path) -> Path:
    return calendars_site


def strict_rss(path: Path, base: str) -> ET.Element:
    """The feed as RSS 2.0 requires it: one channel with title, link and description; each item with a title
    or description, an absolute link and permalink guid, an RFC 822 date, enclosures with url, length and
    type; and every link and image in every body absolute."""
    root = ET.fromstring(path.read_bytes())
    assert root.tag == "rss" and root.get("version") == "2.0"
    (channel,) = root.findall("channel")
    for required in ("title", "link", "description"):
        assert (channel.findtext(required) or "").strip(), (path, required)
    assert channel.findtext("link").startswith(base)
    assert [link.get("rel") for link in channel.findall(ATOM_LINK)] == ["self"]
    for item in channel.findall("item"):
        assert item.findtext("title") or item.findtext("description")
        assert item.findtext("link").startswith(base)
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "true" and guid.text == item.findtext("link")
        assert parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None
        for enclosure in item.findall("enclosure"):
            assert enclosure.get("url").startswith(base)
            assert enclosure.get("length").isdigit() and int(enclosure.get("length")) > 0
            assert "/" in enclosure.get("type")
        body = item.findtext(CONTENT) or ""
        for link in re.findall(r'(?:href|src)="([^"]*)"', body):
            assert urlsplit(html.unescape(link)).scheme in ("https", "http", "mailto"), (path, link)
    return channel


def test_every_feed_of_every_test_site_parses_clean_in_both_readers(test_sites: tuple[Path, ...]) -> None:
    checked = 0
    for site in test_sites:
        base = ET.fromstring((site / "feed.xml").read_bytes()).find("channel").findtext("link")
        for path in sorted(site.rglob("feed.xml")):
            parsed = feedparser.parse(path.read_bytes())
            assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
            assert parsed.version == "rss20"
            channel = strict_rss(path, base)
            self_link = channel.find(ATOM_LINK).get("href")
            assert self_link == base + path.relative_to(site).as_posix()
            entries = {entry.link: entry for entry in parsed.entries}
            for item in channel.findall("item"):
                # Both readers show the title exactly as the XML holds it, which is the editor's text.
                assert entries[item.findtext("link")].title == item.findtext("title")
            stamps = [entry.published_parsed for entry in parsed.entries]
            assert stamps == sorted(stamps, reverse=True)
            checked += 1
    assert checked >= 20


def test_there_is_a_feed_for_every_type_and_every_topic_linked_from_its_page(test_sites: tuple[Path, ...]) -> None:
    for site in test_sites:
        for content_type in TYPES:
            assert (site / content_type / "feed.xml").is_file()
            page = (site / content_type / "index.html").read_text()
            assert '<link rel="alternate" type="application/rss+xml"' in page
            assert f'href="/{content_type}/feed.xml">' in page
            assert re.search(rf'<a href="/{content_type}/feed.xml">Subscribe to new [^<]+</a>', page)
        topics = [p.parent for p in (site / "topics").glob("*/index.html")]
        assert topics
        for topic in topics:
            feed = topic / "feed.xml"
            assert feed.is_file(), topic.name
            page = (topic / "index.html").read_text()
            assert 'type="application/rss+xml" title="' in page and f'href="/topics/{topic.name}/feed.xml">' in page
            assert re.search(rf'<a href="/topics/{topic.name}/feed.xml">Subscribe to everything new about ', page)
            # Every item is something the topic page lists.
            for entry in feedparser.parse(feed.read_bytes()).entries:
                assert f'href="{urlsplit(entry.link).path}"' in page, (topic.name, entry.link)


def test_a_topic_feed_holds_just_that_topic(small_site: Path) -> None:
    parsed = feedparser.parse((small_site / "topics" / "young-people" / "feed.xml").read_bytes())
    assert parsed.entries
    for entry in parsed.entries:
        assert "Young people" in [tag.term for tag in entry.tags]


def test_a_resource_file_is_an_enclosure_and_relative_links_are_absolute(clocks_site: Path) -> None:
    parsed = feedparser.parse((clocks_site / "resources" / "feed.xml").read_bytes())
    entry = parsed.entries[0]
    assert entry.title == "Tide tables & <clock> times"
    (enclosure,) = entry.enclosures
    size = (
        (Path(__file__).parent / "fixtures" / "sites" / "clocks" / "media" / "files" / "tide-tables.pdf").stat().st_size
    )
    assert enclosure.href == "https://clocks.example.org/media/files/tide-tables.pdf"
    assert (enclosure.length, enclosure.type) == (str(size), "application/pdf")
    body = entry.content[0].value
    # Resolved as the browser resolves them on the page itself, /resources/tide-tables/.
    assert 'href="https://clocks.example.org/series/night-shifts/"' in body  # ../../series/night-shifts/
    assert 'href="https://clocks.example.org/resources/"' in body  # ../
    assert 'href="https://clocks.example.org/resources/tide-tables/#part"' in body
    series = feedparser.parse((clocks_site / "series" / "feed.xml").read_bytes()).entries[0].content[0].value
    assert 'href="https://clocks.example.org/events/"' in series
    assert 'href="https://clocks.example.org/resources/tide-tables/"' in series


def test_titles_and_summaries_read_exactly_as_written(calendars: Path) -> None:
    data = (calendars / "feed.xml").read_bytes()
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0
    entry = next(e for e in parsed.entries if e.link.endswith("/events/awkward-title/"))
    assert entry.title == f"Cancelled: {TITLE} (Wednesday 10 February 2027, 6pm to 7pm)"
    # A description is HTML: the summary, escaped once as HTML, shows as written in every reader.
    assert entry.summary_detail.type == "text/html"
    assert (
        html.unescape(entry.summary) == 'Every character a calendar must escape: & < > " , ; \\ and emoji 🎉, '
        "accents é ü ß."
    )
    assert [t.term for t in entry.tags] == ["Event", "Ünïcode & Symbols"]
    # '&' and '<' as hexadecimal references, the form the RSS Advisory Board finds read right most widely.
    assert b"&#x26;" in data and b"&#x3C;tags&#x3E;" in data and b"&amp;" not in data and b"&lt;" not in data


def test_bodies_are_full_html_with_absolute_links(small_site: Path) -> None:
    parsed = feedparser.parse((small_site / "feed.xml").read_bytes())
    series = next(e for e in parsed.entries if e.title == "Listening well")
    assert html.unescape(series.summary) == "Sessions on listening to the people a partnership rarely hears from."
    body = series.content[0].value
    assert "<strong>listening</strong>" in body
    assert 'href="https://small.example.org/events/"' in body


def test_the_site_feed_has_news_of_every_kind_but_plain_pages(small_site: Path) -> None:
    parsed = feedparser.parse((small_site / "feed.xml").read_bytes())
    kinds = {entry.tags[0].term for entry in parsed.entries}
    assert kinds == {"Event", "Learning series", "Learning cluster", "Support offer", "Case story", "Resource"}
    titles = [entry.title for entry in parsed.entries]
    assert "An inclusive workshop" in titles
    assert "Draft" not in " ".join(titles)


def test_pages_link_the_feeds_that_list_them(small_site: Path) -> None:
    events = (small_site / "events" / "index.html").read_text()
    assert (
        '<link rel="alternate" type="application/rss+xml" title="Small Test Programme: new events" '
        'href="/events/feed.xml">' in events
    )
    stories = (small_site / "stories" / "index.html").read_text()
    assert 'href="/stories/feed.xml">' in stories
