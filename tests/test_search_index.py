"""The search index: Pagefind's, made in the build from the item pages, byte for byte the same each time, and
the Content-Security-Policy widened for it on the search page alone."""

from __future__ import annotations

import errno
import gzip
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Iterator

import pytest

from site_builder.errors import SiteError
from site_builder.output import search
from site_builder.dev.serve import headers_for
from site_builder.pipeline import PACKAGE_DIR, Options, build as build_site
from tests.conftest import run_main
from tests.search_site import TODAY, write_search_site


def build(tmp_path: Path, name: str, *extra: str) -> Path:
    content = write_search_site(tmp_path / f"{name}-content")
    out = tmp_path / name / "output"
    run = run_main("build", "--content", str(content), "--output", str(out), "--today", TODAY, *extra)
    assert run.code == 0, run.err
    return out


def index_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / "pagefind").rglob("*")) if p.is_file()}


def test_the_same_content_gives_the_same_index_bytes(tmp_path: Path) -> None:
    first, second = index_of(build(tmp_path, "first")), index_of(build(tmp_path, "second", "--jobs", "1"))
    assert first == second
    assert "pagefind/pagefind.js" in first and any(p.startswith("pagefind/fragment/") for p in first)
    assert not (tmp_path / "first" / "output" / "search-index.json").exists()  # the old index is retired


def test_every_item_page_is_indexed_and_nothing_else(tmp_path: Path) -> None:
    out = build(tmp_path, "site")
    entry = json.loads((out / "pagefind" / "pagefind-entry.json").read_bytes())
    (language,) = entry["languages"].values()
    assert language["page_count"] == 7  # four events, a story, a resource, a page: not lists, home or search
    for path in out.rglob("*.html"):
        text = path.read_text()
        own = path.parent.parent.name in ("events", "stories", "resources") or path.parent.name == "about"
        own = own and path.parent.name not in ("past", "events") and not path.parent.name.isdigit()
        assert ("data-pagefind-body" in text) == own, path
    # Filters, the date in words and the sort key are in an event's page for Pagefind to read.
    event = (out / "events" / "garden-evening" / "index.html").read_text()
    assert '<span data-pagefind-filter="type" data-pagefind-meta="type">Event</span>' in event
    assert '<span data-pagefind-filter="topic">Planning</span>' in event
    assert '<span data-pagefind-meta="date">Wednesday 7 April 2027, 6pm to 7:30pm</span>' in event
    assert '<span data-pagefind-meta="status">Fully booked</span>' in event
    assert '<span data-pagefind-sort="upcoming">a 2027-04-07T18:00</span>' in event
    past = (out / "events" / "garden-last-year" / "index.html").read_text()
    assert re.search(r'data-pagefind-sort="upcoming">b \d{4}-\d\d-\d\dT\d\d:\d\d<', past)
    # What is around the main content is not indexed.
    assert '<header class="site-header" data-pagefind-ignore>' in event
    assert '<footer class="site-footer" data-pagefind-ignore>' in event


def policy(page: Path) -> str:
    text = page.read_text()
    return html.unescape(re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text)[1])


def test_only_the_search_page_may_compile_webassembly(tmp_path: Path) -> None:
    out = build(tmp_path, "site")
    assert "script-src 'self' 'wasm-unsafe-eval';" in policy(out / "search" / "index.html")
    for page in out.rglob("*.html"):
        if page.parent.name != "search":
            assert "wasm" not in policy(page), page
    # What a static host sends: the site-wide header allows what search needs, and each page's own <meta>
    # narrows it, so no rule has to remove a policy for /search/ (Cloudflare Pages' "! Name", which
    # Netlify does not read), and wherever both hosts send two policies, each allows search.
    headers = (out / "_headers").read_text()
    assert "!" not in headers
    rules = dict(re.findall(r"^(/\S*)\n((?:  .*\n?)+)", headers, re.M))
    assert list(rules) == ["/*", "/media/*"]
    assert "script-src 'self' 'wasm-unsafe-eval';" in rules["/*"] and "frame-ancestors 'none'" in rules["/*"]
    for path in ("/search/", "/pagefind/pagefind-worker.js", "/events/garden-evening/"):
        (sent,) = [value for name, value in headers_for(path, headers) if name == "Content-Security-Policy"]
        assert "script-src 'self' 'wasm-unsafe-eval';" in sent, path


