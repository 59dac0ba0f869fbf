"""Every promise in the project's documents names the test that keeps it: so every test they name exists."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The changelog is history: it may name tests that were retired since.
DOCUMENTS = [
    "README.md",
    "SECURITY.md",
    "ARCHITECTURE.md",
    "benchmarks/README.md",
    *(path.relative_to(ROOT).as_posix() for path in sorted((ROOT / "docs").glob("*.md"))),
]
CITED = re.compile(r"tests/(test_\w+\.py)((?:::\w+)*)")


def citations() -> list[tuple[str, str, str]]:
    found = []
    for document in DOCUMENTS:
        text = (ROOT / document).read_text(encoding="utf-8")
        found += [(document, match.group(1), match.group(2)) for match in CITED.finditer(text)]
    return found


def test_the_documents_name_tests() -> None:
    assert len(citations()) > 20


@pytest.mark.parametrize("document, module, names", citations(), ids=lambda value: value or "-")
def test_every_test_a_document_names_exists(document: str, module: str, names: str) -> None:
    path = ROOT / "tests" / module
    assert path.is_file(), f"{document} names tests/{module}, which does not exist"
    source = path.read_text(encoding="utf-8")
    for name in filter(None, names.split("::")):
        assert re.search(rf"^\s*(def|class|async def) {name}\b", source, re.M), (
            f"{document} names tests/{module}::{name}, which is not defined there"
        )


def test_every_test_named_alone_exists_somewhere() -> None:
    """A promise may name a test without its module (`test_name`, after the module it cites first)."""
    defined = set()
    for path in (ROOT / "tests").glob("test_*.py"):
        defined |= set(re.findall(r"^\s*(?:async )?def (test_\w+)", path.read_text(encoding="utf-8"), re.M))
    missing = []
    for document in DOCUMENTS:
        text = (ROOT / document).read_text(encoding="utf-8")
        for name in re.findall(r"`(?:[\w/]+\.py::)?(test_\w+)`", text):
            if name not in defined:
                missing.append(f"{document}: {name}")
    assert not missing, "documents name tests that do not exist: " + ", ".join(missing)
