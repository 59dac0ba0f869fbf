"""Markdown bodies to safe HTML, with the checks an editor needs (alt text, headings, media).

pyromark (Rust's pulldown-cmark) does the parsing: CommonMark with GitHub's
tables, strikethrough and footnotes, measured here about 150 times faster than
markdown-it-py and 500 times faster than Python-Markdown on the same pages
(benchmarks/README.md). The checks read its event stream, where every event
knows its place in the source; the HTML it writes gets four adjustments the
site needs (heading ids, no second h1, table alignment without inline styles,
media links from the site's root), each applied to tags the Markdown made.
"""

from __future__ import annotations

import bisect
import re
from html import unescape
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nh3
import pyromark

from ..content.characters import FORBIDDEN, forbidden_message
from ..errors import Problem, error, warning
from ..content.sources import case_of

# What raw HTML in a body may keep (content contract: sanitised unless the site trusts it).
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "section",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "lang", "title", "dir"},
    "a": {"href", "hreflang", "aria-label"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "reversed", "type"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_OPTIONS = (
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_FOOTNOTES
    | pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_SMART_PUNCTUATION
    | pyromark.Options.ENABLE_HEADING_ATTRIBUTES
)

# Heading tags on one line. Text, code and attribute values are escaped in the output, so every match is
# either a heading the Markdown made or one in the editor's raw HTML, and both come in the events' order.
_HEADING_TAG = re.compile(r"<(/?)h([1-6])([ \t][^>\n]*)?>")
_ALIGNED_CELL = re.compile(r'<(th|td) style="text-align: (left|center|right)">')
# media/x as the contract writes it (from the content folder), or ../media/x as GitHub's editor does (from the
# file, which is one folder down): both are the site's /media/x.
_MEDIA_LINK = re.compile(r'(<img src="|<a href=")(?:\.\./)?media/')
_FOOTNOTE_REFERENCE = re.compile(r'<sup class="footnote-reference"><a href="#[^"]*">(\d+)</a></sup>')
_FOOTNOTE_DEFINITION = re.compile(
    r'<div class="footnote-definition" id="[^"]*"><sup class="footnote-definition-label">'
    r"(\d+)</sup>"
)


@dataclass
class _Heading:
    level: int
    line: int
    explicit_id: str | None
    text: list[str] = field(default_factory=list)
    slug: str = ""


@dataclass
class _Findings:
    headings: list[_Heading] = field(default_factory=list)
    # One entry per heading tag in the output, in order: the index of a Markdown heading, or None for raw HTML.
    heading_tags: list[int | None] = field(default_factory=list)
    images_without_alt: list[tuple[str, int]] = field(default_factory=list)  # (src, body line)
    media: list[tuple[str, int]] = field(default_factory=list)


class BodyRenderer:
    """Renders Markdown bodies for one build; the parser settings are made once and reused for every body."""

    def __init__(self, content_dir: Path, trust_html: bool = False):
        self.content_dir = content_dir
        self.trust_html = trust_html
        self.markdown = pyromark.Markdown(options=_OPTIONS)
        self.listings: dict[Path, list[str]] = {}  # the names in each media folder, for case_of

    def render(self, body: str, shown: str, body_line: int) -> tuple[str, list[Problem]]:
        """One body to HTML; problems for images without alt text, missing media and level-1 headings."""
        html = self.markdown.html(body)
        findings = _plain_findings(body, html)
        plain = findings is not None
        if findings is None:
            findings = _read_events(self.markdown.events_with_range(body, merge_text=True), body)
        html = _adjust_html(html, findings)
        if not self.trust_html and not (plain and _only_safe_links(html)):
            html = nh3.clean(
                html,
                tags=ALLOWED_TAGS,
                attributes=ALLOWED_ATTRIBUTES,
                url_schemes=URL_SCHEMES,
                link_rel=None,
                strip_comments=True,
            )
        problems: list[Problem] = []
        for src, line in findings.images_without_alt:
            problems.append(
                error(
                    shown,
                    body_line + line,
                    "body",
                    f"the image '{src}' has no alt text (expected words saying what it shows, "
                    f"like ![A group of residents at a meeting]({src}))",
                )
            )
        for rel, line in findings.media:
            exact = case_of(self.content_dir, rel, self.listings)
            if exact is not None:
                problems.append(
                    error(
                        shown,
                        body_line + line,
                        "body",
                        f"links to '{rel}', which differs in letter case from the file '{exact}' "
                        f"(expected '{exact}': web servers tell capitals from small letters)",
                    )
                )
            elif not (self.content_dir / rel).is_file():
                problems.append(
                    error(
                        shown,
                        body_line + line,
                        "body",
                        f"links to '{rel}', which is not in the content folder (expected a file under media/)",
                    )
                )
        if FORBIDDEN.search(html):
            problems += _forbidden_references(html, body, shown, body_line)
        previous = 1  # the page title
        for heading in findings.headings:
            level = max(heading.level, 2)
            if level > previous + 1:
                after = "the page title" if previous == 1 else f"a {'#' * previous} heading"
                problems.append(
                    warning(
                        shown,
                        body_line + heading.line,
                        "body",
                        f"this {'#' * level} heading follows {after} and skips a level (expected "
                        f"{'#' * (previous + 1)}: people using screen readers move through a page "
                        "by its heading levels)",
                    )
                )
            previous = level
        demoted = [h.line for h in findings.headings if h.level == 1]
        if demoted:
            problems.append(
                warning(
                    shown,
                    body_line + demoted[0],
                    "body",
                    "a heading starting with a single # was shown as ## (expected body "
                    "headings from ##: the title is the page's only top-level heading)",
                )
            )
        return html, problems


_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,9}));")


