"""Patch: what changed between two versions of a page, in a form the open page can apply without fetching it.

A page of thousands of events is megabytes: fetching and parsing it again
costs the browser a large part of a second. When a save changed only texts and
attribute values between the same tags (a title, a summary), the server says
which: the n-th text node of the page's body and what it held and holds now (and
the text nodes beside it, so the page can tell it found the same one), and the
n-th element and its attribute. The page checks each against the body as it was
served, and fetches the page itself when anything does not match (serve.py's
live-reload script), so a change it cannot place is never put in the wrong place.

The count of text nodes and elements is the browser's only where no tag is
implied or moved: pages with tables, templates, comments, raw text or a leading
line break in <pre> are left to the fetch.
"""

from __future__ import annotations

import html
import re
from typing import Any

_TOKEN = re.compile(rb"<[^>]*>|[^<]+")
_TAG = re.compile(rb"</?([a-zA-Z][a-zA-Z0-9-]*)")
_ATTRIBUTE = re.compile(rb'([^\s=/>"\']+)(?:="([^"]*)")?')
_ELEMENT_STARTS = re.compile(rb"<[a-zA-Z]")
_TITLE = re.compile(rb"<title>([^<]*)</title>")
# Where the browser's tree is not the tags as written, or a text is not one node.
_DOUBTFUL = re.compile(
    rb"<(?:!--|(?:table|template|noscript|textarea|listing|plaintext|xmp|style|script)\b|pre[^>]*>\n)"
)
MAX_CHANGES = 64


def page_changes(old: bytes, new: bytes) -> dict[str, Any] | None:
    """The changes from `old` to `new` when they differ only in texts and attribute values of their bodies'
    elements (and perhaps the <title>): {"title": the new title or None, "texts": [[n, was, now, before,
    after]], "attributes": [[n, tag, name, was, now]]}; None when they differ in anything else."""
    old_body, new_body = _body(old), _body(new)
    if old_body is None or new_body is None or any(_doubtful(body) for body in (old_body, new_body)):
        return None
    old_title, new_title = _TITLE.search(old), _TITLE.search(new)
    if old_title is None or new_title is None:
        return None
    title = html.unescape(new_title[1].decode()) if old_title[1] != new_title[1] else None
    if old_body == new_body:
        return {"title": title, "texts": [], "attributes": []}
    same = _common_prefix(old_body, new_body)
    tail = _common_suffix(old_body, new_body, min(len(old_body), len(new_body)) - same)
    start = old_body.rfind(b">", 0, same) + 1  # the start of the token the first difference is in
    end = old_body.find(b"<", len(old_body) - tail)  # the start of a tag after the last difference
    if end < 0:
        return None
    new_end = len(new_body) - (len(old_body) - end)
    old_tokens = _TOKEN.findall(old_body[start:end])
    new_tokens = _TOKEN.findall(new_body[start:new_end])
    if len(old_tokens) != len(new_tokens):
        return None
    texts: list[list[Any]] = []
    attributes: list[list[Any]] = []
    # Every '<' of a body starts a tag (texts and attributes have theirs escaped): each text node starts just
    # after a tag, or at the start; each element is a start tag.
    text_at = old_body.count(b">", 0, start) - old_body.count(b"><", 0, start) - 1 + (old_body[:1] != b"<")
    element_at = old_body.count(b"<", 0, start) - old_body.count(b"</", 0, start)
    for n, (was, now) in enumerate(zip(old_tokens, new_tokens)):
        is_tag = was.startswith(b"<")
        if is_tag != now.startswith(b"<"):
            return None
        if not is_tag:
            if was != now:
                before = _text_before(old_tokens, n)
                after = _text_after(old_tokens, n)
                if before is None:
                    before = _previous_text(old_body, start)
                if after is None:
                    after = _next_text(old_body, end)
                texts.append([text_at, _text(was), _text(now), before, after])
            text_at += 1
            continue
        if was != now:
            change = _attribute_changes(was, now)
            if change is None:
                return None
            tag, changed = change
            attributes += [[element_at, tag, name, value_was, value_now] for name, value_was, value_now in changed]
        if _ELEMENT_STARTS.match(was):
            element_at += 1
    if len(texts) + len(attributes) > MAX_CHANGES:
        return None
    return {"title": title, "texts": texts, "attributes": attributes}


