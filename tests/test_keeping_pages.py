"""A rebuild keeps the pages nothing has changed, and never a stale one.

Every page and calendar is keyed by what it is made from: the site's front
matter, the templates, the static files, the code, the build date, and at most
its own item's body. A rebuild keeps the live file of an unchanged key and makes
the rest, so editing a body makes one page again; each other kind of edit must
come out exactly as a build from nothing.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Callable

import pytest

from site_builder import pipeline, write
from site_builder.pipeline import Options, Result, build, cache_folder
from tests.conftest import PROJECT, SITES


class Site:
    """A copy of the small fixture site, with its own templates and static files to edit."""

    def __init__(self, root: Path):
        self.root = root
        self.content = root / "content"
        self.templates = root / "templates"
        self.static = root / "static"
        shutil.copytree(SITES / "small", self.content)
        shutil.copytree(PROJECT / "templates", self.templates)
        shutil.copytree(PROJECT / "static", self.static)
        self.today = date(2027, 1, 15)

    def build(self, output: str = "output", cache: bool = True) -> Result:
        out = self.root / output
        return build(Options(self.content, out, today=self.today, templates_dir=self.templates,
                             static_dir=self.static, base=self.root, workers=1,
                             cache_dir=cache_folder(out) if cache else None))

    def files(self, output: str = "output") -> dict[str, bytes]:
        out = self.root / output
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    def fresh(self) -> dict[str, bytes]:
        """The site built from nothing: no cache, no earlier output."""
        shutil.rmtree(self.root / "fresh", ignore_errors=True)
        self.build("fresh", cache=False)
        return self.files("fresh")

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.root / rel
        text = path.read_text()
        assert old in text, f"{old!r} is not in {rel}"
        path.write_text(text.replace(old, new, 1))


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


def test_an_unchanged_site_is_kept_whole_and_a_body_edit_makes_one_page(site: Site) -> None:
    first = site.build()
    assert first.rendered.kept == 0 and len(first.rendered.keys) > 40
    again = site.build()
    assert again.rendered.kept == len(again.rendered.keys)
    assert site.files() == site.fresh()

    site.edit("content/events/budget-basics.md", "Notes from this session", "The notes from this session")
    edited = site.build()
    assert edited.rendered.kept == len(edited.rendered.keys) - 1  # the event's page; its calendar has no body
    assert b"The notes from this session" in (site.root / "output/events/budget-basics/index.html").read_bytes()
    assert site.files() == site.fresh()


EDITS: dict[str, Callable[[Site], None]] = {
    # A title is shown on other pages: listings, related items, its series, calendars and feeds.
    "a title": lambda s: s.edit("content/events/budget-basics.md", "title: Budget basics", "title: Budgets 101"),
    "a date": lambda s: s.edit("content/events/budget-basics.md", "start: 2026-11-10 12:30",
                               "start: 2026-11-10 11:30"),
    "the topics": lambda s: s.edit("content/events/budget-basics.md", "topics: [Finance]", "topics: [Housing]"),
    "a draft published": lambda s: s.edit("content/events/draft-session.md", "draft: true", "draft: false"),
    "a new file": lambda s: shutil.copy(s.content / "events/budget-basics.md", s.content / "events/budget-2.md"),
    "a removed file": lambda s: (s.content / "stories/inclusive-workshop.md").unlink(),
    "the site settings": lambda s: s.edit("content/site.yaml", "title:", "title: New"),
    "a template": lambda s: s.edit("templates/base.html", "Skip to main content", "Skip to the content"),
    "a macro": lambda s: s.edit("templates/_macros.html", 'class="card__title"', 'class="card__title card__x"'),
    "a static file": lambda s: (s.static / "site.css").write_text((s.static / "site.css").read_text() + "\np{}"),
    "the build date": lambda s: setattr(s, "today", date(2027, 6, 1)),
    "a media file": lambda s: (s.content / "media/files/new.txt").write_text("new"),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_every_other_edit_comes_out_as_a_build_from_nothing(site: Site, edit: str) -> None:
    site.build()
    site.build()  # so the next build also starts from the kept previous site
    before = site.files()
    EDITS[edit](site)
    result = site.build()
    assert site.files() == site.fresh()
    assert site.files() != before
    assert result.rendered.kept < len(result.rendered.keys)


def test_a_file_changed_by_hand_in_the_output_is_made_again(site: Site) -> None:
    site.build()
    page = site.root / "output/events/budget-basics/index.html"
    original = page.read_bytes()
    page.write_bytes(b"edited by hand")
    site.build()
    assert page.read_bytes() == original


def test_a_build_stopped_before_swapping_in_leaves_no_keys_to_trust(site: Site,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The keys of files that never went live must not be taken for the live site's files'."""
    site.build()
    site.edit("content/events/budget-basics.md", "title: Budget basics", "title: Budgets 101")

    def stop(*args: object) -> None:
        raise OSError(5, "stopped for the test")

    with monkeypatch.context() as patch:
        patch.setattr(write, "_exchange", stop)
        with pytest.raises(Exception):
            site.build()
    assert b"Budgets 101" not in (site.root / "output/events/budget-basics/index.html").read_bytes()
    site.build()
    assert site.files() == site.fresh()


def test_new_time_zone_rules_make_every_page_again(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """A country changing its clocks changes times on pages and in calendars: nothing may be kept."""
    site.build()
    assert site.build().rendered.kept
    monkeypatch.setattr(pipeline, "zone_rules", lambda key: b"TZif: the rules after an update")
    assert site.build().rendered.kept == 0
