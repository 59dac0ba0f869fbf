"""The editors' guide covers every field of every type (the workflow file: test_workflow.py)."""

from __future__ import annotations

import re

import yaml

from site_builder.content.config import SITE_FIELDS
from site_builder.content.schema import Fields, ListOf
from site_builder.content.types import STANDARD_TYPES
from tests.conftest import PROJECT

GUIDE = (PROJECT / "docs" / "editors-guide.md").read_text()


def test_the_guide_names_every_field_and_sub_field() -> None:
    named = set(re.findall(r"`([a-z_]+)(?::|`)", GUIDE))
    for fields in STANDARD_TYPES.schemas.values():
        for field in fields.values():
            assert field.name in named, field.name
            kind = field.kind.item if isinstance(field.kind, ListOf) else field.kind
            if isinstance(kind, Fields):
                for sub in kind.fields:
                    assert sub in named, f"{field.name}.{sub}"
    for name in SITE_FIELDS:
        assert name in named, name


def test_the_guide_examples_of_fields_are_valid_yaml() -> None:
    for block in re.findall(r"```yaml\n(.*?)```", GUIDE, re.S):
        assert isinstance(yaml.safe_load(block), dict)


def test_the_readme_example_event_passes_check(tmp_path, monkeypatch) -> None:
    import shutil
    import textwrap

    from tests.conftest import SITES, run_main

    readme = (PROJECT / "README.md").read_text()
    example = re.search(r"   ```markdown\n(   ---\n.*?)   ```", readme, re.S)[1]
    shutil.copytree(SITES / "base", tmp_path / "content")
    shutil.copy(PROJECT / "content" / "series" / "diversity-and-inclusion.md", tmp_path / "content" / "series")
    (tmp_path / "content" / "events" / "bsl-awareness-evening.md").write_text(textwrap.dedent(example))
    monkeypatch.chdir(tmp_path)
    run = run_main("check", "--today", "2027-01-15")
    assert run.code == 0, run.err
    assert run.err == ""
