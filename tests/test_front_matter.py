"""Front matter is read as the editor meant it: YAML 1.1 surprises are caught, not trusted."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import Scratch


def page_html(scratch: Scratch, slug: str) -> str:
    return (scratch.root / "output" / slug / "index.html").read_text()


def test_words_yaml_would_read_as_booleans_or_numbers_stay_text(scratch: Scratch) -> None:
    scratch.write(
        "pages/norway.md",
        """
        ---
        title: no
        summary: 10:30
        ---
        """,
    )
    run = scratch.build()
    assert run.code == 0, run.err
    html = page_html(scratch, "norway")
    assert "<h1>no</h1>" in html
    assert '<meta name="description" content="10:30">' in html


def test_quoted_hash_is_kept_and_a_comment_on_its_own_line_is_fine(scratch: Scratch) -> None:
    scratch.write(
        "pages/update.md",
        """
        ---
        # A comment line is allowed
        title: "Update #2"
        summary: 'Issue #3 of the newsletter'
        ---
        """,
    )
    assert scratch.build().code == 0
    assert "<h1>Update #2</h1>" in page_html(scratch, "update")


def test_every_accepted_way_of_writing_a_start_time_means_the_same_instant(scratch: Scratch) -> None:
    forms = [
        "2027-03-04T18:00:00",
        "2027-03-04 18:00",
        "'2027-03-04 18:00'",
        '"2027-03-04T18:00:00+00:00"',
        "2027-03-04T18:00:00Z",
    ]
    for n, form in enumerate(forms):
        scratch.write(
            f"events/e{n}.md",
            f"""
            ---
            title: Event {n}
            summary: The same time written another way.
            start: {form}
            end: 2027-03-04 19:00
            format: online
            ---
            """,
        )
    run = scratch.build()
    assert run.code == 0, run.err
    for n in range(len(forms)):
        html = (scratch.root / "output" / "events" / f"e{n}" / "index.html").read_text()
        assert '<time datetime="2027-03-04T18:00+00:00">Thursday 4 March 2027, 6pm to 7pm</time>' in html


def test_an_offset_is_honoured_and_shown_in_the_site_time_zone(scratch: Scratch) -> None:
    scratch.write(
        "events/abroad.md",
        """
        ---
        title: From abroad
        summary: Given in Central European Summer Time.
        start: 2027-07-01T19:00:00+02:00
        end: 2027-07-01T20:30:00+02:00
        format: online
        ---
        """,
    )
    assert scratch.build().code == 0
    html = (scratch.root / "output" / "events" / "abroad" / "index.html").read_text()
    assert "Thursday 1 July 2027, 6pm to 7:30pm" in html


def test_byte_order_marks_and_windows_line_endings_are_read_normally(scratch: Scratch) -> None:
    scratch.write_bytes(
        "pages/windows.md",
        "\ufeff---\r\ntitle: Café\r\nsummary: Saved on Windows.\r\ncolour: red\r\n---\r\n\r\nBody.\r\n".encode("utf-8"),
    )
    run = scratch.build()
    assert run.code == 0
    # Line numbers still count from the opening ---.
    assert run.err_lines[0].startswith("content/pages/windows.md:4: warning: colour:")
    assert "<h1>Café</h1>" in page_html(scratch, "windows")


def test_every_problem_in_every_file_is_reported_in_one_run(scratch: Scratch) -> None:
    scratch.write(
        "events/one.md", "---\ntitle: One\nsummary: x\nstart: 2027-01-01 25:00\nend: 2027-01-01\nformat: online\n---\n"
    )
    scratch.write("stories/two.md", "---\ntitle: Two\nsummary: y\n---\n\n![](media/none.png)\n")
    scratch.write("pages/three.md", "---\ntitle: [Three\n---\n")
    run = scratch.check()
    assert run.code == 1
    assert [line.split(":")[0] + ":" + line.split(":")[1] for line in run.err_lines[:-1]] == [
        "content/events/one.md:4",
        "content/pages/three.md:2",
        "content/stories/two.md:1",
        "content/stories/two.md:6",
        "content/stories/two.md:6",
    ]
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


# ------------------------------------------ line breaks and characters (editors' guide, "Writing the fields")

FIELDS_OF_AN_EVENT = "---\ntitle: Budget basics\nstart: 2027-03-04 18:00\nend: 2027-03-04 19:00\nformat: in-person\n"


def problems(run) -> list[str]:
    return [line for line in run.err_lines if line.startswith("content/")]


def test_a_line_break_in_a_one_line_field_is_an_error_saying_write_it_on_one_line(scratch: Scratch) -> None:
    scratch.write(
        "events/e.md",
        FIELDS_OF_AN_EVENT + "summary: A talk.\nvenue:\n  name: |\n    Riverside\n"
        '    Hall\n  address: 1 Road\ntopics: ["Money\\nmatters"]\n---\n',
    )
    scratch.write("series/s.md", "---\ntitle: |\n  Money\n  matters\nsummary: Money.\n---\n")
    run = scratch.check()
    assert run.code == 1
    one_line = "(expected it on one line: join the lines, and write it after the colon without | or >)"
    assert problems(run) == [
        f"content/events/e.md:8: venue.name: is written over 2 lines {one_line}",
        f"content/events/e.md:12: topics[1]: is written over 2 lines {one_line}",
        f"content/series/s.md:2: title: is written over 2 lines {one_line}",
    ]
    assert scratch.build().code == 1  # never exit 3, as a line break in a calendar's text once made it


def test_prose_fields_over_several_lines_read_as_one_line_everywhere(scratch: Scratch) -> None:
    scratch.write(
        "events/e.md",
        FIELDS_OF_AN_EVENT + "summary: |\n  A talk on budgets,\n  for treasurers.\n"
        "venue:\n  name: Riverside Hall\n  address: |\n    1 River Road\n    York\n"
        "published: 2027-01-02\n---\n",
    )
    run = scratch.build()
    assert run.code == 0, run.err
    output = scratch.root / "output"
    page = (output / "events" / "e" / "index.html").read_text()
    assert '<meta name="description" content="A talk on budgets, for treasurers.">' in page
    assert "1 River Road York" in page
    assert "<description>A talk on budgets, for treasurers.</description>" in (output / "feed.xml").read_text()
    calendar = (output / "events" / "e.ics").read_text()
    assert "DESCRIPTION:A talk on budgets\\, for treasurers." in calendar.replace("\r\n ", "")


def test_characters_no_output_can_carry_are_errors_naming_the_line_and_the_character(scratch: Scratch) -> None:
    fix = (
        "which a web page, feed or calendar cannot carry (expected plain text: delete it, or retype the words "
        "around it)"
    )
    scratch.write("pages/raw.md", "---\ntitle: Soft\x0bbreak\nsummary: Fine.\n---\n\nA page\x0cbreak.\n")
    scratch.write("pages/escaped.md", '---\ntitle: "Odd \\uFFFE"\nsummary: "Bell \\a"\n---\n\nFine.\n')
    scratch.write("pages/c1.md", "---\ntitle: Quotes\nsummary: It\x92s fine.\n---\n")
    run = scratch.check()
    assert run.code == 1
    assert problems(run) == [
        "content/pages/c1.md:3: summary: contains U+0092 (a control character, usually a curly quote or dash "
        f"saved in the wrong encoding), {fix}",
        "content/pages/escaped.md:2: title: contains U+FFFE (a byte-order mark written backwards, a Unicode "
        f"non-character), {fix}",
        f"content/pages/escaped.md:3: summary: contains U+0007 (a control character), {fix}",
        f"content/pages/raw.md:2: title: contains U+000B (vertical tab, as Word pastes soft line breaks), {fix}",
        f"content/pages/raw.md:6: body: contains U+000C (form feed, as Word pastes page breaks), {fix}",
    ]


def test_a_character_reference_in_a_body_to_such_a_character_is_an_error_too(scratch: Scratch) -> None:
    scratch.write(
        "pages/refs.md",
        "---\ntitle: Refs\nsummary: Fine.\n---\n\nOne &#11; two\n\n`&#11;` is code.\n\n"
        "Three &#xFFFF; and &#x41; and &#0;.\n",
    )
    run = scratch.check()
    assert run.code == 1
    assert problems(run) == [
        "content/pages/refs.md:6: body: the reference &#11; stands for U+000B (vertical tab, as Word pastes soft "
        "line breaks), which a web page, feed or calendar cannot carry (expected plain text: delete it, or "
        "retype the words around it)",
        "content/pages/refs.md:10: body: the reference &#xFFFF; stands for U+FFFF (a Unicode non-character), "
        "which a web page, feed or calendar cannot carry (expected plain text: delete it, or retype the words "
        "around it)",
    ]


def test_more_than_50_topics_on_one_item_is_an_error_that_says_why(scratch: Scratch) -> None:
    names = ", ".join(f"Topic {n}" for n in range(10_000))
    scratch.write("pages/many.md", f"---\ntitle: Many\nsummary: Many topics.\ntopics: [{names}]\n---\n")
    scratch.write(
        "pages/fifty.md",
        "---\ntitle: Fifty\nsummary: Fifty topics.\ntopics: ["
        + ", ".join(f"Topic {n}" for n in range(50))
        + "]\n---\n",
    )
    run = scratch.check()
    assert run.code == 1
    assert [line for line in problems(run) if ": warning: " not in line] == [
        "content/pages/many.md:4: topics: has 10,000 items (expected at most 50: each topic is a page of its "
        "own, and readers need the few that say what this is about)"
    ]


def test_the_editors_guide_names_exactly_the_fields_that_may_run_over_several_lines() -> None:
    from site_builder.content.config import SITE_FIELDS
    from site_builder.content.schema import SCHEMAS, Fields, ListOf, Text

    def prose(fields: dict, prefix: str = "") -> set[str]:
        found = set()
        for field in fields.values():
            kind = field.kind.item if isinstance(field.kind, ListOf) else field.kind
            if isinstance(kind, Fields):
                found |= prose(kind.fields, f"{field.name}.")
            elif isinstance(kind, Text) and kind.prose:
                found.add(prefix + field.name)
        return found

    everywhere = set().union(*(prose(fields) for fields in SCHEMAS.values()), prose(SITE_FIELDS))
    guide = (Path(__file__).resolve().parent.parent / "docs" / "editors-guide.md").read_text()
    paragraph = guide[guide.index("- **One line or several.**") :].split("\n- ")[0]
    named = set(re.findall(r"`([a-z_.]+)`", paragraph)) | {
        f"actions.{n}" for n in ("what", "how") if f"`{n}`" in paragraph
    }
    assert everywhere <= named
