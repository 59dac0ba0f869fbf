"""A progress bar for long builds on a terminal, and none in logs or pipes."""

from __future__ import annotations

import io
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

from site_builder.dev.progress import ProgressBar, progress_for
from tests.conftest import PROJECT, SITES


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_bar_waits_a_moment_then_draws_on_one_line_and_clears() -> None:
    stream, clock = io.StringIO(), Clock()
    bar = ProgressBar(stream, delay=0.75, clock=clock)
    bar("Reading", 10, 100)
    assert stream.getvalue() == ""  # quick builds stay quiet
    clock.now = 1.0
    bar("Rendering", 512, 2048)
    assert stream.getvalue() == "\rRendering  [#######.......................] 512/2048"
    bar.clear()
    assert stream.getvalue().endswith("\r")


def test_no_bar_when_output_is_not_a_terminal() -> None:
    assert progress_for(io.StringIO()) is None


def test_a_long_build_on_a_terminal_shows_progress_and_a_piped_one_does_not(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(SITES / "base", content)
    body = "\n\n".join(f"Paragraph {n}, *with emphasis* and [a link](/events/)." for n in range(40))
    for n in range(2000):  # long enough, one worker, that rendering is still going after the bar's delay
        (content / "events" / f"e{n:04d}.md").write_text(
            f"---\ntitle: Event {n}\nsummary: Number {n}.\nstart: 2027-03-04 18:00\nend: 2027-03-04 19:00\n"
            f"format: online\npublished: 2027-01-01\n---\n\n{body}\n"
        )
    command = [
        sys.executable,
        str(PROJECT / "build.py"),
        "build",
        "--content",
        str(content),
        "--no-cache",
        "--output",
        str(tmp_path / "output"),
        "--jobs",
        "1",
    ]
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=follower, timeout=300)
        os.close(follower)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    assert b"\rRendering  [" in seen and b"] " in seen
    piped = subprocess.run(command, capture_output=True, timeout=300)
    assert piped.returncode == 0 and b"\r" not in piped.stderr
    assert piped.stdout.startswith(b"Built ")
