"""Checks on the rendered site: links in content that lead nowhere."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from .errors import Problem, warning
from .model import Site
from .render import Rendered

_LINK = re.compile(r'(?:href|src)="([^"]*)"')


def output_for_url(url: str) -> str:
    """The output file a root-relative URL is served from: /events/ -> events/index.html."""
    path = unquote(urlsplit(url).path).lstrip("/")
    if path == "" or path.endswith("/"):
        return path + "index.html"
    return path


def check_body_links(site: Site, rendered: Rendered) -> list[Problem]:
    """Warn about links in Markdown bodies to pages or files the site does not have."""
    existing = set(rendered.files) | set(rendered.copies)
    problems = []
    for item in site.items:
        for url in _LINK.findall(item.body_html):
            if not url.startswith("/") or url.startswith("//"):
                continue
            target = output_for_url(url.replace("&amp;", "&"))
            if target not in existing and target + "/index.html" not in existing:
                problems.append(warning(item.source, 0, "body", f"links to {url}, which is not a page or file "
                                        "on this site"))
    return problems
