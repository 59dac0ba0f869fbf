"""What media/ may hold: the kinds of file a programme publishes, each recognised by its content.

A file in media/ is published at /media/..., on the site's own origin, so an HTML, script or SVG
file there would be script the pages' `script-src 'self'` allows. Only these kinds are published,
and each must be what its name says, read from its first bytes (and, for office documents, its
list of parts), never trusted from its name: a `.png` that is really HTML is refused. Everything
else is an error naming the file and the fix. The policy is written out in the editors' guide and
SECURITY.md; the image stage may call `check_media` on any file it is handed.
"""

from __future__ import annotations

import codecs
import os
import stat
import zipfile
from pathlib import Path

from ..errors import Problem, error

# Extension -> (what it is, for messages). Lower case; `photo.JPG` is read as `.jpg`.
IMAGES = {
    ".png": "a PNG image",
    ".jpg": "a JPEG image",
    ".jpeg": "a JPEG image",
    ".gif": "a GIF image",
    ".webp": "a WebP image",
    ".avif": "an AVIF image",
}
DOCUMENTS = {
    ".pdf": "a PDF",
    ".docx": "a Word document",
    ".xlsx": "an Excel workbook",
    ".pptx": "a PowerPoint presentation",
    ".odt": "an OpenDocument text",
    ".ods": "an OpenDocument spreadsheet",
    ".odp": "an OpenDocument presentation",
    ".csv": "a CSV table",
    ".txt": "a plain text file",
}
AUDIO_VIDEO = {
    ".mp3": "an MP3 recording",
    ".m4a": "an M4A recording",
    ".wav": "a WAV recording",
    ".ogg": "an Ogg recording",
    ".mp4": "an MP4 video",
    ".webm": "a WebM video",
}
ALLOWED = {**IMAGES, **DOCUMENTS, **AUDIO_VIDEO}

# Kinds refused by name, with what to do instead.
_REFUSED = {
    ".svg": "an SVG image can carry script that would run on the site (expected it exported as PNG)",
    ".svgz": "an SVG image can carry script that would run on the site (expected it exported as PNG)",
    ".html": "a web page here would be published as part of the site (expected a Markdown page in pages/)",
    ".htm": "a web page here would be published as part of the site (expected a Markdown page in pages/)",
    ".xhtml": "a web page here would be published as part of the site (expected a Markdown page in pages/)",
    ".xml": "an XML file can be shown as a web page, script and all (expected it as PDF or CSV)",
    ".js": "a script here would run as part of the site (expected no scripts in content)",
    ".mjs": "a script here would run as part of the site (expected no scripts in content)",
    ".wasm": "a program here would run as part of the site (expected no programs in content)",
    ".docm": "an Office file with macros can run code on readers' computers (expected it saved as .docx)",
    ".xlsm": "an Office file with macros can run code on readers' computers (expected it saved as .xlsx)",
    ".pptm": "an Office file with macros can run code on readers' computers (expected it saved as .pptx)",
}

_OOXML_PART = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}
_ODF_TYPE = {
    ".odt": b"application/vnd.oasis.opendocument.text",
    ".ods": b"application/vnd.oasis.opendocument.spreadsheet",
    ".odp": b"application/vnd.oasis.opendocument.presentation",
}
_HEAD = 128
_TEXT_CHUNK = 1 << 20


def allowed_kinds() -> str:
    """The extensions media/ may hold, for messages: '.avif, .csv, ...'."""
    return ", ".join(sorted(ALLOWED))


