"""Discover: find the content files and read them as text, safely."""

from __future__ import annotations

import difflib
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import Problem, display_path, error, warning
from .media_policy import check_media

# The folder gives the type (content contract, "Where content lives"); the folders are the content types'
# (types.ContentTypes.folders).
MEDIA_FOLDER = "media"

# A content file larger than this is refused before it is read: no real page
# is this long, and reading a huge file whole would stall an editor's build.
MAX_CONTENT_BYTES = 2 * 1024 * 1024
MAX_MEDIA_BYTES = 200 * 1024 * 1024
# Other names editors give Markdown files; only `.md` is read, so these are errors that say to rename.
MARKDOWN_SUFFIXES = ("md", "markdown", "mdown", "mkd", "mkdn")


@dataclass(frozen=True)
class Source:
    """One content file, read as text."""

    kind: str  # its type's folder (types.ContentType.folder)
    path: Path  # absolute
    display: str  # as reported to editors
    text: str


@dataclass(frozen=True)
class MediaFile:
    """A file under media/, copied as it is."""

    path: Path  # absolute
    rel: str  # relative to the content folder, with forward slashes


@dataclass(frozen=True)
class Discovered:
    sources: tuple[Source, ...]
    media: tuple[MediaFile, ...]


def is_ignored(name: str) -> bool:
    """Files whose name starts with `_` or `.` are ignored, as are editors' temp files."""
    return name.startswith(("_", ".")) or name.endswith(("~", ".swp", ".swx", ".tmp"))


def discover(content_dir: Path, base: Path, folders: tuple[str, ...]) -> tuple[Discovered, list[Problem]]:
    """Find every content and media file under content_dir, in a stable order; `folders` are the content
    types' folders."""
    problems: list[Problem] = []
    sources: list[Source] = []
    content_root = content_dir.resolve()
    for entry in sorted(content_dir.iterdir()):
        name = entry.name
        if is_ignored(name) or name == "site.yaml":
            continue
        shown = display_path(entry, base)
        if entry.is_dir() and name in folders:
            sources.extend(_read_folder(entry, name, content_root, base, problems))
        elif entry.is_dir() and name == MEDIA_FOLDER:
            continue
        elif entry.is_dir():
            hint = difflib.get_close_matches(name, folders + (MEDIA_FOLDER,), n=1)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            problems.append(
                warning(
                    shown,
                    0,
                    "",
                    f"folder '{name}' is not a content type and is ignored "
                    f"(expected {', '.join(folders)} or media{suggestion})",
                )
            )
        elif name.endswith(".md"):
            problems.append(
                warning(
                    shown,
                    0,
                    "",
                    "a Markdown file at the top of the content folder is ignored "
                    "(expected it in a type folder, such as pages/)",
                )
            )
    media = _find_media(content_dir / MEDIA_FOLDER, content_root, base, problems)
    return Discovered(tuple(sources), tuple(media)), problems


def _read_folder(folder: Path, kind: str, content_root: Path, base: Path, problems: list[Problem]) -> list[Source]:
    # One scandir and one display path for the folder, not a stat and a resolve per file: at thousands of
    # files these were most of the time of this stage.
    shown_folder = display_path(folder, base)
    folder_inside = _stays_inside(folder, content_root)
    found = []
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda e: e.name)
    for entry in entries:
        name = entry.name
        if is_ignored(name):
            continue
        path, shown = folder / name, f"{shown_folder}/{name}"
        if entry.is_dir():
            problems.append(
                warning(shown, 0, "", f"sub-folders of {kind}/ are not read (expected the files directly in {kind}/)")
            )
            continue
        if not name.endswith(".md"):
            stem, dot, suffix = name.rpartition(".")
            if dot and stem and suffix.lower() in MARKDOWN_SUFFIXES:
                problems.append(
                    error(
                        shown,
                        0,
                        "",
                        f"this file ends in .{suffix}, so it would not be published "
                        f"(expected a name ending in .md: rename it to '{stem}.md')",
                    )
                )
            else:
                problems.append(
                    warning(
                        shown, 0, "", "this file is ignored (expected only .md files here; put other files in media/)"
                    )
                )
            continue
        if (entry.is_symlink() or not folder_inside) and not _stays_inside(path, content_root):
            problems.append(
                error(
                    shown,
                    0,
                    "",
                    "this file is a link to somewhere outside the content folder (expected the file itself, copied in)",
                )
            )
            continue
        if not entry.is_file():  # a FIFO would block the build for ever, a device read without end
            problems.append(error(shown, 0, "", NOT_A_FILE))
            continue
        text = read_text(path, shown, problems, follow=entry.is_symlink())
        if text is not None:
            found.append(Source(kind, path, shown, text))
    return found


NOT_A_FILE = "this is not a file but a pipe, socket or device, which the build never reads (expected a plain file)"


