"""The preview server's first look: the saved file's own page, made alone, before the full rebuild.

It must show what the full rebuild will show for that page, touch no other file,
and step aside (the full rebuild alone) whenever the save could move the item
between pages or lists, or has an error.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_builder.pipeline import Options, build
from site_builder.dev.preview import preview_page
from tests.conftest import small_site_options

STORY = "stories/health-partnership.md"


@pytest.fixture
def built(tmp_path: Path) -> tuple[Options, object]:
    options = small_site_options(tmp_path)
    build(options)
    return options, build(options).site  # a second build: its unchanged files are links to the first's


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_saved_title_and_body_show_on_the_page_exactly_as_the_full_build_makes_it(built, tmp_path) -> None:
    options, site = built
    story = options.content_dir / STORY
    story.write_text(story.read_text().replace("title: ", "title: Renamed ", 1) + "\nA new closing line.\n")
    before = files(options.output_dir)
    page = options.output_dir / "stories" / "health-partnership" / "index.html"
    visitor = page.open("rb")  # a visitor reading the page as the preview replaces it

    shown = preview_page(options, site, story)

    assert shown is not None and shown.url == "/stories/health-partnership/"
    after = files(options.output_dir)
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == {"stories/health-partnership/index.html"}
    assert visitor.read() == before["stories/health-partnership/index.html"]  # a new file, not written into
    visitor.close()
    build(options)
    assert (
        files(options.output_dir)["stories/health-partnership/index.html"]
        == after["stories/health-partnership/index.html"]
    )


def test_a_plain_page_renamed_shows_its_new_name_in_the_footer_too(built) -> None:
    options, site = built
    about = options.content_dir / "pages" / "about.md"
    about.write_text(about.read_text().replace("title: About this programme", "title: Zebra crossing", 1))
    shown = preview_page(options, site, about)
    assert shown is not None
    previewed = shown.path.read_bytes()
    assert b"About this programme" not in previewed
    build(options)
    assert shown.path.read_bytes() == previewed


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda text: text.replace("topics: [", "topics: [Gardening, ", 1), id="topics"),
        pytest.param(lambda text: text.replace("published: ", "draft: true\npublished: ", 1), id="draft"),
        pytest.param(lambda text: text.replace("published: 20", "published: 19", 1), id="date"),
        pytest.param(lambda text: text.replace("title: ", "title: [", 1), id="broken"),
    ],
)
def test_saves_that_could_move_the_item_or_have_errors_wait_for_the_full_build(built, edit) -> None:
    options, site = built
    story = options.content_dir / STORY
    story.write_text(edit(story.read_text()))
    before = files(options.output_dir)
    assert preview_page(options, site, story) is None
    assert files(options.output_dir) == before


def test_files_that_are_not_content_on_the_site_get_no_preview(built) -> None:
    options, site = built
    new = options.content_dir / "stories" / "brand-new.md"
    new.write_text((options.content_dir / STORY).read_text())
    for path in (new, options.content_dir / "site.yaml", options.content_dir / "media" / "x.png"):
        assert preview_page(options, site, path) is None


def test_the_preview_never_writes_through_a_link_in_the_live_site(built, tmp_path) -> None:
    options, site = built
    elsewhere = tmp_path / "elsewhere"
    shutil.move(options.output_dir / "stories", elsewhere)
    (options.output_dir / "stories").symlink_to(elsewhere, target_is_directory=True)
    before = files(elsewhere)
    story = options.content_dir / STORY
    story.write_text(story.read_text() + "\nA new closing line.\n")
    assert preview_page(options, site, story) is None
    assert files(elsewhere) == before


def test_no_preview_while_another_build_holds_the_output(built) -> None:
    import fcntl

    options, site = built
    story = options.content_dir / STORY
    story.write_text(story.read_text() + "\nA new closing line.\n")
    before = files(options.output_dir)
    with open(options.output_dir.parent / ".output.lock", "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert preview_page(options, site, story) is None
    assert files(options.output_dir) == before
