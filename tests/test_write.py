"""Writing the site: swapped in whole, never into or over what must be kept."""

from __future__ import annotations

import errno
import fcntl
import shutil
from pathlib import Path

import pytest

from site_builder.errors import SiteError
from site_builder.output.write import MARKER, staged
from tests.conftest import SITES, run_main


def build(content: Path, output: Path) -> int:
    return run_main("build", "--content", str(content), "--output", str(output), "--today", "2027-01-15").code


def test_a_rebuild_replaces_the_site_whole_and_removes_pages_that_went_away(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(SITES / "small", content)
    out = tmp_path / "output"
    assert build(content, out) == 0
    assert (out / "stories" / "health-partnership" / "index.html").is_file()
    (content / "stories" / "health-partnership.md").unlink()
    assert build(content, out) == 0
    assert not (out / "stories" / "health-partnership").exists()
    assert (out / MARKER).is_file()
    # No staging folders are left beside the output, nor the site it replaced; the cache holds the content
    # files' readings and the pictures' sizes (images.py).
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".output")) == [
        ".output.cache",
        ".output.lock",
    ]
    assert sorted(p.name for p in (tmp_path / ".output.cache").iterdir()) == ["images", "sources.json"]


@pytest.mark.parametrize("output", ["content", "content/inside", ".", ".."])
def test_output_folders_that_would_overwrite_content_or_the_project_are_refused(
    output: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(SITES / "small", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    run = run_main("build", "--content", "content", "--output", output)
    assert run.code == 2
    assert run.err.startswith(f"error: refusing to use {output} as the output folder")
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_folder_the_tool_did_not_write_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    run = run_main("build", "--content", str(SITES / "small"), "--output", str(out))
    assert run.code == 2
    assert "has files this tool did not write" in run.err
    assert (out / "thesis.docx").read_text() == "years of work"


def test_a_second_build_at_the_same_time_is_told_to_wait_with_its_own_exit_status(tmp_path: Path) -> None:
    out = tmp_path / "output"
    with open(tmp_path / ".output.lock", "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        run = run_main("build", "--content", str(SITES / "small"), "--output", str(out))
    assert run.code == 75  # EX_TEMPFAIL: try again later; 1 is kept for errors in the content
    assert "another build is writing" in run.err and "nothing was changed" in run.err
    assert not out.exists()
    assert not (tmp_path / ".output.cache").exists()


def test_an_output_location_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "site").write_text("a file where a folder should be")
    run = run_main("build", "--content", str(SITES / "small"), "--output", str(tmp_path / "site" / "output"))
    assert run.code == 1
    assert run.err == f"error: cannot create {tmp_path / 'site'}: File exists\n"


def test_a_staging_folder_left_by_a_killed_build_is_cleared_next_time(tmp_path: Path) -> None:
    out = tmp_path / "output"
    leftover = tmp_path / ".output.new-abc123"
    (leftover / "events").mkdir(parents=True)
    assert build(SITES / "small", out) == 0
    assert not leftover.exists()


def test_only_files_whose_bytes_changed_are_written_again(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(SITES / "small", content)
    out = tmp_path / "output"
    assert build(content, out) == 0
    before = {p.relative_to(out): p.stat() for p in out.rglob("*") if p.is_file()}
    story = content / "stories" / "health-partnership.md"
    story.write_text(story.read_text().replace("Set up in response", "Begun in response"))
    assert build(content, out) == 0
    after = {p.relative_to(out): p.stat() for p in out.rglob("*") if p.is_file()}
    # The search index holds the body's words: its changed files are new files, named by what they hold.
    searched = sorted(str(rel) for rel in after if rel.parts[0] == "pagefind" and rel not in before)
    assert any(rel.startswith("pagefind/fragment/") for rel in searched) and len(searched) <= 6, searched
    changed = sorted(
        str(rel)
        for rel in after
        if rel.parts[0] != "pagefind"
        and (after[rel].st_ino, after[rel].st_mtime_ns) != (before[rel].st_ino, before[rel].st_mtime_ns)
    )
    assert "stories/health-partnership/index.html" in changed
    assert "feed.xml" in changed  # the story's body is in the feed
    assert "events/grants-clinic/index.html" not in changed
    assert "static/site.css" not in changed
    # The page, and the feeds that hold its body: the site's, its type's and its topic's.
    assert "topics/health-inequalities/feed.xml" in changed
    assert len(changed) <= 5, changed
    assert "Begun in response" in (out / "stories" / "health-partnership" / "index.html").read_text()


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real 2 MB file system (tmpfs), to run out of space on and to make read-only."""
    import subprocess

    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_a_clear_error_and_the_previous_site_survives(small_disk: Path) -> None:
    out = small_disk / "output"
    assert build(SITES / "small", out) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    filler = small_disk / "filler"
    with open(filler, "wb", buffering=0) as handle:  # leave far less room than a second copy of the site needs
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
    run = run_main(
        "build", "--content", str(SITES / "small"), "--output", str(out), "--today", "2027-01-15", "--no-cache"
    )
    assert run.code == 1
    assert run.err == f"error: could not write the site to {out}: the disk is full; the previous site is unchanged\n"
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in small_disk.iterdir() if p.name.startswith(".output.new-")] == []


def test_a_read_only_disk_is_a_clear_error_and_the_previous_site_survives(small_disk: Path) -> None:
    import subprocess

    out = small_disk / "output"
    assert build(SITES / "small", out) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    run = run_main(
        "build", "--content", str(SITES / "small"), "--output", str(out), "--today", "2027-01-15", "--no-cache"
    )
    assert run.code == 1
    assert "the disk is read-only; the previous site is unchanged" in run.err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_rebuilds_give_exactly_a_fresh_build_and_never_change_a_live_file(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(SITES / "small", content)
    out, fresh = tmp_path / "output", tmp_path / "fresh"
    story = content / "stories" / "health-partnership.md"
    original = story.read_text()
    edits = [original.replace("---\n\n", "---\n\nOne.\n\n", 1), None, original, original + "\nTwo.\n"]
    assert build(content, out) == 0
    for edit in edits:
        if edit is None:
            story.unlink()
        else:
            story.write_text(edit)
        live = {path: (out / path).open("rb") for path in snapshot(out)}
        seen = {path: handle.read() for path, handle in live.items()}
        assert build(content, out) == 0
        shutil.rmtree(fresh, ignore_errors=True)
        assert (
            run_main(
                "build", "--content", str(content), "--output", str(fresh), "--today", "2027-01-15", "--no-cache"
            ).code
            == 0
        )
        assert snapshot(out) == snapshot(fresh)
        # Visitors reading the old site while it was rebuilt saw no file change under them.
        for path, handle in live.items():
            handle.seek(0)
            assert handle.read() == seen[path], path
            handle.close()


def test_a_folder_of_the_live_site_replaced_by_a_link_is_never_written_through_nor_dropped(tmp_path: Path) -> None:
    """Someone (or something) swaps a section of the live site, or one file, for a link to a folder elsewhere:
    the next build writes nothing there, links nothing from there, and puts the section back."""
    out, fresh, elsewhere = tmp_path / "output", tmp_path / "fresh", tmp_path / "elsewhere"
    assert build(SITES / "small", out) == 0
    assert build(SITES / "small", fresh) == 0
    shutil.copytree(out / "stories", elsewhere)  # the same bytes, so a careless build would link them
    (elsewhere / "mine.txt").write_text("not the site's")
    outside_before = {p: (p.read_bytes(), p.stat().st_ino) for p in elsewhere.rglob("*") if p.is_file()}
    shutil.rmtree(out / "stories")
    (out / "stories").symlink_to(elsewhere, target_is_directory=True)
    (out / "index.html").unlink()
    (out / "index.html").symlink_to(elsewhere / "health-partnership" / "index.html")

    assert build(SITES / "small", out) == 0
    assert snapshot(out) == snapshot(fresh)
    assert not (out / "stories").is_symlink() and not (out / "index.html").is_symlink()
    assert {p: (p.read_bytes(), p.stat().st_ino) for p in elsewhere.rglob("*") if p.is_file()} == outside_before
    inodes = {p.stat().st_ino for p in elsewhere.rglob("*") if p.is_file()}
    assert not inodes & {p.stat().st_ino for p in out.rglob("*") if p.is_file()}  # nothing linked from outside


def test_a_cache_folder_replaced_by_a_link_is_never_written_through(tmp_path: Path) -> None:
    out, fresh, elsewhere = tmp_path / "output", tmp_path / "fresh", tmp_path / "elsewhere"
    assert build(SITES / "small", out) == 0
    assert build(SITES / "small", fresh) == 0
    shutil.move(tmp_path / ".output.cache", elsewhere)
    (tmp_path / ".output.cache").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "sources.json").write_bytes(b"site-builder cache 3\n")  # read through the link, it would be empty
    before = {p.relative_to(elsewhere): p.read_bytes() for p in elsewhere.rglob("*") if p.is_file()}
    assert build(SITES / "small", out) == 0
    assert snapshot(out) == snapshot(fresh)
    assert {p.relative_to(elsewhere): p.read_bytes() for p in elsewhere.rglob("*") if p.is_file()} == before
    assert (tmp_path / ".output.cache").is_symlink()  # left as it is: the build goes on without a cache


@pytest.mark.parametrize("inside", ["static", "templates", "content"])
def test_an_output_inside_an_input_folder_is_refused_and_nothing_is_made_anywhere(tmp_path: Path, inside: str) -> None:
    from site_builder.errors import SiteError
    from site_builder.pipeline import PACKAGE_DIR, Options, build as run_build, cache_folder

    for name in ("static", "templates"):
        shutil.copytree(PACKAGE_DIR / name, tmp_path / name)
    shutil.copytree(SITES / "small", tmp_path / "content")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    out = tmp_path / inside / "site"
    options = Options(
        content_dir=tmp_path / "content",
        output_dir=out,
        templates_dir=tmp_path / "templates",
        static_dir=tmp_path / "static",
        base=tmp_path,
        cache_dir=cache_folder(out),
        workers=1,
    )
    with pytest.raises(SiteError) as refused:
        run_build(options)
    assert refused.value.exit_code == 2
    assert f"it is inside the {inside} folder" in str(refused.value)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # no output, cache or lock


def test_a_refused_output_creates_no_cache_or_lock_beside_it(tmp_path: Path) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    run = run_main("build", "--content", str(SITES / "small"), "--output", str(out))
    assert run.code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents"]


def test_a_build_that_stops_on_content_errors_writes_nothing_not_even_the_cache(tmp_path: Path) -> None:
    content, out = tmp_path / "content", tmp_path / "output"
    shutil.copytree(SITES / "small", content)
    assert build(content, out) == 0
    site, cache = snapshot(out), (tmp_path / ".output.cache" / "sources.json").read_bytes()
    (content / "events" / "new.md").write_text("---\ntitle: New\n---\n")  # a new file, with errors
    story = content / "stories" / "health-partnership.md"
    story.write_text(story.read_text() + "\nAn edit that the cache would take.\n")
    run = run_main("build", "--content", str(content), "--output", str(out), "--today", "2027-01-15")
    assert run.code == 1
    assert run.err.endswith("Nothing was written; the previous site is unchanged.\n")
    assert snapshot(out) == site
    assert (tmp_path / ".output.cache" / "sources.json").read_bytes() == cache
    assert sorted(p.name for p in tmp_path.iterdir()) == [".output.cache", ".output.lock", "content", "output"]

    shutil.rmtree(tmp_path / ".output.cache")
    shutil.rmtree(out)
    (tmp_path / ".output.lock").unlink()
    run = run_main("build", "--content", str(content), "--output", str(out), "--today", "2027-01-15")
    assert run.code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content"]


def test_a_large_replaced_site_is_removed_after_the_build_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Removing ten thousand replaced files is left to a detached process; the site is whole meanwhile, and
    the folder goes (or the next build removes what is left of it)."""
    import time

    from site_builder.output import write

    monkeypatch.setattr(write, "BACKGROUND_REMOVAL", 5)
    out, fresh = tmp_path / "output", tmp_path / "fresh"
    assert build(SITES / "small", fresh) == 0
    assert build(SITES / "small", out) == 0
    assert build(SITES / "small", out) == 0
    assert snapshot(out) == snapshot(fresh)
    for _ in range(600):  # the detached process's work: wait for it, up to a minute
        if not list(tmp_path.glob(".output.old-*")):
            break
        time.sleep(0.1)
    assert not list(tmp_path.glob(".output.old-*")) and not list(tmp_path.glob(".output.new-*"))
    assert build(SITES / "small", out) == 0 and snapshot(out) == snapshot(fresh)


def test_an_error_of_what_runs_inside_the_staging_is_not_taken_for_a_failure_to_write_the_site(tmp_path: Path) -> None:
    # Pagefind's binary missing was once reported as "could not write the site to OUTPUT". The error comes out
    # as it was, its cause kept for --debug, and nothing is written.
    with pytest.raises(OSError) as caught:
        with staged(tmp_path / "out"):
            try:
                raise ValueError("the cause")
            except ValueError as exc:
                raise OSError(errno.EIO, "Input/output error") from exc
    assert not isinstance(caught.value, SiteError) and caught.value.errno == errno.EIO
    assert isinstance(caught.value.__cause__, ValueError)
    assert not (tmp_path / "out").exists() and list(tmp_path.iterdir()) == [tmp_path / ".out.lock"]
