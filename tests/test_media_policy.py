"""media/ publishes only the kinds of file a programme publishes, each recognised by its content; anything
that could be script on the site's origin is an error naming the file and the fix (SECURITY.md, "Media")."""

from __future__ import annotations

import io
import re
import os
import socket
import zipfile
from pathlib import Path

import pytest

from site_builder.output.images import is_image
from site_builder.content.media_policy import ALLOWED, check_media
from tests.conftest import Scratch

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8ffff3f0005fe02fea7d6a4a40000000049454e44ae426082"
)


def office_open_xml(part: str, macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{part}/document.xml", "<document/>")
        if macros:
            archive.writestr(f"{part}/vbaProject.bin", b"\0macro")
    return buffer.getvalue()


def open_document(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), f"application/vnd.oasis.opendocument.{kind}")
        archive.writestr("content.xml", "<office:document-content/>", compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# A small real example of every kind media/ may hold.
GOOD = {
    "images/hall.png": PNG,
    "images/hall.jpg": b"\xff\xd8\xff\xe0\0\x10JFIF\0",
    "images/photo.JPEG": b"\xff\xd8\xff\xe1\0\x10Exif\0",
    "images/hall.gif": b"GIF89a\x01\0\x01\0",
    "images/hall.webp": b"RIFF\x1a\0\0\0WEBPVP8 ",
    "images/hall.avif": b"\0\0\0\x1cftypavif\0\0\0\0",
    "files/plan.pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    "files/plan.docx": office_open_xml("word"),
    "files/budget.xlsx": office_open_xml("xl"),
    "files/slides.pptx": office_open_xml("ppt"),
    "files/plan.odt": open_document("text"),
    "files/budget.ods": open_document("spreadsheet"),
    "files/slides.odp": open_document("presentation"),
    "files/figures.csv": "area,people\nHull,30\nCafé,4\n".encode(),
    "files/notes.txt": "\ufeffNotes from the meeting.\n".encode(),
    "audio/talk.mp3": b"ID3\x04\0\0\0\0\0\0",
    "audio/talk.m4a": b"\0\0\0\x20ftypM4A \0\0\0\0",
    "audio/talk.wav": b"RIFF\x24\0\0\0WAVEfmt ",
    "audio/talk.ogg": b"OggS\0\x02",
    "video/walk.mp4": b"\0\0\0\x18ftypmp42\0\0\0\0",
    "video/walk.webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86",
}

FIX_KIND = "save or export it again in that format, or give it the name of what it is"
# What is refused, and the exact message (after the file's path).
BAD = {
    "page.html": (
        b"<html><script>alert(1)</script></html>",
        "this file cannot be published: a web page here "
        "would be published as part of the site (expected a Markdown page in pages/)",
    ),
    "page.htm": (
        b"<p>hi</p>",
        "this file cannot be published: a web page here would be published as part of "
        "the site (expected a Markdown page in pages/)",
    ),
    "page.xhtml": (
        b"<html/>",
        "this file cannot be published: a web page here would be published as part of "
        "the site (expected a Markdown page in pages/)",
    ),
    "app.js": (
        b"alert(1)",
        "this file cannot be published: a script here would run as part of the site (expected no scripts in content)",
    ),
    "app.mjs": (
        b"export {}",
        "this file cannot be published: a script here would run as part of the site (expected no scripts in content)",
    ),
    "data.xml": (
        b"<x/>",
        "this file cannot be published: an XML file can be shown as a web page, script and "
        "all (expected it as PDF or CSV)",
    ),
    "logo.svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "this file cannot be published: an SVG image can carry script that would run on the site "
        "(expected it exported as PNG)",
    ),
    "prog.wasm": (
        b"\0asm\x01\0\0\0",
        "this file cannot be published: a program here would run as part of the site (expected no programs in content)",
    ),
    "macro.docm": (
        office_open_xml("word", macros=True),
        "this file cannot be published: an Office file with "
        "macros can run code on readers' computers (expected it saved as .docx)",
    ),
    "setup.exe": (
        b"MZ\x90\0",
        "'.exe' files are not published from media/ (expected one of "
        ".avif, .csv, .docx, .gif, .jpeg, .jpg, .m4a, .mp3, .mp4, .odp, .ods, .odt, .ogg, .pdf, .png, "
        ".pptx, .txt, .wav, .webm, .webp, .xlsx; export it as one of those, or remove it)",
    ),
    "README": (
        b"notes",
        "files without an extension are not published from media/ (expected one of "
        ".avif, .csv, .docx, .gif, .jpeg, .jpg, .m4a, .mp3, .mp4, .odp, .ods, .odt, .ogg, .pdf, .png, "
        ".pptx, .txt, .wav, .webm, .webp, .xlsx; export it as one of those, or remove it)",
    ),
    "fake.png": (
        b"<!DOCTYPE html><script>alert(1)</script>",
        f"this file is named as a PNG image but it is a web page (HTML) (expected a PNG image: {FIX_KIND})",
    ),
    "fake.jpg": (
        b"<svg onload=alert(1)>",
        f"this file is named as a JPEG image but it is SVG or XML (expected a JPEG image: {FIX_KIND})",
    ),
    "fake.pdf": (PNG, f"this file is named as a PDF but it is a PNG image (expected a PDF: {FIX_KIND})"),
    "fake.gif": (
        b"\x7fELF\x02",
        f"this file is named as a GIF image but it is a program (expected a GIF image: {FIX_KIND})",
    ),
    "fake.docx": (
        b"%PDF-1.4",
        f"this file is named as a Word document but it is a PDF (expected a Word document: {FIX_KIND})",
    ),
    "wrong.docx": (
        office_open_xml("xl"),
        "this file is named as a Word document but it is a zip archive of "
        f"something else (expected a Word document: {FIX_KIND})",
    ),
    "macros.docx": (
        office_open_xml("word", macros=True),
        "this file is named as a Word document but it holds "
        "macros, which can run code on readers' computers (expected a Word document: "
        f"{FIX_KIND})",
    ),
    "broken.xlsx": (
        b"PK\x03\x04broken",
        "this file is named as an Excel workbook but it is a damaged zip "
        f"archive (expected an Excel workbook: {FIX_KIND})",
    ),
    "wrong.odt": (
        open_document("spreadsheet"),
        "this file is named as an OpenDocument text but it is a zip "
        f"archive (expected an OpenDocument text: {FIX_KIND})",
    ),
    "page.txt": (
        b"  <html><script>alert(1)</script>",
        "this file is named as a plain text file but it starts "
        "like a web page or XML, which a browser could show as a page (expected a plain text file: "
        f"{FIX_KIND})",
    ),
    "nul.txt": (
        b"text\0more",
        "this file is named as a plain text file but it holds NUL bytes, so it is not "
        f"plain text (expected a plain text file: {FIX_KIND})",
    ),
    "latin.csv": (
        "a,b\ncafé,1\n".encode("latin-1"),
        "this file is named as a CSV table but it is not UTF-8 "
        "text (save it as UTF-8: most programs offer it under Save As or Encoding) (expected a CSV "
        f"table: {FIX_KIND})",
    ),
    "empty.mp3": (
        b"",
        f"this file is named as an MP3 recording but its content is not that kind of file "
        f"(expected an MP3 recording: {FIX_KIND})",
    ),
}