def _body(page: bytes) -> bytes | None:
    """The page after its <body> tag, up to its </body>."""
    at = page.find(b"<body")
    opened = page.find(b">", at) + 1 if at >= 0 else 0
    closed = page.rfind(b"</body>")
    return page[opened:closed] if at >= 0 and opened > 0 and closed >= opened else None


def _doubtful(body: bytes) -> bool:
    return b"\r" in body or b"\0" in body or _DOUBTFUL.search(body) is not None


CHUNK = 1 << 16


def _common_prefix(a: bytes, b: bytes) -> int:
    """How many bytes a and b start with alike: a chunk at a time, then by halves within the chunk."""
    size, at = min(len(a), len(b)), 0
    while at + CHUNK <= size and a[at : at + CHUNK] == b[at : at + CHUNK]:
        at += CHUNK
    low, high = at, min(at + CHUNK, size)
    while low < high:
        middle = (low + high + 1) // 2
        if a[at:middle] == b[at:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: bytes, b: bytes, most: int) -> int:
    """How many bytes a and b end with alike, at most `most`."""
    at = 0
    while at + CHUNK <= most and a[len(a) - at - CHUNK : len(a) - at] == b[len(b) - at - CHUNK : len(b) - at]:
        at += CHUNK
    low, high = at, min(at + CHUNK, most)
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle : len(a) - at] == b[len(b) - middle : len(b) - at]:
            low = middle
        else:
            high = middle - 1
    return low


def _text(token: bytes) -> str:
    return html.unescape(token.decode("utf-8"))


def _text_before(tokens: list[bytes], n: int) -> str | None:
    for token in reversed(tokens[:n]):
        if not token.startswith(b"<"):
            return _text(token)
    return None


def _text_after(tokens: list[bytes], n: int) -> str | None:
    for token in tokens[n + 1 :]:
        if not token.startswith(b"<"):
            return _text(token)
    return None


def _previous_text(body: bytes, at: int) -> str:
    """The last text run of the body before `at` (which is just after a tag), "" if there is none."""
    while True:
        opened = body.rfind(b"<", 0, at)
        if opened < 0:
            return ""
        closed = body.rfind(b">", 0, opened)
        if closed + 1 < opened:
            return _text(body[closed + 1 : opened])
        if closed < 0:
            return ""
        at = closed + 1


def _next_text(body: bytes, at: int) -> str:
    """The first text run of the body from `at` (the start of a tag), "" if there is none."""
    while True:
        closed = body.find(b">", at)
        if closed < 0:
            return ""
        opened = body.find(b"<", closed)
        if opened < 0:
            return _text(body[closed + 1 :])
        if opened > closed + 1:
            return _text(body[closed + 1 : opened])
        at = opened


def _attribute_changes(was: bytes, now: bytes) -> tuple[str, list[tuple[str, str | None, str | None]]] | None:
    """The tag's name and each attribute that differs (its old and new value, None when absent), when both are
    the same start tag written with double-quoted attributes; None otherwise."""
    old_tag, new_tag = _TAG.match(was), _TAG.match(now)
    if old_tag is None or new_tag is None or was.startswith(b"</") or old_tag[1] != new_tag[1]:
        return None
    old_attributes, new_attributes = _attributes(was, old_tag.end()), _attributes(now, new_tag.end())
    if old_attributes is None or new_attributes is None:
        return None
    names = sorted(set(old_attributes) | set(new_attributes))
    changed = [
        (name, old_attributes.get(name), new_attributes.get(name))
        for name in names
        if old_attributes.get(name) != new_attributes.get(name)
    ]
    return old_tag[1].decode().lower(), changed


def _attributes(tag: bytes, at: int) -> dict[str, str] | None:
    inner = tag[at:].rstrip(b">").rstrip(b"/")
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(inner):
        name = match[1].decode().lower()
        if name in found:
            return None
        found[name] = html.unescape(match[2].decode()) if match[2] is not None else ""
    rest = _ATTRIBUTE.sub(b"", inner)
    return found if not rest.strip() else None
