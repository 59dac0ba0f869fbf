"""A rebuild keeps the pages nothing has changed, and never a stale one.

Every page and calendar is keyed by what it is made from: the templates, the
static files, the code, the settings, the build date, at most its own item's
body, and the site's front matter (listings: all of it; an item's own page: what
it read of it). A rebuild keeps the live file of an unchanged key and makes the
rest, so editing a body makes one page again and editing a title the pages that
show it; every kind of edit must come out exactly as a build from nothing.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Callable

import pytest

from site_builder import pipeline, render, write
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
        shutil.copytree(PROJECT / "site_builder" / "templates", self.templates)
        shutil.copytree(PROJECT / "site_builder" / "static", self.static)
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
    assert not first.rendered.kept and len(first.rendered.keys) > 40
    again = site.build()
    assert again.rendered.kept == set(again.rendered.keys)
    assert site.files() == site.fresh()

    site.edit("content/events/budget-basics.md", "Notes from this session", "The notes from this session")
    edited = site.build()
    assert set(edited.rendered.keys) - edited.rendered.kept == {"events/budget-basics/index.html"}
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
    # Every page's footer lists the plain pages.
    "a new plain page": lambda s: shutil.copy(s.content / "pages/about.md", s.content / "pages/about-us.md"),
    "a plain page's title": lambda s: s.edit("content/pages/about.md", "title:", "title: All"),
    # An event shows its series' title; the series lists its events.
    "a series' title": lambda s: s.edit("content/series/money-matters.md", "title:", "title: Renamed"),
    "an event moved to another series": lambda s: s.edit("content/events/budget-basics.md",
                                                         "series: money-matters", "series: listening-well"),
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
    assert result.rendered.kept < set(result.rendered.keys)


def test_a_title_edit_makes_again_only_the_pages_that_read_that_item(site: Site) -> None:
    site.build()
    site.build()
    site.edit("content/events/budget-basics.md", "title: Budget basics", "title: Budgets 101")
    result = site.build()
    made = set(result.rendered.keys) - result.rendered.kept
    assert {"events/budget-basics/index.html", "events/budget-basics.ics"} <= made
    # An item's own page or calendar is made again if, and only if, it read the event.
    own = {path for path, reads in result.rendered.reads.items() if reads is not None}
    readers = {path for path in own if ("item", "/events/budget-basics/") in result.rendered.reads[path]}
    assert made & own == readers
    assert len(own - readers) > 10, "the pages that did not read the event were kept"
    assert site.files() == site.fresh()


FIELDS = {"title": ("title:", "title: Renamed"), "summary": ("summary:", "summary: Now"),
          "topics": ("topics: [", "topics: [Renamed, ")}


@pytest.mark.parametrize("field", FIELDS)
def test_any_items_field_edited_comes_out_as_a_build_from_nothing(site: Site, field: str) -> None:
    """Each item in turn: a title or summary is shown wherever the item is listed, carded or related, and
    its topics decide where it is listed and what is related to it."""
    site.build()
    old, new = FIELDS[field]
    files = sorted(p for p in site.content.rglob("*.md") if old in p.read_text())
    assert len(files) > 10
    for path in files:
        text = path.read_text()
        path.write_text(text.replace(old, new, 1))
        site.build()
        assert site.files() == site.fresh(), path.name
        path.write_text(text)


def test_a_template_that_reads_the_whole_site_is_keyed_by_it(site: Site) -> None:
    """What a method of the Site reads cannot be noted: such a page depends on everything."""
    site.edit("templates/event.html", "{{ topic_tags(item) }}",
              "{{ topic_tags(item) }}<p>{{ site.collection('stories') | map(attribute='title') | join(', ') }}</p>")
    site.build()
    site.edit("content/stories/health-partnership.md", "title:", "title: Renamed")
    result = site.build()
    assert result.rendered.reads["events/budget-basics/index.html"] is None
    assert b"Renamed" in (site.root / "output/events/budget-basics/index.html").read_bytes()
    assert site.files() == site.fresh()


# Templates that read a property of an item or topic, and nothing else of the items it hands back: what
# it hands back depends on the items it links to, so the page does too.
THROUGH_LINKS: dict[str, Callable[[Site], None]] = {
    "a series' upcoming and past events, counted": lambda s: (
        s.edit("templates/series.html", "{% for event in item.upcoming %}{{ card(event) }}{% endfor %}",
               "{{ item.upcoming | length }}"),
        s.edit("templates/series.html", "{% for event in item.past %}{{ card(event) }}{% endfor %}",
               "{{ item.past | length }}"),
        # Without topics, an event is no one's related item, past or not: only the series' lists change.
        s.edit("content/events/budget-basics.md", "topics: [Finance]\n", ""),
        s.build(), s.build(),
        s.edit("content/events/budget-basics.md", "start: 2026-11-10 12:30\nend: 2026-11-10 13:30",
               "start: 2027-01-20 12:30\nend: 2027-01-20 13:30")),
    "a topic's items, counted": lambda s: (
        s.edit("templates/event.html", "{{ topic_tags(item) }}",
               "{{ topic_tags(item) }}{% for topic in item.topics %}<p>{{ topic.items | length }}</p>{% endfor %}"),
        s.build(), s.build(),
        # A past event is no one's related item: only the topic's items change.
        (s.content / "events/budget-3.md").write_text(
            (s.content / "events/budget-basics.md").read_text().replace("series: money-matters\n", ""))),
}


@pytest.mark.parametrize("case", THROUGH_LINKS, ids=list(THROUGH_LINKS))
def test_a_property_read_through_links_comes_out_as_a_build_from_nothing(site: Site, case: str) -> None:
    THROUGH_LINKS[case](site)
    result = site.build()
    assert result.rendered.kept, "some pages were kept"
    assert site.files() == site.fresh()


# Edits that move items from one page of a long list to another.
REORDERING: dict[str, Callable[[Site], None]] = {
    "a past event's date": lambda s: s.edit("content/events/homes-cluster-autumn.md",
                                            "start: 2026-10-14 10:30\nend: 2026-10-14",
                                            "start: 2026-12-01 10:30\nend: 2026-12-01"),
    "a series' title": lambda s: s.edit("content/series/money-matters.md", "title: ", "title: A "),
    "a new story": lambda s: shutil.copy(s.content / "stories/inclusive-workshop.md", s.content / "stories/a-new.md"),
    "a removed story": lambda s: (s.content / "stories/inclusive-workshop.md").unlink(),
}


@pytest.mark.parametrize("edit", REORDERING, ids=list(REORDERING))
def test_lists_paged_one_item_a_page_come_out_as_a_build_from_nothing(site: Site, edit: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A listing is keyed by which items it is given, in what order, and what it read of them."""
    monkeypatch.setattr(render, "PAST_EVENTS_PER_PAGE", 1)
    monkeypatch.setattr(render, "ITEMS_PER_PAGE", 1)
    site.build()
    site.build()
    assert (site.root / "output/events/past/page/2/index.html").exists()
    REORDERING[edit](site)
    result = site.build()
    assert result.rendered.kept
    assert site.files() == site.fresh()


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
    assert not site.build().rendered.kept
