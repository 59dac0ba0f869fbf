"""Write: the only stage that touches the output folder.

The new site is written into a staging folder beside the output and swapped
in whole, so a failed or interrupted build leaves the previous site as it was.
Nothing under the output or the staging folder is ever reached through a
symbolic link: the previous site is read only where it holds plain files in
plain folders, and the staging folder is new, made by this build.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import stat
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import SiteError, disk_reason
from ..lock import Held, exclusive
from .render import Rendered

# Marks a folder as this tool's output, so a build never replaces a folder it did not write.
MARKER = ".site-builder-output"
MARKER_TEXT = b"This folder is written by site-builder and replaced whole on every build.\n"

# The exit status of a build that found another build writing the same output: try again later
# (sysexits.h's EX_TEMPFAIL), apart from 1, which means errors in the content.
BUSY = 75


def check_output_folder(output_dir: Path, protected: dict[str, Path], inputs: dict[str, Path]) -> None:
    """Refuse an output folder that would overwrite or sit inside what must be kept: it may neither be nor
    hold any `protected` folder, nor lie inside any of the `inputs` (which it would then grow into). Also
    refuse a path that is not a folder this tool wrote. Checked before anything is read or written."""
    out = output_dir.resolve()
    if out == Path(out.anchor):
        raise SiteError(f"refusing to use {output_dir} as the output folder: it is the root of the disk", 2)
    home = Path.home().resolve()
    if out == home:
        raise SiteError(f"refusing to use {output_dir} as the output folder: it is your home folder", 2)
    for what, folder in {**protected, **inputs}.items():
        folder = folder.resolve()
        if out == folder or folder.is_relative_to(out):
            raise SiteError(
                f"refusing to use {output_dir} as the output folder: it is or contains the {what} "
                f"({folder}); choose a separate folder such as output/",
                2,
            )
    for what, folder in inputs.items():
        if out.is_relative_to(folder.resolve()):
            raise SiteError(
                f"refusing to use {output_dir} as the output folder: it is inside the {what} "
                f"({folder.resolve()}); choose a folder outside it",
                2,
            )
    _refuse_foreign(output_dir.absolute())


@contextmanager
def staged(output_dir: Path) -> Iterator["Staging"]:
    """A Staging for the site's next version; swapped in whole when the block ends, removed (the old site
    untouched) if it raises. Holds the output folder's lock throughout."""
    output_dir = output_dir.absolute()
    parent = output_dir.parent
    _refuse_foreign(output_dir)
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SiteError(f"cannot create {parent}: {exc.strerror}") from None
    of_the_block: OSError | None = None  # the block's own error, not one of writing the site (Staging's)
    try:
        with _build_lock(output_dir):
            _remove_abandoned_staging(output_dir)
            folder = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.new-", dir=parent))
            try:
                staging = Staging(folder, output_dir)
                try:
                    yield staging
                except OSError as exc:
                    of_the_block = exc
                    raise
                _swap_in(folder, output_dir, len(staging.live))
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
    except OSError as exc:
        if exc is of_the_block:
            raise
        raise SiteError(_explain(exc, output_dir)) from None


def _swap_in(folder: Path, output_dir: Path, replaced_files: int) -> None:
    (folder / MARKER).write_bytes(MARKER_TEXT)
    os.chmod(folder, 0o755)  # mkdtemp makes it 0700; a web server must read it
    if not os.path.lexists(output_dir):
        os.rename(folder, output_dir)
        return
    _exchange(folder, output_dir)  # the staging folder now holds the previous site
    _remove_replaced(
        folder, output_dir.with_name(f".{output_dir.name}.old-{folder.name.rpartition('-')[2]}"), replaced_files
    )


# A replaced site of more files than this is removed by a process of its own, after the build has returned.
BACKGROUND_REMOVAL = 2000


def _remove_replaced(folder: Path, old: Path, files: int) -> None:
    """Remove the site a build replaced (never following a link: one inside is removed, not what it points
    to). Removing a large site's ten thousand files took as long as all the rest of a rebuild on a busy
    disk, and nothing needs to wait for it: so it is renamed `.OUTPUT.old-*` and left to a detached process,
    and a later build removes whatever is left of it the same way (`_remove_abandoned_staging`). Done here
    when the site is small. The removal never takes the lock: nothing else uses an `.old-*` name."""
    if files > BACKGROUND_REMOVAL:
        os.rename(folder, old)
        if _remove_in_background(old):
            return
        folder = old
    shutil.rmtree(folder)


def _remove_in_background(folder: Path) -> bool:
    """Remove a folder in a detached process; in a thread of this one when it has threads already (the
    preview server, which lives on: forking a process with threads is not safe); False when neither can be."""
    if threading.active_count() > 1:
        threading.Thread(target=shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}, daemon=True).start()
        return True
    if not hasattr(os, "fork"):
        return False
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which leaves at once
        try:
            if os.fork() == 0:
                os.setsid()
                # Nothing of the build is held on: not the output's lock, not the pipes that read its output.
                quiet = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(quiet, fd)
                os.closerange(3, os.sysconf("SC_OPEN_MAX"))
                shutil.rmtree(folder, ignore_errors=True)
        finally:
            os._exit(0)
    os.waitpid(child, 0)  # the grandchild removes the folder; no process is left to reap
    return True


