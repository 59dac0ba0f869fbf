"""A content type is one declaration (site_builder/content/types.py): adding one takes that, a template and content.

The test declares a new type, "recordings" (a title, a summary, a recorded date, a link), in a registry of
its own, gives it one template, and builds a fixture site with it: without a change to any module of the
builder, and without a class of its own (its items are plain model.Item, carrying the declared fields).
A field added to a type is likewise its declaration alone: an events type with one more field, and a
template that shows it, is all the site needs. Each stage must read the declaration: discover (its folder), validate (its fields), resolve (its
items, order and URL), render (its pages, list page and feed), the templates (the navigation, the A to Z,
topics), `new`, and the checks. The standard registry is left as it was: nothing global is changed.
"""

from __future__ import annotations

import dataclasses
import shutil
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import feedparser
import pytest

from site_builder.content.config import Config
from site_builder.errors import ContentErrors
from site_builder.site.model import Item
from site_builder.pipeline import PACKAGE_DIR, Options, build, load_site
from site_builder.dev.scaffold import scaffold
from site_builder.content.schema import Choice, Day, Field, Fields, Link, Text
from site_builder.content.types import STANDARD_TYPES, ContentType, ContentTypes
from tests.pages import read_page

TODAY = date(2027, 1, 15)


# ---------------------------------------------------------------- the new type: its declaration


def newest_recorded_first(items: list[Any], config: Config) -> tuple:
    return tuple(sorted(items, key=lambda item: (-item.recorded.toordinal(), item.slug)))


RECORDINGS = ContentType(
    "recordings",
    "Recording",
    "Recordings",
    Item,
    "recording.html",
    fields=(
        Field("recorded", Day(), "The day it was recorded", required=True, example="2026-11-04"),
        Field(
            "link",
            Link("https", example="https://video.example.org/talk"),
            "Where to watch or listen",
            required=True,
            example="https://video.example.org/talk",
        ),
    ),
    aliases=("recording",),
    order=newest_recorded_first,
    description="Talks and workshops, recorded to watch or listen to again.",
    feed=True,
    dated=True,  # its cards and search results show the day each was published
)

TYPES = ContentTypes(*STANDARD_TYPES, RECORDINGS)

# Its one template.
RECORDING_TEMPLATE = """\
{% extends "base.html" %}
{% from "_macros.html" import topic_tags, related %}
{% block main %}
<article class="item">
<h1>{{ item.title }}</h1>
<p class="lead">{{ item.summary }}</p>
<p class="item__meta">Recorded <time datetime="{{ item.recorded | iso }}">{{ item.recorded | short_date }}</time>.</p>
<p><a href="{{ item.link }}">Watch or listen to the recording</a></p>
<div class="prose">
{{ body | safe }}
</div>
{{ topic_tags(item) }}
</article>
{{ related(item) }}
{% endblock %}
"""

# Its fixture: two recordings, and an event that shares a topic with one of them.
CONTENT = {
    "site.yaml": """
        title: Recorded site
        base_url: https://recorded.example.org/
        """,
    "recordings/listening-well-talk.md": """
        ---
        title: Listening well, the talk
        summary: The opening talk of the listening series, recorded with captions.
        recorded: 2026-10-02
        link: https://video.example.org/listening-well
        topics: [Listening]
        published: 2026-10-05
        ---

        The talk, with **captions** and a transcript.
        """,
    "recordings/funding-panel.md": """
        ---
        title: Funding panel
        summary: Three funders answer questions from residents about applying.
        recorded: 2026-12-01
        link: https://video.example.org/funding-panel
        published: 2026-12-03
        ---

        The panel.
        """,
    "events/listening-circle.md": """
        ---
        title: Listening circle
        summary: A relaxed session to practise listening in a small group.
        start: 2027-02-04 18:00
        end: 2027-02-04 19:30
        format: online
        topics: [Listening]
        published: 2027-01-02
        ---

        Bring a cup of tea.
        """,
}


def write_site(root: Path, content: dict[str, str] = CONTENT) -> tuple[Path, Path]:
    """The fixture's content folder, and the builder's templates with the new type's one beside them."""
    for rel, text in content.items():
        path = root / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    templates = root / "templates"
    shutil.copytree(PACKAGE_DIR / "templates", templates)
    (templates / "recording.html").write_text(RECORDING_TEMPLATE, encoding="utf-8")
    return root / "content", templates


