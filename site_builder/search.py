"""Search: a Pagefind index of the site's pages, made from the rendered pages in memory.

Pagefind (https://pagefind.app) splits the index into small files, so a browser fetches only the parts a
query needs, and stems words ("review" finds "reviewing"). Its binary ships inside the `pagefind_bin` wheel;
this module talks to it over its service protocol (what `pagefind.index.PagefindIndex` speaks: base64 JSON
messages ended by a comma, on its standard input and output), and receives the index files as bytes, so
they go into the build's atomic write beside the pages.

Which pages are found, and how, is said in the templates: `data-pagefind-body` on the main content of an
item's own page (base.html), `data-pagefind-filter`, `-meta` and `-sort` in `_search_data.html`. A page
without `data-pagefind-body` is not indexed.

Why not `PagefindIndex` itself: its reader waits a tenth of a second before each response it reads, so
20,000 pages would take over half an hour whatever Pagefind does. Here every page is sent at once by one
thread while the responses are read as they come.
"""

from __future__ import annotations

import base64
import json
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterable

from .errors import SiteError

BUNDLE = "pagefind"  # the index's folder in the output: /pagefind/pagefind.js and the rest
MARK = b"data-pagefind-body"
# Pagefind's own search interfaces: the site has its own (static/search.js), so these are not published.
SPACED = (b"dt", b"dd", b"li", b"th", b"td")
UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")


def searchable(page: bytes) -> str | None:
    """What Pagefind needs of a rendered page to index it: the <html> tag (its language chooses the
    stemmer) and the <main> element, where the page marks what is indexed; None for a page that marks
    nothing. Sent back from the workers instead of the whole page."""
    if MARK not in page:
        return None
    head, main, end = page.find(b"<head"), page.find(b"<main"), page.rfind(b"</main>")
    if head < 0 or main < 0 or end < 0:
        return page.decode("utf-8")
    text = page[:head] + b"<body>" + page[main:end] + b"</main></body></html>"
    for tag in SPACED:  # Pagefind runs together the words of adjacent cells ("Cost" "Free": "CostFree")
        text = text.replace(b"</" + tag + b">", b" </" + tag + b">")
    return text.decode("utf-8")


def index_files(pages: Iterable[tuple[str, str]]) -> dict[str, bytes]:
    """The Pagefind index of these pages ((URL, HTML as `searchable` gives it), in a stable order): each
    index file's path in the output folder and its bytes."""
    with Service() as service:
        index_id = service.ask([{"type": "NewIndex", "config": {"keep_index_url": False}}])[0]["index_id"]
        service.ask([{"type": "AddFile", "index_id": index_id, "url": url, "file_contents": html,
                      "file_path": None} for url, html in pages])
        files = service.ask([{"type": "GetFiles", "index_id": index_id}])[0]["files"]
    return {f"{BUNDLE}/{file['path']}": base64.b64decode(file["content"]) for file in sorted(
        files, key=lambda file: file["path"]) if not file["path"].startswith(UNUSED)}


def executable() -> Path:
    """The Pagefind binary that the `pagefind[bin]` package installed."""
    from pagefind.service import get_executable
    found = get_executable()
    if found is None:
        raise SiteError("the Pagefind binary is missing: reinstall with `pip install 'pagefind[bin]'`", 3)
    return found


class Service:
    """One `pagefind --service` process: requests go in as base64 JSON ended by a comma, and responses come
    back the same way, each naming the request it answers."""

    def __init__(self) -> None:
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen([str(executable()), "--service"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.log)
        self.next_id = 0

    def __enter__(self) -> "Service":
        return self

    def __exit__(self, *_: Any) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def ask(self, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send every request at once (a thread writes while this one reads, so neither pipe fills and
        stops the other); the responses, in the order of the requests."""
        first = self.next_id + 1
        self.next_id += len(payloads)
        assert self.process.stdin is not None and self.process.stdout is not None
        stdin, stdout = self.process.stdin, self.process.stdout

        def write() -> None:
            try:
                for n, payload in enumerate(payloads, start=first):
                    stdin.write(base64.b64encode(json.dumps({"message_id": n, "payload": payload}).encode())
                                + b",")
                stdin.flush()
            except BrokenPipeError:
                pass  # Pagefind stopped: reading says so

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        answers: dict[int, dict[str, Any]] = {}
        buffer = bytearray()
        while len(answers) < len(payloads):
            chunk = stdout.read1(1 << 20)
            if not chunk:
                self.log.seek(0)
                said = self.log.read().decode("utf-8", "replace").strip()
                raise SiteError(f"Pagefind stopped while indexing the site{': ' + said if said else ''}", 3)
            buffer += chunk
            if b"," not in chunk:
                continue  # a long response (the index files) arrives in many chunks
            cut = buffer.rfind(b",")
            messages = bytes(buffer[:cut]).split(b",")
            del buffer[:cut + 1]
            for message in messages:
                response = json.loads(base64.b64decode(message))
                payload = response.get("payload") or {}
                if payload.get("type") == "Error":
                    raise SiteError(f"Pagefind could not index the site: {payload.get('message')}", 3)
                if response.get("message_id") is not None:
                    answers[response["message_id"]] = payload
        writer.join()
        return [answers[n] for n in range(first, first + len(payloads))]


def sort_key(item: Any) -> str:
    """The "upcoming events first" order, as a key Pagefind sorts as text: upcoming events soonest first,
    then past events newest first, then everything else (Pagefind leaves a page without the key out of
    sorted results, so every page has one)."""
    if getattr(item, "content_type", "") != "events":
        return "c"
    moment = item.start_day.isoformat() + (item.start_iso[10:16] if len(item.start_iso) > 10 else "")
    if not item.is_past:
        return "a " + moment
    return "b " + moment.translate(str.maketrans("0123456789", "9876543210"))  # newest first