def check_media(path: Path, shown: str | None = None) -> Problem | None:
    """The problem with publishing this file from media/, or None if it may be published: a regular file of
    an allowed kind whose content is that kind. Never follows a symlink and never blocks on a FIFO."""
    shown = shown if shown is not None else str(path)
    suffix = path.suffix.lower()
    if suffix in _REFUSED:
        return error(shown, 0, "", f"this file cannot be published: {_REFUSED[suffix]}")
    if suffix not in ALLOWED:
        named = f"'{suffix}' files" if suffix else "files without an extension"
        return error(
            shown,
            0,
            "",
            f"{named} are not published from media/ (expected one of {allowed_kinds()}; "
            "export it as one of those, or remove it)",
        )
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return error(shown, 0, "", "this is not a file but a device, pipe or socket (expected a plain file)")
        # Not blocking, so a FIFO put in place after the look cannot hang the build; not following a link,
        # unless the file is one (discovery has checked it stays in the content folder).
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        if not path.is_symlink():
            flags |= getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags)
    except OSError as exc:
        return error(shown, 0, "", f"this file cannot be read: {exc.strerror} (expected a readable file)")
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the look and the opening
            return error(shown, 0, "", "this is not a file but a device, pipe or socket (expected a plain file)")
        head = os.read(fd, _HEAD)
        wrong = _wrong_content(suffix, head, fd, path)
    finally:
        os.close(fd)
    if wrong:
        return error(
            shown,
            0,
            "",
            f"this file is named as {ALLOWED[suffix]} but {wrong} (expected {ALLOWED[suffix]}: "
            "save or export it again in that format, or give it the name of what it is)",
        )
    return None


def _wrong_content(suffix: str, head: bytes, fd: int, path: Path) -> str | None:
    """What the content is instead of the kind its name says, or None when it is that kind."""
    if suffix in (".csv", ".txt"):
        return _not_plain_text(fd)
    if suffix == ".png":
        ok = head.startswith(b"\x89PNG\r\n\x1a\n")
    elif suffix in (".jpg", ".jpeg"):
        ok = head.startswith(b"\xff\xd8\xff")
    elif suffix == ".gif":
        ok = head.startswith((b"GIF87a", b"GIF89a"))
    elif suffix == ".webp":
        ok = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    elif suffix == ".avif":
        ok = head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis")
    elif suffix == ".pdf":
        ok = head.startswith(b"%PDF-")
    elif suffix in _ODF_TYPE:
        # OpenDocument: the first part is `mimetype`, stored uncompressed, so its bytes sit at offset 38.
        kind = _ODF_TYPE[suffix]
        ok = head[:4] == b"PK\x03\x04" and head[30:38] == b"mimetype" and head[38 : 38 + len(kind)] == kind
    elif suffix in _OOXML_PART:
        return _not_office_open_xml(suffix, head, path)
    elif suffix == ".mp3":
        ok = head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    elif suffix in (".mp4", ".m4a"):
        ok = head[4:8] == b"ftyp"
    elif suffix == ".wav":
        ok = head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    elif suffix == ".ogg":
        ok = head.startswith(b"OggS")
    else:  # .webm
        ok = head.startswith(b"\x1a\x45\xdf\xa3")
    return None if ok else _what_it_is(head)


def _not_office_open_xml(suffix: str, head: bytes, path: Path) -> str | None:
    if head[:4] != b"PK\x03\x04":
        return _what_it_is(head)
    try:
        with zipfile.ZipFile(path) as archive:  # reads the list of parts only, never unpacks them
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "it is a damaged zip archive"
    part = _OOXML_PART[suffix]
    if "[Content_Types].xml" not in names or not any(name.startswith(part) for name in names):
        return "it is a zip archive of something else"
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return "it holds macros, which can run code on readers' computers"
    return None


def _not_plain_text(fd: int) -> str | None:
    """Text must be UTF-8 without NUL characters, and must not start as markup a browser might render."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    os.lseek(fd, 0, os.SEEK_SET)
    first = b""
    while True:
        chunk = os.read(fd, _TEXT_CHUNK)
        if not first:
            first = chunk.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            return "it is not UTF-8 text (save it as UTF-8: most programs offer it under Save As or Encoding)"
        if b"\0" in chunk:
            return "it holds NUL bytes, so it is not plain text"
        if not chunk:
            break
    if first == b"<":
        return "it starts like a web page or XML, which a browser could show as a page"
    return None


def _what_it_is(head: bytes) -> str:
    """A few words on what the first bytes show, for the message."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<script", b"<head", b"<body")):
        return "it is a web page (HTML)"
    if start.startswith((b"<svg", b"<?xml")):
        return "it is SVG or XML"
    if start.startswith(b"<"):
        return "it is markup (HTML or XML)"
    for magic, name in (
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF-", "a PDF"),
        (b"PK\x03\x04", "a zip archive"),
        (b"MZ", "a Windows program"),
        (b"\x7fELF", "a program"),
        (b"\0asm", "a WebAssembly program"),
    ):
        if head.startswith(magic):
            return f"it is {name}"
    return "its content is not that kind of file"
