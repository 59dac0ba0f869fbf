"""Reading built pages the way a checker would: links, headings, landmarks."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path


@dataclass
class PageFacts:
    lang: str | None = None
    h1_count: int = 0
    first_link: str | None = None
    has_main: bool = False
    main_id: str | None = None
    canonical: str | None = None
    description: str | None = None
    alternates: list[tuple[str, str]] = field(default_factory=list)  # (type, href)
    links: list[str] = field(default_factory=list)  # every href and src
    text: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts = PageFacts()
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        facts = self.facts
        if tag == "html":
            facts.lang = a.get("lang")
        elif tag == "body":
            self._in_body = True
        elif tag == "h1":
            facts.h1_count += 1
        elif tag == "main":
            facts.has_main = True
            facts.main_id = a.get("id")
        elif tag == "link" and a.get("rel") == "canonical":
            facts.canonical = a.get("href")
        elif tag == "link" and a.get("rel") == "alternate":
            facts.alternates.append((a.get("type", ""), a.get("href", "")))
        elif tag == "meta" and a.get("name") == "description":
            facts.description = a.get("content")
        if tag == "a" and self._in_body and facts.first_link is None:
            facts.first_link = a.get("href")
        for attribute in ("href", "src"):
            if (
                attribute in a
                and tag != "link"
                or (tag == "link" and attribute == "href" and a.get("rel") == "stylesheet")
            ):
                if a.get(attribute):
                    facts.links.append(a[attribute])

    def handle_data(self, data: str) -> None:
        if self._in_body:
            self.facts.text.append(data)


def read_page(path: Path) -> PageFacts:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    return reader.facts


def html_pages(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def target_of(root: Path, url: str) -> Path:
    """The file a root-relative URL is served from."""
    path = url.split("#")[0].split("?")[0]
    if path.endswith("/"):
        path += "index.html"
    return root / path.lstrip("/")