def options(root: Path, content: Path, templates: Path, types: ContentTypes = TYPES) -> Options:
    return Options(
        content_dir=content,
        output_dir=root / "output",
        today=TODAY,
        templates_dir=templates,
        base=root,
        workers=1,
        types=types,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("recordings")
    content, templates = write_site(root)
    result = build(options(root, content, templates))
    assert [p for p in result.problems if p.is_error] == []
    return root / "output"


# ---------------------------------------------------------------- what the build makes of it


def test_each_recording_has_its_page_from_its_template(built: Path) -> None:
    page = built / "recordings" / "listening-well-talk" / "index.html"
    html = page.read_text()
    facts = read_page(page)
    assert facts.h1_count == 1 and "Listening well, the talk" in facts.text
    assert '<time datetime="2026-10-02">2 October 2026</time>' in html
    assert '<a href="https://video.example.org/listening-well">' in html
    assert "<strong>captions</strong>" in html  # its body
    assert facts.canonical == "https://recorded.example.org/recordings/listening-well-talk/"
    # Its breadcrumbs lead to its section, named by the declaration.
    assert '<li><a href="/recordings/">Recordings</a></li>' in html.split('aria-label="Breadcrumb"')[1]


def test_its_list_page_lists_them_in_the_declared_order_and_offers_its_feed(built: Path) -> None:
    listing = built / "recordings" / "index.html"
    html = listing.read_text()
    facts = read_page(listing)
    assert "Recordings" in facts.text
    assert facts.description == RECORDINGS.description
    newest, older = html.index("/recordings/funding-panel/"), html.index("/recordings/listening-well-talk/")
    assert newest < older  # newest recorded first, as its `order` says
    assert '<p class="card__type">Recording</p>' in html
    assert '<p class="card__meta">Published <time datetime="2026-12-03">3 December 2026</time></p>' in html
    assert ("application/rss+xml", "/recordings/feed.xml") in facts.alternates
    assert '<a href="/recordings/feed.xml">Subscribe to new recordings</a> with a feed reader (RSS)' in html


def test_it_is_a_section_in_the_navigation_of_every_page(built: Path) -> None:
    for path in (built / "index.html", built / "events" / "index.html", built / "topics" / "listening" / "index.html"):
        nav = path.read_text().split('<nav class="site-nav"')[1].split("</nav>")[0]
        assert '<a href="/recordings/">Recordings</a>' in nav, path
        assert nav.index('href="/resources/"') < nav.index('href="/recordings/"') < nav.index('href="/topics/"')
    own = (built / "recordings" / "index.html").read_text().split('<nav class="site-nav"')[1]
    assert '<a href="/recordings/" aria-current="page">Recordings</a>' in own
    inside = (built / "recordings" / "funding-panel" / "index.html").read_text().split('<nav class="site-nav"')[1]
    assert '<a href="/recordings/" aria-current="true">Recordings</a>' in inside


def test_it_is_in_the_a_to_z_the_search_index_topics_and_related_items(built: Path) -> None:
    search = (built / "search" / "index.html").read_text()
    assert '<li><a href="#all-recordings">Recordings</a></li>' in search
    assert '<h3 id="all-recordings">Recordings</h3>' in search
    for slug in ("listening-well-talk", "funding-panel"):  # indexed by Pagefind, filtered by their type
        page = (built / "recordings" / slug / "index.html").read_text()
        assert "data-pagefind-body" in page
        assert '<span data-pagefind-filter="type" data-pagefind-meta="type">Recording</span>' in page
        assert '<span data-pagefind-meta="date">Published ' in page
    topic = (built / "topics" / "listening" / "index.html").read_text()
    assert '<h2 id="topic-recordings">Recordings</h2>' in topic
    event = (built / "events" / "listening-circle" / "index.html").read_text()
    assert "/recordings/listening-well-talk/" in event.split('id="related-heading"')[1]  # shares a topic
    sitemap = (built / "sitemap.xml").read_text()
    assert "https://recorded.example.org/recordings/" in sitemap
    assert "https://recorded.example.org/recordings/funding-panel/" in sitemap


def test_its_feed_and_the_news_feed_carry_it(built: Path) -> None:
    own = feedparser.parse((built / "recordings" / "feed.xml").read_bytes())
    assert not own.bozo
    assert own.feed.title == "Recordings: Recorded site"
    assert [e.title for e in own.entries] == ["Funding panel", "Listening well, the talk"]
    assert own.entries[0].link == "https://recorded.example.org/recordings/funding-panel/"
    assert "Recording" in [tag.term for tag in own.entries[0].tags]
    news = feedparser.parse((built / "feed.xml").read_bytes())
    assert {"Funding panel", "Listening well, the talk"} <= {e.title for e in news.entries}


# ---------------------------------------------------------------- the other stages read it too


def test_its_fields_are_checked_with_file_line_and_field(tmp_path: Path) -> None:
    broken = dict(CONTENT)
    broken["recordings/funding-panel.md"] = """
        ---
        title: Funding panel
        summary: Three funders answer questions from residents about applying.
        recorded: 1 December 2026
        link: http://video.example.org/funding-panel
        duration: 50
        ---
        """
    content, templates = write_site(tmp_path, broken)
    with pytest.raises(ContentErrors) as raised:
        build(options(tmp_path, content, templates))
    shown = [(p.path, p.line, p.field, p.is_error) for p in raised.value.problems]
    assert ("content/recordings/funding-panel.md", 4, "recorded", True) in shown
    assert ("content/recordings/funding-panel.md", 5, "link", True) in shown
    assert ("content/recordings/funding-panel.md", 6, "duration", False) in shown  # unknown field: a warning
    assert not (tmp_path / "output").exists()

    # Once fixed, but not published: a type whose items are news expects the day it was announced.
    (content / "recordings" / "funding-panel.md").write_text(
        textwrap.dedent(CONTENT["recordings/funding-panel.md"]).lstrip("\n").replace("published: 2026-12-03\n", "")
    )
    loaded = load_site(options(tmp_path, content, templates))
    assert loaded.site is not None
    assert [(p.path, p.field, p.is_error) for p in loaded.problems] == [
        ("content/recordings/funding-panel.md", "published", False)
    ]


def test_new_writes_every_field_of_the_new_type(tmp_path: Path) -> None:
    content, templates = write_site(tmp_path)
    path = scaffold("recording", "Budgeting workshop", content, TODAY, TYPES)
    assert path == content / "recordings" / "budgeting-workshop.md"
    text = path.read_text()
    assert "\nrecorded:" in text and "\nlink:" in text and "The day it was recorded (required)" in text
    path.write_text(
        text.replace("\nsummary:", "\nsummary: Planning a year's budget together, step by step.")
        .replace("\nrecorded:", "\nrecorded: 2027-01-10")
        .replace("\nlink:", "\nlink: https://video.example.org/budgeting")
    )
    loaded = load_site(options(tmp_path, content, templates))
    assert [p for p in loaded.problems if p.is_error] == []
    assert loaded.site is not None
    assert [r.title for r in loaded.site.recordings][0] == "Budgeting workshop"
    assert loaded.site.types is TYPES


def test_the_standard_registry_is_left_as_it_was(tmp_path: Path) -> None:
    """The new type lives in the registry passed in; a build with the standard one does not know it."""
    content, templates = write_site(tmp_path)
    build(options(tmp_path, content, templates))
    assert "recordings" not in STANDARD_TYPES and len(STANDARD_TYPES) == 7
    loaded = load_site(options(tmp_path, content, templates, types=STANDARD_TYPES))
    assert loaded.site is not None and "recordings" not in loaded.site.collections
    assert any(p.path == "content/recordings" and "is not a content type" in p.message for p in loaded.problems)


def test_its_folder_and_its_sections_own_pages_are_addresses_no_other_item_may_take(tmp_path: Path) -> None:
    clashing = dict(CONTENT)
    clashing["pages/recordings.md"] = """
        ---
        title: About our recordings
        summary: How we record talks, and how to ask for a transcript.
        ---
        """
    clashing["recordings/page.md"] = """
        ---
        title: Page of recordings
        summary: A recording whose file name is one the section's pages use.
        recorded: 2026-11-01
        link: https://video.example.org/page
        published: 2026-11-02
        ---
        """
    content, templates = write_site(tmp_path, clashing)
    loaded = load_site(options(tmp_path, content, templates))
    messages = {(p.path, p.message) for p in loaded.problems if p.is_error}
    assert (
        "content/pages/recordings.md",
        "'recordings' is a section of the site (expected another slug for this page)",
    ) in messages
    assert (
        "content/recordings/page.md",
        "'page' is used by the site for /recordings/page/ (expected another slug)",
    ) in messages
    # With the standard registry there is no such section, and the page may have the address.
    loaded = load_site(options(tmp_path, content, templates, types=STANDARD_TYPES))
    assert not any(p.path == "content/pages/recordings.md" for p in loaded.problems)


def test_the_cache_of_content_files_is_keyed_by_the_declarations() -> None:
    """What a build keeps of a content file was read against the declarations: other declarations, other keys."""
    assert ContentTypes(*STANDARD_TYPES).signature() == STANDARD_TYPES.signature()
    assert TYPES.signature() != STANDARD_TYPES.signature()
    assert "0x" not in TYPES.signature()  # no object addresses: the same declarations give the same key every run


# ---------------------------------------------------------------- a field added to a type

# The events type with two more fields: a language with a default, and a host with fields of its own.
EVENTS = STANDARD_TYPES["events"]
WITH_LANGUAGE = ContentTypes(
    *(
        dataclasses.replace(
            t,
            fields=(
                *t.fields,
                Field(
                    "language",
                    Choice("English", "Welsh", "British Sign Language", noun="one of the languages"),
                    "The language it is held in (default English)",
                    default="English",
                ),
                Field(
                    "host",
                    Fields(
                        Field("name", Text(), "Who hosts it", required=True),
                        Field("url", Link("https"), "Their website"),
                    ),
                    "The organisation hosting it",
                ),
            ),
        )
        if t is EVENTS
        else t
        for t in STANDARD_TYPES
    )
)

# The template of events, showing them: the only other change.
SHOWN = """<p class="lead">{{ item.summary }}</p>
<p class="language">In {{ item.language }}{% if item.host %}, hosted by <a href="{{ item.host.url }}">{{ item.host.name }}</a>{% endif %}.</p>
"""


def test_a_field_declared_for_a_type_reaches_its_template_with_no_other_change(tmp_path: Path) -> None:
    content = {
        "site.yaml": CONTENT["site.yaml"],
        "events/in-welsh.md": """
            ---
            title: Sgwrs am wrando
            summary: A listening circle held in Welsh, hosted by a partner.
            start: 2027-02-04 18:00
            end: 2027-02-04 19:30
            format: online
            published: 2027-01-02
            language: Welsh
            host:
              name: Menter Iaith
              url: https://menter.example.org/
            ---
            """,
        "events/in-english.md": """
            ---
            title: Listening circle
            summary: A relaxed session to practise listening in a small group.
            start: 2027-02-05 18:00
            end: 2027-02-05 19:30
            format: online
            published: 2027-01-02
            ---
            """,
    }
    folder, templates = write_site(tmp_path, content)
    event_template = templates / "event.html"
    original = event_template.read_text()
    assert original.count('<p class="lead">{{ item.summary }}</p>\n') == 1
    event_template.write_text(original.replace('<p class="lead">{{ item.summary }}</p>\n', SHOWN))

    result = build(options(tmp_path, folder, templates, types=WITH_LANGUAGE))
    assert result.problems == []  # the fields are known: no "unknown field" warning
    welsh = (tmp_path / "output" / "events" / "in-welsh" / "index.html").read_text()
    assert (
        '<p class="language">In Welsh, hosted by <a href="https://menter.example.org/">Menter Iaith</a>.</p>' in welsh
    )
    english = (tmp_path / "output" / "events" / "in-english" / "index.html").read_text()
    assert '<p class="language">In English.</p>' in english  # the declared default, and no host

    # Checked as it is declared, with file, line and field, like any other.
    (folder / "events" / "in-english.md").write_text(
        textwrap.dedent(content["events/in-english.md"])
        .lstrip("\n")
        .replace("format: online", "format: online\nlanguage: French")
    )
    loaded = load_site(options(tmp_path, folder, templates, types=WITH_LANGUAGE))
    assert [(p.path, p.line, p.field) for p in loaded.problems if p.is_error] == [
        ("content/events/in-english.md", 7, "language")
    ]

    # The standard registry does not know the fields: the same files warn of them, and carry nothing.
    loaded = load_site(options(tmp_path, folder, templates, types=STANDARD_TYPES))
    assert {(p.path, p.field) for p in loaded.problems} >= {
        ("content/events/in-welsh.md", "language"),
        ("content/events/in-welsh.md", "host"),
    }
    assert loaded.site is not None and not hasattr(loaded.site.events[0], "language")


def test_a_field_whose_name_items_already_use_is_refused_where_it_is_declared() -> None:
    clash = dataclasses.replace(RECORDINGS, fields=(*RECORDINGS.fields, Field("url", Link("https"), "A mirror")))
    with pytest.raises(ValueError, match=r"recordings: its items cannot carry the fields \['url'\]"):
        ContentTypes(*STANDARD_TYPES, clash)
    renamed = dataclasses.replace(
        RECORDINGS, fields=(*RECORDINGS.fields, Field("url", Link("https"), "A mirror", attribute="mirror"))
    )
    assert ContentTypes(*STANDARD_TYPES, renamed)["recordings"].fields[-1].carried_as == "mirror"
