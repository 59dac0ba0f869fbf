"""Warnings for likely mistakes that are not errors: the build goes on, the editor is told."""

from __future__ import annotations

from tests.conftest import Scratch

EVENT = """
    ---
    title: {title}
    summary: {summary}
    start: {start}
    end: {end}
    format: online
    topics: [{topics}]
    booking:
      url: https://book.example.org/
      {deadline}
    published: 2027-01-01
    ---
    """


def event(
    scratch: Scratch,
    slug: str,
    title: str = "Talk",
    summary: str = "An evening talk on access.",
    start: str = "2027-03-04 18:00",
    end: str = "2027-03-04 19:00",
    topics: str = "Access",
    deadline: str = "",
) -> None:
    scratch.write(
        f"events/{slug}.md",
        EVENT.format(title=title, summary=summary, start=start, end=end, topics=topics, deadline=deadline),
    )


def test_a_past_event_still_taking_bookings(scratch: Scratch) -> None:
    event(scratch, "gone", start="2027-01-05 18:00", end="2027-01-05 19:00")
    event(scratch, "closed", start="2027-01-05 18:00", end="2027-01-05 19:00", deadline="deadline: 2027-01-04")
    run = scratch.check()
    assert run.code == 0
    assert run.err_lines == [
        "content/events/gone.md:8: warning: booking: this event has already happened but is still taking "
        "bookings (expected no `booking`, or a `deadline` that has passed)",
        "1 warning",
    ]


def test_a_booking_deadline_after_the_event_starts(scratch: Scratch) -> None:
    event(scratch, "late", deadline="deadline: 2027-03-05")
    assert scratch.check().err_lines[0] == (
        "content/events/late.md:8: warning: booking.deadline: 2027-03-05 is after the event starts on "
        "2027-03-04 (expected a deadline on or before the day)"
    )


def test_a_summary_that_repeats_the_title(scratch: Scratch) -> None:
    event(scratch, "echo", title="Budget basics", summary="Budget basics.")
    assert scratch.check().err_lines[0] == (
        "content/events/echo.md:3: warning: summary: repeats the title (expected a sentence on what it is "
        "about and who it is for)"
    )


def test_a_topic_used_once_that_is_close_to_another(scratch: Scratch) -> None:
    event(scratch, "a", topics="Disability")
    event(scratch, "b", topics="Disability")
    event(scratch, "c", topics="Disabilty")
    assert scratch.check().err_lines == [
        "content/events/c.md:7: warning: topics: 'Disabilty' is used only here and is close to 'Disability' "
        "(expected 'Disability', if that is what you mean)",
        "1 warning",
    ]


def test_topics_spelled_two_ways_share_a_page_but_are_pointed_out(scratch: Scratch) -> None:
    event(scratch, "a", topics="Black Lives Matter")
    event(scratch, "b", topics="black lives matter")
    run = scratch.build()
    assert run.code == 0
    assert run.err_lines[:2] == [
        "content/events/a.md:7: warning: topics: 'Black Lives Matter' is spelled 'black lives matter' in "
        "content/events/b.md (expected one spelling; they share one topic page)",
        "content/events/b.md:7: warning: topics: 'black lives matter' is spelled 'Black Lives Matter' in "
        "content/events/a.md (expected one spelling; they share one topic page)",
    ]
    assert (scratch.root / "output" / "topics" / "black-lives-matter" / "index.html").is_file()
