"""An on-disk cache of the one expensive pure step per content file: parse, validate, render its body.

Every build is still a full logical rebuild; a cache entry only saves work
when everything that shaped it is the same: the file's bytes and path, the
site settings that affect it, the media files it may name, and the code and
library versions that produce it. Any change gives a new key, so a stale
entry is never read, only left to be pruned.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
# The libraries whose output is stored in an entry.
LIBRARIES = ("pyromark", "nh3", "PyYAML")


def code_version() -> bytes:
    """A digest of this package's code and the versions of the libraries that shape an entry."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    for library in LIBRARIES:
        try:
            digest.update(f"{library}=={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:  # pragma: no cover - every one is a dependency
            digest.update(library.encode())
    return digest.digest()


class SourceCache:
    """Entries in a folder of their own, one file each, named by their key."""

    def __init__(self, folder: Path, salt: bytes):
        self.folder = folder
        self.salt = salt
        self.used: set[str] = set()

    def key(self, *parts: str | bytes) -> str:
        digest = hashlib.sha256(self.salt)
        for part in parts:
            data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
        return digest.hexdigest()

    def get(self, key: str) -> Any | None:
        self.used.add(key)
        try:
            with open(self.folder / key, "rb") as handle:
                return pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None  # missing, or left half-written by a killed build: computed again

    def put(self, key: str, value: Any) -> None:
        self.used.add(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".entry-")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.folder / key)
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower

    def prune(self, used: set[str]) -> None:
        """Remove entries this build did not use, so the cache never grows past the site."""
        try:
            entries = list(self.folder.iterdir())
        except OSError:
            return
        for entry in entries:
            if entry.name not in used:
                entry.unlink(missing_ok=True)