def replace_live(output_dir: Path, rel: str, data: bytes) -> Path | None:
    """Put one file of the live site in place at once, for the preview (preview.py), which the full build
    that follows replaces whole: under the output folder's lock, only into a folder of the live site reached
    through plain folders, and as a new file renamed over the old, so a visitor reading the old one reads it
    whole. None, writing nothing, when another build holds the lock or the folder is not a plain one."""
    output_dir = output_dir.absolute()
    if not (output_dir / MARKER).is_file() or output_dir.is_symlink():
        return None
    folder = output_dir
    for part in rel.split("/")[:-1]:
        folder = folder / part
        try:
            if not stat.S_ISDIR(os.lstat(folder).st_mode):
                return None
        except OSError:
            return None
    target = output_dir / rel
    try:
        with _build_lock(output_dir):
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.part-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.chmod(temporary, 0o644)
                os.replace(temporary, target)  # over a link, the link itself is replaced
            except BaseException:
                os.unlink(temporary)
                raise
    except SiteError:
        return None  # a build is writing: it will show the change itself
    return target


def live_files(output_dir: Path) -> dict[str, os.stat_result]:
    """The plain files of the site now live in `output_dir`, by path, reached through plain folders only:
    a symbolic link anywhere in it (to a file or a folder) is left out, and nothing behind it is read."""
    files: dict[str, os.stat_result] = {}
    if not (output_dir / MARKER).is_file() or output_dir.is_symlink():
        return files
    root = os.fspath(output_dir)
    for folder, _, names in os.walk(root, followlinks=False):
        prefix = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        for name in names:
            try:
                info = os.stat(os.path.join(folder, name), follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                files[prefix + name] = info
    return files


class Staging:
    """The new site, written file by file into a new folder beside the previous one (by forked workers too,
    as they render). A file whose bytes are the live file's is a hard link to it instead, so it is not
    written again and keeps its time: rsync and CDNs see only real changes. The live file is linked only
    if it is a plain file reached through plain folders (`live_files`), opened without following a link.
    Plain os calls on string paths: with thousands of small files, pathlib's overhead was most of the time."""

    def __init__(self, folder: Path, previous: Path):
        self.output_dir = previous
        self.root, self.old_root = os.fspath(folder), os.fspath(previous)
        self.live = live_files(previous)
        self._made: set[str] = {""}

    def add(self, rel: str, data: bytes) -> None:
        """One file of the site, by its path relative to the output folder."""
        try:
            self._folder_for(rel)
            if not self._link_same(rel, data):
                _write_new(f"{self.root}/{rel}", data)
        except OSError as exc:
            raise SiteError(_explain(exc, self.output_dir)) from None

    def add_rendered(self, rendered: Rendered) -> None:
        """The files still held in memory, and the files copied as they are."""
        for rel, data in sorted(rendered.files.items()):
            self.add(rel, data)
        for rel, source in sorted(rendered.copies.items()):
            try:
                self._folder_for(rel)
                info = source.stat()
                old = self.live.get(rel)
                if not (
                    old is not None
                    and (old.st_size, old.st_mtime_ns) == (info.st_size, info.st_mtime_ns)
                    and self._link(rel)
                ):
                    shutil.copy2(source, f"{self.root}/{rel}")
            except OSError as exc:
                raise SiteError(_explain(exc, self.output_dir)) from None

    def _folder_for(self, rel: str) -> None:
        parent = rel.rpartition("/")[0]
        if parent not in self._made:
            os.makedirs(f"{self.root}/{parent}", exist_ok=True)  # safe when two workers race to make it
            while parent not in self._made:
                self._made.add(parent)
                parent = parent.rpartition("/")[0]

    def _link_same(self, rel: str, data: bytes) -> bool:
        """Link the live file at `rel` in place of writing `data`, if it holds exactly those bytes."""
        old = self.live.get(rel)
        if old is None or old.st_size != len(data):
            return False
        try:
            handle = os.open(f"{self.old_root}/{rel}", os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return False
        try:
            with os.fdopen(handle, "rb") as reading:
                seen = os.fstat(reading.fileno())
                if (seen.st_ino, seen.st_dev) != (old.st_ino, old.st_dev) or reading.read(len(data) + 1) != data:
                    return False
        except OSError:
            return False
        return self._link(rel)

    def _link(self, rel: str) -> bool:
        try:
            os.link(f"{self.old_root}/{rel}", f"{self.root}/{rel}", follow_symlinks=False)
            return True
        except OSError:  # gone, another file system, or links not allowed: write it instead
            return False


def _write_new(path: str, data: bytes) -> None:
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
    finally:
        os.close(handle)


def _refuse_foreign(output_dir: Path) -> None:
    if output_dir.is_symlink() or (output_dir.exists() and not output_dir.is_dir()):
        raise SiteError(f"the output path {output_dir} exists and is not a folder; remove it or choose another", 2)
    if output_dir.is_dir() and any(output_dir.iterdir()) and not (output_dir / MARKER).is_file():
        raise SiteError(
            f"the output folder {output_dir} has files this tool did not write; "
            "choose an empty or new folder (nothing was changed)",
            2,
        )


@contextmanager
def _build_lock(output_dir: Path) -> Iterator[None]:
    """One build at a time per output folder; a second one is told, not queued (exit status BUSY)."""
    lock_path = output_dir.parent / f".{output_dir.name}.lock"
    try:
        with exclusive(lock_path):
            yield
    except Held:
        raise SiteError(
            f"another build is writing {output_dir} right now; wait for it to finish and "
            "run this one again (nothing was changed)",
            BUSY,
        ) from None


def _remove_abandoned_staging(output_dir: Path) -> None:
    """Staging folders a killed build left behind, removed now, and replaced sites not yet removed, left
    to a detached process again (ours by name, and we hold the lock)."""
    for leftover in output_dir.parent.glob(f".{output_dir.name}.new-*"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in output_dir.parent.glob(f".{output_dir.name}.old-*"):
        if leftover.is_dir() and not leftover.is_symlink() and not _remove_in_background(leftover):
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
    return f"could not write the site to {output_dir}: {disk_reason(exc)}; the previous site is unchanged"
