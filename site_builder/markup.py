"""Markdown bodies to safe HTML, with the checks an editor needs (alt text, headings, media)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .errors import Problem, error, warning

EXTENSIONS = ["tables", "footnotes", "smarty", "fenced_code", "sane_lists", "toc"]
EXTENSION_CONFIGS = {"toc": {"permalink": False, "toc_depth": "2-6"}}

# What raw HTML in a body may keep (content contract: sanitised unless the site trusts it).
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "lang", "title", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "reversed", "type"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


@dataclass
class _Findings:
    images_without_alt: list[str] = field(default_factory=list)
    demoted_h1: int = 0
    media: list[str] = field(default_factory=list)


class _BodyChecks(Treeprocessor):
    """Find images without alt text, demote level-1 headings, point media links at /media/."""

    def __init__(self, md: markdown.Markdown, findings: _Findings):
        super().__init__(md)
        self.findings = findings

    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            written_src = element.get("src", "")
            if element.tag == "h1":
                # The page title is the page's only h1 (one h1 per page).
                element.tag = "h2"
                self.findings.demoted_h1 += 1
            for attribute in ("src", "href"):
                value = element.get(attribute)
                if value and value.startswith("media/"):
                    element.set(attribute, "/" + value)
                    value = "/" + value
                if value and value.startswith("/media/"):
                    self.findings.media.append(value[1:].split("#")[0].split("?")[0])
            if element.tag in ("td", "th") and element.get("style", "").startswith("text-align:"):
                # The pages' Content-Security-Policy forbids inline styles: align with a class instead.
                align = element.attrib.pop("style").split(":", 1)[1].strip(" ;")
                element.set("class", f"align-{align}")
            if element.tag == "img" and not (element.get("alt") or "").strip():
                self.findings.images_without_alt.append(written_src)


class _BodyChecksExtension(Extension):
    def __init__(self, findings: _Findings):
        super().__init__()
        self.findings = findings

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API name
        # Priority 0.5: after inline patterns have made the <img> elements.
        md.treeprocessors.register(_BodyChecks(md, self.findings), "body_checks", 0.5)


def render_markdown(body: str, shown: str, body_line: int, content_dir: Path,
                    trust_html: bool = False) -> tuple[str, list[Problem]]:
    """Render one body to HTML; report images without alt text and missing media."""
    findings = _Findings()
    md = markdown.Markdown(extensions=EXTENSIONS + [_BodyChecksExtension(findings)],
                           extension_configs=EXTENSION_CONFIGS, output_format="html")
    html = md.convert(body)
    if not trust_html:
        html = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                         link_rel=None, strip_comments=True)
    problems: list[Problem] = []
    for src in findings.images_without_alt:
        problems.append(error(shown, _line_of(body, src, body_line), "body",
                              f"the image '{src}' has no alt text; describe it like ![A group of residents "
                              f"at a meeting]({src})"))
    for rel in findings.media:
        if not (content_dir / rel).is_file():
            problems.append(error(shown, _line_of(body, rel, body_line), "body",
                                  f"links to '{rel}', which is not in the content folder"))
    if findings.demoted_h1:
        problems.append(warning(shown, _line_of(body, "# ", body_line), "body",
                                "a heading starting with a single # was shown as ##; the page title is the "
                                "page's only top-level heading, so start body headings at ##"))
    return html, problems


def _line_of(body: str, needle: str, body_line: int) -> int:
    for index, line in enumerate(body.split("\n")):
        if needle in line and (needle != "# " or line.startswith("# ")):
            return body_line + index
    return body_line
