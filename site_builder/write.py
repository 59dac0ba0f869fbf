"""Write: the only stage that touches the output folder.

The new site is written into a staging folder beside the output and swapped
in whole, so a failed or interrupted build leaves the previous site as it was.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .errors import SiteError
from .render import Rendered

# Marks a folder as this tool's output, so a build never replaces a folder it did not write.
MARKER = ".site-builder-output"
MARKER_TEXT = b"This folder is written by site-builder and replaced whole on every build.\n"


def check_output_folder(output_dir: Path, protected: dict[str, Path]) -> None:
    """Refuse an output folder that would overwrite or sit inside what must be kept."""
    out = output_dir.resolve()
    if out == Path(out.anchor):
        raise SiteError(f"refusing to use {output_dir} as the output folder: it is the root of the disk", 2)
    home = Path.home().resolve()
    if out == home:
        raise SiteError(f"refusing to use {output_dir} as the output folder: it is your home folder", 2)
    for what, folder in protected.items():
        folder = folder.resolve()
        if out == folder or folder.is_relative_to(out):
            raise SiteError(f"refusing to use {output_dir} as the output folder: it is or contains the {what} "
                            f"({folder}); choose a separate folder such as output/", 2)
        if what == "content folder" and out.is_relative_to(folder):
            raise SiteError(f"refusing to use {output_dir} as the output folder: it is inside the content "
                            f"folder ({folder}); choose a folder outside it", 2)


def write_output(rendered: Rendered, output_dir: Path) -> int:
    """Write the site beside the old one and swap it in; return the number of files written."""
    output_dir = output_dir.absolute()
    parent = output_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SiteError(f"cannot create {parent}: {exc.strerror}") from None
    _refuse_foreign(output_dir)
    try:
        with _build_lock(output_dir):
            _remove_abandoned_staging(output_dir)
            staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.new-", dir=parent))
            try:
                count = _fill(staging, rendered, output_dir)
                if output_dir.exists():
                    _exchange(staging, output_dir)  # staging now holds the previous site
                    shutil.rmtree(staging)
                else:
                    os.rename(staging, output_dir)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except OSError as exc:
        raise SiteError(_explain(exc, output_dir)) from None
    return count


def _fill(staging: Path, rendered: Rendered, previous: Path) -> int:
    """Write the new site into staging; files whose bytes did not change are hard links to the previous
    site's, so they are not written again and keep their times (rsync and CDNs see only real changes).
    Plain os calls on string paths: with thousands of small files, pathlib's overhead is most of the time."""
    stage, old_root = os.fspath(staging), os.fspath(previous)
    keep = previous.is_dir() and (previous / MARKER).is_file()
    made: set[str] = {""}

    def folder_for(rel: str) -> None:
        parent = rel.rpartition("/")[0]
        if parent not in made:
            os.makedirs(f"{stage}/{parent}", exist_ok=True)
            while parent not in made:
                made.add(parent)
                parent = parent.rpartition("/")[0]

    def reuse(rel: str, same: Callable[[str, os.stat_result], bool]) -> bool:
        old = f"{old_root}/{rel}"
        try:
            info = os.stat(old, follow_symlinks=False)
            if not (stat.S_ISREG(info.st_mode) and same(old, info)):
                return False
            os.link(old, f"{stage}/{rel}")
            return True
        except OSError:  # gone, unreadable, another file system, or links not allowed: write it instead
            return False

    def same_bytes(data: bytes) -> Callable[[str, os.stat_result], bool]:
        def same(old: str, info: os.stat_result) -> bool:
            if info.st_size != len(data):
                return False
            with open(old, "rb") as handle:
                return handle.read() == data
        return same

    for rel, data in sorted(rendered.files.items()):
        folder_for(rel)
        if not (keep and reuse(rel, same_bytes(data))):
            _write_new(f"{stage}/{rel}", data)
    for rel, source in sorted(rendered.copies.items()):
        folder_for(rel)
        source_info = source.stat()
        if not (keep and reuse(rel, lambda old, info: (info.st_size, info.st_mtime_ns) ==
                               (source_info.st_size, source_info.st_mtime_ns))):
            shutil.copy2(source, f"{stage}/{rel}")
    (staging / MARKER).write_bytes(MARKER_TEXT)
    os.chmod(staging, 0o755)  # mkdtemp makes it 0700; a web server must read it
    return len(rendered.files) + len(rendered.copies)


def _write_new(path: str, data: bytes) -> None:
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view):]
    finally:
        os.close(handle)


def _refuse_foreign(output_dir: Path) -> None:
    if output_dir.is_symlink() or (output_dir.exists() and not output_dir.is_dir()):
        raise SiteError(f"the output path {output_dir} exists and is not a folder; remove it or choose another", 2)
    if output_dir.is_dir() and any(output_dir.iterdir()) and not (output_dir / MARKER).is_file():
        raise SiteError(f"the output folder {output_dir} has files this tool did not write; "
                        "choose an empty or new folder (nothing was changed)", 2)


@contextmanager
def _build_lock(output_dir: Path) -> Iterator[None]:
    """One build at a time per output folder; a second one is told, not queued."""
    lock_path = output_dir.parent / f".{output_dir.name}.lock"
    with open(lock_path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SiteError(f"another build is writing {output_dir} right now; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_abandoned_staging(output_dir: Path) -> None:
    """Staging folders a killed build left behind (ours by name, and we hold the lock)."""
    for leftover in output_dir.parent.glob(f".{output_dir.name}.new-*"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> None:
    """Swap two folders in one atomic step (Linux renameat2), or as close as the system allows."""
    libc_name = ctypes.util.find_library("c")
    renameat2 = getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None) if libc_name else None
    if renameat2 is not None:
        result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
        if result == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), str(b))
    # No atomic exchange here: two renames, with a moment in which the output is missing.
    old = b.with_name(f".{b.name}.new-old")
    os.rename(b, old)
    os.rename(a, b)
    os.rename(old, a)


def _explain(exc: OSError, output_dir: Path) -> str:
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the disk is read-only",
        errno.EACCES: "permission was refused",
        errno.EPERM: "permission was refused",
    }
    reason = reasons.get(exc.errno or 0, exc.strerror or str(exc))
    return f"could not write the site to {output_dir}: {reason}; the previous site is unchanged"
