"""A lock on a file that any operating system keeps: one build at a time per output folder.

Linux and macOS lock with fcntl.flock, Windows with msvcrt.locking; both are released by the
system when the process ends, however it ends, so a killed build never leaves a stale lock.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # Windows (tests/test_lock.py runs this branch with fcntl taken away)
    import msvcrt

    def try_lock(handle: int) -> bool:
        os.lseek(handle, 0, os.SEEK_SET)
        try:
            # The first byte stands for the whole file. (The stubs have msvcrt's names only when checking for Windows.)
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True

    def _unlock(handle: int) -> None:
        os.lseek(handle, 0, os.SEEK_SET)
        msvcrt.locking(handle, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]  # as in try_lock
else:

    def try_lock(handle: int) -> bool:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: int) -> None:
        fcntl.flock(handle, fcntl.LOCK_UN)


class Held(Exception):
    """Another process holds the lock."""


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (made if missing) for the block; raise Held at once if taken."""
    handle = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        if not try_lock(handle):
            raise Held(str(path))
        try:
            yield
        finally:
            _unlock(handle)
    finally:
        os.close(handle)
