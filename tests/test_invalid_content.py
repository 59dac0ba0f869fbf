"""One invalid fixture per error: each is the base site plus the file(s) in
tests/fixtures/invalid/<name>/, and `check` must report exactly these lines.

The messages are what an editor reads; a change to any of them is a change
to the tool's interface and should be made here on purpose.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, SITES, run_main

INVALID = FIXTURES / "invalid"

CASES: dict[str, list[str]] = {
    'action-status-unknown': [
        "content/resources/plan.md:9: actions[1].status: expected one of not-started, in-progress, done, ongoing, got 'finished'",
    ],
    'alias-bomb': [
        'content/events/bomb.md:1: the front matter expands to more than 20,000 values (through YAML aliases); it cannot be real content',
    ],
    'booking-link-javascript': [
        "content/events/script.md:8: booking.url: expected an https: or mailto: link, got 'javascript:alert(1)'",
    ],
    'booking-link-not-https': [
        "content/events/insecure.md:8: booking.url: expected an https: or mailto: link, got 'http://book.example.org/' (a web address must start with https://)",
    ],
    'capacity-not-a-number': [
        "content/events/lots.md:7: capacity: expected a whole number greater than 0, got 'lots'",
    ],
    'cluster-missing': [
        "content/events/lost-cluster.md:7: cluster: there is no cluster 'coastal' in clusters/; known clusters: better-homes",
    ],
    'date-mixed-with-datetime': [
        'content/events/mixed.md:5: end: start and end must both be dates (an all-day event) or both dates with times; got start 2027-03-04 and end 2027-03-04 17:00',
    ],
    'duplicate-slug': [
        "content/events/good-event-copy.md:4: slug: 'good-event' is also the slug of content/events/good-event.md; each event needs its own (rename one file or set `slug:`)",
        "content/events/good-event.md:1: slug: 'good-event' is also the slug of content/events/good-event-copy.md; each event needs its own (rename one file or set `slug:`)",
    ],
    'event-slug-reserved': [
        "content/events/past.md:1: slug: 'past' is used by the site for /events/past/; choose another slug",
    ],
    'empty-file': [
        'content/events/empty.md:1: the file is empty; it needs front matter between two --- lines (`python build.py new TYPE "Title"` writes a ready-made file)',
    ],
    'end-before-start': [
        'content/events/backwards.md:5: end: 2027-03-04 17:00 is not after start (2027-03-04 18:00); an event must end after it starts',
    ],
    'file-name-not-a-slug': [
        "content/events/My Event.md:1: slug: the file name 'My Event.md' cannot be a web address; rename it to 'my-event.md' or set `slug:`",
    ],
    'front-matter-not-a-mapping': [
        "content/events/list.md:2: the front matter must be fields, one a line, like `title: My event`; this is a list (lines starting with '- ')",
    ],
    'front-matter-not-closed': [
        'content/events/unclosed.md:1: the front matter opened on line 1 is never closed; add a line of three dashes (---) after the last field',
    ],
    'image-without-alt': [
        'content/stories/no-alt.md:5: image.alt: every image needs alt text describing it (or `decorative: true` with `alt: ""` if it adds nothing)',
        "content/stories/no-alt.md:9: body: the image 'media/photo.png' has no alt text; describe it like ![A group of residents at a meeting](media/photo.png)",
    ],
    'impossible-date': [
        'content/events/february-30.md:4: start: 2027-02-30 18:00 is not a real date: February 2027 has 28 days',
        'content/events/february-30.md:5: end: 2027-02-30 19:00 is not a real date: February 2027 has 28 days',
    ],
    'missing-title': [
        'content/events/no-title.md:1: title: is missing; it is required (for example `title: Understanding unconscious bias`)',
    ],
    'no-front-matter': [
        'content/pages/plain.md:1: the file must start with a line of three dashes (---) opening the front matter',
    ],
    'not-utf8': [
        'content/events/latin1.md:2: the file is not UTF-8 text (byte 0xe9 at position 14); save it as UTF-8',
    ],
    'page-slug-reserved': [
        "content/pages/events.md:1: slug: 'events' is a section of the site; choose another slug for this page",
    ],
    'partner-url-not-https': [
        "content/offers/insecure-partner.md:6: partner.url: expected an https: link, got 'http://partner.example.org/' (a web address must start with https://)",
    ],
    'published-missing': [
        'content/resources/undated.md:1: published: is missing; it is required for resources (for example `published: 2027-01-10`)',
    ],
    'resource-file-missing': [
        "content/resources/missing-file.md:5: file: there is no file 'media/files/nothing.pdf' in the content folder (expected a path to a file under media/, like media/images/hall.jpg)",
    ],
    'series-missing': [
        "content/events/lost-series.md:7: series: there is no series 'listening-wel' in series/; did you mean 'listening-well'?",
    ],
    'several-problems-in-one-file': [
        'content/events/many.md:3: summary: is empty; it is required',
        'content/events/many.md:4: start: 2027-13-01 18:00 is not a real date: there is no month 13',
        "content/events/many.md:6: format: expected one of online, in-person, hybrid, got 'somewhere'",
        "content/events/many.md:7: status: expected one of scheduled, cancelled, postponed, full, got 'maybe'",
    ],
    'site-yaml-bad-base-url': [
        "content/site.yaml:2: base_url: expected an https: or http: link, got 'learning.example.org'",
    ],
    'site-yaml-bad-timezone': [
        "content/site.yaml:3: timezone: expected an IANA time zone name like Europe/London, got 'Europe/Londn'; did you mean 'Europe/London'?",
    ],
    'slug-leaves-folder': [
        "content/events/escape.md:4: slug: expected a slug of lowercase letters, digits and hyphens, like 'bsl-awareness', got '../../etc/passwd'",
    ],
    'summary-too-long': [
        'content/events/long-summary.md:3: summary: is 349 characters long; keep it to at most 300',
    ],
    'time-in-clock-change-gap': [
        'content/events/lost-hour.md:4: start: 01:30 on 28 March 2027 does not exist in Europe/London, because the clocks go forward then; pick another time',
    ],
    'time-without-date': [
        "content/events/time-only.md:4: start: expected a date and time like 2027-03-04 18:00, got '10:30'; a time needs its date too, like '2027-03-04 10:30'",
    ],
    'title-cut-by-comment': [
        'content/events/update.md:2: title: the text after \' #\' was read as a comment, leaving \'Update\'; put the whole value in quotes: "Update #2"',
    ],
    'unknown-field': [
        "content/events/typo-field.md:7: warning: venu: unknown field, ignored; did you mean 'venue'?",
    ],
    'unknown-format': [
        "content/events/zoom.md:6: format: expected one of online, in-person, hybrid, got 'onlin'; did you mean 'online'?",
    ],
    'unreadable-time': [
        "content/events/half-ten.md:4: start: expected a date and time like 2027-03-04 18:00, got '2027-03-04 10.30am'; did you mean '2027-03-04 10:30'?",
    ],
    'updated-before-published': [
        'content/stories/time-travel.md:5: updated: 2027-01-01 is before published (2027-01-10); updated must be on or after published',
    ],
    'venue-missing': [
        'content/events/nowhere.md:6: venue: is missing; an in-person event needs a venue with name and address',
    ],
    'window-closes-before-opens': [
        'content/offers/backwards-window.md:8: windows[1].closes: closes on 2027-03-01, which is not after it opens (2027-04-01)',
    ],
    'yaml-object-tag': [
        "content/events/tagged.md:2: the YAML tag '!!python/object/apply:os.system' is not allowed in content; remove it (write plain text, lists and fields only)",
    ],
    'yaml-syntax-error': [
        'content/events/broken.md:3: the front matter is not valid YAML: a quote opened on this line is never closed (end the text with the same quote mark)',
    ],
    'yes-for-true': [
        "content/events/yes.md:7: draft: expected true or false, got 'yes'",
    ],
}

# Unknown fields are warnings: the build goes on.
WARNING_ONLY = {"unknown-field"}


def make_site(name: str, root: Path) -> None:
    shutil.copytree(SITES / "base", root / "content")
    shutil.copytree(INVALID / name, root / "content", dirs_exist_ok=True)


def test_every_invalid_fixture_has_expected_messages() -> None:
    assert sorted(p.name for p in INVALID.iterdir()) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_check_reports_exact_problems(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_site(name, tmp_path)
    monkeypatch.chdir(tmp_path)
    run = run_main("check", "--today", "2027-01-15")
    reported = [line for line in run.err_lines if line.startswith("content/")]
    assert reported == CASES[name]
    assert "Traceback" not in run.err
    assert run.code == (0 if name in WARNING_ONLY else 1)


@pytest.mark.parametrize("name", sorted(set(CASES) - WARNING_ONLY))
def test_build_reports_the_same_and_leaves_previous_output(name: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SITES / "base", tmp_path / "good")
    assert run_main("build", "--content", "good", "--output", "output", "--today", "2027-01-15").code == 0
    before = {p: p.read_bytes() for p in (tmp_path / "output").rglob("*") if p.is_file()}
    make_site(name, tmp_path)
    content_before = {p: p.read_bytes() for p in (tmp_path / "content").rglob("*") if p.is_file()}

    run = run_main("build", "--output", "output", "--today", "2027-01-15")

    assert run.code == 1
    assert [line for line in run.err_lines if line.startswith("content/")] == CASES[name]
    assert run.err_lines[-1] == "Nothing was written; the previous site is unchanged."
    after = {p: p.read_bytes() for p in (tmp_path / "output").rglob("*") if p.is_file()}
    assert after == before
    assert {p: p.read_bytes() for p in (tmp_path / "content").rglob("*") if p.is_file()} == content_before
