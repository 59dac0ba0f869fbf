"""The RSS feeds read clean in feedparser, the parser feed readers are built on."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest


TITLE = 'Cancelled talk: "Quotes" & <tags>, commas; semicolons \\ backslash 🎉 café'


@pytest.fixture
def calendars(calendars_site: Path) -> Path:
    return calendars_site


@pytest.mark.parametrize("feed", ["feed.xml", "events/feed.xml", "stories/feed.xml"])
def test_every_feed_parses_clean_with_complete_items(feed: str, small_site: Path) -> None:
    parsed = feedparser.parse((small_site / feed).read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.links[0].href.startswith("https://small.example.org/")
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [f"https://small.example.org/{feed}"]
    assert parsed.entries
    for entry in parsed.entries:
        assert entry.title
        assert entry.link.startswith("https://small.example.org/")
        assert entry.id == entry.link
        assert entry.published_parsed
    stamps = [entry.published_parsed for entry in parsed.entries]
    assert stamps == sorted(stamps, reverse=True)


def test_the_site_feed_has_news_of_every_kind_but_plain_pages(small_site: Path) -> None:
    parsed = feedparser.parse((small_site / "feed.xml").read_bytes())
    kinds = {entry.tags[0].term for entry in parsed.entries}
    assert kinds == {"Event", "Learning series", "Learning cluster", "Support offer", "Case story", "Resource"}
    titles = [entry.title for entry in parsed.entries]
    assert "An inclusive workshop" in titles
    assert "Draft" not in " ".join(titles)


def test_bodies_are_full_html_with_absolute_links(small_site: Path) -> None:
    parsed = feedparser.parse((small_site / "feed.xml").read_bytes())
    series = next(e for e in parsed.entries if e.title == "Listening well")
    assert series.summary == "Sessions on listening to the people a partnership rarely hears from."
    body = series.content[0].value
    assert "<strong>listening</strong>" in body
    assert 'href="https://small.example.org/events/"' in body


def test_awkward_text_round_trips_exactly(calendars: Path) -> None:
    parsed = feedparser.parse((calendars / "feed.xml").read_bytes())
    assert parsed.bozo == 0
    entry = next(e for e in parsed.entries if e.link.endswith("/events/awkward-title/"))
    assert entry.title == f"Cancelled: {TITLE} (Wednesday 10 February 2027, 6pm to 7pm)"
    assert entry.summary == 'Every character a calendar must escape: & < > " , ; \\ and emoji 🎉, accents é ü ß.'
    assert [t.term for t in entry.tags] == ["Event", "Ünïcode & Symbols"]


def test_pages_link_the_feeds_that_list_them(small_site: Path) -> None:
    events = (small_site / "events" / "index.html").read_text()
    assert '<link rel="alternate" type="application/rss+xml" title="Small Test Programme: new events" ' \
           'href="/events/feed.xml">' in events
    stories = (small_site / "stories" / "index.html").read_text()
    assert 'href="/stories/feed.xml">' in stories
