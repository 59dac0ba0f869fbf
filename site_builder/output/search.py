"""Search: a Pagefind index of the site's pages, made while the site renders.

Pagefind (https://pagefind.app) splits the index into small files, so a browser fetches only the parts a
query needs, and stems words ("review" finds "reviewing"). Its binary ships inside the `pagefind_bin` wheel;
this module talks to it over its service protocol (what `pagefind.index.PagefindIndex` speaks: base64 JSON
messages ended by a comma, on its standard input and output), and receives the index files as bytes, so
they go into the build's atomic write beside the pages. The workers write what it needs of each page into a
private temporary folder (in memory where the system has one), which Pagefind reads in parallel (AddDir);
nothing it reads or writes is in the output. See Indexer for the order of the work, and for why the order
the pages are written in cannot change the index.

Which pages are found, and how, is said in the templates: `data-pagefind-body` on the main content of an
item's own page (base.html), `data-pagefind-filter`, `-meta` and `-sort` in `_search_data.html`. A page
without `data-pagefind-body` is not indexed.

Why not `PagefindIndex` itself: its reader waits a tenth of a second before each response it reads, so
20,000 pages would take over half an hour whatever Pagefind does. Here a request is answered as soon as
Pagefind answers it, and a build can go on while Pagefind works.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import gzip
import hashlib
import importlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, NoReturn

from ..errors import SiteError, disk_reason
from ..lock import exclusive, try_lock

BUNDLE = "pagefind"  # the index's folder in the output: /pagefind/pagefind.js and the rest
MARK = b"data-pagefind-body"
# Pagefind's own search interfaces: the site has its own (static/search.js), so these are not published.
SPACED = (b"dt", b"dd", b"li", b"th", b"td")
UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")
# Where the pages Pagefind reads are written when the system has it: a file system in memory, so writing
# them costs little, and one whose folders list their entries by when they were made (see Indexer).
MEMORY = "/dev/shm"
MEMORY_KEPT_FREE = 16 << 20  # bytes, or an eighth of its size if more, left free for other programs
SCRATCH = "site-builder-search-"  # the start of the scratch folders' names
# A build holds this file's lock, in its scratch folder in memory, while it runs (`_remove_abandoned`).
IN_USE = "in-use.lock"
SETTLING = 10  # seconds: a folder this new may not have its lock yet


def searchable(page: bytes) -> bytes | None:
    """What Pagefind needs of a rendered page to index it: the <html> tag (its language chooses the
    stemmer) and the <main> element, where the page marks what is indexed, less what Pagefind would read
    only to ignore (`_unread`); None for a page that marks nothing."""
    if MARK not in page:
        return None
    head, main, end = page.find(b"<head"), page.find(b"<main"), page.rfind(b"</main>")
    if head < 0 or main < 0 or end < 0:
        return page
    text = page[:head] + b"<body>" + _unread(page[main:end]) + b"</main></body></html>"
    for tag in SPACED:  # Pagefind runs together the words of adjacent cells ("Cost" "Free": "CostFree")
        text = text.replace(b"</" + tag + b">", b" </" + tag + b">")
    return text


# The start of an element Pagefind leaves out of the index (data-pagefind-ignore, of its text or of all).
IGNORED = re.compile(rb'<([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?\sdata-pagefind-ignore(?:="(?:index|all)")?[\s/>]')


def _unread(html: bytes) -> bytes:
    """The HTML without the elements that Pagefind ignores and that hold nothing else it reads (no filter,
    metadata or sort: no `data-pagefind-` inside): the related events and the calendar links of an event's
    page are a third of what Pagefind would otherwise parse, and the index is the same byte for byte
    (tests/test_search_index.py). An element whose end this cannot find is kept."""
    kept, at = [], 0
    while found := IGNORED.search(html, at):
        end = _element_end(html, found.start(), found.group(1))
        if end is None or b"data-pagefind-" in html[found.end() : end]:
            kept.append(html[at : found.end()])
            at = found.end()
        else:
            kept.append(html[at : found.start()])
            at = end
    kept.append(html[at:])
    return b"".join(kept)


def _element_end(html: bytes, start: int, name: bytes) -> int | None:
    """Where the element whose start tag is at `start` ends, just after its end tag, counting the elements
    of the same name inside it; None if it has no end tag."""
    opening, closing = re.compile(b"<" + name + rb"[\s/>]"), b"</" + name + b">"
    depth, cursor = 1, start + 1
    while depth:
        close = html.find(closing, cursor)
        if close < 0:
            return None
        depth += len(opening.findall(html, cursor, close)) - 1
        cursor = close + len(closing)
    return cursor


@dataclass(frozen=True)
class Batch:
    """Where the workers write the searchable pages of one batch (`keep`): `folder`, and `spill`, on disk,
    for the pages that find `folder` too full when it is in memory (None when it is on disk)."""

    folder: str
    spill: str | None = None


class Indexer:
    """The Pagefind index of the site, made while the rest of the site is rendered.

    What search reads of the item pages (the pages search finds) is made first, alone (render.py,
    `index_only`), and each worker writes what `searchable` gives of it into a private temporary folder;
    Pagefind reads and indexes that folder on every
    core (AddDir), where AddFile messages are indexed one at a time (benchmarks/README.md measures both).
    Then it builds the index files, which takes it about one core: the other pages, calendars and feeds
    are made meanwhile. Nothing it reads or writes is in the output: the index comes back as bytes, to be
    written with the rest of the site, in one swap.

    Pagefind numbers the pages in the order it finds them in the folder, and the numbers are in the index
    files. A folder lists its entries by when they were made on some file systems (tmpfs, newest first on
    this project's machines; btrfs), so with workers writing at once the index changed from build to build;
    on others (ext4, xfs) by a hash of the names seeded differently on each file system, so it changed from
    machine to machine. So the folder is in memory (MEMORY, a tmpfs) where the system has one, and every
    folder in it is made here, in one fixed order, before any worker writes a page (`prepare`): the same
    pages give the same index bytes on every machine whose kernel lists a tmpfs folder the same way. Pages
    that find the memory full go to disk, and their batch is given to Pagefind in that same order
    (`_add_one_by_one`)."""

    def __init__(self) -> None:
        self._ends = contextlib.ExitStack()  # what __exit__ undoes, the last first
        try:
            with _writing_scratch():
                self._scratch = _scratch_folder()
                in_memory = _in_memory(self._scratch)
                if in_memory:  # its lock is let go of once the folder is gone
                    self._ends.enter_context(exclusive(Path(self._scratch.name, IN_USE)))
                self._ends.callback(self._scratch.cleanup)
                # In memory, pages that find it too full go to a folder on disk instead (`keep`).
                self._spill = (
                    tempfile.TemporaryDirectory(prefix=SCRATCH, ignore_cleanup_errors=True) if in_memory else None
                )
                if self._spill is not None:
                    self._ends.callback(self._spill.cleanup)
            self._service = self._ends.enter_context(Service())
            # Answered while the item pages are made: the answer is read when the first of them are added.
            self._new_index = self._service.send({"type": "NewIndex", "config": {"keep_index_url": False}})
        except BaseException:
            self._ends.close()
            raise
        self._id: int | None = None
        self._asked: int | None = None
        self._read: list[str] = []  # the folders of the batches Pagefind has read
        self.indexed = 0  # pages Pagefind has read

    def __enter__(self) -> "Indexer":
        return self

    def __exit__(self, *_: Any) -> None:
        self._ends.close()

    def _index_id(self) -> int:
        if self._id is None:
            self._id = int(self._service.wait(self._new_index)["index_id"])
        return self._id

    def batch(self, number: int) -> Batch:
        """Where the workers put the searchable pages of one batch (written by `keep`)."""
        spill = os.path.join(self._spill.name, str(number)) if self._spill is not None else None
        return Batch(os.path.join(self._scratch.name, str(number)), spill)

    def prepare(self, number: int, paths: Iterable[str]) -> None:
        """Make the folders of a batch's pages (their output paths), in the order of their names: before the
        workers write them, so that the order Pagefind reads them in is the same in every build."""
        root = self.batch(number).folder
        with _writing_scratch():
            for path in sorted(path for path in paths if path.endswith(".html")):
                os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)

    def add(self, number: int) -> None:
        """Index the pages of a batch, waiting for Pagefind to have read them all."""
        batch = self.batch(number)
        if batch.spill is not None and os.path.isdir(batch.spill):
            self._add_one_by_one(batch)
        elif os.path.isdir(batch.folder):
            payload = {"type": "AddDir", "index_id": self._index_id(), "path": batch.folder, "glob": None}
            self.indexed += self._service.wait(self._service.send(payload)).get("page_count", 0)
            self._read.append(batch.folder)
        self._asked = None

    def _add_one_by_one(self, batch: Batch) -> None:
        """Index a batch some of whose pages found the memory full, page by page, in the order Pagefind would
        have read them had all been in memory: the order its folders list in (all were made there, by
        `prepare`). Which pages went to disk depends on which worker wrote first, and reading the two folders
        one after the other gave the index different bytes from build to build, and from a build that did
        not spill. Pagefind reads these on one core, not on every core, so this is slower."""
        assert batch.spill is not None
        for root, _, names in os.walk(batch.folder):
            here = os.path.relpath(root, batch.folder)
            on_disk = os.path.join(batch.spill, here)
            spilled = sorted(os.listdir(on_disk)) if os.path.isdir(on_disk) else []
            for name in names + [name for name in spilled if name not in names and name.endswith(".html")]:
                path = os.path.normpath(os.path.join(here, name))
                top = batch.folder if name in names else batch.spill
                with open(os.path.join(top, path), "rb") as file:
                    html = file.read().decode("utf-8")
                url = "/" + path.replace(os.sep, "/").removesuffix("index.html")  # as Pagefind names a file's page
                payload = {"type": "AddFile", "index_id": self._index_id(), "url": url, "file_contents": html}
                self._service.wait(self._service.send(payload))
                self.indexed += 1
        self._read += [batch.folder, batch.spill]

    def start_files(self) -> None:
        """Ask Pagefind for the index files of the pages added so far, without waiting for them."""
        self._asked = self._service.send({"type": "GetFiles", "index_id": self._index_id()})

    def files(self, searchable_pages: int) -> dict[str, bytes]:
        """The index files (asked for by `start_files`): each one's path in the output folder and its bytes."""
        if self._asked is None:
            self.start_files()
        assert self._asked is not None
        # While Pagefind makes them, the pages it has read are removed (a folder and a file a page: most of a
        # second at 5,000 pages on this machine), instead of after the build.
        while self._read:
            shutil.rmtree(self._read.pop(), ignore_errors=True)
        files = self._service.wait(self._asked)["files"]
        if self.indexed != searchable_pages:
            raise SiteError(f"Pagefind indexed {self.indexed} of the site's {searchable_pages} searchable pages", 3)
        return canonical(
            {
                f"{BUNDLE}/{file['path']}": base64.b64decode(file["content"])
                for file in sorted(files, key=lambda file: file["path"])
                if not file["path"].startswith(UNUSED)
            }
        )


def keep(batch: Batch, path: str, data: bytes) -> bool:
    """Write what the search index needs of a file of the site into the batch's folder, if it is a
    searchable page (on disk instead, in `batch.spill`, if the folder in memory is too full); whether it
    was."""
    html = searchable(data) if path.endswith(".html") else None
    if html is None:
        return False
    target = os.path.join(batch.folder, path)
    with _writing_scratch():
        if batch.spill is not None:
            try:
                if _has_room(os.path.dirname(batch.folder), len(html)):
                    _write(target, html)
                    return True
            except OSError as exc:
                if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                with contextlib.suppress(FileNotFoundError):
                    os.remove(target)  # what was written of it
            target = os.path.join(batch.spill, path)
        _write(target, html)
    return True


@contextlib.contextmanager
def _writing_scratch() -> Iterator[None]:
    """Report a temporary folder that cannot be written as what it is, not as a fault of the tool."""
    try:
        yield
    except OSError as exc:
        folder = exc.filename if isinstance(exc.filename, str) else tempfile.gettempdir()
        while SCRATCH in folder:  # the folder the scratch folders are in
            folder = os.path.dirname(folder)
        advice = "free space there" + ("" if folder == MEMORY else ", or set TMPDIR to a folder with room")
        raise SiteError(
            f"could not write the pages for the search index into {folder}: {disk_reason(exc)}; {advice}; "
            "the previous site is unchanged"
        ) from None


def _write(target: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as file:
        file.write(data)


def _has_room(folder: str, size: int) -> bool:
    """Whether a file of `size` bytes leaves the file system holding `folder` its share free."""
    stats = os.statvfs(folder)
    kept_free = max(MEMORY_KEPT_FREE, stats.f_blocks * stats.f_frsize // 8)
    return stats.f_bavail * stats.f_frsize - size > kept_free


def _scratch_folder() -> tempfile.TemporaryDirectory[str]:
    """A private folder for the pages Pagefind reads: in memory when the system has a memory file system
    with room, else in the temporary folder. In memory, the build holds the lock of a file in it while it
    runs (Indexer), so that a later build can free what a killed one left there (`_remove_abandoned`)."""
    if os.path.isdir(MEMORY) and os.access(MEMORY, os.W_OK | os.X_OK):
        try:
            _remove_abandoned(MEMORY)
            if _has_room(MEMORY, 0):
                return tempfile.TemporaryDirectory(prefix=SCRATCH, dir=MEMORY, ignore_cleanup_errors=True)
        except OSError:
            pass
    return tempfile.TemporaryDirectory(prefix=SCRATCH, ignore_cleanup_errors=True)


def _remove_abandoned(parent: str) -> None:
    """Remove this user's scratch folders in `parent` whose build is no longer running: a build removes its
    own as it ends, but one that was killed cannot, and memory is not cleared until the machine restarts.
    A running build holds its folder's lock, which the system lets go of when it ends, however it ends.
    A lock, not a process id: builds in containers that share `/dev/shm` do not see each other's processes,
    and a process id is used again."""
    with os.scandir(parent) as entries:
        for entry in entries:
            if entry.name.startswith(SCRATCH):
                with contextlib.suppress(OSError):  # removed meanwhile, by its build or another
                    _remove_if_abandoned(entry)


def _remove_if_abandoned(entry: os.DirEntry[str]) -> None:
    if not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_uid != os.getuid():
        return
    try:
        # Opened, never made: a lock file made here, in a folder its build is removing, would stop the removal.
        handle = os.open(os.path.join(entry.path, IN_USE), os.O_RDWR | os.O_NOFOLLOW)
    except FileNotFoundError:  # never locked (its build was killed as it began), or being removed by its
        # build, which changes the folder's time
        if time.time() - os.stat(entry.path, follow_symlinks=False).st_mtime >= SETTLING:
            shutil.rmtree(entry.path, ignore_errors=True)
        return
    try:
        if time.time() - os.fstat(handle).st_mtime >= SETTLING and try_lock(handle):
            shutil.rmtree(entry.path, ignore_errors=True)
    finally:
        os.close(handle)


def _in_memory(folder: tempfile.TemporaryDirectory[str]) -> bool:
    return os.path.dirname(folder.name) == MEMORY


def executable() -> Path:
    """The Pagefind binary, found as `pagefind.service.get_executable` finds it (PAGEFIND_BINARY_PATH, the
    `pagefind[bin]` package's, then one on the PATH) without importing that module, whose asyncio took a
    tenth of a second of every build."""
    named = os.environ.get("PAGEFIND_BINARY_PATH")
    if named:
        return Path(named)
    for package in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            return Path(importlib.import_module(package).get_executable())
        except ImportError:
            continue
    found = shutil.which("pagefind_extended") or shutil.which("pagefind")
    if found is None:
        raise SiteError("the Pagefind binary is missing: reinstall with `pip install 'pagefind[bin]'`", 3)
    return Path(found)


class Service:
    """One `pagefind --service` process: requests go in as base64 JSON ended by a comma, and responses come
    back the same way, each naming the request it answers."""

    def __init__(self) -> None:
        binary = executable()
        self.log = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(
                [str(binary), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log
            )
        except OSError as exc:
            self.log.close()
            raise SiteError(
                f"could not start Pagefind ({binary}): {exc.strerror}; reinstall it with "
                "`pip install 'pagefind[bin]'`, or set PAGEFIND_BINARY_PATH to a Pagefind binary",
                3,
            ) from None
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin = self.process.stdin
        self.stdout = self.process.stdout.fileno()
        self.next_id = 0
        self.answers: dict[int, dict[str, Any]] = {}
        self.buffer = bytearray()

    def __enter__(self) -> "Service":
        return self

    def __exit__(self, *_: Any) -> None:
        """Close Pagefind's input, which ends it. Its exit, which frees the memory of the whole index (a sixth
        of a second at 5,000 pages), is waited for in a thread, while the build writes the site."""
        with contextlib.suppress(BrokenPipeError):  # it has stopped already (the build says so, `_stopped`)
            self.stdin.close()
        threading.Thread(target=self._reap, daemon=True).start()

    def _reap(self) -> None:
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()  # type: ignore[union-attr]
        self.log.close()

    def send(self, payload: dict[str, Any]) -> int:
        """Send one request (a short one: this waits while the pipe is full); its message number."""
        self.next_id += 1
        try:
            self.stdin.write(self._message(self.next_id, payload))
            self.stdin.flush()
        except BrokenPipeError:
            self._stopped()
        return self.next_id

    def wait(self, message: int) -> dict[str, Any]:
        """The answer to this message, waiting for it."""
        while message not in self.answers:
            self._take(os.read(self.stdout, 1 << 20))
        return self.answers.pop(message)

    @staticmethod
    def _message(number: int, payload: dict[str, Any]) -> bytes:
        return base64.b64encode(json.dumps({"message_id": number, "payload": payload}).encode()) + b","

    def _stopped(self) -> NoReturn:
        self.log.seek(0)
        said = self.log.read().decode("utf-8", "replace").strip()
        raise SiteError(f"Pagefind stopped while indexing the site{': ' + said if said else ''}", 3)

    def _take(self, chunk: bytes) -> None:
        """Keep the answers in what Pagefind wrote (a long one, the index files, arrives in many chunks)."""
        if not chunk:
            self._stopped()
        self.buffer += chunk
        if b"," not in chunk:
            return
        cut = self.buffer.rfind(b",")
        messages = bytes(self.buffer[:cut]).split(b",")
        del self.buffer[: cut + 1]
        for message in messages:
            response = json.loads(base64.b64decode(message))
            payload = response.get("payload") or {}
            if payload.get("type") == "Error":
                raise SiteError(f"Pagefind could not index the site: {payload.get('message')}", 3)
            if response.get("message_id") is not None:
                self.answers[response["message_id"]] = payload


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
