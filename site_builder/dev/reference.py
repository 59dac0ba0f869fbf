"""The reference of every field, made from the schema itself so it cannot drift from what a build accepts.

`site-builder reference > docs/fields.md` writes it; tests/test_reference.py fails when
docs/fields.md differs from what this makes now. The words for what a value may be are the
ones the build's own error messages use (each kind's `expected`).
"""

from __future__ import annotations

from collections.abc import Callable

from ..content.config import SITE_FIELDS
from ..content.schema import (
    SLUG_PATTERN,
    Choice,
    ContentPath,
    Count,
    Day,
    Field,
    Fields,
    Flag,
    Kind,
    Link,
    ListOf,
    Moment,
    Slug,
    Text,
)
from ..content.types import ContentTypes

REGENERATE = "python build.py reference > docs/fields.md"


def field_reference(types: ContentTypes) -> str:
    """docs/fields.md: every setting of site.yaml and every field of every content type (types.py)."""
    folders = types.folders
    common = [name for name in types.schema(folders[0]) if all(name in types.schema(folder) for folder in folders)]
    published_required = [t.folder for t in types if t.published == "required"]
    lines = [
        "# Every field",
        "",
        "<!-- Made by the builder from its schema: do not edit. To make it again, run",
        f"     `{REGENERATE}` (or `site-builder reference > docs/fields.md`). -->",
        "",
        "Every field the builder reads, with what it accepts. This page is made from the same declarations",
        "that check your files, so what it says is what `check` does. For how to write values (quotes, dates,",
        "lists) and the fields in context, see the [editors' guide](editors-guide.md).",
        "",
        "A field marked *required* must be there and not blank; any other field may be left out. An unknown",
        "field is a warning, not an error. Times are local to the site's time zone (`timezone` below) unless",
        "they carry an offset.",
        "",
        "## site.yaml",
        "",
        *_table(list(SITE_FIELDS.values()), lambda field: "yes" if field.required else "no"),
        "",
        "## Fields every type has",
        "",
        f"In every folder: {', '.join(f'`{folder}/`' for folder in folders)}.",
        "",
        *_table(
            [types.schema(folders[0])[name] for name in common],
            lambda field: _required_in_common(field, published_required),
        ),
    ]
    for folder in folders:
        own = [field for name, field in types.schema(folder).items() if name not in common]
        lines += ["", f"## {folder}/", ""]
        if own:
            lines += _table(own, lambda field: "yes" if field.required else "no")
        else:
            lines.append("Only the fields every type has.")
    return "\n".join(lines) + "\n"


def _required_in_common(field: Field, published_required: list[str]) -> str:
    if field.required:
        return "yes"
    if field.name == "published":
        return "in " + " and ".join(f"`{folder}/`" for folder in published_required)
    return "no"


def _table(fields: list[Field], required: Callable[[Field], str]) -> list[str]:
    rows = ["| field | type | required | accepts | example | what it is |", "| --- | --- | --- | --- | --- | --- |"]
    for field in fields:
        rows += _rows(field, field.name, required)
    return rows


def _rows(field: Field, name: str, required: Callable[[Field], str]) -> list[str]:
    kind = field.kind
    value = field.example or _example(kind)
    example = f"`{field.name}: {value}`" if value else ""
    row = [f"`{name}`", _type(kind), required(field), _accepts(kind), example, field.doc]
    rows = ["| " + " | ".join(_cell(text) for text in row) + " |"]
    inner = kind.item if isinstance(kind, ListOf) else kind
    if isinstance(inner, Fields):
        below = f"{name}[]." if isinstance(kind, ListOf) else f"{name}."
        for sub in inner.fields.values():
            rows += _rows(sub, below + sub.name, lambda sub: "yes" if sub.required else "no")
    return rows


def _example(kind: Kind) -> str:
    """A value the kind accepts, for fields that declare none."""
    if isinstance(kind, ListOf):
        item = _example(kind.item)
        return f"[{item}]" if item and not isinstance(kind.item, Fields) else ""
    if isinstance(kind, Choice):
        return kind.choices[0]
    if isinstance(kind, (Link, ContentPath)) or type(kind).__name__ in ("Email", "Language", "TimeZoneName"):
        return kind.expected.rpartition(" like ")[2] if " like " in kind.expected else ""
    examples = [
        (Slug, "bsl-awareness"),
        (Flag, "true"),
        (Count, "30"),
        (Moment, "2027-03-04 18:00"),
        (Day, "2027-03-04"),
    ]
    return next((value for cls, value in examples if isinstance(kind, cls)), "")


def _type(kind: Kind) -> str:
    if isinstance(kind, ListOf):
        item = kind.item
        return "list of groups of fields" if isinstance(item, Fields) else f"list of {_type(item)}"
    names = [
        (Fields, "group of fields"),
        (Slug, "slug"),
        (Choice, "choice"),
        (Link, "link"),
        (ContentPath, "file"),
        (Moment, "date and time, or date"),
        (Day, "date"),
        (Flag, "true or false"),
        (Count, "whole number"),
    ]
    for cls, noun in names:
        if isinstance(kind, cls):
            return noun
    noun = kind.noun
    return noun.split(" ", 1)[1] if noun.startswith(("a ", "an ")) else noun


def _accepts(kind: Kind) -> str:
    if isinstance(kind, ListOf) and isinstance(kind.item, Fields):
        return "a list: each item starts with `- ` and holds the fields below"
    if isinstance(kind, ListOf):
        item = _accepts(kind.item)
        single = "; one value alone is read as a list of one" if kind.allow_single else ""
        return f"each item on its own line starting with `- `, or `[a, b]`{single}" + (
            f"; each item: {item}" if item else ""
        )
    if isinstance(kind, Fields):
        return "the fields below, indented under it"
    if isinstance(kind, Slug):
        return f"{kind.expected} (the pattern `{SLUG_PATTERN.pattern}`)"
    if isinstance(kind, Choice):
        return "one of " + ", ".join(f"`{choice}`" for choice in kind.choices)
    if isinstance(kind, Moment):
        return "`2027-03-04 18:00`, `2027-03-04T18:00:00`, `2027-03-04T18:00:00+01:00`, or a date alone (`2027-03-04`)"
    if isinstance(kind, Text) and type(kind) is Text:
        return f"at most {kind.max_length} characters" if kind.max_length else "any text on one line, or in quotes"
    text = kind.expected
    if isinstance(kind, Count):
        text = "a whole number greater than 0"
    if isinstance(kind, Text) and kind.max_length:
        text += f", at most {kind.max_length} characters"
    return text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
