"""`new`: write a fresh content file with every field of its type, each explained, ready to fill in.

Comments go on their own lines above each field: a comment after a value on the
same line would be read as part of the check for text cut short by ` #`.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from ..errors import SiteError
from ..site.resolve import topic_slug
from typing import TYPE_CHECKING

from ..content.schema import Field, Fields, ListOf

if TYPE_CHECKING:
    from ..content.types import ContentTypes


def scaffold(content_type: str, title: str, content_dir: Path, today: date, types: ContentTypes) -> Path:
    """Write content_dir/TYPE/<slug>.md for a new item; refuse to overwrite anything. TYPE is a type's folder
    or one of its other names (types.ContentType.aliases), such as `event`."""
    declared = types.named(content_type)
    if declared is None:
        raise SiteError(f"there is no content type '{content_type}'; choose one of {', '.join(types.folders)}", 2)
    folder = declared.folder
    if not title.strip():
        raise SiteError('give the new item a title, like: python build.py new events "BSL awareness evening"', 2)
    slug = topic_slug(title)
    if not slug:
        raise SiteError(f"the title {title!r} has no letters or digits to make a file name from", 2)
    path = content_dir / folder / f"{slug}.md"
    if path.exists():
        raise SiteError(f"{path} already exists; edit it, or choose another title", 2)
    # The items each field that names one may name (an event's series and cluster), listed in its comment.
    known = {
        name: sorted(p.stem for p in (content_dir / folder).glob("[!_.]*.md"))
        for name, folder, _ in declared.references
    }
    text = render_scaffold(folder, title.strip(), today, known, types)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:  # "x": never overwrite, even in a race
        handle.write(text)
    return path


def render_scaffold(folder: str, title: str, today: date, known: dict[str, list[str]], types: ContentTypes) -> str:
    """The text of a new file: front matter with every field of its type, then a body to replace."""
    values = {"title": json.dumps(title, ensure_ascii=False), "published": today.isoformat()}
    prefill = types[folder].prefill
    if prefill is not None:
        values |= prefill(today)
    lines = ["---"]
    for field in types.schema(folder).values():
        if field.name == "slug":
            lines += ["# The web address part; the file name is used when this is blank.", "slug:"]
            continue
        lines += _field_lines(field, values, known, indent="")
    lines += ["---", "", "Write the description here, in Markdown. Start headings with ##.", ""]
    return "\n".join(lines)


def event_prefill(today: date) -> dict[str, str]:
    """A new event starts at six in the evening a fortnight on, for an hour and a half (types.STANDARD_TYPES)."""
    day = today + timedelta(days=14)
    start = datetime(day.year, day.month, day.day, 18, 0)
    return {"start": f"{start:%Y-%m-%d %H:%M}", "end": f"{start + timedelta(minutes=90):%Y-%m-%d %H:%M}"}


def _field_lines(field: Field, values: dict[str, str], known: dict[str, list[str]], indent: str) -> list[str]:
    doc = field.doc + (" (required)" if field.required else "")
    if field.name in known:
        slugs = known[field.name]
        doc += ": " + (", ".join(slugs) if slugs else "none yet")
    kind = field.kind
    if isinstance(kind, Fields):
        inner = [line for sub in kind.fields.values() for line in _field_lines(sub, {}, known, indent + "  ")]
        if field.required:
            return [f"{indent}# {doc}.", f"{indent}{field.name}:"] + inner
        # Optional groups start commented out: a half-filled group would be an error.
        return [f"{indent}# {doc}. Remove the # signs to use it:", f"{indent}# {field.name}:"] + [
            _commented(line) for line in inner
        ]
    if isinstance(kind, ListOf) and isinstance(kind.item, Fields):
        inner = [line for sub in kind.item.fields.values() for line in _field_lines(sub, {}, known, indent + "    ")]
        return [
            f"{indent}# {doc}. Remove the # signs to use it; repeat the '- ' block for more:",
            f"{indent}# {field.name}:",
        ] + [_commented(line) for line in _as_list_item(inner, indent)]
    hint = f" For example: {field.example}" if field.example and field.name not in values else ""
    value = values.get(field.name, "")
    return [f"{indent}# {doc}.{hint}", f"{indent}{field.name}:{' ' + value if value else ''}"]


def _as_list_item(lines: list[str], indent: str) -> list[str]:
    """Turn the first field line (not comment) of a group into a '- ' list item."""
    out, done = [], False
    for line in lines:
        if not done and not line.lstrip().startswith("#"):
            out.append(line.replace(indent + "    ", indent + "  - ", 1))
            done = True
        else:
            out.append(line)
    return out


def _commented(line: str) -> str:
    stripped = line.lstrip(" ")
    pad = line[: len(line) - len(stripped)]
    return f"{pad}# {stripped}" if not stripped.startswith("#") else line
