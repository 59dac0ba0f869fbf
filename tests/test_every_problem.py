"""Every problem in one run: a file with errors of its own hides no other file's problems, and `check`
reports exactly what `build` does, the body link check included, each body problem on its line."""

from __future__ import annotations

from tests.conftest import Scratch

EVENT = """---
title: {title}
summary: A session about {title} for everyone who runs groups.
start: {start}
end: 2027-03-04 19:00
format: online
topics: [{topic}]
published: 2027-01-02
{extra}
---

{body}
"""


def event(
    scratch: Scratch,
    slug: str,
    title: str,
    start: str = "2027-03-04 18:00",
    topic: str = "Gardening",
    extra: str = "",
    body: str = "A plain body.",
) -> None:
    scratch.write(f"events/{slug}.md", EVENT.format(title=title, start=start, topic=topic, extra=extra, body=body))


def site_with_problems_everywhere(scratch: Scratch) -> None:
    event(scratch, "broken", "Broken", start="the fourth of March")  # a field error of its own
    scratch.write("series/broken-series.md", "---\ntitle: Broken series\n---\n")  # no summary, no published
    # Fine in itself, but names a series that does not exist, and links to a page that does not either.
    event(
        scratch,
        "wrong-series",
        "Wrong series",
        extra="series: no-such-series",
        body="First line.\n\nSee [the archive](/events/archive/) and [events](/events/).\n\n"
        "And [another](/nowhere/) two lines on.",
    )
    # Names a series and links to a page that exist but have errors: those files' own errors say it.
    event(scratch, "names-broken", "Names broken", extra="series: broken-series", body="See [it](/events/broken/).")
    event(scratch, "gardening-two", "Gardening two", topic="Gardenning")  # a near-duplicate topic


def test_check_reports_every_file_s_problems_at_once_with_lines(scratch: Scratch) -> None:
    site_with_problems_everywhere(scratch)
    run = scratch.check()
    assert run.code == 1
    lines = run.err_lines
    assert any(line.startswith("content/events/broken.md:4: start:") for line in lines), lines
    assert any(line.startswith("content/series/broken-series.md:") for line in lines), lines
    assert any(
        line.startswith("content/events/wrong-series.md:9: series: there is no series 'no-such-series'")
        for line in lines
    ), lines
    assert (
        "content/events/wrong-series.md:14: warning: body: links to /events/archive/, which is not a page or "
        "file on this site (expected a page's address, like /events/)" in lines
    )
    assert any(
        line.startswith("content/events/wrong-series.md:16: warning: body: links to /nowhere/") for line in lines
    ), lines
    assert any(line.startswith("content/events/gardening-two.md:7: warning: topics:") for line in lines), lines
    # A reference to a file that has errors of its own is not a second error.
    assert not any("names-broken.md" in line for line in lines), lines


def test_build_reports_exactly_what_check_does(scratch: Scratch) -> None:
    site_with_problems_everywhere(scratch)
    checked, built = scratch.check(), scratch.build()
    assert built.code == checked.code == 1
    assert built.err == checked.err + "Nothing was written; the previous site is unchanged.\n"
    assert not (scratch.root / "output").exists()


def test_check_runs_the_body_link_check_that_build_runs(scratch: Scratch) -> None:
    event(scratch, "one", "One", body="Intro.\n\nSee [two](/events/two/).")
    checked = scratch.check()
    built = scratch.build()
    assert checked.code == built.code == 0
    warning = (
        "content/events/one.md:14: warning: body: links to /events/two/, which is not a page or file on "
        "this site (expected a page's address, like /events/)"
    )
    assert warning in checked.err_lines
    assert warning in built.err_lines
