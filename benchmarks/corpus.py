"""Generate the benchmark corpus: N event pages, in the shape each generator reads.

Usage: `python benchmarks/corpus.py --events 1000 --output DIR` writes

    DIR/ours/      this project's content folder: site.yaml + events/*.md
    DIR/hugo/      a Hugo site: hugo.toml, content/events/*.md, layouts/
    DIR/eleventy/  an Eleventy site: eleventy.config.mjs, src/events/*.md, src/_includes/
    DIR/pelican/   a Pelican site: pelicanconf.py, content/events/*.md

from the same data. Every event has about 500 words of varied Markdown
(headings, paragraphs, bullet and numbered lists, links, emphasis, a quote).
The data is deterministic: a fixed seed, and event i is the same in every
corpus of more than i events (it only links to events before it), so the
1,000-event corpus is the first 1,000 events of the 5,000-event one.

Each peer is configured to build the same three things: one page per event
at /events/<slug>/, one listing of every event, and an RSS feed of the 50
newest (this project's own feed limit); peers' extras (taxonomies,
sitemaps, category and author pages) are switched off.
"""

from __future__ import annotations

import argparse
import json
import random
import os
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterator

SEED = 20270101
SHAPES = ("ours", "hugo", "eleventy", "pelican")
BASE_URL = "https://bench.example.org/"
SITE_TITLE = "Benchmark learning events"
FEED_ITEMS = 50
FIRST_DAY = date(2026, 1, 5)  # events spread over three years around the default --today
TODAY = "2027-01-01"  # the build date run.py passes to this project

TOPICS = [
    "Community energy",
    "Housing",
    "Youth work",
    "Health and wellbeing",
    "Inclusion",
    "Campaigning",
    "Funding",
    "Volunteering",
    "Data and evidence",
    "Green spaces",
    "Local economy",
    "Arts and culture",
]

# A plain vocabulary, so that word and sentence lengths look like real prose.
WORDS = """
community partnership residents neighbourhood project funding volunteers meeting plan
local group support change people area learning session question answer share listen
evidence report impact money budget grant trust council school library centre hall park
garden street market youth older family children carers health wellbeing housing energy
transport food bank shop café festival event workshop training toolkit guide practice
idea story voice decision power campaign petition survey data map survey result lesson
success challenge barrier access inclusion welcome difference culture language faith
together everyone somebody nobody anyone first second last next early late small large
new old open closed clear simple careful honest practical useful friendly quiet busy
build make take give find keep start finish agree decide choose learn teach help ask
write read speak talk meet visit invite welcome explain describe measure count test try
because although while when where how why which what whose after before during between
across around through without within about against among toward beyond under over into
""".split()

HEADINGS = [
    "What to expect",
    "Who it is for",
    "How the session works",
    "Before you come",
    "What you will take away",
    "Agenda",
    "About the facilitators",
    "Getting there online",
    "Accessibility",
    "Questions we will explore",
    "Further reading",
    "After the session",
]

LINK_TEXTS = [
    "the toolkit",
    "our guide",
    "last year's report",
    "the booking page",
    "this short video",
    "the partner's site",
    "the summary notes",
]


@dataclass(frozen=True)
class Event:
    """One generated event, independent of any generator's format."""

    index: int
    slug: str
    title: str
    summary: str
    start: datetime
    end: datetime
    published: date
    topics: tuple[str, ...]
    body: str  # Markdown, no front matter, no level-1 heading


def _sentence(rng: random.Random, words: int | None = None) -> str:
    count = words or rng.randint(8, 18)
    chosen = [rng.choice(WORDS) for _ in range(count)]
    sentence = " ".join(chosen)
    return sentence[0].upper() + sentence[1:] + rng.choice([".", ".", ".", "?", "!"])


def _decorate(rng: random.Random, sentence: str, link_targets: list[str]) -> str:
    """Add emphasis, strong text or a link inside a sentence, sometimes."""
    words = sentence.split(" ")
    roll = rng.random()
    if roll < 0.2 and len(words) > 4:
        i = rng.randrange(1, len(words) - 2)
        words[i] = f"*{words[i]}*"
    elif roll < 0.35 and len(words) > 5:
        i = rng.randrange(1, len(words) - 3)
        words[i : i + 2] = [f"**{words[i]} {words[i + 1]}**"]
    elif roll < 0.5 and len(words) > 4:
        i = rng.randrange(1, len(words) - 2)
        target = rng.choice(link_targets)
        words[i] = f"[{rng.choice(LINK_TEXTS)}]({target})"
    return " ".join(words)


def _paragraph(rng: random.Random, link_targets: list[str]) -> str:
    return " ".join(_decorate(rng, _sentence(rng), link_targets) for _ in range(rng.randint(3, 6)))


