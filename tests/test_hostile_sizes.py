"""Large inputs get the same answers as small ones, by work in proportion to their size.

These tests hold what the near-linear versions of each loop must still say; how long they take at each
size is measured in benchmarks/hostile_sizes.py (no test here times anything).
"""

from __future__ import annotations

import re

from site_builder.site.checks import _close_topics
from site_builder.output.markup import BodyRenderer
from tests.conftest import Scratch


def render(body: str) -> tuple[str, list[str]]:
    from pathlib import Path

    html, problems = BodyRenderer(Path("/nonexistent")).render(body, "pages/x.md", 5)
    return html, [str(p) for p in problems]


def test_twenty_thousand_headings_of_one_name_are_numbered_as_github_numbers_them() -> None:
    html, _ = render("## Notes\n\n" * 20_000)
    ids = re.findall(r'<h2 id="([^"]*)">', html)
    assert ids == ["notes"] + [f"notes-{n}" for n in range(1, 20_000)]


def test_numbering_steps_over_ids_already_taken_by_other_headings() -> None:
    html, _ = render("## A\n\n## A-1\n\n## A\n\n## A\n\n## Two {#a-3}\n\n## A\n")
    # a-3 is the editor's own, so the fourth "A" steps over it
    assert re.findall(r'<h2 id="([^"]*)"', html) == ["a", "a-1", "a-2", "a-4", "a-3", "a-5"]


def test_problems_in_a_long_body_name_their_own_line() -> None:
    body = "Words.\n\n" * 10_000 + "![](media/photo.png)\n"
    _, problems = render(body)
    assert problems[0].startswith("pages/x.md:20005: body: the image 'media/photo.png' has no alt text")


def test_a_topic_spelled_many_ways_names_a_few_spellings_and_files(scratch: Scratch) -> None:
    spellings = ["Disability", "disability", "DISABILITY", "DisAbility", "disabilitY", "Disability!"]
    for n, name in enumerate(spellings):
        scratch.write(f"pages/p{n}.md", f"---\ntitle: Page {n}\nsummary: About page {n}.\ntopics: [{name}]\n---\n")
    run = scratch.check()
    first = [line for line in run.err_lines if line.startswith("content/pages/p0.md:4")]
    assert first == [
        "content/pages/p0.md:4: warning: topics: 'Disability' is spelled 'DISABILITY', 'DisAbility', "
        "'Disability!' and 2 other spellings in content/pages/p1.md, content/pages/p2.md, "
        "content/pages/p3.md (expected one spelling; they share one topic page)"
    ]


def test_a_topic_used_once_is_still_matched_to_its_close_spelling_among_thousands(scratch: Scratch) -> None:
    topics = [f"topic-{n}-{chr(97 + n % 26)}{chr(97 + n // 26 % 26)}" for n in range(5000)]
    assert _close_topics(["disabilty"], topics + ["disability", "dyslexia"]) == {"disabilty": "disability"}
    assert _close_topics(["zebra"], topics) == {}
