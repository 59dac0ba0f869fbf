"""Related items: an item's page lists up to four others that share the most topics with it.

Ties are broken by type (events first, then series, clusters, offers, stories,
resources) and then by title. Past events and plain pages are never offered,
and an item is never related to itself.
"""

from __future__ import annotations

from datetime import date

from site_builder.pipeline import Options, load_site
from tests.conftest import Scratch


def _event(scratch: Scratch, slug: str, topics: str, day: str = "2027-03-04") -> None:
    scratch.write(
        f"events/{slug}.md",
        f"---\ntitle: {slug.title()}\nsummary: About {slug}.\n"
        f"start: {day} 18:00\nend: {day} 19:00\n"
        f"format: online\ntopics: [{topics}]\n---\n",
    )


def _story(scratch: Scratch, slug: str, topics: str) -> None:
    scratch.write(
        f"stories/{slug}.md",
        f"---\ntitle: {slug.title()}\nsummary: About {slug}.\npublished: 2026-05-01\ntopics: [{topics}]\n---\n",
    )


def _related(scratch: Scratch) -> dict[str, list[str]]:
    loaded = load_site(Options(content_dir=scratch.content, today=date(2027, 1, 15), workers=1))
    assert loaded.site is not None, loaded.problems
    site = loaded.site
    items = [*site.events, *site.stories]
    return {item.slug: [other.slug for other in item.related] for item in items}


def test_most_shared_topics_first_then_type_then_title(scratch: Scratch) -> None:
    _event(scratch, "anchor", "Food, Housing, Money")
    _event(scratch, "zebra", "Food, Housing, Money")  # shares three
    _story(scratch, "apple", "Food, Housing")  # shares two, a story
    _event(scratch, "yak", "Housing, Money")  # shares two, an event: before the story
    _event(scratch, "bee", "Food")  # shares one
    _event(scratch, "ant", "Money")  # shares one, and comes first by title
    _event(scratch, "loner", "Gardening")  # shares none
    related = _related(scratch)
    assert related["anchor"] == ["zebra", "yak", "apple", "ant"]
    assert related["loner"] == []


def test_past_events_are_not_offered_but_have_their_own_related(scratch: Scratch) -> None:
    _event(scratch, "old", "Food", day="2026-03-04")
    _event(scratch, "new", "Food")
    _story(scratch, "tale", "Food")
    related = _related(scratch)
    assert related["new"] == ["tale"]
    assert related["old"] == ["new", "tale"]


def test_items_with_the_same_topics_do_not_list_themselves(scratch: Scratch) -> None:
    for name in ("one", "two", "three", "four", "five", "six"):
        _event(scratch, name, "Food, Money")
    related = _related(scratch)
    assert related["five"] == ["four", "one", "six", "three"]
    assert related["one"] == ["five", "four", "six", "three"]
    assert all(slug not in others for slug, others in related.items())


def test_related_items_appear_on_the_page(scratch: Scratch) -> None:
    _story(scratch, "tale", "Food")
    _event(scratch, "talk", "Food")
    assert scratch.build().code == 0
    page = (scratch.root / "output" / "stories" / "tale" / "index.html").read_text()
    section = page[page.index('<section class="related"') :]
    assert 'href="/events/talk/"' in section[: section.index("</section>")]