def test_every_allowed_kind_has_an_example_here() -> None:
    assert {Path(rel).suffix.lower() for rel in GOOD} == set(ALLOWED)


def test_every_allowed_kind_with_its_own_content_is_published(scratch: Scratch) -> None:
    for rel, data in GOOD.items():
        scratch.write_bytes(f"media/{rel}", data)
    run = scratch.build()
    assert run.code == 0, run.err
    for rel, data in GOOD.items():
        published = scratch.root / "output" / "media" / rel
        if is_image(rel):  # a picture's upload is never published, only what images.py makes of it
            assert not published.exists(), rel
        else:
            assert published.read_bytes() == data


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_refused_file_is_an_error_naming_it_and_the_fix(scratch: Scratch, name: str) -> None:
    data, message = BAD[name]
    scratch.write_bytes(f"media/{name}", data)
    run = scratch.check()
    assert run.code == 1
    assert run.err_lines[:-1] == [f"content/media/{name}: {message}"]
    assert scratch.build().code == 1
    assert not (scratch.root / "output").exists()


def test_check_media_is_the_same_rule_for_any_stage_that_calls_it(tmp_path: Path) -> None:
    good, bad = tmp_path / "hall.png", tmp_path / "hall2.png"
    good.write_bytes(PNG)
    bad.write_bytes(b"<html>")
    assert check_media(good) is None
    problem = check_media(bad, "media/hall2.png")
    assert problem is not None and problem.is_error
    assert str(problem) == (
        "media/hall2.png: this file is named as a PNG image but it is a web page (HTML) "
        f"(expected a PNG image: {FIX_KIND})"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_a_fifo_in_media_is_an_error_and_never_opened(scratch: Scratch) -> None:
    (scratch.content / "media").mkdir()
    os.mkfifo(scratch.content / "media" / "stream.png")  # opening it to read would block the build
    run = scratch.check()
    assert run.code == 1
    assert run.err_lines[:-1] == [
        "content/media/stream.png: this is not a file but a pipe, socket or device, "
        "which the build never reads (expected a plain file)"
    ]


def test_the_headers_make_every_media_file_a_download_that_runs_nothing(scratch: Scratch) -> None:
    scratch.write_bytes("media/files/plan.pdf", GOOD["files/plan.pdf"])
    assert scratch.build().code == 0
    headers = (scratch.root / "output" / "_headers").read_text()
    media = headers[headers.index("\n/media/*\n") + 1 :].split("\n\n")[0]
    assert media.splitlines()[1:] == [
        "  Content-Disposition: attachment",
        "  X-Content-Type-Options: nosniff",
        "  Content-Security-Policy: default-src 'none'; sandbox",
    ]


def test_a_socket_named_like_a_content_file_is_an_error(scratch: Scratch, tmp_path: Path) -> None:
    (scratch.content / "pages").mkdir()
    path = scratch.content / "pages" / "about.md"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        run = scratch.check()
    finally:
        server.close()
    assert run.code == 1
    assert run.err_lines[:-1] == [
        "content/pages/about.md: this is not a file but a pipe, socket or device, "
        "which the build never reads (expected a plain file)"
    ]


def test_the_editors_guide_lists_exactly_the_kinds_media_may_hold() -> None:
    guide = (Path(__file__).resolve().parent.parent / "docs" / "editors-guide.md").read_text()
    table = guide[guide.index("| kind | names ending in |") :].split("\n\n")[0]
    assert set(re.findall(r"`(\.[a-z0-9]+)`", table)) == set(ALLOWED)


def test_a_link_in_media_to_nothing_says_so(scratch: Scratch) -> None:
    (scratch.content / "media").mkdir()
    (scratch.content / "media" / "gone.png").symlink_to(scratch.content / "media" / "nothing.png")
    run = scratch.check()
    assert run.code == 1
    assert run.err_lines[:-1] == [
        "content/media/gone.png: this is a link to a file that does not exist (expected the file itself, copied in)"
    ]