def _forbidden_references(html: str, body: str, shown: str, body_line: int) -> list[Problem]:
    """The body's own characters were checked as the file was read (parse.character_problems), so a
    character in its HTML that no page may carry was written as a reference, like &#11;: name each."""
    wanted = set(FORBIDDEN.findall(html))
    problems = []
    for match in _REFERENCE.finditer(body):
        code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        char = chr(code) if code <= 0x10FFFF else ""
        if char in wanted:
            line = body.count("\n", 0, match.start())
            problems.append(
                error(
                    shown,
                    body_line + line,
                    "body",
                    f"the reference {match.group()} stands for " + forbidden_message(char).removeprefix("contains "),
                )
            )
            wanted.discard(char)  # once for each character is enough to find them all
    for char in sorted(wanted):  # made some other way: said once, where the body starts
        problems.append(error(shown, body_line, "body", forbidden_message(char)))
    return problems


def _read_events(events: Any, body: str) -> _Findings:
    """What the checks and the HTML adjustments need, from pulldown-cmark's events and their byte ranges."""
    data = body.encode("utf-8")  # the ranges count bytes
    # Where each line starts, found once: counting newlines from the top for every event took time in the
    # square of the body's length (20,000 headings: 25 s).
    newlines = [m.start() for m in re.finditer(b"\n", data)]
    findings = _Findings()
    heading: int | None = None  # index of the open heading
    image: tuple[str, int, list[str]] | None = None  # (src, line, alt text so far)
    for event, where in events:
        if isinstance(event, dict):
            ((kind, value),) = event.items()
        else:
            kind, value = event, None
        if kind == "Text" or kind == "Code":
            if image is not None:
                image[2].append(value)
            elif heading is not None:
                findings.headings[heading].text.append(value)
        elif kind == "Start" and isinstance(value, dict):
            ((tag, attrs),) = value.items()
            line = bisect.bisect_left(newlines, where["start"])
            if tag == "Heading":
                heading = len(findings.headings)
                findings.headings.append(_Heading(int(attrs["level"][1]), line, attrs["id"]))
                findings.heading_tags.append(heading)
            elif tag in ("Image", "Link"):
                target = attrs["dest_url"]
                if target.startswith(("media/", "../media/")):
                    target = "/" + target.removeprefix("../")
                if target.startswith("/media/"):
                    findings.media.append((target[1:].split("#")[0].split("?")[0], line))
                if tag == "Image":
                    image = (attrs["dest_url"], line, [])
        elif kind == "End":
            if value == "Image" and image is not None:
                if not "".join(image[2]).strip():
                    findings.images_without_alt.append((image[0], image[1]))
                image = None
            elif isinstance(value, dict) and "Heading" in value and heading is not None:
                findings.heading_tags.append(heading)
                heading = None
        elif kind in ("Html", "InlineHtml"):
            findings.heading_tags.extend(None for _ in _HEADING_TAG.finditer(value))
    _name_headings(findings.headings)
    return findings


_PLAIN_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.DOTALL)
_INLINE_TAG = re.compile(r"</?(?:em|strong|code|del)>|<a href=\"[^\"<>]*\">|</a>")


def _plain_findings(body: str, html: str) -> _Findings | None:
    """The findings of a plain body read from its HTML, without the event stream (which costs as much as
    the rest of the rendering): a body with no HTML of its own, no footnotes, no images, no media links,
    no top-level heading and no heading attributes, whose headings hold only text, emphasis, code and
    links. None for any other body; the event stream reads those. Tests hold the two readings equal."""
    if (
        "<" in body
        or "[^" in body
        or "<img" in html
        or "media/" in html
        or "<h1" in html
        or re.search(r"<h[1-6] ", html)
    ):
        return None
    findings = _Findings()
    for match in _PLAIN_HEADING.finditer(html):
        inner = match.group(2)
        text = _INLINE_TAG.sub("", inner)
        if "<" in text or "\n" in text:  # other markup, or a heading over several lines
            return None
        heading = _Heading(int(match.group(1)), 0, None, [unescape(text)])
        findings.heading_tags.append(len(findings.headings))
        findings.heading_tags.append(len(findings.headings))
        findings.headings.append(heading)
    levels = [1] + [max(h.level, 2) for h in findings.headings]  # 1: the page title
    if any(b > a + 1 for a, b in zip(levels, levels[1:])):
        return None  # a skipped level is warned about with its line, which only the event stream knows
    _name_headings(findings.headings)
    return findings


