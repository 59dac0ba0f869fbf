"""RSS 2.0 feeds and the sitemap, written with an XML serializer (never text templates)."""

from __future__ import annotations

import html
import mimetypes
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urljoin

from ...site.dates import as_datetime, rfc822
from ...site.model import Bodies, Event, Item, Site

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
FEED_LIMIT = 50

ET.register_namespace("atom", ATOM)
ET.register_namespace("content", CONTENT)


def feed_items(items: tuple[Item, ...] | list[Item], site: Site) -> list[Item]:
    """Dated items, newest first; an item without `published` or `updated` has no place in a feed."""
    dated = [i for i in items if i.published or i.updated]
    return sorted(dated, key=lambda i: (-_stamp(i, site), i.content_type, i.slug))[:FEED_LIMIT]


def render_rss(
    site: Site, bodies: Bodies, items: list[Item], title: str, url: str, feed_url: str, description: str
) -> bytes:
    """An RSS 2.0 channel of the given items (already chosen and ordered), with their bodies."""
    config = site.config
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", title)
    _text(channel, "link", config.absolute(url))
    _text(channel, "description", description or title)
    _text(channel, "language", config.language)
    ET.SubElement(
        channel, f"{{{ATOM}}}link", {"href": config.absolute(feed_url), "rel": "self", "type": "application/rss+xml"}
    )
    if items:
        # The newest item's date, not the clock: the same content gives the same bytes.
        _text(channel, "lastBuildDate", rfc822(_when(items[0]), config.tz))
    _text(channel, "generator", "site-builder")
    for item in items:
        entry = ET.SubElement(channel, "item")
        _text(entry, "title", _title(item))
        link = config.absolute(item.url)
        _text(entry, "link", link)
        _text(entry, "guid", link).set("isPermaLink", "true")
        _text(entry, "pubDate", rfc822(_when(item), config.tz))
        # A description is HTML (RSS 2.0): the plain summary is escaped as HTML, so it reads as it was written.
        _text(entry, "description", html.escape(item.summary, quote=False))
        _text(entry, "category", item.label)
        for topic in item.topics:
            _text(entry, "category", topic.name)
        enclosure = site.types[item.content_type].enclosure  # a download, where its type has one
        if enclosure and (download := getattr(item, enclosure[0])):
            kind = mimetypes.guess_type(download)[0] or "application/octet-stream"
            ET.SubElement(
                entry,
                "enclosure",
                {"url": config.absolute(download), "length": str(getattr(item, enclosure[1])), "type": kind},
            )
        _text(entry, f"{{{CONTENT}}}encoded", absolute_links(bodies[item.url].html, link))
    ET.indent(rss, space="  ")
    return plain_text_references(ET.tostring(rss, encoding="utf-8", xml_declaration=True)) + b"\n"


def render_sitemap(site: Site, urls: list[tuple[str, date | datetime | None]]) -> bytes:
    """sitemap.xml of every page, with lastmod where the content says when it changed."""
    root = ET.Element("urlset", {"xmlns": SITEMAP})
    for url, changed in urls:
        entry = ET.SubElement(root, "url")
        _text(entry, "loc", site.config.absolute(url))
        if changed:
            _text(
                entry,
                "lastmod",
                changed.isoformat()
                if not isinstance(changed, datetime)
                else changed.astimezone(site.config.tz).isoformat(timespec="seconds"),
            )
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _title(item: Item) -> str:
    if isinstance(item, Event):
        prefix = f"{item.status_label}: " if item.status in ("cancelled", "postponed") else ""
        return f"{prefix}{item.title} ({item.when})"
    return item.title


def _when(item: Item) -> date | datetime:
    when = item.updated or item.published
    assert when is not None, "feed_items keeps only dated items"
    return when


def _stamp(item: Item, site: Site) -> float:
    return as_datetime(_when(item), site.config.tz).timestamp()


_LINK = re.compile(r'\b(href|src)="([^"]*)"')
_SRCSET = re.compile(r'\bsrcset="([^"]*)"')


@lru_cache(maxsize=4096)  # an item is in the site's feed, its type's and each of its topics' feeds
def absolute_links(body: str, page: str) -> str:
    """Feed readers resolve links against the feed, or not at all: every link and image in a body is made
    absolute against its page's own address (`/events/`, `../series/x/`, `x/`, `#part` alike)."""

    def one(match: re.Match[str]) -> str:
        return f'{match[1]}="{_attribute(urljoin(page, html.unescape(match[2])))}"'

    def each(match: re.Match[str]) -> str:
        sources = []
        for source in html.unescape(match[1]).split(","):
            parts = source.strip().split(maxsplit=1)
            if parts:
                parts[0] = urljoin(page, parts[0])
                sources.append(" ".join(parts))
        return f'srcset="{_attribute(", ".join(sources))}"'

    return _SRCSET.sub(each, _LINK.sub(one, body))


def _attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;")


def plain_text_references(xml: bytes) -> bytes:
    """Write '&', '<' and '>' as hexadecimal character references: the same XML, and the form the RSS Advisory
    Board's profile finds read as plain text by the widest number of feed readers, so a title shows exactly
    what the editor wrote (some readers decode a named entity twice)."""
    return xml.replace(b"&amp;", b"&#x26;").replace(b"&lt;", b"&#x3C;").replace(b"&gt;", b"&#x3E;")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element
