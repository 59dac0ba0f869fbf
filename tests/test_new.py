"""`new` writes a file with every field of its type that `check` accepts once the blanks are filled."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from site_builder.content.types import STANDARD_TYPES
from tests.conftest import SITES, run_main

# The required fields `new` cannot guess, and what an editor would type into each.
BLANKS = {
    "events": {"summary": "An evening on access.", "format": "online"},
    "series": {"summary": "A new series."},
    "clusters": {"summary": "A new peer group.", "status": "open"},
    "offers": {"summary": "Help from a partner.", "name": "Partner Trust", "url": "https://partner.example.org/"},
    "stories": {"summary": "What happened."},
    "resources": {"summary": "A short guide."},
    "pages": {"summary": "About this."},
}


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(SITES / "base", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("content_type", sorted(BLANKS))
def test_new_file_names_every_field_and_passes_check_once_filled(
    content_type: str, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SITE_BUILDER_COMMAND", "bin/site")  # as bin/site says; each route: test_invocation.py
    run = run_main("new", content_type, "Café & chat: a first try", "--today", "2027-01-15")
    assert run.code == 0, run.err
    path = site / "content" / content_type / "cafe-and-chat-a-first-try.md"
    assert (
        run.out == f"Wrote {Path('content') / content_type / path.name}. Fill in the blank required fields, "
        "then run `bin/site check`.\n"
    )
    text = path.read_text()
    for name in STANDARD_TYPES.schema(content_type):
        assert re.search(rf"^(# )?{name}:", text, re.MULTILINE), name
    assert 'title: "Café & chat: a first try"' in text
    assert "published: 2027-01-15" in text

    before = run_main("check", "--today", "2027-01-15")
    assert before.code == 1
    missing = sorted(re.findall(r":\d+: (?:partner\.)?(\w+): is empty \(required", before.err))
    assert missing == sorted(BLANKS[content_type])

    for name, value in BLANKS[content_type].items():
        text = re.sub(rf"^(\s*){name}:$", rf"\g<1>{name}: {value}", text, count=1, flags=re.MULTILINE)
    path.write_text(text)
    after = run_main("check", "--today", "2027-01-15")
    assert after.code == 0, after.err
    assert "error" not in after.err


def test_new_event_starts_two_weeks_ahead_at_six_for_ninety_minutes(site: Path) -> None:
    assert run_main("new", "event", "Evening talk", "--today", "2027-01-15").code == 0
    text = (site / "content" / "events" / "evening-talk.md").read_text()
    assert "start: 2027-01-29 18:00\nend: 2027-01-29 19:30" in text.replace(
        "# When it ends, the same kind as start (required).\n", ""
    )


def test_new_refuses_to_overwrite(site: Path) -> None:
    existing = site / "content" / "events" / "good-event.md"
    before = existing.read_bytes()
    run = run_main("new", "events", "Good event")
    assert run.code == 2
    assert run.err == "error: content/events/good-event.md already exists; edit it, or choose another title\n"
    assert existing.read_bytes() == before


def test_new_explains_an_unknown_type(site: Path) -> None:
    run = run_main("new", "webinar", "Talk")
    assert run.code == 2
    assert run.err == (
        "error: there is no content type 'webinar'; choose one of events, series, clusters, "
        "offers, stories, resources, pages\n"
    )
