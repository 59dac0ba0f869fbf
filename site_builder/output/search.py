"""Search: a Pagefind index of the site's pages, made from the rendered pages in memory.

Pagefind (https://pagefind.app) splits the index into small files, so a browser fetches only the parts a
query needs, and stems words ("review" finds "reviewing"). Its binary ships inside the `pagefind_bin` wheel;
this module talks to it over its service protocol (what `pagefind.index.PagefindIndex` speaks: base64 JSON
messages ended by a comma, on its standard input and output), and receives the index files as bytes, so
they go into the build's atomic write beside the pages. Pagefind reads the pages from a private
temporary folder (AddDir), so it indexes them in parallel; nothing it reads or writes is in the output.

Which pages are found, and how, is said in the templates: `data-pagefind-body` on the main content of an
item's own page (base.html), `data-pagefind-filter`, `-meta` and `-sort` in `_search_data.html`. A page
without `data-pagefind-body` is not indexed.

Why not `PagefindIndex` itself: its reader waits a tenth of a second before each response it reads, so
20,000 pages would take over half an hour whatever Pagefind does. Here requests are written by one thread
while the responses are read as they come.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterable, cast

from ..errors import SiteError

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
    """The Pagefind index of these pages ((URL, HTML as `searchable` gives it)): each index file's path in
    the output folder and its bytes.

    The pages are written to a private temporary folder for Pagefind's AddDir, which reads and indexes
    them on every core, where AddFile messages are indexed one at a time (benchmarks/README.md measures
    both); the index comes back as bytes, so it is written with the rest of the site, in one swap."""
    with tempfile.TemporaryDirectory(prefix="site-builder-search-") as scratch, Service() as service:
        folder = Path(scratch)
        count = 0
        for url, html in pages:
            target = folder / (url.lstrip("/") + ("index.html" if url.endswith("/") else ""))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(html, encoding="utf-8")
            count += 1
        index_id = service.ask([{"type": "NewIndex", "config": {"keep_index_url": False}}])[0]["index_id"]
        indexed = service.ask([{"type": "AddDir", "index_id": index_id, "path": str(folder), "glob": None}])[0]
        if indexed.get("page_count") != count:
            raise SiteError(f"Pagefind indexed {indexed.get('page_count')} of the site's {count} searchable pages", 3)
        files = service.ask([{"type": "GetFiles", "index_id": index_id}])[0]["files"]
    return canonical(
        {
            f"{BUNDLE}/{file['path']}": base64.b64decode(file["content"])
            for file in sorted(files, key=lambda file: file["path"])
            if not file["path"].startswith(UNUSED)
        }
    )


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
        self.process = subprocess.Popen(
            [str(executable()), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log
        )
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
        # The pipe Popen opened (buffered, its default), which has read1, unlike any IO[bytes].
        stdin, stdout = self.process.stdin, cast(io.BufferedReader, self.process.stdout)

        def write() -> None:
            try:
                for n, payload in enumerate(payloads, start=first):
                    stdin.write(base64.b64encode(json.dumps({"message_id": n, "payload": payload}).encode()) + b",")
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
            del buffer[: cut + 1]
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


# ---------------------------------------------------------------- the same content, the same bytes
#
# Pagefind lists each filter's values, and the filters themselves, in the order of a Rust HashMap, which is
# seeded at random in every run: the filter files (filter/*.pf_filter), the metadata file that names them
# (pagefind.*.pf_meta) and pagefind-entry.json, which names that, came out different each time. They are
# put in a fixed order here (filters by name, values by their text), named by a digest of what they hold
# (as Pagefind names them by theirs), and compressed again without a timestamp. The rest of the bundle is
# byte-stable as Pagefind makes it.

SIGNATURE = b"pagefind_dcd"


def canonical(files: dict[str, bytes]) -> dict[str, bytes]:
    """The bundle with its filter and metadata files in a fixed order, and named by what they hold."""
    entry_path = f"{BUNDLE}/pagefind-entry.json"
    if entry_path not in files:
        return files
    entry = json.loads(files[entry_path])
    out = dict(files)
    for language, about in entry["languages"].items():
        meta_path = f"{BUNDLE}/pagefind.{about['hash']}.pf_meta"
        if meta_path not in out:
            continue
        meta = _unpack(out.pop(meta_path))  # [version, pages, index chunks, filters, sorts, metadata keys]
        renamed: list[list[Any]] = []
        for name, filter_hash in meta[3]:
            data = _unpack(out.pop(f"{BUNDLE}/filter/{filter_hash}.pf_filter"))
            data[1] = sorted(data[1], key=lambda value: value[0].encode("utf-8"))
            packed = _pack(data)
            new_hash = _named(language, packed, len(filter_hash))
            out[f"{BUNDLE}/filter/{new_hash}.pf_filter"] = packed
            renamed.append([name, new_hash])
        meta[3] = sorted(renamed, key=lambda pair: pair[0].encode("utf-8"))
        meta[4] = sorted(meta[4], key=lambda pair: pair[0].encode("utf-8"))  # the sort keys
        packed = _pack(meta)
        about["hash"] = _named(language, packed, len(about["hash"]))
        out[f"{BUNDLE}/pagefind.{about['hash']}.pf_meta"] = packed
    out[entry_path] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return dict(sorted(out.items()))


def _named(language: str, packed: bytes, length: int) -> str:
    return f"{language}_" + hashlib.sha256(packed).hexdigest()[: length - len(language) - 1]


def _unpack(data: bytes) -> Any:
    raw = gzip.decompress(data)
    assert raw.startswith(SIGNATURE), "not a Pagefind file"
    value, end = _decode(raw, len(SIGNATURE))
    assert end == len(raw)
    return value


def _pack(value: Any) -> bytes:
    return gzip.compress(SIGNATURE + _encode(value), compresslevel=9, mtime=0)


# CBOR (RFC 8949), the little of it Pagefind's files use: integers, byte and text strings, arrays.
def _decode(raw: bytes, at: int) -> tuple[Any, int]:
    major, info = raw[at] >> 5, raw[at] & 31
    at += 1
    if info < 24:
        number = info
    else:
        size = 1 << (info - 24)
        number, at = int.from_bytes(raw[at : at + size], "big"), at + size
    if major == 0:
        return number, at
    if major == 1:
        return -1 - number, at
    if major == 2:
        return bytes(raw[at : at + number]), at + number
    if major == 3:
        return raw[at : at + number].decode("utf-8"), at + number
    if major == 4:
        items = []
        for _ in range(number):
            item, at = _decode(raw, at)
            items.append(item)
        return items, at
    raise ValueError(f"unexpected CBOR major type {major} in a Pagefind file")


def _head(major: int, number: int) -> bytes:
    if number < 24:
        return bytes([major << 5 | number])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if number < 1 << (8 * size):
            return bytes([major << 5 | info]) + number.to_bytes(size, "big")
    raise ValueError("number too large for CBOR")


def _encode(value: Any) -> bytes:
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _head(3, len(data)) + data
    return _head(4, len(value)) + b"".join(_encode(item) for item in value)