def _body(rng: random.Random, index: int, slugs: list[str]) -> str:
    """About 500 words of Markdown, with the block and inline kinds editors use."""
    external = [f"https://example.org/resources/{rng.choice(WORDS)}-{rng.randint(1, 99)}" for _ in range(3)]
    # Site-internal links only to earlier events, so every target exists in any corpus size.
    internal = [f"/events/{slugs[rng.randrange(index)]}/" for _ in range(2)] if index else []
    targets = external + internal
    target_words = rng.randint(400, 480)  # the last block overshoots by ~50
    blocks: list[str] = [_paragraph(rng, targets)]
    headings = rng.sample(HEADINGS, len(HEADINGS))
    kinds = ["paragraph", "bullets", "paragraph", "numbered", "paragraph", "quote"]
    words = len(blocks[0].split())
    step = 0
    while words < target_words:
        if step % 2 == 0:
            level = "##" if step % 4 == 0 else "###"
            blocks.append(f"{level} {headings[(step // 2) % len(headings)]}")
        kind = kinds[(step + index) % len(kinds)]
        if kind == "bullets":
            block = "\n".join(
                f"- {_decorate(rng, _sentence(rng, rng.randint(4, 10)), targets)}" for _ in range(rng.randint(3, 6))
            )
        elif kind == "numbered":
            block = "\n".join(f"{n}. {_sentence(rng, rng.randint(4, 10))}" for n in range(1, rng.randint(3, 6) + 1))
        elif kind == "quote":
            block = "> " + _sentence(rng, rng.randint(10, 20))
        else:
            block = _paragraph(rng, targets)
        blocks.append(block)
        words += len(block.split())
        step += 1
    return "\n\n".join(blocks) + "\n"


def make_events(count: int, seed: int = SEED) -> list[Event]:
    """The first `count` events of the corpus, the same for a given seed."""
    rng = random.Random(seed)
    events: list[Event] = []
    slugs: list[str] = []
    for index in range(count):
        name = [rng.choice(WORDS) for _ in range(rng.randint(2, 4))]
        slug = f"event-{index:05d}-" + "-".join(w for w in name if w.isascii())
        slug = slug.rstrip("-")
        slugs.append(slug)
        title = " ".join(name).capitalize() + rng.choice(["", ": an introduction", " workshop", " for partnerships"])
        summary = _sentence(rng, rng.randint(15, 30))
        day = FIRST_DAY + timedelta(days=rng.randrange(3 * 365))
        start = datetime(day.year, day.month, day.day, rng.randint(9, 17), rng.choice([0, 30]))
        end = start + timedelta(minutes=rng.choice([60, 90, 120, 180]))
        published = day - timedelta(days=rng.randint(14, 90))
        topics = tuple(sorted(rng.sample(TOPICS, rng.randint(1, 3))))
        events.append(Event(index, slug, title, summary, start, end, published, topics, _body(rng, index, slugs)))
    return events


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


Files = Iterator[tuple[Path, str]]  # each file of a corpus: its path and text


# --- (a) this project -------------------------------------------------------


def write_ours(root: Path, events: list[Event]) -> Files:
    """site.yaml + events/*.md with the content contract's event fields."""
    yield (
        root / "site.yaml",
        (
            f"title: {SITE_TITLE}\nbase_url: {BASE_URL}\nlanguage: en-GB\n"
            "timezone: Europe/London\ndescription: A generated corpus for benchmarks.\n"
            "organisation: Benchmark Trust\n"
        ),
    )
    for event in events:
        yield (
            root / "events" / f"{event.slug}.md",
            (
                "---\n"
                f"title: {_q(event.title)}\n"
                f"summary: {_q(event.summary)}\n"
                f"start: {event.start:%Y-%m-%d %H:%M}\n"
                f"end: {event.end:%Y-%m-%d %H:%M}\n"
                "format: online\n"
                f"topics: [{', '.join(_q(t) for t in event.topics)}]\n"
                f"published: {event.published.isoformat()}\n"
                "---\n\n" + event.body
            ),
        )


# --- (b) Hugo ------------------------------------------------------------------

HUGO_CONFIG = f"""baseURL = "{BASE_URL}"
title = "{SITE_TITLE}"
locale = "en-GB"
buildFuture = true  # events are announced with future dates too
# One page per event, the events listing and its RSS feed; no taxonomies or sitemap.
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404"]

[outputs]
home = ["html"]
section = ["html", "rss"]
page = ["html"]

[services.rss]
limit = {FEED_ITEMS}
"""