def read_text(path: Path, shown: str, problems: list[Problem], follow: bool = False) -> str | None:
    """Read a regular file as UTF-8, reporting size and encoding problems with their line. Plain os calls:
    Python's buffered file objects cost a few times as much as the reading, with thousands of small files.
    It never blocks on a FIFO and, unless `follow`, never follows a symlink put in place since it was found."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        problems.append(error(shown, 0, "", f"this file cannot be read: {exc.strerror} (expected a readable file)"))
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            problems.append(error(shown, 0, "", NOT_A_FILE))
            return None
        size = info.st_size
        if size > MAX_CONTENT_BYTES:
            problems.append(
                error(
                    shown,
                    0,
                    "",
                    f"the file is {size / 1048576:.1f} MB (expected at most "
                    f"{MAX_CONTENT_BYTES // 1048576} MB; put large material in media/)",
                )
            )
            return None
        chunks = [os.read(fd, size + 1)]
        while chunks[-1]:  # to the end, whether a read comes back short or the file grew since
            chunks.append(os.read(fd, 1 << 16))
        data = b"".join(chunks)
    finally:
        os.close(fd)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        end = data.find(b"\n", exc.start)
        text = data[start : end if end != -1 else len(data)].decode("utf-8", "replace").strip()[:60]
        problems.append(
            error(
                shown,
                line,
                "",
                f"this line is not UTF-8 text: {text!r} (expected the file saved "
                "as UTF-8; most editors offer it under Save As or Encoding)",
            )
        )
        return None
    # Editors on Windows and old Macs save \r\n and \r; normalise so line numbers agree.
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _find_media(media_dir: Path, content_root: Path, base: Path, problems: list[Problem]) -> list[MediaFile]:
    """Every file under media/ that the media policy lets through (media_policy.check_media)."""
    if not media_dir.is_dir():
        return []
    found = []
    for path in sorted(_media_paths(media_dir)):
        shown = display_path(path, base)
        if not _stays_inside(path, content_root):
            problems.append(
                error(
                    shown,
                    0,
                    "",
                    "this media file is a link to somewhere outside the content folder "
                    "(expected the file itself, copied in)",
                )
            )
            continue
        try:
            info = path.stat()
        except OSError:
            problems.append(
                error(
                    shown, 0, "", "this is a link to a file that does not exist (expected the file itself, copied in)"
                )
            )
            continue
        if not stat.S_ISREG(info.st_mode):
            problems.append(error(shown, 0, "", NOT_A_FILE))
            continue
        if info.st_size > MAX_MEDIA_BYTES:
            problems.append(
                error(
                    shown,
                    0,
                    "",
                    f"the file is larger than a media file may be (expected at most {MAX_MEDIA_BYTES // 1048576} MB)",
                )
            )
            continue
        problem = check_media(path, shown)
        if problem is not None:
            problems.append(problem)
            continue
        found.append(MediaFile(path, path.relative_to(media_dir.parent).as_posix()))
    return found


def _media_paths(media_dir: Path) -> list[Path]:
    """Every entry under media/ that is not a folder and not ignored, without looking inside any file.
    Links to folders are followed once each (a link back up would otherwise loop)."""
    paths: list[Path] = []
    seen: set[tuple[int, int]] = set()
    pending = [media_dir]
    while pending:
        folder = pending.pop()
        try:
            info = folder.stat()
        except OSError:
            continue
        if (info.st_dev, info.st_ino) in seen:
            continue
        seen.add((info.st_dev, info.st_ino))
        with os.scandir(folder) as scan:
            for entry in scan:
                if is_ignored(entry.name):
                    continue
                if entry.is_dir():
                    pending.append(folder / entry.name)
                else:
                    paths.append(folder / entry.name)
    return paths


def _stays_inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
        return True
    except ValueError:
        return False


def case_of(content_dir: Path, rel: str, listings: dict[Path, list[str]] | None = None) -> str | None:
    """The path of the file that `rel` names but for letter case (`media/Hall.JPG` -> `media/hall.jpg`), when
    `rel` itself is not a file; None when there is no such file, or more than one. A Mac or Windows disk
    finds `rel` anyway, and a Linux web server does not. `listings` keeps each folder's names, for many
    calls."""
    folder, found = content_dir, []
    for part in PurePosixPath(rel).parts:
        names = listings.get(folder) if listings is not None else None
        if names is None:
            try:
                names = os.listdir(folder)
            except OSError:
                return None
            if listings is not None:
                listings[folder] = names
        if part in names:
            match = part
        else:
            close = [name for name in names if name.casefold() == part.casefold()]
            if len(close) != 1:
                return None
            match = close[0]
        found.append(match)
        folder = folder / match
    shown = "/".join(found)
    return shown if shown != rel and folder.is_file() else None
