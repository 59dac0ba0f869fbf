"""Links between content files, written as GitHub's editor writes them: `[see](other-event.md)` from the
file's own folder, `[the series](../series/money-matters.md)`, or `series/money-matters.md` from the
content folder, as media links may be. Each becomes the linked page's URL; one that names no content
file is reported with its file and line, as a link to a missing page is (checks.check_body_links).
"""

from __future__ import annotations

import dataclasses
import difflib
import posixpath
import re
from urllib.parse import unquote

from ..content.validate import Record
from ..errors import Problem, warning
from .checks import link_lines

# An href with no scheme (no colon), not from the site's root, to a .md file, with its #part if any.
_FILE_HREF = re.compile(r'href="(?!/)([^":?#]*\.md)(#[^"]*)?"')


def file_links(body_html: str, body: str, body_line: int, folder: str) -> tuple[tuple[str, int, str], ...]:
    """A body's links to content files: each as written, its line in the file, and the file it names from
    `folder` (the file's own, like `events`), or "" if that would be outside the content folder."""
    found = [(match[1], match[0]) for match in _FILE_HREF.finditer(body_html)]
    if not found:
        return ()
    lines = link_lines(tuple(href for href, _ in found), body, body_line)
    made = []
    for (href, _), line in zip(found, lines):
        target = posixpath.normpath(posixpath.join(folder, unquote(href)))
        made.append((href, line, "" if target.startswith("../") else target))
    return tuple(made)


def link_content_files(records: list[Record], pages: dict[str, str]) -> tuple[list[Record], list[Problem]]:
    """Each record with its links to content files made the linked pages' URLs (`pages`: each content
    file, like `events/grants-clinic.md`, to its page's URL, files left out for their errors included), and
    a warning for each link that names no content file."""
    problems: list[Problem] = []
    linked = []
    for record in records:
        if not record.file_links:
            linked.append(record)
            continue
        links, lines = list(record.body_links), list(record.body_link_lines)
        found = iter(record.file_links)  # one for each match, in order: the body is the one they were read from

        def link(match: re.Match[str]) -> str:
            href, line, from_folder = next(found)
            written = unquote(href)
            url = pages.get(from_folder) or pages.get(posixpath.normpath(written))
            if url is None:
                close = difflib.get_close_matches(from_folder or written, list(pages), n=1, cutoff=0.75)
                hint = f"; did you mean '{posixpath.relpath(close[0], record.kind)}'?" if close else ""
                problems.append(
                    warning(
                        record.shown,
                        line,
                        "body",
                        f"links to '{written}', which is not a "
                        "content file (expected the name of one, like 'other-event.md' in this "
                        f"folder or '../series/money-matters.md' in another{hint})",
                    )
                )
                return match[0]
            links.append(url)
            lines.append(line)
            return f'href="{url}{match[2] or ""}"'

        html = _FILE_HREF.sub(link, record.body_html)
        linked.append(
            dataclasses.replace(
                record,
                body_html=html,
                body_links=tuple(links),
                body_link_lines=tuple(lines) if len(lines) == len(links) else (),
            )
        )
    return linked, problems
