"""How long an editor waits, in `python build.py serve`, from saving an event to seeing it served.

Usage: `.venv/bin/python benchmarks/serve_latency.py [--events 1000] [--edits 5]`

Serves a copy of the project's content/ and a generated site of N events (500
words of Markdown each), both in a temporary folder; edits one event's title
`--edits` times and times each save until the served page shows the new title
(debounce and rebuild included). Prints a table. Nothing in the repository is
touched.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 600  # seconds for the first build of a large site on a slow machine
EDIT_TIMEOUT = 300
POLL_SECONDS = 0.02

WORDS = (
    "community residents partnership local learning session volunteers funding plan meeting "
    "neighbourhood group area change people support project youth housing money budget story "
    "together listen share action review evidence training welcome access include voice"
).split()
TOPICS = ("Finance", "Housing", "Young people", "Inclusion", "Campaigning", "Health", "Environment")


@dataclass
class Measurement:
    site: str
    events: int
    first_build: float
    latencies: list[float]  # save to the saved page served
    rebuilds: list[float]  # save to the whole site rebuilt


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def event_body(rng: random.Random, total_words: int = 500) -> str:
    """About total_words words of Markdown: headings, paragraphs with emphasis and links, a list."""
    parts, used = [], 0
    while used < total_words:
        parts.append(f"## {words(rng, 3).capitalize()}")
        sentence = words(rng, 60)
        parts.append(f"{sentence.capitalize()} with *{words(rng, 2)}* and a [link](/events/).")
        parts.append("\n".join(f"- {words(rng, 8)}" for _ in range(4)))
        used += 3 + 60 + 5 + 32
    return "\n\n".join(parts) + "\n"


def generate_site(root: Path, events: int, seed: int = 1) -> Path:
    """A content folder with `events` online events; return it."""
    rng = random.Random(seed)
    content = root / "content"
    (content / "events").mkdir(parents=True)
    (content / "site.yaml").write_text("title: Generated programme\nbase_url: https://generated.example.org/\n")
    for n in range(events):
        day = 1 + n % 28
        month = 1 + (n // 28) % 12
        (content / "events" / f"event-{n:04d}.md").write_text(
            f"---\ntitle: Generated session {n}\nsummary: Session {n} of the generated programme.\n"
            f"start: 2027-{month:02d}-{day:02d} 18:00\nend: 2027-{month:02d}-{day:02d} 19:30\nformat: online\n"
            f"topics: [{TOPICS[n % len(TOPICS)]}]\n---\n\n{event_body(rng)}"
        )
    return content


def pick_event(content: Path) -> Path:
    """An event whose page is at /events/<file name>/: no slug of its own, not a draft."""
    for path in sorted((content / "events").glob("*.md")):
        text = path.read_text()
        front = text.split("\n---", 1)[0]
        if (
            path.name[0] not in "_."
            and not re.search(r"^slug:", front, re.M)
            and not re.search(r"^draft:\s*true", front, re.M)
        ):
            return path
    raise SystemExit(f"no event in {content} to edit")


def _find(pattern: str, line: str) -> str:
    """The part of a line of serve's output that the pattern finds; a line without it ends the benchmark."""
    found = re.search(pattern, line)
    if found is None:
        raise SystemExit(f"expected {pattern!r} in serve's line {line!r}")
    return found.group(0)


class Serve:
    """A `build.py serve` process, its stdout read as it comes."""

    def __init__(self, content: Path, workdir: Path):
        command = [
            sys.executable,
            str(PROJECT / "build.py"),
            "serve",
            "--port",
            "0",
            "--content",
            str(content),
            "--output",
            str(workdir / "output"),
        ]
        self.process = subprocess.Popen(
            command, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not any(line.startswith("Serving ") for line in self.lines):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"serve did not start: {self.lines}")
            time.sleep(0.05)
        self.url = _find(r"http://\S+/", next(l for l in self.lines if l.startswith("Serving ")))
        built = next((l for l in self.lines if l.startswith("Built in ")), None)
        if built is None:
            self.stop()
            raise SystemExit(f"the first build of {content} failed; run `build.py check --content {content}`")
        self.first_build = float(_find(r"[\d.]+(?=s)", built))

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def rebuilds(self) -> int:
        return sum(1 for line in self.lines if line.startswith("Rebuilt in "))

    def page(self, path: str) -> str:
        try:
            with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=60) as response:
                return response.read().decode()
        except urllib.error.URLError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # serve stops cleanly on Ctrl-C
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def time_edits(serve: Serve, event: Path, edits: int) -> tuple[list[float], list[float]]:
    """Seconds from each save to the served page showing it, and to the whole site being rebuilt. Each
    edit waits for the last rebuild to finish, as an editor who reads the page before saving again."""
    original = event.read_text()
    url = f"/events/{event.stem}/"
    latencies, rebuilds = [], []
    for n in range(edits):
        done = serve.rebuilds()
        marker = f"Latency probe {n} {time.time_ns()}"
        edited = re.sub(r"^title:.*$", f'title: "{marker}"', original, count=1, flags=re.M)
        started = time.perf_counter()
        event.write_text(edited)
        while marker not in serve.page(url):
            if time.perf_counter() - started > EDIT_TIMEOUT:
                raise SystemExit(f"the page {url} did not show edit {n} within {EDIT_TIMEOUT}s")
            time.sleep(POLL_SECONDS)
        latencies.append(time.perf_counter() - started)
        while serve.rebuilds() == done:
            if time.perf_counter() - started > EDIT_TIMEOUT:
                raise SystemExit(f"no rebuild after edit {n} within {EDIT_TIMEOUT}s")
            time.sleep(POLL_SECONDS)
        rebuilds.append(time.perf_counter() - started)
        time.sleep(0.5)  # let the server settle
    return latencies, rebuilds


def measure(name: str, content: Path, workdir: Path, edits: int) -> Measurement:
    events = sum(1 for _ in (content / "events").glob("*.md"))
    serve = Serve(content, workdir)
    try:
        latencies, rebuilds = time_edits(serve, pick_event(content), edits)
    finally:
        serve.stop()
    return Measurement(name, events, serve.first_build, latencies, rebuilds)


def print_table(rows: list[Measurement]) -> None:
    print(
        f"{'site':<28} {'events':>7} {'first build':>12} {'page median':>12} {'min':>8} {'max':>8} "
        f"{'rebuilt median':>15}"
    )
    for row in rows:
        print(
            f"{row.site:<28} {row.events:>7} {row.first_build:>11.2f}s {statistics.median(row.latencies):>11.2f}s "
            f"{min(row.latencies):>7.2f}s {max(row.latencies):>7.2f}s {statistics.median(row.rebuilds):>14.2f}s"
        )
    print(
        "(seconds from saving an event's title to the served page showing it, and to the whole site being "
        "rebuilt; debounce included)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000, help="events in the generated site (default 1000)")
    parser.add_argument("--edits", type=int, default=5, help="edits to time on each site (default 5)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="serve-latency-") as tmp:
        real = Path(tmp) / "real"
        shutil.copytree(PROJECT / "content", real / "content")
        print("Serving a copy of content/ ...", file=sys.stderr, flush=True)
        rows.append(measure("content/", real / "content", real, args.edits))
        generated = Path(tmp) / "generated"
        print(f"Generating {args.events} events and serving them ...", file=sys.stderr, flush=True)
        content = generate_site(generated, args.events)
        rows.append(measure(f"generated ({args.events} events)", content, generated, args.edits))
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
