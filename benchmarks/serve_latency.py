"""How long an editor waits in `python build.py serve`, from saving a file to the open page showing it.

Usage: `.venv/bin/python benchmarks/serve_latency.py [--events 5000] [--edits 6] [--sites both]`

Serves a copy of the project's content/ and the benchmark corpus of N events
(benchmarks/corpus.py), each in a temporary folder, opens a page in Debian's
Chromium (Playwright, executable_path=/usr/bin/chromium) and, with the page
left open as an editor leaves it, times each save from the moment the file is
written to the moment the page's DOM shows the change:

- body: a new paragraph at the end of the open event's body;
- title: a new title for the open event (the <title> and the <h1>);
- other, event open: a new paragraph in another event, while an event's page is
  open. Its page shows nothing of that event, so it must not change at all:
  the table counts the page loads and the <main>s replaced that this caused
  (both should be 0), and times the whole rebuild instead;
- other, listing open: a new title for another event, while the events listing,
  which shows that title, is open.

The clock is the machine's: Python takes time.time() just before it writes the
file; a MutationObserver installed in every document the tab loads (an init
script, so a full reload is caught while the new page is parsed) takes
Date.now() when a node holding the new text is added. The same script notes
when each live-reload event arrives (EventSource), which splits each time into
"save to the server's event" (watching, debounce, the quick page) and "event to
DOM" (the browser's fetch, reload or update; "page" is the event of a page made
ahead of the whole rebuild, "reload" that of the rebuild). Each edit waits for the whole
rebuild to finish, and a little more, as an editor reading the page before
saving again. Prints a table and the load average (uptime) before and after.
Nothing in the repository is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

PROJECT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(PROJECT), str(PROJECT / "benchmarks")]

from corpus import TODAY as CORPUS_TODAY, write_corpus  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT = 900  # seconds for the first build of a large site on a loaded machine
EDIT_TIMEOUT = 120
SETTLE_SECONDS = 0.5  # after the whole rebuild, before the next save
CONTENT_TODAY = "2026-11-23"

# Runs at the start of every document the tab loads. The probe (the text to wait for) lives in
# sessionStorage, so it survives a full reload; what is seen goes to Python through bindings, with the
# page's own Date.now().
PROBE_SCRIPT = r"""
(() => {
  window.__benchLoaded(Date.now());
  const Original = window.EventSource;
  window.EventSource = function (url, options) {
    const source = new Original(url, options);
    for (const name of ["ok", "reload", "page", "error"]) {
      source.addEventListener(name, () => window.__benchEvent(name, Date.now()));
    }
    return source;
  };
  window.EventSource.prototype = Original.prototype;
  let mains = 0;
  function probe() { try { return JSON.parse(sessionStorage.getItem("bench-probe")); } catch (e) { return null; } }
  function seen(where) {
    const wanted = probe();
    if (!wanted) return false;
    const found = where === "title" ? document.title.includes(wanted.marker) : false;
    if (found) { sessionStorage.removeItem("bench-probe"); window.__benchSeen(wanted.marker, Date.now()); }
    return found;
  }
  function check(nodes) {
    const wanted = probe();
    if (!wanted) return;
    if (wanted.where === "title") { seen("title"); return; }
    for (const node of nodes) {
      const text = node.nodeType === Node.TEXT_NODE || node.nodeType === Node.ELEMENT_NODE ? node.textContent : "";
      if (text && text.includes(wanted.marker)) {
        sessionStorage.removeItem("bench-probe");
        window.__benchSeen(wanted.marker, Date.now());
        return;
      }
    }
  }
  new MutationObserver((records) => {
    const nodes = [];
    for (const record of records) {
      if (record.type === "characterData") nodes.push(record.target);
      for (const node of record.addedNodes) {
        nodes.push(node);
        if (node.nodeName === "MAIN") mains += 1, window.__benchMain(mains);
      }
    }
    check(nodes);
  }).observe(document, {childList: true, subtree: true, characterData: true});
})();
"""


@dataclass
class Timing:
    total: float  # seconds from the write to the DOM showing it
    to_event: float | None  # to the first live-reload event after the write
    rebuilt: float  # to the whole site rebuilt (serve's "Rebuilt" line, read from its stdout)


@dataclass
class Row:
    site: str
    events: int
    kind: str
    timings: list[Timing] = field(default_factory=list)
    loads: int = 0  # page loads the edits caused
    mains: int = 0  # <main> elements put into the page by the edits


class Serve:
    """A `build.py serve` process, its stdout read as it comes."""

    def __init__(self, content: Path, workdir: Path, today: str):
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
            "--today",
            today,
        ]
        self.process = subprocess.Popen(
            command, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1
        )
        self.lines: list[tuple[float, str]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not any(line.startswith("Serving ") for _, line in self.lines):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit(f"serve did not start: {self.lines}")
            time.sleep(0.05)
        serving = next(line for _, line in self.lines if line.startswith("Serving "))
        found = re.search(r"http://\S+/", serving)
        assert found is not None, serving
        self.url = found.group(0).rstrip("/")
        built = next((line for _, line in self.lines if line.startswith("Built in ")), None)
        if built is None:
            self.stop()
            raise SystemExit(f"the first build of {content} failed; run `build.py check --content {content}`")
        seconds = re.search(r"([\d.]+)s", built)
        assert seconds is not None, built
        self.first_build = float(seconds.group(1))

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append((time.time(), line.rstrip("\n")))

    def rebuilt_after(self, count: int) -> float | None:
        """When the rebuild after the first `count` ones was printed, if it has been."""
        rebuilt = [at for at, line in self.lines if line.startswith("Rebuilt in ")]
        return rebuilt[count] if len(rebuilt) > count else None

    def rebuilds(self) -> int:
        return sum(1 for _, line in self.lines if line.startswith("Rebuilt in "))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # serve stops cleanly on Ctrl-C
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Tab:
    """One Chromium tab with the probe script in every document it loads."""

    def __init__(self, context: Any) -> None:
        self.page = context.new_page()
        self.loads: list[float] = []
        self.events: list[tuple[str, float]] = []
        self.seen: dict[str, float] = {}
        self.mains = 0
        self.page.expose_function("__benchLoaded", lambda at: self.loads.append(at / 1000))
        self.page.expose_function("__benchEvent", lambda name, at: self.events.append((name, at / 1000)))
        self.page.expose_function("__benchSeen", lambda marker, at: self.seen.__setitem__(marker, at / 1000))
        self.page.expose_function("__benchMain", lambda count: setattr(self, "mains", self.mains + 1))
        self.page.add_init_script(PROBE_SCRIPT)

    def open(self, url: str) -> None:
        self.page.goto(url, wait_until="load")
        self.page.wait_for_timeout(300)  # the event stream connects and says "ok"

    def expect(self, marker: str, where: str) -> None:
        self.page.evaluate(
            "([marker, where]) => sessionStorage.setItem('bench-probe', JSON.stringify({marker, where}))",
            [marker, where],
        )

    def wait(self, seconds: float, until: Callable[[], bool] = lambda: False) -> bool:
        """Let the tab run (its bindings are answered only while Playwright is called) until `until`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if until():
                return True
            self.page.wait_for_timeout(5)
        return until()


