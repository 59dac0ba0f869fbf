"""docs/fields.md is the field reference the schema makes now, and every example in it is accepted."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

from site_builder.content.config import SITE_FIELDS
from site_builder.content.parse import compose_yaml
from site_builder.dev.reference import REGENERATE, field_reference
from site_builder.content.schema import INVALID, Context, Field, Fields, ListOf
from site_builder.content.types import STANDARD_TYPES
from tests.conftest import PROJECT, run_main

FIELDS_MD = PROJECT / "docs" / "fields.md"


def test_docs_fields_md_is_what_the_schema_makes_now() -> None:
    made = field_reference(STANDARD_TYPES)
    assert FIELDS_MD.read_text(encoding="utf-8") == made, (
        f"docs/fields.md is out of date with the schema; make it again with `{REGENERATE}`"
    )


def test_the_reference_command_prints_it() -> None:
    run = run_main("reference")
    assert run.code == 0 and run.err == ""
    assert run.out == field_reference(STANDARD_TYPES)


def _every_field() -> list[tuple[str, Field]]:
    found = []

    def walk(prefix: str, field: Field) -> None:
        found.append((prefix + field.name, field))
        kind = field.kind.item if isinstance(field.kind, ListOf) else field.kind
        if isinstance(kind, Fields):
            below = f"{prefix}{field.name}[]." if isinstance(field.kind, ListOf) else f"{prefix}{field.name}."
            for sub in kind.fields.values():
                walk(below, sub)

    for field in SITE_FIELDS.values():
        walk("site.yaml:", field)
    for folder, fields in STANDARD_TYPES.schemas.items():
        for field in fields.values():
            walk(f"{folder}:", field)
    return found


def test_every_field_and_sub_field_has_a_row_with_its_type_and_an_example_where_it_can() -> None:
    text = FIELDS_MD.read_text(encoding="utf-8")
    rows = {row.split(" | ")[0].strip("| `"): row for row in text.splitlines() if row.startswith("| `")}
    for path, field in _every_field():
        name = path.split(":", 1)[1]
        assert name in rows, name
        cells = rows[name].split(" | ")
        assert cells[1] and cells[2] in ("yes", "no", "in `stories/` and `resources/`"), rows[name]
    assert rows["format"].split(" | ")[3] == "one of `online`, `in-person`, `hybrid`"
    assert rows["summary"].split(" | ")[3] == "at most 300 characters"
    assert rows["published"].split(" | ")[2] == "in `stories/` and `resources/`"
    assert rows["windows[].opens"].split(" | ")[2] == "yes"


def test_every_example_in_the_reference_is_accepted_by_its_field(tmp_path: Path) -> None:
    text = FIELDS_MD.read_text(encoding="utf-8")
    examples, section = {}, ""
    for row in text.splitlines():
        if row.startswith("## "):
            section = {"site.yaml": "site.yaml", "Fields every type has": "*"}.get(row[3:], row[3:].rstrip("/"))
        if row.startswith("| `"):
            cells = row.split(" | ")
            if cells[4]:
                examples[section, cells[0].strip("| `")] = cells[4].strip("`").replace("\\|", "|")
    (tmp_path / "media" / "images").mkdir(parents=True)
    (tmp_path / "media" / "files").mkdir()
    checked = 0
    for path, field in _every_field():
        section, name = path.split(":", 1)
        example = examples.get((section, name)) or examples.get(("*", name))
        if example is None:
            continue
        problems: list = []
        value = compose_yaml(example, "fields.md", problems)
        assert value is not None and not problems, (name, problems)
        node = value.data[field.name]
        if node.is_scalar and str(node.data).startswith("media/"):
            (tmp_path / str(node.data)).touch()
        ctx = Context("fields.md", ZoneInfo("Europe/London"), tmp_path, problems)
        assert field.kind.convert(node, ctx, field.name) is not INVALID, (name, problems)
        assert not [p for p in problems if p.is_error], (name, problems)
        checked += 1
    assert checked >= 40
    assert re.search(r"`format: online`", text)