HUGO_BASEOF = """<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{{ .Title }} | {{ .Site.Title }}</title>
<meta name="description" content="{{ .Summary | plainify }}">
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .Permalink }}">{{ end }}
</head>
<body>
<main>
{{ block "main" . }}{{ end }}
</main>
</body>
</html>
"""

HUGO_SINGLE = """{{ define "main" }}
<h1>{{ .Title }}</h1>
<p>{{ .Params.start }} to {{ .Params.end }}, {{ .Params.format }}</p>
<ul>{{ range .Params.topics }}<li>{{ . }}</li>{{ end }}</ul>
{{ .Content }}
{{ end }}
"""

HUGO_LIST = """{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>
{{ range .Pages.ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> ({{ .Params.start }}): {{ .Summary | plainify }}</li>
{{ end }}
</ul>
{{ end }}
"""


def write_hugo(root: Path, events: list[Event]) -> Files:
    """hugo.toml, content/events/*.md with YAML front matter, and three layouts."""
    yield (root / "hugo.toml", HUGO_CONFIG)
    yield (root / "layouts" / "baseof.html", HUGO_BASEOF)
    yield (root / "layouts" / "single.html", HUGO_SINGLE)
    yield (root / "layouts" / "list.html", HUGO_LIST)
    yield (root / "content" / "events" / "_index.md", "---\ntitle: Events\n---\n")
    for event in events:
        yield (
            root / "content" / "events" / f"{event.slug}.md",
            (
                "---\n"
                f"title: {_q(event.title)}\n"
                f"summary: {_q(event.summary)}\n"
                f"date: {event.published.isoformat()}\n"
                "params:\n"
                f"  start: {_q(f'{event.start:%Y-%m-%d %H:%M}')}\n"
                f"  end: {_q(f'{event.end:%Y-%m-%d %H:%M}')}\n"
                "  format: online\n"
                f"  topics: [{', '.join(_q(t) for t in event.topics)}]\n"
                "---\n\n" + event.body
            ),
        )


# --- (c) Eleventy ----------------------------------------------------------------

ELEVENTY_CONFIG = """// Plain Eleventy 3: no plugins; the feed is a Nunjucks template.
export default function (eleventyConfig) {
  eleventyConfig.addFilter("rfc822", (value) => new Date(value).toUTCString());
  eleventyConfig.addFilter("newest", (items, n) => items.slice().reverse().slice(0, n));
  return {
    // Bodies are plain Markdown: do not run them through Liquid first.
    markdownTemplateEngine: false,
    htmlTemplateEngine: "njk",
    dir: { input: "src", includes: "_includes", output: "_site" },
  };
}
"""

ELEVENTY_LAYOUT = """<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{{ title }} | %(site)s</title>
<meta name="description" content="{{ summary }}">
<link rel="alternate" type="application/rss+xml" href="/events/feed.xml">
</head>
<body>
<main>
<h1>{{ title }}</h1>
<p>{{ start }} to {{ end }}, {{ format }}</p>
<ul>{%% for topic in topics %%}<li>{{ topic }}</li>{%% endfor %%}</ul>
{{ content | safe }}
</main>
</body>
</html>
""" % {"site": SITE_TITLE}

ELEVENTY_LISTING = """---
permalink: /events/
eleventyExcludeFromCollections: true
---
<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Events | %(site)s</title>
<link rel="alternate" type="application/rss+xml" href="/events/feed.xml">
</head>
<body>
<main>
<h1>Events</h1>
<ul>
{%% for event in collections.events | reverse %%}<li><a href="{{ event.url }}">{{ event.data.title }}</a> ({{ event.data.start }}): {{ event.data.summary }}</li>
{%% endfor %%}
</ul>
</main>
</body>
</html>
""" % {"site": SITE_TITLE}

ELEVENTY_FEED = """---
permalink: /events/feed.xml
eleventyExcludeFromCollections: true
---
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
<channel>
<title>%(site)s</title>
<link>%(base)sevents/</link>
<description>Events</description>
{%% for event in collections.events | newest(%(items)d) %%}<item>
<title>{{ event.data.title | escape }}</title>
<link>%(root)s{{ event.url }}</link>
<guid isPermaLink="true">%(root)s{{ event.url }}</guid>
<pubDate>{{ event.date | rfc822 }}</pubDate>
<description>{{ event.data.summary | escape }}</description>
</item>
{%% endfor %%}
</channel>
</rss>
""" % {"site": SITE_TITLE, "base": BASE_URL, "root": BASE_URL.rstrip("/"), "items": FEED_ITEMS}