def first_event(content: Path, skip: Path | None = None) -> Path:
    """An event whose page is at /events/<file name>/ (no slug of its own), not a draft, not `skip`."""
    for path in sorted((content / "events").glob("*.md")):
        front = path.read_text().split("\n---", 1)[0]
        if (
            path != skip
            and path.name[0] not in "_."
            and not re.search(r"^slug:", front, re.M)
            and not re.search(r"^draft:\s*true", front, re.M)
        ):
            return path
    raise SystemExit(f"no event in {content} to edit")


def with_title(text: str, title: str) -> str:
    return re.sub(r"^title:.*$", f"title: {json.dumps(title)}", text, count=1, flags=re.M)


def with_paragraph(text: str, paragraph: str) -> str:
    return text.rstrip("\n") + f"\n\n{paragraph}\n"


def time_edits(
    serve: Serve, tab: Tab, edited: Path, change: Callable[[str, str], str], where: str | None, edits: int, row: Row
) -> None:
    """Save `edited` `edits` times; time each until the open tab shows it (where: 'title', 'text', or None
    when the open page must not change, then the whole rebuild is what is timed)."""
    original = edited.read_text()
    try:
        for n in range(edits):
            marker = f"Latency probe {row.kind.split()[0]} {n} {time.time_ns()}"
            if where is not None:
                tab.expect(marker, where)
            done, loads, mains, events = serve.rebuilds(), len(tab.loads), tab.mains, len(tab.events)
            written = time.time()
            edited.write_text(change(original, marker))
            if where is not None and not tab.wait(EDIT_TIMEOUT, lambda: marker in tab.seen):
                raise SystemExit(f"{row.site}: the page did not show {row.kind} edit {n} in {EDIT_TIMEOUT}s")
            if not tab.wait(EDIT_TIMEOUT, lambda: serve.rebuilt_after(done) is not None):
                raise SystemExit(f"{row.site}: no rebuild after {row.kind} edit {n} in {EDIT_TIMEOUT}s")
            finished = serve.rebuilt_after(done)
            assert finished is not None
            rebuilt = finished - written
            tab.wait(SETTLE_SECONDS)
            arrived = [at for _, at in tab.events[events:] if at >= written]
            shown = tab.seen[marker] - written if where is not None else rebuilt
            row.timings.append(Timing(shown, arrived[0] - written if arrived else None, rebuilt))
            row.loads += len(tab.loads) - loads
            row.mains += tab.mains - mains
    finally:
        edited.write_text(original)
        done = serve.rebuilds()
        tab.wait(EDIT_TIMEOUT, lambda: serve.rebuilds() > done)
        tab.wait(SETTLE_SECONDS)


