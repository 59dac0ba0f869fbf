"""Markdown bodies to safe HTML, with the checks an editor needs (alt text, headings, media).

markdown-it-py does the parsing: it is CommonMark, and measured here about six
times faster than Python-Markdown on the same pages (benchmarks/README.md).
The checks work on its token stream, where every block knows its source line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.footnote import footnote_plugin

from .errors import Problem, error, warning

# What raw HTML in a body may keep (content contract: sanitised unless the site trusts it).
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "u", "ul",
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


def make_parser() -> MarkdownIt:
    """CommonMark with tables, footnotes, heading ids and smart quotes, writing HTML5 (not XHTML)."""
    parser = MarkdownIt("commonmark", {"typographer": True, "xhtmlOut": False})
    parser.enable(["table", "replacements", "smartquotes"])
    parser.use(footnote_plugin).use(anchors_plugin, min_level=1, max_level=6)
    plain_anchor = parser.renderer.rules["footnote_anchor"]

    def labelled_anchor(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        # The back link is an arrow alone; screen readers need words for it.
        return plain_anchor(tokens, idx, options, env).replace(
            'class="footnote-backref"', 'class="footnote-backref" aria-label="Back to the text"')

    parser.add_render_rule("footnote_anchor", labelled_anchor)
    return parser


@dataclass
class _Findings:
    images_without_alt: list[tuple[str, int]] = field(default_factory=list)  # (src, body line)
    demoted_h1: list[int] = field(default_factory=list)
    media: list[tuple[str, int]] = field(default_factory=list)


class BodyRenderer:
    """Renders Markdown bodies for one build; the parser is made once and reused for every body."""

    def __init__(self, content_dir: Path, trust_html: bool = False):
        self.content_dir = content_dir
        self.trust_html = trust_html
        self.parser = make_parser()

    def render(self, body: str, shown: str, body_line: int) -> tuple[str, list[Problem]]:
        """One body to HTML; problems for images without alt text, missing media and level-1 headings."""
        tokens = self.parser.parse(body)
        findings = _Findings()
        _adjust(tokens, findings)
        html = self.parser.renderer.render(tokens, self.parser.options, {})
        if not self.trust_html:
            html = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                             link_rel=None, strip_comments=True)
        problems: list[Problem] = []
        for src, line in findings.images_without_alt:
            problems.append(error(shown, body_line + line, "body",
                                  f"the image '{src}' has no alt text (expected words saying what it shows, "
                                  f"like ![A group of residents at a meeting]({src}))"))
        for rel, line in findings.media:
            if not (self.content_dir / rel).is_file():
                problems.append(error(shown, body_line + line, "body",
                                      f"links to '{rel}', which is not in the content folder (expected a file "
                                      "under media/)"))
        if findings.demoted_h1:
            problems.append(warning(shown, body_line + findings.demoted_h1[0], "body",
                                    "a heading starting with a single # was shown as ## (expected body "
                                    "headings from ##: the title is the page's only top-level heading)"))
        return html, problems


def _adjust(tokens: list[Token], findings: _Findings) -> None:
    """Demote h1 to h2, align table cells with classes, point media links at /media/, find missing alt text."""
    line = 0
    for token in tokens:
        if token.map:
            line = token.map[0]
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            # The page title is the page's only h1.
            token.tag = "h2"
            if token.type == "heading_open":
                findings.demoted_h1.append(line)
        elif token.type in ("th_open", "td_open") and str(token.attrs.get("style", "")).startswith("text-align:"):
            # The pages' Content-Security-Policy forbids inline styles: align with a class instead.
            align = str(token.attrs.pop("style")).split(":", 1)[1].strip(" ;")
            token.attrSet("class", f"align-{align}")
        for child in token.children or ():
            attribute = "src" if child.type == "image" else "href" if child.type == "link_open" else None
            if attribute is None:
                continue
            written = str(child.attrs.get(attribute, ""))
            if written.startswith("media/"):
                child.attrSet(attribute, "/" + written)
            target = str(child.attrs[attribute])
            if target.startswith("/media/"):
                findings.media.append((target[1:].split("#")[0].split("?")[0], line))
            if child.type == "image" and not child.content.strip():
                findings.images_without_alt.append((written, line))
