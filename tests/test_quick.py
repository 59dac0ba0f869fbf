"""serve's quick pages: after a save that changes only what an item says (its title, summary or body), the open
pages that show it are made from the last build in a moment. Each must be, byte for byte, the page the full
build then writes; any save that could move the item, or change more than its words, makes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from site_builder.dev.quick import quick_pages
from site_builder.pipeline import Loaded, Options, build
from tests.conftest import small_site_options


@pytest.fixture
def built(tmp_path: Path) -> tuple[Options, Loaded]:
    options = small_site_options(tmp_path)
    loaded = build(options).loaded
    assert loaded is not None
    return options, loaded


def every_page(output: Path) -> set[str]:
    return {path.relative_to(output).as_posix() for path in output.rglob("*.html")}


def edit(options: Options, file: str, change: Callable[[str], str]) -> Path:
    path = options.content_dir / file
    text = path.read_text(encoding="utf-8")
    assert change(text) != text
    path.write_text(change(text), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("file", "change", "shown_on"),
    [
        pytest.param(
            "events/grants-clinic.md",
            lambda text: text.replace("title: Grants clinic", "title: Grants clinic for everyone"),
            {"events/index.html", "topics/finance/index.html", "index.html", "events/grants-clinic/index.html"},
            id="an event's title",
        ),
        pytest.param(
            "events/grants-clinic.md",
            lambda text: text.replace("summary: Cancelled", "summary: Called off,") + "\nA new line.\n",
            {"events/index.html", "series/money-matters/index.html", "events/budget-basics/index.html"},
            id="an event's summary and body",
        ),
        pytest.param(
            "series/listening-well.md",
            lambda text: text.replace("title: Listening well", "title: Listening well together"),
            {"series/index.html", "topics/inclusion/index.html"},
            id="a series' title, keeping its place",
        ),
        pytest.param(
            "stories/health-partnership.md",
            lambda text: text.replace("summary: ", "summary: Renamed, ", 1),
            {"stories/index.html", "index.html"},
            id="a story's summary",
        ),
    ],
)
def test_every_page_made_at_once_is_the_page_the_full_build_writes(
    built: tuple[Options, Loaded], file: str, change: Callable[[str], str], shown_on: set[str]
) -> None:
    options, loaded = built
    assert options.output_dir is not None
    path = edit(options, file, change)
    made = quick_pages(options, loaded, path, every_page(options.output_dir))
    assert made is not None
    before = {rel: (options.output_dir / rel).read_bytes() for rel in made.pages}
    assert shown_on <= {rel for rel in made.pages if made.pages[rel] != before[rel]}  # they show the change
    build(options)
    for rel, data in made.pages.items():
        assert (options.output_dir / rel).read_bytes() == data, rel


def test_a_new_title_of_an_item_with_topics_leaves_other_items_pages_to_the_full_build(
    built: tuple[Options, Loaded],
) -> None:
    # Other items' related items are chosen by title, so their pages may change in ways only the build knows.
    options, loaded = built
    assert options.output_dir is not None
    path = edit(options, "events/grants-clinic.md", lambda text: text.replace("title: Grants", "title: Zzz grants"))
    made = quick_pages(options, loaded, path, every_page(options.output_dir))
    assert made is not None and "events/grants-clinic/index.html" in made.pages
    assert "series/money-matters/index.html" not in made.pages and "events/budget-basics/index.html" not in made.pages


@pytest.mark.parametrize(
    ("file", "change"),
    [
        pytest.param(
            "series/money-matters.md",
            lambda text: text.replace("title: Money matters", "title: All about money"),
            id="a title that moves the item in a list by title",
        ),
        pytest.param(
            "events/grants-clinic.md",
            lambda text: text.replace(
                "format: online", "format: hybrid\nvenue:\n  name: Hall\n  address: 1 Road, York"
            ),
            id="another field",
        ),
        pytest.param("events/grants-clinic.md", lambda text: text.replace("2027-02-16", "2027-02-15"), id="a date"),
        pytest.param(
            "events/grants-clinic.md",
            lambda text: text + "\nSee [the basics](budget-basics.md).\n",
            id="a link to a content file",
        ),
        pytest.param(
            "events/grants-clinic.md",
            lambda text: text.replace("series: money-matters", "series: listening-well"),
            id="another series",
        ),
        pytest.param("events/grants-clinic.md", lambda text: text.replace("title: ", "title: [", 1), id="an error"),
    ],
)
def test_a_save_that_could_move_the_item_or_change_more_than_its_words_makes_nothing(
    built: tuple[Options, Loaded], file: str, change: Callable[[str], str]
) -> None:
    options, loaded = built
    assert options.output_dir is not None and loaded.site is not None
    titles = [item.title for item in loaded.site.items]
    path = edit(options, file, change)
    assert quick_pages(options, loaded, path, every_page(options.output_dir)) is None
    assert [item.title for item in loaded.site.items] == titles  # the last build's site is as it was
