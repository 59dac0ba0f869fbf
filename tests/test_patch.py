"""patch.page_changes: the changes between two versions of a page, as serve's open page places them (the n-th
text node or element of the body). Held to html5lib, the HTML standard's parser in Python: placed in its tree
of the old page, they must give its tree of the new one; and a change it cannot place exactly is None."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import html5lib
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.dev.patch import page_changes
from tests.conftest import examples

TOKEN = re.compile(rb"<[^>]*>|[^<]+")
WORDS = st.text(
    st.characters(min_codepoint=32, max_codepoint=0x2FFF, blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
)


def tree(page: bytes) -> Any:
    return html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)


class Text:
    """A text node, as the browser makes it (adjacent characters are one node): an element's text or tail."""

    def __init__(self, element: Any, where: str):
        self.element, self.where = element, where

    @property
    def data(self) -> str:
        return getattr(self.element, self.where)

    @data.setter
    def data(self, value: str) -> None:
        setattr(self.element, self.where, value)


def body_nodes(document: Any) -> tuple[list[Text], list[Any]]:
    """The body's text nodes and elements in document order, as the live-reload script indexes them."""
    body = document.find("body")
    texts: list[Text] = []
    elements: list[Any] = []

    def walk(element: Any) -> None:
        if element.text:
            texts.append(Text(element, "text"))
        for child in element:
            elements.append(child)
            walk(child)
            if child.tail:
                texts.append(Text(child, "tail"))

    walk(body)
    return texts, elements


def placed(old: bytes, changes: dict[str, Any]) -> Any:
    """The old page's tree with the changes placed as the script places them, each checked first."""
    document = tree(old)
    texts, elements = body_nodes(document)
    for n, was, _, before, after in changes["texts"]:  # every change is checked before any is made
        assert texts[n].data == was
        assert (texts[n - 1].data if n > 0 else "") == before
        assert (texts[n + 1].data if n + 1 < len(texts) else "") == after
    for n, tag, name, was, _ in changes["attributes"]:
        assert elements[n].tag == tag and elements[n].get(name) == was
    for n, _, now, _, _ in changes["texts"]:
        texts[n].data = now
    for n, _, name, _, now in changes["attributes"]:
        if now is None:
            del elements[n].attrib[name]
        else:
            elements[n].set(name, now)
    return document


def same_body(a: Any, b: Any) -> bool:
    return ElementTree.tostring(a.find("body")) == ElementTree.tostring(b.find("body"))


def pages(site: Path) -> list[bytes]:
    return [path.read_bytes() for path in sorted(site.rglob("*.html"))]


@settings(max_examples=examples(40), deadline=None)
@given(data=st.data())
def test_texts_changed_anywhere_in_a_page_are_placed_as_the_parser_reads_the_new_page(small_site: Path, data) -> None:
    old = data.draw(st.sampled_from(pages(small_site)))
    tokens = TOKEN.findall(old)
    body = next(n for n, token in enumerate(tokens) if token.startswith(b"<body"))
    end = max(n for n, token in enumerate(tokens) if token == b"</body>")
    texts = [n for n in range(body + 1, end) if not tokens[n].startswith(b"<") and tokens[n].strip()]
    chosen = data.draw(st.lists(st.sampled_from(texts), min_size=1, max_size=3, unique=True))
    for n in chosen:
        tokens[n] = html.escape(data.draw(WORDS), quote=False).encode()
    new = b"".join(tokens)
    changes = page_changes(old, new)
    if changes is None:  # a page the script fetches instead: one with a table, raw text or a comment
        assert re.search(rb"<(table|template|noscript|textarea|script|style|pre)\b|<!--", old.split(b"<body", 1)[1])
        return
    assert same_body(placed(old, changes), tree(new))


@settings(max_examples=examples(40), deadline=None)
@given(data=st.data())
def test_attribute_values_changed_are_placed_as_the_parser_reads_the_new_page(small_site: Path, data) -> None:
    old = data.draw(st.sampled_from(pages(small_site)))
    head, body = old.split(b"<body", 1)
    quoted = list(re.finditer(rb'(?<= )([a-z-]+)="([^"]*)"', body))
    match = data.draw(st.sampled_from(quoted))
    value = html.escape(data.draw(WORDS)).encode()
    new = head + b"<body" + body[: match.start(2)] + value + body[match.end(2) :]
    changes = page_changes(old, new)
    if changes is None:
        assert re.search(rb"<(table|template|noscript|textarea|script|style|pre)\b|<!--", body)
        return
    assert changes["texts"] == [] or value == body[match.start(2) : match.end(2)]
    assert same_body(placed(old, changes), tree(new))


def test_a_new_title_is_given_and_unchanged_pages_have_no_changes(small_site: Path) -> None:
    page = (small_site / "events" / "budget-basics" / "index.html").read_bytes()
    assert page_changes(page, page) == {"title": None, "texts": [], "attributes": []}
    renamed = page.replace(b"Budget basics", b"Budget basics &amp; more")
    changes = page_changes(page, renamed)
    assert changes is not None and changes["title"].startswith("Budget basics & more")
    assert any(now.startswith("Budget basics & more") for _, _, now, _, _ in changes["texts"])


def test_more_than_texts_and_attributes_is_left_to_a_fetch(small_site: Path) -> None:
    page = (small_site / "events" / "budget-basics" / "index.html").read_bytes()
    assert page_changes(page, page.replace(b"<h1>", b"<h1><em>new</em>", 1)) is None  # a new element
    assert page_changes(page, page.replace(b"</main>", b"<table><tr><td>x</td></tr></table></main>", 1)) is None
    assert page_changes(page, page.replace(b"<main", b"<!-- a comment --><main", 1)) is None
