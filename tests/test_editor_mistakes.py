"""The mistakes editors make, caught with a message that says what to do (issue 18's list, the part that is
about reading content; the rest of them have fixtures in tests/fixtures/invalid/)."""

from __future__ import annotations

from pathlib import Path

from site_builder.output.markup import BodyRenderer
from tests.conftest import Scratch


def test_a_markdown_file_with_another_ending_is_an_error_suggesting_the_rename(scratch: Scratch) -> None:
    scratch.write("events/capitals.MD", "---\ntitle: Capitals\nsummary: Saved with a capital ending.\n---\n")
    scratch.write("pages/notes.markdown", "---\ntitle: Notes\nsummary: Saved by another editor.\n---\n")
    scratch.write("pages/photo.jpg", "not Markdown at all")
    run = scratch.check()
    assert run.code == 1
    assert [line for line in run.err_lines if line.startswith("content/")] == [
        "content/events/capitals.MD: this file ends in .MD, so it would not be published (expected a name "
        "ending in .md: rename it to 'capitals.md')",
        "content/pages/notes.markdown: this file ends in .markdown, so it would not be published (expected a "
        "name ending in .md: rename it to 'notes.md')",
        "content/pages/photo.jpg: warning: this file is ignored (expected only .md files here; put other files "
        "in media/)",
    ]


def body_warnings(body: str) -> list[str]:
    _, problems = BodyRenderer(Path("/nonexistent")).render(body, "pages/x.md", 5)
    return [str(p) for p in problems]


def test_a_skipped_heading_level_warns_with_its_line_whichever_way_the_body_is_read() -> None:
    expected = ("pages/x.md:9: warning: body: this #### heading follows a ## heading and skips a level "
                "(expected ###: people using screen readers move through a page by its heading levels)")
    assert body_warnings("## One\n\nText.\n\n#### Two\n") == [expected]
    assert body_warnings("## One\n\nText with <b>HTML</b>.\n\n#### Two\n") == [expected]  # the event stream
    assert body_warnings("### First\n") == [
        "pages/x.md:5: warning: body: this ### heading follows the page title and skips a level (expected ##: "
        "people using screen readers move through a page by its heading levels)"]
    assert body_warnings("## A\n\n### B\n\n#### C\n\n## D\n\n### E\n") == []
