"""Write: the only stage that touches the output folder.

The new site is written into a staging folder beside the output and swapped
in whole, so a failed or interrupted build leaves the previous site as it was.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import pickle
import shutil
import stat
import tempfile
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from .cache import replace_file
from .errors import SiteError
from .lock import Held, exclusive
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


@contextmanager
def staged(output_dir: Path, spare: Path | None = None, manifest: Path | None = None) -> Iterator["Staging"]:
    """A Staging for the site's next version; swapped in whole when the block ends (call `finish` first),
    removed (the old site untouched) if it raises. Holds the output folder's lock throughout.

    With `spare`, the site this build replaces is kept there rather than deleted, and the next build starts
    from it: most of its files are already the right ones, so a rebuild neither deletes the whole old site
    nor makes the whole new one, only the files that changed.

    With `manifest`, the key each file of the site was made from is kept there (see render), so the next
    build can keep a file whose key has not changed without making it again (`Staging.keep`)."""
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
            folder = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.new-", dir=parent))
            reused = spare is not None and _take_spare(spare, folder)
            try:
                staging = Staging(folder, output_dir, reused, _read_manifest(manifest))
                yield staging
                if manifest is not None:
                    _write_manifest(manifest, staging)
                _swap_in(folder, output_dir, spare)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
    except OSError as exc:
        raise SiteError(_explain(exc, output_dir)) from None


def _take_spare(spare: Path, folder: Path) -> bool:
    """Move the spare site into place as the staging folder. Under a staging name, a build killed while
    it is half updated leaves it to be removed like any other abandoned staging folder."""
    if spare.is_symlink() or not (spare / MARKER).is_file():
        return False
    os.rmdir(folder)
    os.rename(spare, folder)
    return True


def _swap_in(folder: Path, output_dir: Path, spare: Path | None) -> None:
    (folder / MARKER).write_bytes(MARKER_TEXT)
    os.chmod(folder, 0o755)  # mkdtemp makes it 0700; a web server must read it
    if not output_dir.exists():
        os.rename(folder, output_dir)
        return
    _exchange(folder, output_dir)  # the staging folder now holds the previous site
    if spare is None:
        shutil.rmtree(folder)
        return
    if spare.exists() or spare.is_symlink():
        shutil.rmtree(spare, ignore_errors=True)
    spare.parent.mkdir(parents=True, exist_ok=True)
    os.rename(folder, spare)


class Staging:
    """The new site, written file by file beside the previous one (by forked workers too, as they render).
    Files whose bytes did not change are hard links to the previous site's, so they are not written again
    and keep their times: rsync and CDNs see only real changes. Plain os calls on string paths: with
    thousands of small files, pathlib's overhead was most of the time.

    A staging folder `reused` from the spare site already holds files: one that is already the previous
    site's file is left alone, and any other is unlinked before it is replaced, because it may share its
    inode with the live site, which must never change under a visitor."""

    def __init__(self, folder: Path, previous: Path, reused: bool = False,
                 made_from: dict[str, Made] | None = None):
        self.output_dir = previous
        self.root, self.old_root = os.fspath(folder), os.fspath(previous)
        self.linkable = previous.is_dir() and (previous / MARKER).is_file()
        self.reused = reused
        self.made_from = made_from or {}  # the previous site's files, by path
        self.keys: dict[str, str] = {}  # this site's files' keys and reads, given to finish
        self.reads: dict[str, tuple | None] = {}
        self.kept: dict[str, Made] = {}  # the files kept, as made_from has them
        self._made: set[str] = {""}

    def made(self, rel: str) -> bool:
        """Whether the previous site has a file at this path whose key is known (render.Previous)."""
        return rel in self.made_from

    def keep(self, rel: str, key: str) -> bool:
        """Take the previous site's file for this path if it was made from the same key and has not been
        touched since; False when the file must be made."""
        known = self.made_from.get(rel)
        if not self.linkable or known is None or known[0] != key:
            return False
        try:
            if not self._reuse(rel, lambda old, seen: (seen.st_ino, seen.st_mtime_ns, seen.st_size) == known[1:4]):
                return False
        except OSError:
            return False
        self.kept[rel] = known
        return True

    def reads_before(self, rel: str) -> tuple | None:
        """What the previous site's file read of the site (render.py); None: the whole site, or not known."""
        known = self.made_from.get(rel)
        return known[4] if known is not None else None

    def kept_bytes(self, rel: str) -> bytes | None:
        """A kept file's bytes (render.py takes each kept event calendar's VEVENT from it)."""
        try:
            with open(f"{self.root}/{rel}", "rb") as handle:
                return handle.read()
        except OSError:
            return None

    def add(self, rel: str, data: bytes) -> None:
        """One file of the site, by its path relative to the output folder."""
        try:
            self._folder_for(rel)
            if not (self.linkable and self._reuse(rel, _same_bytes(data))):
                self._clear(rel)
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
                if not (self.linkable and self._reuse(rel, lambda old, seen: (seen.st_size, seen.st_mtime_ns) ==
                                                  (info.st_size, info.st_mtime_ns))):
                    self._clear(rel)
                    shutil.copy2(source, f"{self.root}/{rel}")
            except OSError as exc:
                raise SiteError(_explain(exc, self.output_dir)) from None

    def finish(self, paths: set[str], keys: dict[str, str] | None = None,
               reads: dict[str, tuple | None] | None = None) -> None:
        """Remove what a reused folder holds that is not part of the new site; note the files' keys, and what
        each read of the site."""
        self.keys, self.reads = keys or {}, reads or {}
        if not self.reused:
            return
        try:
            for folder, dirs, files in os.walk(self.root, topdown=False):
                rel_folder = os.path.relpath(folder, self.root).replace(os.sep, "/")
                prefix = "" if rel_folder == "." else rel_folder + "/"
                for name in files:
                    if prefix + name not in paths and prefix + name != MARKER:
                        os.unlink(os.path.join(folder, name))
                for name in dirs:
                    path = os.path.join(folder, name)
                    if os.path.islink(path):
                        os.unlink(path)
                    elif not os.listdir(path):
                        os.rmdir(path)
        except OSError as exc:
            raise SiteError(_explain(exc, self.output_dir)) from None

    def _folder_for(self, rel: str) -> None:
        parent = rel.rpartition("/")[0]
        if parent not in self._made:
            try:
                os.makedirs(f"{self.root}/{parent}", exist_ok=True)  # safe when two workers race to make it
            except (FileExistsError, NotADirectoryError):  # a reused folder has a file where a folder goes
                self._clear_folders(parent)
                os.makedirs(f"{self.root}/{parent}", exist_ok=True)
            while parent not in self._made:
                self._made.add(parent)
                parent = parent.rpartition("/")[0]

    def _clear_folders(self, parent: str) -> None:
        parts = parent.split("/")
        for n in range(1, len(parts) + 1):
            path = f"{self.root}/{'/'.join(parts[:n])}"
            if os.path.islink(path) or (os.path.lexists(path) and not os.path.isdir(path)):
                os.unlink(path)

    def _clear(self, rel: str) -> None:
        """Make room in a reused folder: never write into a file that may be the live site's too."""
        if not self.reused:
            return
        target = f"{self.root}/{rel}"
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        elif os.path.lexists(target):
            os.unlink(target)

    def _reuse(self, rel: str, same: Callable[[str, os.stat_result], bool]) -> bool:
        old = f"{self.old_root}/{rel}"
        try:
            info = os.stat(old, follow_symlinks=False)
            if not (stat.S_ISREG(info.st_mode) and same(old, info)):
                return False
            target = f"{self.root}/{rel}"
            if self.reused:
                try:
                    mine = os.stat(target, follow_symlinks=False)
                    if (mine.st_ino, mine.st_dev) == (info.st_ino, info.st_dev):
                        return True  # already the previous site's file
                except FileNotFoundError:
                    pass
                self._clear(rel)
            self._folder_for(rel)  # only now: a file already in place in a reused folder needs no folder made
            os.link(old, target)
            return True
        except OSError:  # gone, unreadable, another file system, or links not allowed: write it instead
            return False