# A link nh3 keeps as it is: to a web address with a plain host name (whose last label starts with a letter,
# so it is never read as an IP address, and no label is punycode), or a path with no scheme at all.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_SAFE_HREF = re.compile(
    rf'(?:https?://(?:{_LABEL}\.)*[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:[/?#][^"]*)?'
    r'|[^":]*)'
)
# Each href's value, to its closing quote (checks.site_links reads the links of a body with it too).
HREF = re.compile(r'href="([^"]*)"')


def _only_safe_links(html: str) -> bool:
    """Whether nh3 would remove nothing from the HTML of a plain body. A plain body has no '<', so no HTML
    of its own: every tag and attribute is pulldown-cmark's, made from Markdown, with all text escaped.
    What Markdown alone can make that nh3 would remove is a link to another scheme ([x](javascript:...)),
    so a body with any href that may have a scheme goes through nh3. A property test holds that a browser
    reads the result as it reads nh3's; skipping nh3 saved a quarter of the time of reading a file."""
    if "src=" in html or (("n--" in html or "N--" in html) and "xn--" in html.lower()):
        return False
    hrefs = HREF.findall(html)  # each value, to its closing quote: all are safe, and no href= is left over
    return len(hrefs) == html.count("href=") and all(_SAFE_HREF.fullmatch(href) for href in hrefs)


def _name_headings(headings: list[_Heading]) -> None:
    """Ids as GitHub makes them ('What you will explore' -> 'what-you-will-explore'), unique in the body;
    an id the editor gave with {#id} is kept."""
    taken = {h.explicit_id for h in headings if h.explicit_id}
    # The next number to try after each base: a slug once taken stays taken, so each base's search goes on
    # from where it stopped (20,000 headings of one name would otherwise try 200 million slugs).
    next_number: dict[str, int] = {}
    for heading in headings:
        if heading.explicit_id:
            heading.slug = heading.explicit_id
            continue
        base = re.sub(r"[^\w\- ]", "", "".join(heading.text).strip().lower().replace(" ", "-")) or "section"
        slug, n = base, next_number.get(base, 1)
        if slug in taken:
            slug = f"{base}-{n}"
            while slug in taken:
                n += 1
                slug = f"{base}-{n}"
            n += 1
        next_number[base] = n
        taken.add(slug)
        heading.slug = slug


def _adjust_html(html: str, findings: _Findings) -> str:
    tags = iter(findings.heading_tags)

    def heading_tag(match: re.Match[str]) -> str:
        index = next(tags, None)
        if index is None:
            return match.group(0)  # the editor's own HTML: left alone
        heading = findings.headings[index]
        level = max(heading.level, 2)  # the page title is the page's only h1
        if match.group(1):
            return f"</h{level}>"
        rest = match.group(3) or ""
        return f"<h{level}{rest}>" if heading.explicit_id else f'<h{level} id="{heading.slug}"{rest}>'

    if findings.headings:
        html = _HEADING_TAG.sub(heading_tag, html)
    # The pages' Content-Security-Policy forbids inline styles: align table cells with a class instead.
    if ' style="text-align: ' in html:
        html = _ALIGNED_CELL.sub(r'<\1 class="align-\2">', html)
    if "media/" in html:
        html = _MEDIA_LINK.sub(r"\1/media/", html)
    return _link_footnotes(html) if 'class="footnote-' in html else html


def _link_footnotes(html: str) -> str:
    """Footnotes by number, apart from heading ids (a note [^intro] and a heading "Intro" would both take
    "intro"), with a way back from each note to where it was cited."""
    cited: set[str] = set()

    def reference(match: re.Match[str]) -> str:
        number = match.group(1)
        anchor = "" if number in cited else f' id="fnref-{number}"'
        cited.add(number)
        return f'<sup class="footnote-reference"><a href="#fn-{number}"{anchor}>{number}</a></sup>'

    def definition(match: re.Match[str]) -> str:
        number = match.group(1)
        label = (
            f'<a href="#fnref-{number}" aria-label="Note {number}: back to the text">{number}</a>'
            if number in cited
            else number
        )
        return f'<div class="footnote-definition" id="fn-{number}"><sup class="footnote-definition-label">{label}</sup>'

    html = _FOOTNOTE_REFERENCE.sub(reference, html)
    return _FOOTNOTE_DEFINITION.sub(definition, html)