def test_a_page_the_sites_own_templates_mark_searchable_is_indexed_too(tmp_path: Path) -> None:
    # Item pages are indexed first and every other page after, while Pagefind builds the index; a page of
    # the second kind that a site's own template marks with data-pagefind-body is still found.
    content = write_search_site(tmp_path / "content")
    templates = tmp_path / "templates"
    shutil.copytree(PACKAGE_DIR / "templates", templates)
    base = (templates / "base.html").read_text()
    marked = base.replace(
        "{% if item is defined %} data-pagefind-body{% endif %}",
        "{% if item is defined or page.url == '/' %} data-pagefind-body{% endif %}",
    )
    assert marked != base
    (templates / "base.html").write_text(marked)
    for workers in (1, 2):
        out = tmp_path / f"output-{workers}"
        result = build_site(
            Options(
                content_dir=content,
                output_dir=out,
                today=date.fromisoformat(TODAY),
                templates_dir=templates,
                base=tmp_path,
                workers=workers,
            )
        )
        assert not [p for p in result.problems if p.is_error]
        entry = json.loads((out / "pagefind" / "pagefind-entry.json").read_bytes())
        (language,) = entry["languages"].values()
        assert language["page_count"] == 8  # the seven item pages and the home page
    assert index_of(tmp_path / "output-1") == index_of(tmp_path / "output-2")


def test_the_index_is_the_one_pagefind_makes_from_the_published_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The build gives Pagefind only the main content of each item's page, made alone (`index_only`), without
    # the elements marked data-pagefind-ignore that hold nothing else it reads (the related items, an
    # event's calendar links): the index is byte for byte the one made from the pages as published.
    out = build(tmp_path, "site")
    published = searchable_pages(out)
    assert len(published) == 7
    monkeypatch.setattr(search, "_unread", lambda html: html)
    assert index_written_in(sorted(published), published) == index_of(out)


def test_what_every_event_page_says_is_not_indexed(tmp_path: Path) -> None:
    # The link to the event's month ("March 2027 on a calendar") and its calendar links are on every event's
    # page: indexed, a search for "calendar" would find every event.
    out = build(tmp_path, "site")
    fragments = [
        json.loads(gzip.decompress(path.read_bytes())[len(search.SIGNATURE) :])
        for path in sorted((out / "pagefind" / "fragment").glob("*.pf_fragment"))
    ]
    events = [fragment for fragment in fragments if fragment["url"].startswith("/events/")]
    assert len(events) == 4 and all("When" in event["content"] for event in events)
    assert not [event["url"] for event in events if "calendar" in event["content"].lower()]


def searchable_pages(out: Path) -> dict[str, bytes]:
    pages = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.html"))}
    return {path: page for path, page in pages.items() if search.MARK in page}


def index_written_in(order: list[str], pages: dict[str, bytes]) -> dict[str, bytes]:
    with search.Indexer() as index:
        index.prepare(0, pages)
        for path in order:
            assert search.keep(index.batch(0), path, pages[path])
        index.add(0)
        return index.files(len(pages))


def test_the_order_the_workers_write_the_pages_in_does_not_change_the_index(tmp_path: Path) -> None:
    # Pagefind numbers the pages in the order it finds them in its folder, which on a tmpfs or btrfs is the
    # order they were made in: the workers race, so the index changed from build to build until the
    # folders were made first, in order (search.Indexer).
    pages = searchable_pages(build(tmp_path, "site"))
    assert len(pages) == 7
    assert index_written_in(sorted(pages, reverse=True), pages) == index_written_in(sorted(pages), pages)


