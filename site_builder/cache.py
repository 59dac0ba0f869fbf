"""An on-disk cache of the expensive pure step of reading a content file (parse, validate, render its
body). The other thing a build keeps is the key of each page it wrote (write.staged's manifest).

Every build is still a full logical rebuild; a cache entry only saves work
when everything that shaped it is the same: the file's bytes and path, the
site settings that affect it, the media files it may name, and the code and
library versions that produce it. Any change gives a new key, so a stale
entry is never read, only left to be pruned.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import re
import tempfile
import zoneinfo
from importlib import metadata, resources
from pathlib import Path
from typing import BinaryIO, Callable

PACKAGE_DIR = Path(__file__).resolve().parent
# The libraries whose output a cache entry or a kept page holds.
LIBRARIES = ("pyromark", "nh3", "PyYAML", "icalendar", "Jinja2", "MarkupSafe")


def user_cache() -> Path:
    """The tool's own cache, shared by every site this user builds: compiled templates, which are to Jinja
    what __pycache__ is to Python (each checked against its source when used)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "site-builder"


@functools.cache
def code_version() -> bytes:
    """A digest of this package's code and the versions of Python and of the libraries that shape what a
    build keeps. Worked out once a process: the code a process runs never changes."""
    digest = hashlib.sha256(platform.python_version().encode() + b"\0")
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    for library in LIBRARIES:
        try:
            digest.update(f"{library}=={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:  # pragma: no cover - every one is a dependency
            digest.update(library.encode())
    return digest.digest()


_OLD_ENTRY = re.compile(r"[0-9a-f]{64}")


def replace_file(path: Path, write: Callable[[BinaryIO], object], mode: int | None = None) -> None:
    """Write a file whole beside `path` and rename it over it: a reader sees the old file or the new one,
    never part of one, and a file that another name links to is replaced, not written into."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.part-")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def zone_rules(key: str) -> bytes:
    """The rules zoneinfo reads for a time zone: the system's file, or the tzdata package's. An update of
    them (a country changing its clocks) changes times on pages and in calendars, so it changes the keys."""
    for folder in zoneinfo.TZPATH:
        path = os.path.join(folder, key)
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                return handle.read()
    try:
        package, _, name = f"tzdata.zoneinfo.{key.replace('/', '.')}".rpartition(".")
        return resources.files(package).joinpath(name).read_bytes()
    except (ImportError, OSError, ValueError):
        return key.encode()  # no rules found: ZoneInfo would have refused the name


class DiskCache:
    """One step's entries from the last build, kept in one file of the cache folder: read whole when a build
    starts and written whole, in one atomic step, when the step is done. One file rather than one per entry,
    because creating thousands of small files cost more than the work they saved.

    Entries are bytes (the step's result, pickled by whoever made it), so an unchanged entry is written back
    as it was read, not pickled again: the file is its header, then each entry's key, length and bytes."""

    STORES = ("sources.pickle",)
    HEADER = b"site-builder cache 2\n"

    def __init__(self, folder: Path, salt: bytes, name: str):
        assert name in self.STORES
        self.folder = folder
        self.salt = salt
        self.file = folder / name

    def key(self, *parts: str | bytes) -> str:
        digest = hashlib.sha256(self.salt)
        for part in parts:
            data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
        return digest.hexdigest()

    def load(self) -> dict[str, memoryview]:
        """Every stored entry by key; nothing when there is no cache or it cannot be read whole."""
        try:
            with open(self.file, "rb") as handle:
                data = memoryview(handle.read())
        except OSError:
            return {}
        entries: dict[str, memoryview] = {}
        at = len(self.HEADER)
        if data[:at] != self.HEADER:
            return {}  # another version's layout
        while at < len(data):
            end = at + 72 + int.from_bytes(data[at + 64:at + 72], "big")
            if end > len(data):
                return {}  # cut short: computed again
            entries[bytes(data[at:at + 64]).decode("ascii", "replace")] = data[at + 72:end]
            at = end
        return entries

    def save(self, entries: dict[str, bytes | memoryview]) -> None:
        """Replace the stored entries with these, and only these, so the cache never grows past the site."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)

            def write(handle: BinaryIO) -> None:
                handle.write(self.HEADER)
                for key, data in entries.items():
                    handle.write(key.encode("ascii").ljust(64)[:64] + len(data).to_bytes(8, "big"))
                    handle.write(data)
            replace_file(self.file, write)
            for old in self.folder.iterdir():  # entries of older versions: one file each, or VEVENTs
                if (_OLD_ENTRY.fullmatch(old.name) or old.name == "vevents.pickle") and old.is_file() \
                        and not old.is_symlink():
                    old.unlink(missing_ok=True)
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower
