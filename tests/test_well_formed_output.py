"""What `check` accepts, `build` builds, and every file it writes parses in a strict parser.

A site with one item of every type, each with every field filled in, has arbitrary text put into some of its
fields (written quoted, as a `|` block, or bare) and bodies. Whatever the text, `check` and `build` agree:
both exit 1 with the file's problems, or `check` exits 0 and `build` exits 0 with every page strict HTML
(html5lib, strict), every feed and site map XML (expat), every calendar iCalendar (icalendar's reader) and
every JSON file and JSON-LD block JSON.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import html5lib
import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.content.config import SITE_FIELDS
from site_builder.content.schema import SCHEMAS, Fields, Kind, ListOf, Text
from tests.conftest import run_main

pytestmark = pytest.mark.slow  # a hundred builds: a long property test, out of the fast subset

# The settings' text fields appear on every page, feed and calendar, so they take arbitrary text too.
SITE = {
    "title": "Well formed",
    "base_url": "https://wellformed.example.org/",
    "description": "A test site.",
    "organisation": "The programme",
    "contact_email": "hello@example.org",
    "language": "en-GB",
    "timezone": "Europe/London",
}

# One item of every type, every field given (the image and the file exist in media/).
BASE: dict[str, dict[str, Any]] = {
    "series": {
        "title": "Money matters",
        "summary": "Sessions on money.",
        "topics": ["Finance"],
        "published": "2027-01-02",
    },
    "clusters": {
        "title": "Better homes",
        "summary": "A cluster on housing.",
        "status": "open",
        "meetings_per_year": "4",
        "places_per_area": "2",
        "costs_covered": ["travel"],
        "who_can_join": "Anyone in a Big Local area",
        "topics": ["Housing"],
        "published": "2027-01-02",
        "apply": {"url": "https://apply.example.org/", "email": "apply@example.org", "deadline": "2027-02-01"},
    },
    "events": {
        "title": "Budget basics",
        "summary": "Setting a simple budget.",
        "start": "2027-03-04 18:00",
        "end": "2027-03-04 19:30",
        "series": "money-matters",
        "cluster": "better-homes",
        "format": "hybrid",
        "venue": {"name": "Riverside Hall", "address": "2 River Road, York", "postcode": "YO1 1AA"},
        "online": {"platform": "Teams", "joining": "We send the link when you book."},
        "booking": {"url": "https://book.example.org/", "email": "book@example.org", "deadline": "2027-03-01"},
        "cost": "Free",
        "capacity": "30",
        "accessibility": ["Step-free access", "Live captions"],
        "audience": "Treasurers",
        "status": "scheduled",
        "topics": ["Finance", "Housing"],
        "published": "2027-01-03",
        "updated": "2027-01-04",
        "image": {"src": "media/images/hall.png", "alt": "The hall"},
    },
    "offers": {
        "title": "Shared land",
        "summary": "Support with land.",
        "topics": ["Housing"],
        "partner": {"name": "Land Trust", "url": "https://land.example.org/"},
        "match_funding": "true",
        "early_conversation_funded": "false",
        "windows": [{"opens": "2027-01-01", "closes": "2027-02-28"}],
        "available_until": "2028-12-31",
        "areas": ["Hull", "Leeds"],
        "published": "2027-01-02",
    },
    "stories": {
        "title": "A health partnership",
        "summary": "How it went.",
        "organisation": "Health Trust",
        "area": "Hull",
        "category": "Health",
        "topics": ["Health"],
        "published": "2027-01-05",
        "figures": [{"value": "75%", "label": "said it helped"}],
    },
    "resources": {
        "title": "Action plan",
        "summary": "Our plan.",
        "kind": "plan",
        "file": "media/files/plan.pdf",
        "published": "2027-01-06",
        "topics": ["Finance"],
        "actions": [
            {
                "area": "Money",
                "what": "Save",
                "how": "Budget",
                "who": "Treasurer",
                "when": "2027",
                "status": "in-progress",
            }
        ],
    },
    "pages": {"title": "About us", "summary": "Who we are."},
}
SLUGS = {
    "series": "money-matters",
    "clusters": "better-homes",
    "events": "budget-basics",
    "offers": "shared-land",
    "stories": "health-partnership",
    "resources": "action-plan",
    "pages": "about",
}
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")  # a PNG's opening
PDF = b"%PDF-1.4\n%%EOF\n"


def leaf_paths(value: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [p for key, inner in value.items() for p in leaf_paths(inner, path + (key,))]
    if isinstance(value, list):
        return [p for n, inner in enumerate(value) for p in leaf_paths(inner, path + (n,))]
    return [path]


FIELDS = [(kind,) + path for kind, fields in BASE.items() for path in leaf_paths(fields)] + [
    ("site.yaml", name) for name in SITE
]


def kind_of(path: tuple) -> Kind:
    """The schema's Kind for a field path like ('events', 'venue', 'name') or ('events', 'topics', 0)."""
    kind: Kind = Fields(*(SITE_FIELDS if path[0] == "site.yaml" else SCHEMAS[path[0]]).values())
    for step in path[1:]:
        kind = kind.item if isinstance(kind, ListOf) else kind.fields[step].kind  # type: ignore[attr-defined]
    return kind