def write_eleventy(root: Path, events: list[Event]) -> Files:
    """eleventy.config.mjs, src/events/*.md, a layout, a listing and a feed template."""
    yield (root / "eleventy.config.mjs", ELEVENTY_CONFIG)
    yield (root / "src" / "_includes" / "event.njk", ELEVENTY_LAYOUT)
    yield (root / "src" / "events-listing.njk", ELEVENTY_LISTING)
    yield (root / "src" / "feed.njk", ELEVENTY_FEED)
    yield (
        root / "src" / "events" / "events.11tydata.json",
        json.dumps({"layout": "event.njk", "tags": ["events"]}) + "\n",
    )
    for event in events:
        yield (
            root / "src" / "events" / f"{event.slug}.md",
            (
                "---\n"
                f"title: {_q(event.title)}\n"
                f"summary: {_q(event.summary)}\n"
                f"date: {event.published.isoformat()}\n"
                f"start: {_q(f'{event.start:%Y-%m-%d %H:%M}')}\n"
                f"end: {_q(f'{event.end:%Y-%m-%d %H:%M}')}\n"
                "format: online\n"
                f"topics: [{', '.join(_q(t) for t in event.topics)}]\n"
                "---\n\n" + event.body
            ),
        )


# --- (d) Pelican -----------------------------------------------------------------

PELICAN_CONFIG = f"""# Pelican settings for the benchmark corpus: default theme (notmyidea), RSS on.
AUTHOR = "Benchmark"
SITENAME = {SITE_TITLE!r}
SITEURL = ""
PATH = "content"
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"

# One page per event, the listing (index) and one RSS feed; nothing else.
ARTICLE_URL = "events/{{slug}}/"
ARTICLE_SAVE_AS = "events/{{slug}}/index.html"
INDEX_SAVE_AS = "events/index.html"
DIRECT_TEMPLATES = ["index"]
DEFAULT_PAGINATION = False
CATEGORY_SAVE_AS = ""
TAG_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
PAGE_SAVE_AS = ""

FEED_DOMAIN = {BASE_URL.rstrip("/")!r}
FEED_ALL_RSS = "events/feed.xml"
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
FEED_MAX_ITEMS = {FEED_ITEMS}

# Cold builds: never read or write Pelican's content cache.
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
"""


def write_pelican(root: Path, events: list[Event]) -> Files:
    """pelicanconf.py and content/events/*.md with Pelican's `Key: value` metadata."""
    yield (root / "pelicanconf.py", PELICAN_CONFIG)
    for event in events:
        yield (
            root / "content" / "events" / f"{event.slug}.md",
            (
                f"Title: {event.title}\n"
                f"Date: {event.published.isoformat()} 09:00\n"
                f"Slug: {event.slug}\n"
                "Category: Events\n"
                f"Tags: {', '.join(event.topics)}\n"
                f"Summary: {event.summary}\n"
                f"Start: {event.start:%Y-%m-%d %H:%M}\n"
                f"End: {event.end:%Y-%m-%d %H:%M}\n"
                "Format: online\n"
                "\n" + event.body
            ),
        )


WRITERS = {"ours": write_ours, "hugo": write_hugo, "eleventy": write_eleventy, "pelican": write_pelican}


def write_corpus(output: Path, count: int, shapes: tuple[str, ...] = SHAPES, seed: int = SEED) -> dict[str, Path]:
    """Make `output/<shape>/` hold `count` events in each shape, and nothing else.

    A corpus left by an earlier run is brought up to date in place rather than deleted and written again:
    only files whose bytes differ are written, and files that are not part of it are removed. On this
    machine's disk, deleting thousands of files slows the making of new ones for minutes afterwards
    (README, "The disk"), which would land in the builds about to be timed."""
    events = make_events(count, seed)
    folders = {}
    for shape in shapes:
        folder = output / shape
        _sync(folder, {path: text.encode("utf-8") for path, text in WRITERS[shape](folder, events)})
        folders[shape] = folder
    return folders


def _sync(folder: Path, files: dict[Path, bytes]) -> None:
    """Make `folder` hold exactly `files`, touching only what differs."""
    if folder.is_dir():
        for parent, _, names in os.walk(folder):
            for name in names:
                path = Path(parent, name)
                if path not in files:
                    path.unlink()
    for path, data in files.items():
        try:
            if path.read_bytes() == data:
                continue
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000, help="how many events (default 1000)")
    parser.add_argument("--output", type=Path, required=True, help="folder to write the shapes into")
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"comma-separated subset of {','.join(SHAPES)}")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    shapes = tuple(s for s in args.shapes.split(",") if s)
    unknown = set(shapes) - set(SHAPES)
    if unknown:
        parser.error(f"unknown shape(s): {', '.join(sorted(unknown))}")
    folders = write_corpus(args.output, args.events, shapes, args.seed)
    for shape, folder in folders.items():
        print(f"{shape}: {folder}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