@pytest.mark.parametrize("how", ["nearly full", "full"])
def test_pages_that_find_the_folder_in_memory_full_are_indexed_from_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    pages = searchable_pages(build(tmp_path, "site"))
    with search.Indexer() as index:
        index.prepare(0, pages)
        batch = index.batch(0)
        if batch.spill is None:
            pytest.skip(f"no memory file system at {search.MEMORY} here: the pages are on disk already")
        written = search._write
        if how == "nearly full":
            monkeypatch.setattr(search, "_has_room", lambda folder, size: False)
        else:

            def fills_up(target: str, data: bytes) -> None:
                if target.startswith(batch.folder + "/events/"):  # the events, not the other pages
                    written(target, data[:100])
                    raise OSError(errno.ENOSPC, "No space left on device")
                written(target, data)

            monkeypatch.setattr(search, "_write", fills_up)
        for path in pages:
            assert search.keep(batch, path, pages[path])
        in_memory = {p.relative_to(batch.folder).as_posix() for p in Path(batch.folder).rglob("*.html")}
        on_disk = {p.relative_to(batch.spill).as_posix() for p in Path(batch.spill).rglob("*.html")}
        assert in_memory | on_disk == set(pages) and not in_memory & on_disk  # no page lost, none half-written
        assert {path for path in on_disk if path.startswith("events/")} == {p for p in pages if p.startswith("events/")}
        index.add(0)
        files = index.files(len(pages))
    (language,) = json.loads(files["pagefind/pagefind-entry.json"])["languages"].values()
    assert language["page_count"] == len(pages)


def test_which_pages_find_the_folder_in_memory_full_does_not_change_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Which pages go to disk depends on which worker wrote first as the memory filled up. Pagefind read the
    # pages in memory, then those on disk: the order of the pages, and so the index, changed from build to
    # build, and from a build with room for them all, until the pages of a batch that spilled were given to
    # Pagefind in the order it reads a folder in memory.
    pages = searchable_pages(build(tmp_path, "site"))

    def index_spilling_after(room: int, order: list[str]) -> dict[str, bytes]:
        with search.Indexer() as index:
            index.prepare(0, pages)
            batch = index.batch(0)
            if batch.spill is None:
                pytest.skip(f"no memory file system at {search.MEMORY} here: the pages are on disk already")
            left = iter(range(room))
            with monkeypatch.context() as patch:
                patch.setattr(search, "_has_room", lambda folder, size: next(left, None) is not None)
                for path in order:
                    assert search.keep(batch, path, pages[path])
            assert Path(batch.spill).is_dir() == (room < len(pages))
            index.add(0)
            return index.files(len(pages))

    with_room = index_spilling_after(len(pages), sorted(pages))
    assert index_spilling_after(2, sorted(pages)) == with_room
    assert index_spilling_after(5, sorted(pages, reverse=True)) == with_room


def test_a_temporary_folder_that_is_full_is_reported_as_that_and_the_site_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = write_search_site(tmp_path / "content")
    out = tmp_path / "output"
    assert run_main("build", "--content", str(content), "--output", str(out), "--today", TODAY).code == 0
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    def disk_full(target: str, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", target)

    monkeypatch.setattr(search, "MEMORY", str(tmp_path / "no-memory-file-system"))
    monkeypatch.setattr(search, "_write", disk_full)
    run = run_main("build", "--content", str(content), "--output", str(out), "--today", TODAY, "--jobs", "1")
    assert run.code != 0
    assert "could not write the pages for the search index into" in run.err and "the disk is full" in run.err
    assert "TMPDIR" in run.err and "internal error" not in run.err and "Traceback" not in run.err
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before


@pytest.mark.parametrize("binary", ["missing", "stops"])
def test_a_pagefind_that_cannot_start_or_stops_is_reported_and_the_site_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, binary: str
) -> None:
    content = write_search_site(tmp_path / "content")
    out = tmp_path / "output"
    assert run_main("build", "--content", str(content), "--output", str(out), "--today", TODAY).code == 0
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    fake = tmp_path / "pagefind"
    if binary == "stops":
        fake.write_text("#!/bin/sh\necho 'memory allocation failed' >&2\nexit 1\n")
        fake.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake))
    run = run_main("build", "--content", str(content), "--output", str(out), "--today", TODAY)
    assert run.code == 3
    said = {
        "missing": f"could not start Pagefind ({fake}): No such file or directory",
        "stops": "Pagefind stopped while indexing the site: memory allocation failed",
    }
    assert said[binary] in run.err
    assert "internal error" not in run.err and "could not write the site" not in run.err
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before


def test_a_request_to_a_pagefind_that_no_longer_reads_is_reported_as_pagefind_stopping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Writing to it fails (a broken pipe), which the command line would take for its own reader going away
    # and end quietly.
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\nexec 0<&-\necho closed\nexec sleep 5\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake))
    with search.Service() as service:
        assert os.read(service.stdout, 100) == b"closed\n"
        with pytest.raises(SiteError, match="^Pagefind stopped while indexing the site$"):
            service.send({"type": "NewIndex", "config": {}})
        service.process.kill()


