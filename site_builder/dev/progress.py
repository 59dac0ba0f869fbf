"""A progress bar for builds that take more than a moment, drawn only on an interactive terminal."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

# Quick builds stay quiet: the bar appears only once a build has run this long.
DELAY_SECONDS = 0.75
WIDTH = 30


class ProgressBar:
    """Draws `Rendering [#####.....] 512/2054` on one line of the terminal, and clears it when done."""

    def __init__(self, stream: TextIO, delay: float = DELAY_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.delay = delay
        self.clock = clock
        self.started = clock()
        self.drawn = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.clock() - self.started < self.delay or total == 0:
            return
        filled = WIDTH * done // total
        self.stream.write(f"\r{stage:<10} [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total}")
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            self.stream.write("\r" + " " * (WIDTH + 40) + "\r")
            self.stream.flush()
            self.drawn = False


def progress_for(stream: TextIO) -> ProgressBar | None:
    """A bar when the stream is a terminal a person is watching; None for pipes, files and CI logs."""
    try:
        interactive = stream.isatty()
    except (AttributeError, ValueError):
        interactive = False
    return ProgressBar(stream) if interactive else None