def measure(name: str, content: Path, workdir: Path, today: str, edits: int, context: Any) -> list[Row]:
    events = sum(1 for _ in (content / "events").glob("*.md"))
    serve = Serve(content, workdir, today)
    rows = []
    try:
        tab = Tab(context)
        open_event = first_event(content)
        other = first_event(content, skip=open_event)
        tab.open(f"{serve.url}/events/{open_event.stem}/")
        kinds = [
            ("body", open_event, with_paragraph, "text"),
            ("title", open_event, with_title, "title"),
            ("other, event open", other, with_paragraph, None),
        ]
        for kind, path, change, where in kinds:
            row = Row(name, events, kind)
            time_edits(serve, tab, path, change, where, edits, row)
            rows.append(row)
        tab.open(f"{serve.url}/events/")
        row = Row(name, events, "other, listing open")
        time_edits(serve, tab, other, with_title, "text", edits, row)
        rows.append(row)
        tab.page.close()
    finally:
        serve.stop()
    return rows


def span(values: list[float]) -> str:
    return f"{statistics.median(values):.3f} s ({min(values):.3f}–{max(values):.3f})"


def print_table(rows: list[Row]) -> None:
    print(
        "| site | events | edit | save to DOM, median (min–max) | save to the server's event | event to DOM "
        "| whole site rebuilt | page loads / <main>s put in |"
    )
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        watched = row.kind != "other, event open"
        shown = span([t.total for t in row.timings]) if watched else "unchanged"
        split = [t for t in row.timings if t.to_event is not None]
        to_event = f"{statistics.median(t.to_event for t in split if t.to_event is not None):.3f} s" if split else "–"
        to_dom = (
            f"{statistics.median(t.total - t.to_event for t in split if t.to_event is not None):.3f} s"
            if split and watched
            else "–"
        )
        rebuilt = statistics.median(t.rebuilt for t in row.timings)
        print(
            f"| {row.site} | {row.events} | {row.kind} | {shown} | {to_event} | {to_dom} | {rebuilt:.3f} s "
            f"| {row.loads} / {row.mains} |"
        )


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000, help="events in the generated site (default 5000)")
    parser.add_argument("--edits", type=int, default=6, help="edits of each kind on each site (default 6)")
    parser.add_argument("--sites", choices=("both", "content", "generated"), default="both")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows: list[Row] = []
    loads = [uptime()]
    started = os.times()
    with tempfile.TemporaryDirectory(prefix="serve-latency-") as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        if args.sites in ("both", "content"):
            real = Path(tmp) / "real"
            shutil.copytree(PROJECT / "content", real / "content")
            print("Serving a copy of content/ ...", file=sys.stderr, flush=True)
            rows += measure("content/", real / "content", real, CONTENT_TODAY, args.edits, context)
            loads.append(uptime())
        if args.sites in ("both", "generated"):
            generated = Path(tmp) / "generated"
            print(f"Writing {args.events} events and serving them ...", file=sys.stderr, flush=True)
            content = write_corpus(generated, args.events, shapes=("ours",))["ours"]
            rows += measure("generated", content, generated, CORPUS_TODAY, args.edits, context)
            loads.append(uptime())
        browser.close()
    print_table(rows)
    ended = os.times()
    print(f"\n{args.edits} edits of each kind. Load: " + "; then ".join(loads))
    cpu = ended.children_user + ended.children_system - started.children_user - started.children_system
    print(f"CPU seconds of the processes it started (serve, Playwright's driver and Chromium): {cpu:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
