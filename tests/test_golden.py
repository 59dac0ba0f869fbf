"""The small fixture site's output, file by file, against the reviewed golden copy."""

from __future__ import annotations

import difflib
from pathlib import Path

from tests.golden import GOLDEN, generated_files


def test_every_generated_file_matches_the_golden_copy(small_site: Path) -> None:
    built = generated_files(small_site)
    golden = generated_files(GOLDEN)
    assert sorted(built) == sorted(golden), "files added or missing; regenerate with `python -m tests.golden`"
    diffs = []
    for rel, data in built.items():
        if data != golden[rel]:
            diff = difflib.unified_diff(
                golden[rel].decode().splitlines(),
                data.decode().splitlines(),
                f"golden/{rel}",
                f"built/{rel}",
                lineterm="",
                n=2,
            )
            diffs.append("\n".join(list(diff)[:40]))
    assert not diffs, (
        "output differs from golden (regenerate with `python -m tests.golden` if intended):\n" + "\n\n".join(diffs)
    )
