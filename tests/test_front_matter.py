"""Front matter is read as the editor meant it: YAML 1.1 surprises are caught, not trusted."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Scratch


def page_html(scratch: Scratch, slug: str) -> str:
    return (scratch.root / "output" / slug / "index.html").read_text()


def test_words_yaml_would_read_as_booleans_or_numbers_stay_text(scratch: Scratch) -> None:
    scratch.write("pages/norway.md", """
        ---
        title: no
        summary: 10:30
        ---
        """)
    run = scratch.build()
    assert run.code == 0, run.err
    html = page_html(scratch, "norway")
    assert "<h1>no</h1>" in html
    assert '<meta name="description" content="10:30">' in html


def test_quoted_hash_is_kept_and_a_comment_on_its_own_line_is_fine(scratch: Scratch) -> None:
    scratch.write("pages/update.md", """
        ---
        # A comment line is allowed
        title: "Update #2"
        summary: 'Issue #3 of the newsletter'
        ---
        """)
    assert scratch.build().code == 0
    assert "<h1>Update #2</h1>" in page_html(scratch, "update")


def test_every_accepted_way_of_writing_a_start_time_means_the_same_instant(scratch: Scratch) -> None:
    forms = ["2027-03-04T18:00:00", "2027-03-04 18:00", "'2027-03-04 18:00'", '"2027-03-04T18:00:00+00:00"',
             "2027-03-04T18:00:00Z"]
    for n, form in enumerate(forms):
        scratch.write(f"events/e{n}.md", f"""
            ---
            title: Event {n}
            summary: The same time written another way.
            start: {form}
            end: 2027-03-04 19:00
            format: online
            ---
            """)
    run = scratch.build()
    assert run.code == 0, run.err
    for n in range(len(forms)):
        html = (scratch.root / "output" / "events" / f"e{n}" / "index.html").read_text()
        assert '<time datetime="2027-03-04T18:00+00:00">Thursday 4 March 2027, 6pm to 7pm</time>' in html


def test_an_offset_is_honoured_and_shown_in_the_site_time_zone(scratch: Scratch) -> None:
    scratch.write("events/abroad.md", """
        ---
        title: From abroad
        summary: Given in Central European Summer Time.
        start: 2027-07-01T19:00:00+02:00
        end: 2027-07-01T20:30:00+02:00
        format: online
        ---
        """)
    assert scratch.build().code == 0
    html = (scratch.root / "output" / "events" / "abroad" / "index.html").read_text()
    assert "Thursday 1 July 2027, 6pm to 7:30pm" in html


def test_byte_order_marks_and_windows_line_endings_are_read_normally(scratch: Scratch) -> None:
    scratch.write_bytes("pages/windows.md", "\ufeff---\r\ntitle: Café\r\nsummary: Saved on Windows.\r\n"
                        "colour: red\r\n---\r\n\r\nBody.\r\n".encode("utf-8"))
    run = scratch.build()
    assert run.code == 0
    # Line numbers still count from the opening ---.
    assert run.err_lines[0].startswith("content/pages/windows.md:4: warning: colour:")
    assert "<h1>Café</h1>" in page_html(scratch, "windows")


def test_every_problem_in_every_file_is_reported_in_one_run(scratch: Scratch) -> None:
    scratch.write("events/one.md", "---\ntitle: One\nsummary: x\nstart: 2027-01-01 25:00\nend: 2027-01-01\n"
                  "format: online\n---\n")
    scratch.write("stories/two.md", "---\ntitle: Two\nsummary: y\n---\n\n![](media/none.png)\n")
    scratch.write("pages/three.md", "---\ntitle: [Three\n---\n")
    run = scratch.check()
    assert run.code == 1
    assert [line.split(":")[0] + ":" + line.split(":")[1] for line in run.err_lines[:-1]] == [
        "content/events/one.md:4", "content/pages/three.md:2", "content/stories/two.md:1",
        "content/stories/two.md:6", "content/stories/two.md:6"]
    assert run.err_lines[-1] == "5 errors"


def test_content_is_never_modified_by_a_build(scratch: Scratch) -> None:
    path = scratch.write("pages/about.md", "---\ntitle: About\nsummary: Us.\n---\nBody\n")
    before = path.read_bytes(), path.stat().st_mtime_ns
    assert scratch.build().code == 0
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_unknown_folders_and_stray_files_are_pointed_out(scratch: Scratch, tmp_path: Path) -> None:
    scratch.write("event/typo.md", "---\ntitle: A\nsummary: B\n---\n")
    scratch.write("events/notes.txt", "notes")
    run = scratch.check()
    assert run.code == 0
    assert run.err_lines[:2] == [
        "content/event: warning: folder 'event' is not a content type and is ignored (expected events, series, "
        "clusters, offers, stories, resources, pages or media; did you mean 'events'?)",
        "content/events/notes.txt: warning: this file is ignored (expected only .md files here; put other files "
        "in media/)",
    ]