HOLD_LOCK = (
    "import fcntl, os, sys, time; handle = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
    " fcntl.flock(handle, fcntl.LOCK_EX); print('held', flush=True); time.sleep(120)"
)


def test_a_later_build_frees_the_memory_that_a_killed_builds_pages_held() -> None:
    # A build holds its scratch folder's lock while it runs, and the system lets go of it when the build
    # ends, however it ends. No process id is looked at: a build in another container sharing /dev/shm has
    # one this process cannot see.
    if not os.path.isdir(search.MEMORY):
        pytest.skip(f"no memory file system at {search.MEMORY} here")
    folders = {
        name: Path(search.MEMORY, f"{search.SCRATCH}test-{name}")
        for name in ("killed", "running", "starting", "never-locked")
    }
    holders = []
    try:
        for folder in folders.values():
            (folder / "0" / "events").mkdir(parents=True)
        for name in ("killed", "running"):
            holder = subprocess.Popen(
                [sys.executable, "-c", HOLD_LOCK, str(folders[name] / search.IN_USE)], stdout=subprocess.PIPE
            )
            holders.append(holder)
            assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        holders[0].kill()
        holders[0].wait()
        long_ago = time.time() - 600
        for name in ("killed", "running", "never-locked"):
            for path in (folders[name], folders[name] / search.IN_USE):
                if path.exists():
                    os.utime(path, (long_ago, long_ago))
        with search.Indexer():
            assert not folders["killed"].exists()  # its build was killed with the lock held
            assert not folders["never-locked"].exists()  # killed before it took the lock
            assert folders["running"].exists()  # its build is still running, for however long
            assert folders["starting"].exists()  # made a moment ago: its build may not have taken the lock yet
    finally:
        for holder in holders:
            holder.kill()
            holder.wait()
        for folder in folders.values():
            shutil.rmtree(folder, ignore_errors=True)


def test_a_scratch_folder_removed_while_a_build_looks_at_it_is_passed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    # Another build removed it between the listing and the look: the error sent this build's pages to disk.
    if not os.path.isdir(search.MEMORY):
        pytest.skip(f"no memory file system at {search.MEMORY} here")
    removed = Path(search.MEMORY, f"{search.SCRATCH}test-removed-meanwhile")
    removed.mkdir()
    listing = os.scandir

    class Listed:
        def __init__(self, entries: list[os.DirEntry[str]]):
            self.entries = entries

        def __enter__(self) -> Iterator[os.DirEntry[str]]:
            return iter(self.entries)

        def __exit__(self, *_: object) -> None:
            return None

    def listed_then_removed(parent: str) -> Listed:
        monkeypatch.setattr(os, "scandir", listing)
        with listing(parent) as entries:
            listed = list(entries)
        shutil.rmtree(removed)
        return Listed(listed)

    monkeypatch.setattr(os, "scandir", listed_then_removed)
    folder = search._scratch_folder()
    try:
        assert search._in_memory(folder)
    finally:
        folder.cleanup()
        shutil.rmtree(removed, ignore_errors=True)


def test_an_ignored_element_is_left_out_only_when_pagefind_reads_nothing_in_it() -> None:
    page = (
        b'<main data-pagefind-body><div hidden data-pagefind-ignore><span data-pagefind-filter="type">Event</span>'
        b'</div><p>kept</p><div class="links" data-pagefind-ignore><div><div>nested</div></div><p>x</p></div>'
        b'<p>also kept</p><section data-pagefind-ignore="all"><h2>Related</h2></section>'
        b'<div data-pagefind-ignore data-pagefind-meta="status">Full</div><li data-pagefind-ignore>no end'
    )
    assert search._unread(page) == (
        b'<main data-pagefind-body><div hidden data-pagefind-ignore><span data-pagefind-filter="type">Event</span>'
        b"</div><p>kept</p><p>also kept</p>"
        b'<div data-pagefind-ignore data-pagefind-meta="status">Full</div><li data-pagefind-ignore>no end'
    )


def test_the_build_runs_the_pagefind_binary_that_pagefinds_own_package_would() -> None:
    from pagefind.service import get_executable

    assert search.executable() == get_executable()
