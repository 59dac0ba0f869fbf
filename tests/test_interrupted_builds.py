"""A build killed at any moment leaves the old site or the new one, complete: never a mix, never nothing."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import PROJECT, SITES


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def make_big_site(root: Path, title: str, events: int = 120) -> None:
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(SITES / "base", root)
    body = "\n\n".join(f"Paragraph {n} about the session, with *emphasis* and a [link](/events/)." for n in range(30))
    for n in range(events):
        (root / "events" / f"event-{n:04d}.md").write_text(
            f"---\ntitle: {title} {n}\nsummary: Session {n}.\nstart: 2027-03-04 18:00\nend: 2027-03-04 19:00\n"
            f"format: online\ntopics: [Topic {n % 7}]\n---\n\n{body}\n"
        )


def build_command(content: Path, output: Path) -> list[str]:
    return [
        sys.executable,
        str(PROJECT / "build.py"),
        "build",
        "--content",
        str(content),
        "--output",
        str(output),
        "--today",
        "2027-01-15",
    ]


def test_sigkill_at_any_moment_leaves_the_old_or_the_new_site_whole(tmp_path: Path) -> None:
    content, output = tmp_path / "content", tmp_path / "output"
    make_big_site(content, "Old")
    subprocess.run(build_command(content, output), check=True, capture_output=True, timeout=300)
    old = snapshot(output)
    make_big_site(content, "New")
    started = time.perf_counter()
    subprocess.run(build_command(content, tmp_path / "reference"), check=True, capture_output=True, timeout=300)
    duration = time.perf_counter() - started
    new = snapshot(tmp_path / "reference")
    assert old != new

    outcomes = set()
    for step in range(12):
        process = subprocess.Popen(build_command(content, output), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * step / 10)  # from the start to after the end, across render and swap
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        now = snapshot(output)
        assert now in (old, new), f"a mixed or partial site after a kill at step {step}"
        outcomes.add("new" if now == new else "old")
        if now == new:  # put the old site back, so the next kill can land in the middle of a swap again
            shutil.rmtree(output)
            shutil.copytree(tmp_path / "reference", output)
            make_big_site(content, "Old")
            subprocess.run(build_command(content, output), check=True, capture_output=True, timeout=300)
            make_big_site(content, "New")
    # A finished build after all those kills still gives the new site, and leaves no staging folders behind.
    subprocess.run(build_command(content, output), check=True, capture_output=True, timeout=300)
    assert snapshot(output) == new
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".output.new-")] == []
    assert "old" in outcomes


def test_two_builds_at_once_do_not_corrupt_each_other(tmp_path: Path) -> None:
    content, output = tmp_path / "content", tmp_path / "output"
    make_big_site(content, "Same", events=80)
    processes = [
        subprocess.Popen(build_command(content, output), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in processes]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 75])  # 75: told another build is writing, to try again (not 1: content errors)
    for code, err in results:
        if code == 75:
            assert "another build is writing" in err
    subprocess.run(build_command(content, tmp_path / "reference"), check=True, capture_output=True, timeout=300)
    assert snapshot(output) == snapshot(tmp_path / "reference")
