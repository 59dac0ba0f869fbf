"""An on-disk cache of the expensive pure step of reading a content file (parse, validate, render its
body): the only thing a build keeps between builds.

Every build is a full logical rebuild; a cache entry only saves work when
everything that shaped it is the same: the file's bytes and path, the site
settings that affect it, the media files it may name, and the code and library
versions that produce it. Any change gives a new key, so a stale entry is never
read, only left to be pruned.

The cache is input, like the content (CI systems share caches with pull
requests), so reading it can run nothing: an entry is JSON, turned back into
a Record by `decode` and nothing else (no pickle, no marshal), and is taken
only if its SHA-256, stored beside it, matches. Anything that fails is
ignored and the file read again. The cache folder is used only if it is a
plain folder, and its file only if it is a plain file (never through a link).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import platform
import re
import shutil
import stat
import tempfile
import zoneinfo
from datetime import date, datetime, timedelta, timezone
from importlib import metadata, resources
from pathlib import Path
from typing import Any, BinaryIO, Callable
from zoneinfo import ZoneInfo

from ..errors import Problem, Severity
from ..content.validate import Record

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the whole site_builder package
# The libraries whose output a cache entry holds.
LIBRARIES = ("pyromark", "nh3", "PyYAML", "icalendar", "Jinja2", "MarkupSafe")


@functools.cache
def code_version() -> bytes:
    """A digest of this package's code and the versions of Python and of the libraries that shape what a
    build caches. Worked out once a process: the code a process runs never changes."""
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
    them (a country changing its clocks) changes the times read from content files, so it changes the keys."""
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


