"""ARCHITECTURE.md is a map a newcomer can trust: every file and every function it names exists, and a field to
events is one place."""

from __future__ import annotations

import importlib
import re

from tests.conftest import PROJECT

TEXT = (PROJECT / "ARCHITECTURE.md").read_text()
PACKAGE = PROJECT / "site_builder"
MODULES = {path.stem: path for path in PACKAGE.rglob("*.py") if path.stem != "__init__"}


def _module_name(path) -> str:
    return ".".join(path.relative_to(PROJECT).with_suffix("").parts)


def test_every_file_it_names_exists() -> None:
    named = set(re.findall(r"(?<![\w./<-])((?:[\w-]+/)*[\w-]+\.(?:py|html|md))\b", TEXT))
    assert len(named) > 30
    for name in sorted(named):
        if "/" in name:  # a path: from the project, or from the package, as the page says
            assert (PROJECT / name).is_file() or (PACKAGE / name).is_file(), name
        else:  # a bare module name stands for the one file of that name
            found = [p for p in PACKAGE.rglob(name)] + [p for p in PROJECT.glob(name)]
            assert len(found) == 1, (name, found)


def test_every_function_and_class_it_names_in_a_module_exists() -> None:
    dotted = set(re.findall(r"`([a-z_]+(?:\.[A-Za-z_]+)+)`", TEXT))
    checked = 0
    for name in sorted(dotted):
        first, *rest = name.split(".")
        if first not in MODULES or name.endswith((".py", ".md", ".html")):
            continue
        value = importlib.import_module(_module_name(MODULES[first]))
        for part in rest:
            assert hasattr(value, part), name
            value = getattr(value, part)
        checked += 1
    assert checked >= 15


def test_a_field_to_events_is_one_place() -> None:
    row = next(line for line in TEXT.splitlines() if line.startswith("| a field to events"))
    place = row.split("|")[2]
    # The one place is the schema; what follows from it is named as following, not as more places to edit.
    assert place.strip().startswith("its `Field(...)` in the type's tuple in `content/schema.py`")
    assert not re.search(r"\band (also )?(the class|add|edit)|\bif the model should\b", place)
