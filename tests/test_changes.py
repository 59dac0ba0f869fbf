"""`diff`: what one build changes against another, in words (the pull request's job summary)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Scratch, run_main

SERIES = """
    ---
    title: Money matters
    summary: Sessions on budgets and grants.
    ---
    """

WORKSHOP = """
    ---
    title: Budget workshop
    summary: Setting a simple budget.
    start: 2027-03-04 18:00
    end: 2027-03-04 19:30
    series: money-matters
    format: in-person
    venue:
      name: Hillside Community Centre
      address: 1 Hill Street, Leeds
    ---
    """

CLINIC = """
    ---
    title: Grants clinic
    summary: A drop-in on writing grant applications.
    start: 2027-02-16
    end: 2027-02-16
    format: online
    ---
    """

ABOUT = """
    ---
    title: About
    summary: Who runs the programme.
    ---

    We are a small team.
    """


@pytest.fixture
def site(scratch: Scratch) -> Scratch:
    """A small site, built once into base/."""
    scratch.write("series/money-matters.md", SERIES)
    scratch.write("events/budget-workshop.md", WORKSHOP)
    scratch.write("events/grants-clinic.md", CLINIC)
    scratch.write("pages/about.md", ABOUT)
    assert run_main("build", "--content", "content", "--output", "base", "--today", "2027-01-15").code == 0
    return scratch


def build_head(site: Scratch) -> None:
    run = run_main("build", "--content", "content", "--output", "head", "--today", "2027-01-15")
    assert run.code == 0, run.err


def test_moved_cancelled_added_and_removed_are_said_in_words(site: Scratch) -> None:
    site.write(
        "events/budget-workshop.md",
        WORKSHOP.replace("2027-03-04 18:00", "2027-03-05 18:00")
        .replace("2027-03-04 19:30", "2027-03-05 19:30")
        .replace("Hillside Community Centre", "The Guildhall"),
    )
    site.write("events/grants-clinic.md", CLINIC.replace("format: online", "format: online\n    status: cancelled"))
    site.write("pages/contact.md", "---\ntitle: Contact us\nsummary: How to reach the team.\n---\n")
    (site.content / "pages" / "about.md").unlink()
    build_head(site)
    run = run_main("diff", "--base", "base", "--head", "head")
    assert run.code == 0 and run.err == ""
    lines = run.out.splitlines()
    assert lines[:2] == [
        "What this change does to the site:",
        "1 page added, 1 removed and 10 changed; 9 pages change only in the navigation or footer; "
        "2 events moved or changed; 4 calendars affected; the search index changed (13 files); 1 other file changed.",
    ]  # the search index in one line, however many of its files change
    text = run.out
    assert "\nPages added:\n  /contact/ Contact us\n" in text
    # What the pages say: the event pages, the listings and the series that show them, and search.
    changed = [
        line
        for line in text.split("\nPages changed:\n")[1].split("\n\n")[0].splitlines()
        if not re.fullmatch(r"  /events/\d{4}/\d\d/ Events in \w+ \d{4}", line)
    ]  # and two month pages
    assert changed == [
        "  / Scratch site",
        "  /events/ Events",
        "  /events/budget-workshop/ Budget workshop",
        "  /events/format/in-person/ In person events",
        "  /events/format/online/ Online events",
        "  /events/grants-clinic/ Grants clinic",
        "  /search/ Search",
        "  /series/money-matters/ Money matters",
    ]
    assert "\nPages removed:\n  /about/ About\n" in text
    assert (
        "\nEvents moved or changed:\n"
        "  /events/budget-workshop/ Budget workshop: now Friday 5 March 2027, 6pm to 7:30pm "
        "(was Thursday 4 March 2027, 6pm to 7:30pm); now at The Guildhall, 1 Hill Street, Leeds "
        "(was Hillside Community Centre, 1 Hill Street, Leeds)\n"
        "  /events/grants-clinic/ Grants clinic: now cancelled (was going ahead)\n"
    ) in text
    assert (
        "\nCalendars affected (subscribers see the change):\n  /events.ics\n  /events/budget-workshop.ics\n"
        "  /events/grants-clinic.ics\n  /series/money-matters.ics\n"
    ) in text
    assert "\nSearch index:\n  /pagefind/: 13 files added, removed or changed\n" in text
    assert "\nOther files:\n  /sitemap.xml\n" in text and "/pagefind/pagefind" not in text


def test_a_body_edit_changes_one_page_and_no_calendar(site: Scratch) -> None:
    site.write("pages/about.md", ABOUT.replace("a small team", "a team of four"))
    build_head(site)
    run = run_main("diff", "--base", "base", "--head", "head")
    # The page, and the search index that holds its words, in one line: nothing else.
    assert re.fullmatch(
        r"What this change does to the site:\n1 page changed; the search index changed \((\d+) files\)\.\n"
        r"\nPages changed:\n  /about/ About\n\nSearch index:\n  /pagefind/: \1 files added, removed or changed\n",
        run.out,
    ), run.out


def test_markdown_for_a_job_summary_escapes_what_editors_typed(site: Scratch) -> None:
    site.write("pages/contact.md", '---\ntitle: "Contact *us* <now>"\nsummary: How to reach us.\n---\n')
    build_head(site)
    run = run_main("diff", "--base", "base", "--head", "head", "--format", "markdown")
    assert run.code == 0
    assert run.out.startswith("### What this change does to the site\n\n1 page added and 1 changed; ")
    assert "**Pages added**\n\n- Contact \\*us\\* \\<now\\> (`/contact/`)\n" in run.out
    assert re.search(r"\*\*Search index\*\*\n\n- `/pagefind/`: \d+ files added, removed or changed\n", run.out)


def test_the_same_content_built_twice_changes_nothing(site: Scratch) -> None:
    build_head(site)
    for form, expected in (
        (
            "text",
            "What this change does to the site: Nothing: every page, feed and calendar stays exactly as it was.\n",
        ),
        (
            "markdown",
            "### What this change does to the site\n\nNothing: every page, feed and "
            "calendar stays exactly as it was.\n",
        ),
    ):
        assert run_main("diff", "--base", "base", "--head", "head", "--format", form).out == expected


def test_a_folder_that_is_not_a_build_is_a_usage_error(site: Scratch) -> None:
    run = run_main("diff", "--base", "base", "--head", "content")
    assert run.code == 2
    assert run.err == (
        "error: --head: content is not a folder this builder wrote (expected the output folder "
        "of a build, with its .site-builder-output file)\n"
    )