class SourceCache:
    """The entries of the last build, kept in one file of the cache folder: read whole when a build starts
    and written whole, in one atomic step, when the build has succeeded. One file rather than one per entry,
    because creating thousands of small files cost more than the work they saved.

    The file is its header, then each entry: its key (64 hex digits), the SHA-256 of its bytes (64 hex
    digits), their length (8 bytes), and the bytes (the step's result as `encode` makes it). An unchanged
    entry is written back as it was read, not encoded again."""

    NAME = "sources.json"
    HEADER = b"site-builder cache 3\n"
    OLD = ("sources.pickle", "pages.pickle", "vevents.pickle", "previous-site")  # earlier versions' files

    def __init__(self, folder: Path, salt: bytes):
        self.folder = folder
        self.salt = salt

    def key(self, *parts: str | bytes) -> str:
        digest = hashlib.sha256(self.salt)
        for part in parts:
            data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
        return digest.hexdigest()

    def usable(self) -> bool:
        """Whether the cache folder is a plain folder (or not there yet): never one reached through a link."""
        try:
            return stat.S_ISDIR(os.lstat(self.folder).st_mode)
        except FileNotFoundError:
            return not self.folder.is_symlink()
        except OSError:
            return False

    def load(self) -> dict[str, bytes]:
        """Every stored entry that verifies, by key; nothing when there is no cache or it cannot be read."""
        if not self.usable():
            return {}
        try:
            handle = os.open(self.folder / self.NAME, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(handle, "rb") as reading:
                if not stat.S_ISREG(os.fstat(reading.fileno()).st_mode):
                    return {}
                data = reading.read()
        except OSError:
            return {}
        entries: dict[str, bytes] = {}
        at = len(self.HEADER)
        if data[:at] != self.HEADER:
            return {}  # another version's layout, or not a cache at all
        while at + 136 <= len(data):
            key, digest = data[at : at + 64], data[at + 64 : at + 128]
            end = at + 136 + int.from_bytes(data[at + 128 : at + 136], "big")
            if end > len(data) or not _HEX.fullmatch(key) or not _HEX.fullmatch(digest):
                break  # cut short or damaged: what follows cannot be found, so it is read again
            entry = data[at + 136 : end]
            if hashlib.sha256(entry).hexdigest().encode() == digest:
                entries[key.decode()] = entry
            at = end
        return entries

    def save(self, entries: dict[str, bytes]) -> None:
        """Replace the stored entries with these, and only these, so the cache never grows past the site."""
        if not self.usable():
            return  # a link where the cache folder goes: left alone, and the build goes on without a cache
        try:
            self.folder.mkdir(parents=True, exist_ok=True)

            def write(handle: BinaryIO) -> None:
                handle.write(self.HEADER)
                for key, data in entries.items():
                    handle.write(
                        key.encode("ascii") + hashlib.sha256(data).hexdigest().encode() + len(data).to_bytes(8, "big")
                    )
                    handle.write(data)

            target = self.folder / self.NAME
            if target.is_dir() and not target.is_symlink():  # a folder where the file goes: not ours to keep
                shutil.rmtree(target)
            replace_file(target, write)  # over a link, the link itself is replaced, not what it points to
            for name in self.OLD:
                old = self.folder / name
                if old.is_dir() and not old.is_symlink():
                    shutil.rmtree(old, ignore_errors=True)
                elif os.path.lexists(old):
                    old.unlink(missing_ok=True)  # a link is removed itself, never what it points to
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower


_HEX = re.compile(rb"[0-9a-f]{64}")


# ---------------------------------------------------------------- entries as JSON


def encode(value: Any) -> bytes:
    """A content file's reading (a Record or None, and its Problems) as JSON; raises TypeError for anything
    else. Tags ("$date", ...) mark what JSON has no type for; a dict whose own key starts with "$" is
    written as pairs, so no content can pass for a tag."""
    return json.dumps(_tagged(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8", "surrogatepass"
    )


def decode(data: bytes) -> Any:
    """What `encode` made, back; raises ValueError for anything else."""
    try:
        return json.loads(data.decode("utf-8", "surrogatepass"), object_hook=_untag)
    except (KeyError, TypeError, AttributeError, IndexError, RecursionError, zoneinfo.ZoneInfoNotFoundError) as exc:
        raise ValueError(f"not a cache entry: {exc}") from None


_RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(Record))


def _tagged(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_tagged(v) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [_tagged(v) for v in value]}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: _tagged(v) for k, v in value.items()}
        if not all(isinstance(k, str) for k in value):
            raise TypeError("a dict with keys that are not text")
        return {"$dict": [[k, _tagged(v)] for k, v in value.items()]}
    if isinstance(value, datetime):
        tz = value.tzinfo
        zone: Any
        if tz is None:
            zone = None
        elif isinstance(tz, ZoneInfo):
            zone = tz.key
        elif isinstance(tz, timezone):
            offset = tz.utcoffset(None)
            zone = {"utc": True} if tz is timezone.utc else {"offset": offset.total_seconds()}
        else:
            raise TypeError(f"a time zone of type {type(tz).__name__}")
        return {"$datetime": [value.replace(tzinfo=None).isoformat(), value.fold, zone]}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Record):
        return {"$record": [_tagged(getattr(value, name)) for name in _RECORD_FIELDS]}
    if isinstance(value, Problem):
        return {"$problem": [value.path, value.line, value.field, value.message, value.severity.value]}
    raise TypeError(f"cannot keep a {type(value).__name__} in the cache")


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) != 1 or not next(iter(obj)).startswith("$"):
        return obj
    ((tag, value),) = obj.items()
    if tag == "$tuple":
        return tuple(value)
    if tag == "$dict":
        return {str(k): v for k, v in value}
    if tag == "$date":
        return date.fromisoformat(value)
    if tag == "$datetime":
        wall, fold, zone = value
        moment = datetime.fromisoformat(wall).replace(fold=int(fold))
        if zone is None:
            return moment
        if isinstance(zone, str):
            return moment.replace(tzinfo=ZoneInfo(zone))
        if zone.get("utc") is True:
            return moment.replace(tzinfo=timezone.utc)
        return moment.replace(tzinfo=timezone(timedelta(seconds=float(zone["offset"]))))
    if tag == "$record":
        fields = dict(zip(_RECORD_FIELDS, value, strict=True))
        if not all(
            isinstance(fields[name], kind)
            for name, kind in (
                ("kind", str),
                ("slug", str),
                ("shown", str),
                ("data", dict),
                ("lines", dict),
                ("body_html", str),
                ("body_links", tuple),
                ("front", str),
            )
        ):
            raise TypeError("a record with fields of the wrong types")
        return Record(**fields)
    if tag == "$problem":
        path, line, field, message, severity = value
        return Problem(str(path), int(line), str(field), str(message), Severity(severity))
    raise TypeError(f"an unknown tag {tag}")