# Free text is where arbitrary text can be accepted; dates, links and choices mostly refuse it.
TEXT_FIELDS = [path for path in FIELDS if type(kind_of(path)) is Text]
fields = st.one_of(st.sampled_from(TEXT_FIELDS), st.sampled_from(FIELDS))

# Arbitrary text, with more than chance's share of what breaks formats: line breaks of every kind, control
# and non-characters (some as YAML escapes only a quoted value can hold), markup and format syntax.
AWKWARD = [
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\x0b",
    "\x0c",
    "\x00",
    "\x1b",
    "\x7f",
    "\x85",
    "\x92",
    "\u2028",
    "\u2029",
    "\ufffe",
    "\uffff",
    "\ufdd0",
    "\U0001fffe",
    "\ud800",
    "\udc00",
    "\ufeff",
    "\u200b",
    "<",
    ">",
    "&",
    '"',
    "'",
    "]]>",
    "<script>alert(1)</script>",
    "</script>",
    "<!--",
    "-->",
    "&#11;",
    "&#xFFFE;",
    "&#0;",
    "&#x85;",
    "&amp;",
    "{{ x }}",
    "{% x %}",
    ":",
    ": ",
    " #",
    "#",
    "- ",
    "|",
    ">",
    "*",
    "&a",
    "!",
    "%",
    "@",
    "`",
    ",",
    ";",
    "\\",
    "\\n",
    "\\,",
    "BEGIN:VEVENT",
    "END:VCALENDAR",
    "\n ",
    "  ",
    "[",
    "]",
    "{",
    "}",
    "é",
    "😀",
    "\u0301",
    "x" * 90,
    "\n## ",
    "\n#### ",
    "[^1]",
    "\n\n[^1]: ",
    "](",
    "[a](/events/)",
    "![a](media/images/hall.png)",
    "[x](javascript:alert(1))",
    "<b>",
    "</b>",
    "<h2>",
    "\n| a | b |\n|---|---|\n",
    "{#id}",
    "```",
    "\n> ",
    "\n- ",
    "~~",
]
texts = st.lists(
    st.one_of(st.characters(codec="utf-8", exclude_characters="\r"), st.sampled_from(AWKWARD)), max_size=12
).map("".join)
styles = st.sampled_from(["quoted", "block", "bare"])


