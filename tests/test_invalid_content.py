"""One invalid fixture per error: each is the base site plus the file(s) in
tests/fixtures/invalid/<name>/, and `check` must report exactly these lines.

The messages are what an editor reads; a change to any of them is a change
to the tool's interface and should be made here on purpose.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, SITES, run_main

INVALID = FIXTURES / "invalid"

CASES: dict[str, list[str]] = {
    "action-status-unknown": [
        "content/resources/plan.md:9: actions[1].status: 'finished' is not one of the statuses (expected not-started, in-progress, done or ongoing)",
    ],
    "alias-bomb": [
        "content/events/bomb.md:1: the front matter repeats itself, through YAML anchors (&) and aliases (*), into more than 20,000 values (expected each value written out)",
    ],
    "booking-link-javascript": [
        "content/events/script.md:8: booking.url: 'javascript:alert(1)' is not an https: or mailto: link (expected an https: or mailto: link, like https://booking.example.org/my-event)",
    ],
    "booking-link-not-https": [
        "content/events/insecure.md:8: booking.url: 'http://book.example.org/' is not an https: or mailto: link (expected an https: or mailto: link, like https://booking.example.org/my-event; a web address must start with https://)",
    ],
    "capacity-not-a-number": [
        "content/events/lots.md:7: capacity: 'lots' is not a whole number (expected a whole number greater than 0, like 30)",
    ],
    "cluster-missing": [
        "content/events/lost-cluster.md:7: cluster: there is no cluster 'coastal' in clusters/ (expected one of better-homes)",
    ],
    "control-character-pasted": [
        "content/pages/pasted.md:2: title: contains U+000B (vertical tab, as Word pastes soft line breaks), which a web page, feed or calendar cannot carry (expected plain text: delete it, or retype the words around it)",
    ],
    "curly-quotes": [
        "content/events/curly.md:4: start: '“2027-02-03 12:30”' is in curly quotes, as Word and phones type them, which are read as part of the value (expected straight quotes or none: start: 2027-02-03 12:30)",
        "content/events/curly.md:6: format: '‘online’' is in curly quotes, as Word and phones type them, which are read as part of the value (expected straight quotes or none: format: online)",
    ],
    "date-mixed-with-datetime": [
        "content/events/mixed.md:5: end: start is 2027-03-04 but end is 2027-03-04 17:00 (expected both dates, for an all-day event, or both dates with times)",
    ],
    "duplicate-slug": [
        "content/events/good-event-copy.md:4: slug: 'good-event' is also the slug of content/events/good-event.md (expected a slug of its own: rename one file or set `slug:`)",
        "content/events/good-event.md:1: slug: 'good-event' is also the slug of content/events/good-event-copy.md (expected a slug of its own: rename one file or set `slug:`)",
    ],
    "empty-file": [
        'content/events/empty.md:1: the file is empty (expected front matter between two --- lines; `python build.py new TYPE "Title"` writes a ready-made file)',
    ],
    "end-before-start": [
        "content/events/backwards.md:5: end: 2027-03-04 17:00 is not after start, 2027-03-04 18:00 (expected an end after the start)",
    ],
    "event-slug-reserved": [
        "content/events/past.md:1: slug: 'past' is used by the site for /events/past/ (expected another slug)",
    ],
    "file-name-not-a-slug": [
        "content/events/My Event.md:1: slug: the file name 'My Event.md' cannot be a web address (expected lowercase letters, digits and hyphens: rename it to 'my-event.md' or set `slug:`)",
    ],
    "front-matter-not-a-mapping": [
        "content/events/list.md:2: the front matter is a list of lines starting with '- ' (expected fields, one a line, like `title: My event`)",
    ],
    "front-matter-not-closed": [
        "content/events/unclosed.md:1: the front matter opened on line 1 is never closed (expected a line of three dashes, ---, after the last field)",
    ],
    "heading-level-skipped": [
        "content/pages/guide.md:10: warning: body: this #### heading follows a ## heading and skips a level (expected ###: people using screen readers move through a page by its heading levels)",
    ],
    "image-without-alt": [
        'content/stories/no-alt.md:5: image.alt: the image has no alt text (expected words saying what it shows, or `decorative: true` with `alt: ""` if it adds nothing)',
        "content/stories/no-alt.md:9: body: the image 'media/photo.png' has no alt text (expected words saying what it shows, like ![A group of residents at a meeting](media/photo.png))",
    ],
    "impossible-date": [
        "content/events/february-30.md:4: start: 2027-02-30 18:00 is not a real date: February 2027 has 28 days (expected a day from 01 to 28)",
        "content/events/february-30.md:5: end: 2027-02-30 19:00 is not a real date: February 2027 has 28 days (expected a day from 01 to 28)",
    ],
    "joining-link-published": [
        "content/events/secret.md:9: online.joining: contains a meeting link, which would be published in the page, feeds and calendars (expected how people get the link, like 'We email the link the day before')",
    ],
    "line-break-in-title": [
        "content/series/listening.md:2: title: is written over 2 lines (expected it on one line: join the lines, and write it after the colon without | or >)",
    ],
    "media-path-wrong-case": [
        "content/stories/hall.md:6: image.src: 'media/images/Hall.PNG' differs in letter case from the file 'media/images/hall.png' (expected 'media/images/hall.png': web servers tell capitals from small letters)",
        "content/stories/hall.md:10: body: links to 'media/Images/hall.png', which differs in letter case from the file 'media/images/hall.png' (expected 'media/images/hall.png': web servers tell capitals from small letters)",
    ],
    "missing-title": [
        "content/events/no-title.md:1: title: is missing (required; for example `title: Understanding unconscious bias`)",
    ],
    "no-front-matter": [
        "content/pages/plain.md:1: the file does not start with front matter (expected a first line of three dashes, ---, then the fields, then another ---)",
    ],
    "not-utf8": [
        "content/events/latin1.md:2: this line is not UTF-8 text: 'title: Caf�' (expected the file saved as UTF-8; most editors offer it under Save As or Encoding)",
    ],
    "page-slug-reserved": [
        "content/pages/events.md:1: slug: 'events' is a section of the site (expected another slug for this page)",
    ],
    "partner-url-missing": [
        "content/offers/no-url.md:4: partner.url: is missing (required; for example `url: https://partner.example.org/`)",
    ],
    "partner-url-not-https": [
        "content/offers/insecure-partner.md:6: partner.url: 'http://partner.example.org/' is not an https: link (expected an https: link, like https://partner.example.org/; a web address must start with https://)",
    ],
    "published-missing": [
        "content/resources/undated.md:1: published: is missing (required for resources; for example `published: 2027-01-10`)",
    ],
    "resource-file-missing": [
        "content/resources/missing-file.md:5: file: there is no file 'media/files/nothing.pdf' in the content folder (expected a path to a file under media/, like media/files/plan.pdf)",
    ],
    "series-is-a-draft": [
        "content/events/early.md:7: series: 'hidden' is a draft (expected it published, without `draft: true`, or a build with --drafts)",
    ],
    "series-missing": [
        "content/events/lost-series.md:7: series: there is no series 'listening-wel' in series/ (expected a file name from series/; did you mean 'listening-well'?)",
    ],
    "several-problems-in-one-file": [
        "content/events/many.md:3: summary: is empty (required; for example `summary: What it is about and who it is for, in a sentence.`)",
        "content/events/many.md:4: start: 2027-13-01 18:00 is not a real date: there is no month 13 (expected a month from 01 to 12)",
        "content/events/many.md:6: format: 'somewhere' is not one of the formats (expected online, in-person or hybrid)",
        "content/events/many.md:7: status: 'maybe' is not one of the statuses (expected scheduled, cancelled, postponed or full)",
    ],
    "site-yaml-bad-base-url": [
        "content/site.yaml:2: base_url: 'learning.example.org' is not an https: or http: link (expected an https: or http: link, like https://learning.example.org/)",
    ],
    "site-yaml-bad-timezone": [
        "content/site.yaml:3: timezone: 'Europe/Londn' is not a time zone name (expected an IANA time zone name like Europe/London; did you mean 'Europe/London'?)",
    ],
    "site-yaml-base-url-below-root": [
        "content/site.yaml:2: base_url: 'https://base.example.org/learning/' is below the root of its host (expected the root, like https://base.example.org/: the site links to its pages from /)",
    ],
    "slug-leaves-folder": [
        "content/events/escape.md:4: slug: '../../etc/passwd' is not a slug (expected lowercase letters, digits and hyphens, like 'bsl-awareness')",
    ],
    "summary-too-long": [
        "content/events/long-summary.md:3: summary: is longer than 300 characters (expected at most 300)",
    ],
    "time-in-clock-change-gap": [
        "content/events/lost-hour.md:4: start: 01:30 on 28 March 2027 does not exist in Europe/London, because the clocks go forward then (expected a time that exists)",
    ],
    "time-without-date": [
        "content/events/time-only.md:4: start: '10:30' is not a date and time (expected a date and time like 2027-03-04 18:00, or a date like 2027-03-04; a time needs its date too, like '2027-03-04 10:30')",
    ],
    "title-cut-by-comment": [
        "content/events/update.md:2: title: the text after ' #' was read as a comment, leaving 'Update' (expected the whole value in quotes: \"Update #2\")",
    ],
    "unknown-field": [
        "content/events/typo-field.md:8: warning: venu: unknown field, ignored (did you mean 'venue'?)",
    ],
    "unknown-format": [
        "content/events/zoom.md:6: format: 'onlin' is not one of the formats (expected online, in-person or hybrid; did you mean 'online'?)",
    ],
    "unreadable-time": [
        "content/events/half-ten.md:4: start: '2027-03-04 10.30am' is not a date and time (expected a date and time like 2027-03-04 18:00, or a date like 2027-03-04; did you mean '2027-03-04 10:30'?)",
    ],
    "updated-before-published": [
        "content/stories/time-travel.md:5: updated: 2027-01-01 is before published, 2027-01-10 (expected a date on or after published)",
    ],
    "venue-missing": [
        "content/events/nowhere.md:6: venue: is missing (required for an in-person event: a venue with name and address)",
    ],
    "window-closes-before-opens": [
        "content/offers/backwards-window.md:9: windows[1].closes: closes on 2027-03-01, not after it opens on 2027-04-01 (expected a day after it opens)",
    ],
    "yaml-object-tag": [
        "content/events/tagged.md:2: the YAML tag '!!python/object/apply:os.system' is not allowed in content (expected plain text, lists and fields only)",
    ],
    "yaml-syntax-error": [
        "content/events/broken.md:3: the front matter is not valid YAML: a quote opened on this line is never closed (expected the text to end with the same quote mark)",
    ],
    "yes-for-true": [
        "content/events/yes.md:7: draft: 'yes' is not true or false (expected true or false)",
    ],
    "year-out-of-range": [
        "content/events/far-future.md:4: start: 2207-03-04 18:00 is not a year the site can show (expected a year from 1900 to 2199)",
        "content/events/far-future.md:5: end: 2207-03-04 19:30 is not a year the site can show (expected a year from 1900 to 2199)",
        "content/events/far-future.md:7: published: 9999-01-01 is not a year the site can show (expected a year from 1900 to 2199)",
    ],
}

# Unknown fields are warnings: the build goes on.
WARNING_ONLY = {"unknown-field", "heading-level-skipped"}


def test_every_message_says_what_is_wrong_then_what_is_expected() -> None:
    # The content contract: path:line: field: what is wrong (what is expected)
    shape = re.compile(r"^content/[^:]+:\d+: (warning: )?([\w.\[\]-]+: )?[^()].* \(.+\)$")
    for name, lines in CASES.items():
        for line in lines:
            assert shape.match(line), (name, line)


def problem_lines(name: str, lines: list[str]) -> list[str]:
    """The errors reported (and, for a warning's own fixture, the warnings): other fixtures' files may lack
    optional fields that earn warnings, which are not what those fixtures are about."""
    keep_warnings = name in WARNING_ONLY
    return [line for line in lines if line.startswith("content/") and (keep_warnings or ": warning: " not in line)]


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
    reported = problem_lines(name, run.err_lines)
    assert reported == CASES[name]
    assert "Traceback" not in run.err
    assert run.code == (0 if name in WARNING_ONLY else 1)


@pytest.mark.slow  # two builds a case; the fast subset has the same messages from `check` above
@pytest.mark.parametrize("name", sorted(set(CASES) - WARNING_ONLY))
def test_build_reports_the_same_and_leaves_previous_output(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SITES / "base", tmp_path / "good")
    assert run_main("build", "--content", "good", "--output", "output", "--today", "2027-01-15").code == 0
    before = {p: p.read_bytes() for p in (tmp_path / "output").rglob("*") if p.is_file()}
    make_site(name, tmp_path)
    content_before = {p: p.read_bytes() for p in (tmp_path / "content").rglob("*") if p.is_file()}

    run = run_main("build", "--output", "output", "--today", "2027-01-15")

    assert run.code == 1
    assert problem_lines(name, run.err_lines) == CASES[name]
    assert run.err_lines[-1] == "Nothing was written; the previous site is unchanged."
    after = {p: p.read_bytes() for p in (tmp_path / "output").rglob("*") if p.is_file()}
    assert after == before
    assert {p: p.read_bytes() for p in (tmp_path / "content").rglob("*") if p.is_file()} == content_before
