"""Validate: check one document against its type's schema and turn it into a Record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config
from ..errors import Problem
from .parse import Document
from .schema import INVALID, SLUG_PATTERN, Context, convert_fields

if TYPE_CHECKING:
    from .types import ContentTypes


@dataclass(frozen=True)
class Record:
    """One content file's fields, converted and checked, ready to become part of the Site."""

    kind: str
    slug: str
    shown: str
    data: dict[str, Any]
    lines: dict[str, int]  # the line of each top-level field, for later messages
    body_html: str = ""
    body_links: tuple[str, ...] = ()  # the site-relative links in body_html, for checks.check_body_links
    body_link_lines: tuple[int, ...] = ()  # the line of the file each of body_links is on
    file_links: tuple[tuple[str, int, str], ...] = ()  # links to content files (site.file_links), until resolved
    front: str = ""  # a digest of the file's front matter: all of the Record that is not its body

    def line(self, name: str) -> int:
        return self.lines.get(name, 1)


def validate_document(
    doc: Document, config: Config, content_dir: Path, types: ContentTypes
) -> tuple[Record | None, list[Problem]]:
    """Check a document's fields against its type's; a Record only when it has no errors."""
    problems: list[Problem] = []
    kind = doc.source.kind
    content_type = types[kind]
    ctx = Context(doc.source.display, config.tz, content_dir, problems)
    data = convert_fields(doc.fields, types.schema(kind), ctx, 1)
    lines = {name: value.line for name, value in doc.fields.items()}

    slug = data.get("slug") or doc.source.path.stem
    if "slug" not in data and not SLUG_PATTERN.fullmatch(slug):
        suggestion = "-".join(filter(None, "".join(c if c.isalnum() else " " for c in slug.lower()).split()))
        ctx.error(
            1,
            "slug",
            f"the file name '{doc.source.path.name}' cannot be a web address (expected lowercase "
            f"letters, digits and hyphens: rename it to '{suggestion or 'my-page'}.md' or set `slug:`)",
        )
    if content_type.published == "required" and "published" not in data:
        ctx.error(1, "published", f"is missing (required for {kind}; for example `published: 2027-01-10`)")
    _check_dates(data, lines, ctx)
    if content_type.check is not None:
        content_type.check(data, lines, ctx)

    if any(p.is_error for p in problems) or any(v is INVALID for v in data.values()):
        return None, problems
    return Record(kind, slug, doc.source.display, data, lines), problems


def _check_dates(data: dict, lines: dict[str, int], ctx: Context) -> None:
    published, updated = data.get("published"), data.get("updated")
    if isinstance(published, (date, datetime)) and isinstance(updated, (date, datetime)):
        if _comparable(updated) < _comparable(published):
            ctx.error(
                lines["updated"],
                "updated",
                f"{_iso(updated)} is before published, {_iso(published)} (expected a date on or after published)",
            )


def check_event(data: dict, lines: dict[str, int], ctx: Context) -> None:
    """An event's dates and its venue, against each other (types.STANDARD_TYPES)."""
    start, end = data.get("start"), data.get("end")
    if isinstance(start, (date, datetime)) and isinstance(end, (date, datetime)):
        if isinstance(start, datetime) != isinstance(end, datetime):
            ctx.error(
                lines["end"],
                "end",
                f"start is {_iso(start)} but end is {_iso(end)} (expected both dates, "
                "for an all-day event, or both dates with times)",
            )
        elif isinstance(start, datetime) and end <= start:
            ctx.error(
                lines["end"], "end", f"{_iso(end)} is not after start, {_iso(start)} (expected an end after the start)"
            )
        elif not isinstance(start, datetime) and end < start:
            ctx.error(
                lines["end"], "end", f"{_iso(end)} is before start, {_iso(start)} (expected the same day or later)"
            )
    moved = data.get("rescheduled_from")
    if isinstance(moved, (date, datetime)) and moved == start:
        ctx.error(
            lines["rescheduled_from"],
            "rescheduled_from",
            f"{_iso(moved)} is the start itself (expected the start it had before it moved)",
        )
    elif moved is not None and data.get("status") == "postponed":
        ctx.error(
            lines["rescheduled_from"],
            "rescheduled_from",
            "is given, but the status is postponed (expected "
            "`status: scheduled` with the new start, once the new date is known)",
        )
    fmt = data.get("format")
    if fmt in ("in-person", "hybrid") and "venue" not in data:
        article = "an" if fmt == "in-person" else "a"
        ctx.error(
            lines.get("format", 1),
            "venue",
            f"is missing (required for {article} {fmt} event: a venue with name and address)",
        )


def check_resource(data: dict, lines: dict[str, int], ctx: Context) -> None:
    """A resource names a file or a link, not both (types.STANDARD_TYPES); a file's size goes in feeds' enclosures."""
    if isinstance(data.get("file"), str):
        data["file_size"] = (ctx.content_dir / data["file"]).stat().st_size
    if data.get("file") and data.get("url"):
        ctx.warn(
            lines["url"], "url", "is given as well as `file`, and the page links to the file (expected one of them)"
        )


def _comparable(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _iso(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()
