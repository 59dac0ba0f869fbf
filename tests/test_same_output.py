"""Speed never changes the result: the same bytes with one worker or many, with the cache or without,
after every kind of edit."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Callable

import pytest

from site_builder.speed.cache import SourceCache
from site_builder.pipeline import Options, Result, build, cache_folder
from tests.conftest import PROJECT, SITES, run_main


class Site:
    """A copy of the small fixture site, with its own templates and static files to edit."""

    def __init__(self, root: Path):
        self.root = root
        self.content = root / "content"
        self.templates = root / "templates"
        self.static = root / "static"
        shutil.copytree(SITES / "small", self.content)
        shutil.copytree(PROJECT / "site_builder" / "templates", self.templates)
        shutil.copytree(PROJECT / "site_builder" / "static", self.static)
        self.today = date(2027, 1, 15)

    def build(self, output: str = "output", cache: bool = True) -> Result:
        out = self.root / output
        return build(
            Options(
                self.content,
                out,
                today=self.today,
                templates_dir=self.templates,
                static_dir=self.static,
                base=self.root,
                workers=1,
                cache_dir=cache_folder(out) if cache else None,
            )
        )

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


EDITS: dict[str, Callable[[Site], None]] = {
    # A title is shown on other pages: listings, related items, its series, calendars and feeds.
    "a title": lambda s: s.edit("content/events/budget-basics.md", "title: Budget basics", "title: Budgets 101"),
    "a date": lambda s: s.edit("content/events/budget-basics.md", "start: 2026-11-10 12:30", "start: 2026-11-10 11:30"),
    "the topics": lambda s: s.edit("content/events/budget-basics.md", "topics: [Finance]", "topics: [Housing]"),
    "a draft published": lambda s: s.edit("content/events/draft-session.md", "draft: true", "draft: false"),
    "a new file": lambda s: shutil.copy(s.content / "events/budget-basics.md", s.content / "events/budget-2.md"),
    "a removed file": lambda s: (s.content / "stories/inclusive-workshop.md").unlink(),
    # Every page's footer lists the plain pages.
    "a new plain page": lambda s: shutil.copy(s.content / "pages/about.md", s.content / "pages/about-us.md"),
    "a plain page's title": lambda s: s.edit("content/pages/about.md", "title:", "title: All"),
    # An event shows its series' title; the series lists its events.
    "a series' title": lambda s: s.edit("content/series/money-matters.md", "title:", "title: Renamed"),
    "an event moved to another series": lambda s: s.edit(
        "content/events/budget-basics.md", "series: money-matters", "series: listening-well"
    ),
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


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_one_worker_and_many_give_byte_identical_sites(tmp_path: Path) -> None:
    outputs = []
    for jobs in ("1", "3"):
        out = tmp_path / f"jobs-{jobs}"
        run = run_main(
            "build",
            "--content",
            str(PROJECT / "content"),
            "--output",
            str(out),
            "--today",
            "2026-11-23",
            "--jobs",
            jobs,
        )
        assert run.code == 0, run.err
        outputs.append(snapshot(out))
    assert len(outputs[0]) > 100  # enough pages and calendars that the work is shared out
    assert outputs[0] == outputs[1]


def test_the_cache_never_changes_the_result(tmp_path: Path) -> None:
    content = tmp_path / "content"
    import shutil

    shutil.copytree(PROJECT / "content", content)
    out, fresh = tmp_path / "output", tmp_path / "fresh"

    def build(output: Path, *extra: str) -> dict[str, bytes]:
        run = run_main("build", "--content", str(content), "--output", str(output), "--today", "2026-11-23", *extra)
        assert run.code == 0, run.err
        return snapshot(output)

    cold = build(out)
    cache = tmp_path / ".output.cache" / "sources.json"
    assert len(SourceCache(cache.parent, b"").load()) == len(list(content.rglob("*.md")))
    assert build(out) == cold  # warm: every file from the cache
    assert build(fresh, "--no-cache") == cold
    assert not (tmp_path / ".fresh.cache").exists()

    # An edited file gets a new entry; the old one is pruned; the result matches a cache-free build.
    story = next((content / "stories").glob("*.md"))
    story.write_text(story.read_text().replace("---\n\n", "---\n\nA new first line.\n\n", 1))
    warm = build(out)
    assert warm == build(fresh, "--no-cache")
    assert len(SourceCache(cache.parent, b"").load()) == len(list(content.rglob("*.md")))

    # An edited event changes its calendar entries.
    event = content / "events" / "coastal-communities-2026-09.md"
    event.write_text(event.read_text().replace('title: "', 'title: "Changed ', 1))
    warm = build(out)
    assert warm == build(fresh, "--no-cache")
    assert any(b"SUMMARY:Changed " in data for path, data in warm.items() if path.endswith(".ics"))

    # A damaged cache is read as empty, not trusted.
    cache.write_bytes(b"not a cache")
    assert build(out) == warm
    cache.write_bytes(cache.read_bytes()[:100])
    assert build(out) == warm


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_every_kind_of_edit_comes_out_as_a_build_from_nothing(site: Site, edit: str) -> None:
    """Whatever changed (content, settings, templates, static files, the date), a rebuild with the cache and
    the previous output beside it makes exactly the site a build from nothing makes."""
    site.build()
    before = site.files()
    EDITS[edit](site)
    site.build()
    assert site.files() == site.fresh()
    assert site.files() != before
    site.build()  # and once more, from a warm cache with nothing changed
    assert site.files() == site.fresh()
