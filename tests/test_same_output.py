"""Speed never changes the result: the same bytes with one worker or many."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PROJECT, run_main


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_one_worker_and_many_give_byte_identical_sites(tmp_path: Path) -> None:
    outputs = []
    for jobs in ("1", "3"):
        out = tmp_path / f"jobs-{jobs}"
        run = run_main("build", "--content", str(PROJECT / "content"), "--output", str(out), "--today", "2026-11-23",
                       "--jobs", jobs)
        assert run.code == 0, run.err
        outputs.append(snapshot(out))
    assert len(outputs[0]) > 100  # enough pages and calendars that the work is shared out
    assert outputs[0] == outputs[1]