# A file of the site, as the manifest has it: its key, inode, mtime and size, and what it read (render.py).
Made = tuple[str, int, int, int, tuple | None]
MANIFEST_VERSION = 2


def _read_manifest(manifest: Path | None) -> dict[str, Made]:
    """The key each file of the last site was made from, with the file's inode, mtime and size: a file is
    kept only if it is still that very file, so neither a file changed by hand nor a manifest written by a
    build that stopped before swapping in (its files were never live) can make a page stale."""
    if manifest is None:
        return {}
    try:
        with open(manifest, "rb") as handle:
            saved = pickle.load(handle)
        return saved["files"] if isinstance(saved, dict) and saved.get("version") == MANIFEST_VERSION else {}
    except (OSError, pickle.UnpicklingError, EOFError, TypeError, ValueError, AttributeError, ImportError,
            KeyError):
        return {}


def _write_manifest(manifest: Path, staging: "Staging") -> None:
    """Each file's key with what identifies the file itself, so one changed by hand is not kept. A manifest
    that cannot be written only makes the next build slower: the one left there describes the site before,
    and a file is still kept only if it is the very file it names, made from the same key."""
    try:
        _save_manifest(manifest, staging)
    except OSError:
        pass


def _save_manifest(manifest: Path, staging: "Staging") -> None:
    root = staging.root
    files = {}
    for rel, key in staging.keys.items():
        if rel in staging.kept:
            files[rel] = staging.kept[rel]
        else:
            seen = os.stat(f"{root}/{rel}")
            files[rel] = (key, seen.st_ino, seen.st_mtime_ns, seen.st_size, staging.reads.get(rel))
    manifest.parent.mkdir(parents=True, exist_ok=True)
    replace_file(manifest, partial(pickle.dump, {"version": MANIFEST_VERSION, "files": files},
                                   protocol=pickle.HIGHEST_PROTOCOL))


def _same_bytes(data: bytes) -> Callable[[str, os.stat_result], bool]:
    def same(old: str, info: os.stat_result) -> bool:
        if info.st_size != len(data):
            return False
        with open(old, "rb") as handle:
            return handle.read() == data
    return same


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
    try:
        with exclusive(lock_path):
            yield
    except Held:
        raise SiteError(f"another build is writing {output_dir} right now; wait for it to finish") from None


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