def set_path(data: dict, path: tuple, value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def scalar(text: Any, indent: str) -> str:
    """A value after `key:` or `- `, in the style chosen for it."""
    if not isinstance(text, tuple):
        return " " + text if text else ' ""'
    style, value = text
    if style == "quoted":  # JSON is YAML: control characters and surrogates arrive as \\u escapes
        return " " + json.dumps(value, ensure_ascii=False)
    if style == "block":
        return " |\n" + "\n".join(indent + "  " + line for line in value.split("\n"))
    return " " + value


def emit(data: Any, indent: str = "") -> list[str]:
    lines = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, (dict, list)):
                lines.append(f"{indent}{key}:")
                lines += emit(value, indent + "  ")
            else:
                lines.append(f"{indent}{key}:{scalar(value, indent)}")
    else:
        for value in data:
            if isinstance(value, dict):
                inner = emit(value, indent + "  ")
                lines.append(indent + "- " + inner[0].lstrip())
                lines += inner[1:]
            else:
                lines.append(f"{indent}-{scalar(value, indent + '  ')}")
    return lines


def write_site(root: Path, changes: dict[tuple, tuple[str, str]], bodies: dict[str, str]) -> None:
    content = root / "content"
    (content / "media" / "images").mkdir(parents=True)
    (content / "media" / "files").mkdir(parents=True)
    (content / "media" / "images" / "hall.png").write_bytes(PNG)
    (content / "media" / "files" / "plan.pdf").write_bytes(PDF)
    data = json.loads(json.dumps(BASE))
    data["site.yaml"] = dict(SITE)
    for path, change in changes.items():
        set_path(data, path, change)
    site = data.pop("site.yaml")
    (content / "site.yaml").write_bytes(("\n".join(emit(site)) + "\n").encode("utf-8", "surrogatepass"))
    for kind, fields in data.items():
        text = "---\n" + "\n".join(emit(fields)) + "\n---\n" + bodies.get(kind, "Some words.\n")
        (content / kind).mkdir(exist_ok=True)
        (content / kind / f"{SLUGS[kind]}.md").write_bytes(text.encode("utf-8", "surrogatepass"))


_JSON_LD = re.compile(rb'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def assert_well_formed(output: Path) -> None:
    """Every file the build wrote parses in a strict parser of its format."""
    checked = 0
    for path in sorted(output.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".html":
            html5lib.HTMLParser(strict=True).parse(data)
            for block in _JSON_LD.findall(data):
                json.loads(block)
        elif path.suffix == ".xml":
            ElementTree.fromstring(data)
        elif path.suffix == ".ics":
            icalendar.Calendar.from_ical(data)
        elif path.suffix == ".json":
            json.loads(data)
        else:
            continue
        checked += 1
    assert checked > 30  # pages, feeds, calendars and the search index were all there to check


def check_then_build(changes: dict[tuple, tuple[str, str]], bodies: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_site(root, changes, bodies)
        cwd = os.getcwd()
        os.chdir(root)
        try:
            checked = run_main("check", "--content", "content", "--today", "2027-01-15")
            built = run_main(
                "build",
                "--content",
                "content",
                "--output",
                "output",
                "--today",
                "2027-01-15",
                "--jobs",
                "1",
                "--no-cache",
            )
        finally:
            os.chdir(cwd)
        for run in (checked, built):
            assert "Traceback" not in run.err and "internal error" not in run.err, run.err
        assert checked.code in (0, 1), checked.err
        if checked.code == 1:
            assert built.code == 1, f"check refused, build exited {built.code}:\n{checked.err}\n{built.err}"
            assert not (root / "output").exists()
            return
        assert built.code == 0, f"check accepted, build exited {built.code}:\n{built.err}"
        assert_well_formed(root / "output")


def test_the_unchanged_site_builds_and_every_output_is_well_formed() -> None:
    check_then_build({}, {})


def test_every_text_field_is_among_those_the_property_tests_fill() -> None:
    assert len(TEXT_FIELDS) > 30 and ("events", "venue", "name") in TEXT_FIELDS


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.dictionaries(fields, st.tuples(styles, texts), min_size=1, max_size=4))
def test_arbitrary_text_in_any_field_is_refused_by_check_or_built_well_formed(changes: dict) -> None:
    check_then_build(changes, {})


@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.dictionaries(st.sampled_from(sorted(BASE)), texts, min_size=1, max_size=3))
def test_arbitrary_text_in_any_body_is_refused_by_check_or_built_well_formed(bodies: dict) -> None:
    check_then_build({}, bodies)
