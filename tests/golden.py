"""Golden output of the small fixture site: build it, and compare or regenerate.

Regenerate only on purpose, after reading the diff the test prints:
    .venv/bin/python -m tests.golden
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

from site_builder.cli import main

PROJECT = Path(__file__).resolve().parent.parent
SITE = PROJECT / "tests" / "fixtures" / "sites" / "small"
GOLDEN = PROJECT / "tests" / "golden" / "small"
TODAY = "2027-01-15"
# Copied files (the stylesheet, media) are not the point of the golden test: it pins what we generate. The
# search index is binary, pinned by tests/test_search_index.py (same bytes each build) and tests/test_search.py.
SKIP_PREFIXES = ("static/", "media/", "pagefind/")
ASSET_VERSION = re.compile(rb"\?v=[0-9a-f]{10}")


def build_into(out: Path) -> None:
    code = main(["build", "--content", str(SITE), "--output", str(out), "--today", TODAY])
    if code != 0:
        raise SystemExit(f"the small fixture site did not build (exit {code})")


def generated_files(root: Path) -> dict[str, bytes]:
    """Every generated file, with stylesheet version hashes masked (the stylesheet is not pinned here)."""
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(SKIP_PREFIXES) and not rel.startswith("."):
            files[rel] = ASSET_VERSION.sub(b"?v=HASH", path.read_bytes())
    return files


def regenerate() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "output"
        build_into(out)
        if GOLDEN.exists():
            shutil.rmtree(GOLDEN)
        for rel, data in generated_files(out).items():
            target = GOLDEN / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    print(f"golden output written to {GOLDEN.relative_to(PROJECT)}", file=sys.stderr)


if __name__ == "__main__":
    regenerate()
