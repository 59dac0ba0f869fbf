"""The mistakes editors make, caught with a message that says what to do (issue 18's list, the part that is
about reading content; the rest of them have fixtures in tests/fixtures/invalid/): a wrong file ending, a
skipped heading level, links between content files written as file paths."""

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
    expected = (
        "pages/x.md:9: warning: body: this #### heading follows a ## heading and skips a level "
        "(expected ###: people using screen readers move through a page by its heading levels)"
    )
    assert body_warnings("## One\n\nText.\n\n#### Two\n") == [expected]
    assert body_warnings("## One\n\nText with <b>HTML</b>.\n\n#### Two\n") == [expected]  # the event stream
    assert body_warnings("### First\n") == [
        "pages/x.md:5: warning: body: this ### heading follows the page title and skips a level (expected ##: "
        "people using screen readers move through a page by its heading levels)"
    ]
    assert body_warnings("## A\n\n### B\n\n#### C\n\n## D\n\n### E\n") == []


def test_links_between_content_files_go_to_the_pages_and_broken_ones_are_reported(scratch: Scratch) -> None:
    scratch.write(
        "series/money-matters.md",
        "---\ntitle: Money matters\nsummary: Sessions on money.\npublished: 2027-01-01\n---\n",
    )
    scratch.write("pages/other-page.md", "---\ntitle: Other page\nsummary: Another page.\nslug: elsewhere\n---\n")
    scratch.write(
        "pages/about.md",
        """\
        ---
        title: About
        summary: What this programme is.
        ---

        As GitHub's editor writes them: [the other page](other-page.md),
        [the series](../series/money-matters.md#sessions), and from the content folder
        [the series again](series/money-matters.md).

        Broken: [a typo](../series/mony-matters.md) and [nothing](../events/gone.md).
        """,
    )
    run = scratch.build()
    assert run.code == 0, run.err
    assert [line for line in run.err_lines if line.startswith("content/")] == [
        "content/pages/about.md:10: warning: body: links to '../events/gone.md', which is not a content file "
        "(expected the name of one, like 'other-event.md' in this folder or '../series/money-matters.md' in "
        "another)",
        "content/pages/about.md:10: warning: body: links to '../series/mony-matters.md', which is not a content "
        "file (expected the name of one, like 'other-event.md' in this folder or '../series/money-matters.md' "
        "in another; did you mean '../series/money-matters.md'?)",
    ]
    page = (scratch.root / "output" / "about" / "index.html").read_text()
    assert '<a href="/elsewhere/">the other page</a>' in page  # the page's URL, its slug and all
    assert '<a href="/series/money-matters/#sessions">the series</a>' in page
    assert '<a href="/series/money-matters/">the series again</a>' in page


def test_a_link_to_a_draft_file_is_reported_as_a_link_to_a_page_the_site_does_not_have(scratch: Scratch) -> None:
    scratch.write("pages/soon.md", "---\ntitle: Soon\nsummary: Not yet.\ndraft: true\n---\n")
    scratch.write("pages/about.md", "---\ntitle: About\nsummary: What this is.\n---\n\nSee [soon](soon.md).\n")
    run = scratch.check()
    assert [line for line in run.err_lines if line.startswith("content/")] == [
        "content/pages/about.md:6: warning: body: links to /soon/, which is not a page or file on this site "
        "(expected a page's address, like /events/)"
    ]
