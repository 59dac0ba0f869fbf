"""What the search index costs: its build time and size, and what a browser fetches for a first query.

Usage: `.venv/bin/python benchmarks/search_index.py --sizes 1000,5000,20000 [--json FILE]`

For each size, the benchmark corpus (corpus.py, this project's shape) is built cold (no cache) twice in
this process: as it is, and with the search stage replaced by nothing, so the difference is what the
index costs a cold build. The Pagefind stage is also timed alone, on the pages of the built site
(search.searchable of each, as the workers send them), two ways: as the build makes it (AddDir over a
temporary folder, which Pagefind indexes on every core) and as earlier builds did (one AddFile message a
page, indexed one at a time), with the words it indexed, for a cost per page and per word. The 1-minute
load average is recorded before each size, since the machine may be shared. Then the site is served on 127.0.0.1 and Debian's
Chromium opens /search/?q=WORD for a common word and for a rare one: the bytes it fetched from /pagefind/
(and the search script) are counted by the server, against the size of the whole index.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(PROJECT), str(PROJECT / "benchmarks")]

from corpus import TODAY, write_corpus  # noqa: E402
from site_builder.output import render  # noqa: E402
from site_builder.output import search  # noqa: E402
from site_builder.cli import main as build_main  # noqa: E402

QUERIES = {"common": "community", "rare": "petition"}


def cpu() -> float:
    """CPU seconds of this process and its finished children (the workers, Pagefind): on a shared machine,
    steadier than the wall clock."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class NoIndex:
    """In place of search.Indexer, for a build with no search stage: Pagefind is never started."""

    indexed = 0

    def __enter__(self) -> "NoIndex":
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def folder(self, batch: int) -> str:
        return ""

    def add(self, batch: int) -> None:
        pass

    def start_files(self) -> None:
        pass

    def files(self, searchable_pages: int) -> dict[str, bytes]:
        return {}


def cold_build(content: Path, out: Path, with_search: bool) -> tuple[float, float]:
    if out.exists():
        shutil.rmtree(out)
    originals = render.Indexer, render.keep
    if not with_search:
        render.Indexer, render.keep = NoIndex, lambda folder, path, data: False  # type: ignore[assignment,misc]
    try:
        started, used = time.perf_counter(), cpu()
        code = build_main(
            ["build", "--content", str(content), "--output", str(out), "--today", TODAY, "--no-cache"],
            stdout=open("/dev/null", "w"),
        )
        seconds, used = time.perf_counter() - started, cpu() - used
    finally:
        render.Indexer, render.keep = originals  # type: ignore[misc]
    assert code == 0, f"build failed ({code})"
    return seconds, used


def searched_pages(out: Path) -> list[tuple[str, str]]:
    pages = []
    for page in sorted(out.rglob("*.html")):
        if page.relative_to(out).parts[0] == search.BUNDLE:
            continue
        found = search.searchable(page.read_bytes())
        if found is not None:
            pages.append(("/" + page.relative_to(out).as_posix().removesuffix("index.html"), found.decode("utf-8")))
    return pages


def by_folder(pages: list[tuple[str, str]]) -> None:
    """The index as the build makes it: the pages written into the Indexer's folder, read in one AddDir."""
    paths = [url.lstrip("/") + ("index.html" if url.endswith("/") else "") for url, _ in pages]
    with search.Indexer() as indexer:
        indexer.prepare(0, paths)
        for path, (_, html) in zip(paths, pages):
            search.keep(indexer.batch(0), path, html.encode("utf-8"))
        indexer.add(0)
        indexer.files(len(pages))


def by_messages(pages: list[tuple[str, str]]) -> None:
    """The index as builds before AddDir made it: one AddFile message a page (a thread writes them while
    this one reads the answers, so neither pipe fills and stops the other)."""
    with search.Service() as service:
        index_id = service.wait(service.send({"type": "NewIndex", "config": {"keep_index_url": False}}))["index_id"]
        payloads = [
            {"type": "AddFile", "index_id": index_id, "url": url, "file_contents": html, "file_path": None}
            for url, html in pages
        ]
        first = service.next_id + 1
        writer = threading.Thread(target=lambda: [service.send(payload) for payload in payloads], daemon=True)
        writer.start()
        for number in range(first, first + len(payloads)):
            service.wait(number)
        writer.join()
        service.wait(service.send({"type": "GetFiles", "index_id": index_id}))


def index_alone(pages: list[tuple[str, str]], how: str) -> tuple[float, float]:
    started, used = time.perf_counter(), cpu()
    by_folder(pages) if how == "dir" else by_messages(pages)
    return time.perf_counter() - started, cpu() - used


def indexed_words(pages: list[tuple[str, str]]) -> int:
    """The words Pagefind reads: the text of each page's main content, less what it is told to ignore."""
    words = 0
    for _, html in pages:
        html = re.sub(r"<(div|section)[^>]*data-pagefind-ignore[^>]*>.*?</\1>", " ", html, flags=re.S)
        words += len(re.sub(r"<[^>]+>", " ", html).split())
    return words


class Counting(http.server.SimpleHTTPRequestHandler):
    fetched: list[tuple[str, int]] = []

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        target = Path(self.directory) / path.lstrip("/")
        if target.is_file():
            Counting.fetched.append((path, target.stat().st_size))
        return super().do_GET()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def first_query_bytes(out: Path) -> dict[str, dict[str, int]]:
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Counting, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    measured = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            for name, word in QUERIES.items():
                context = browser.new_context()  # a cold cache for each query
                page = context.new_page()
                Counting.fetched = []
                page.goto(f"{origin}/search/?q={word}", wait_until="load")
                page.wait_for_selector("#search-results:not([hidden])", timeout=60_000)
                page.wait_for_load_state("networkidle")
                index = sum(size for path, size in Counting.fetched if path.startswith("/pagefind/"))
                code = sum(
                    size
                    for path, size in Counting.fetched
                    if path.startswith("/pagefind/") and path.endswith((".js", ".pagefind"))
                )
                measured[name] = {
                    "bytes": index,
                    "of_which_code": code,
                    "results": page.locator("#search-results-list li").count(),
                    "files": sum(1 for path, _ in Counting.fetched if path.startswith("/pagefind/")),
                }
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return measured


def measure(size: int, work: Path, repeat: int) -> dict:
    corpus = work / f"size-{size}"
    write_corpus(corpus, size, shapes=("ours",))
    content, out = corpus / "ours", corpus / "out"
    load = os.getloadavg()[0]
    without = [cold_build(content, out, with_search=False) for _ in range(repeat)]
    with_index = [cold_build(content, out, with_search=True) for _ in range(repeat)]
    files = [p for p in (out / "pagefind").rglob("*") if p.is_file()]
    code = sum(p.stat().st_size for p in files if p.suffix in (".js", ".pagefind"))
    total = sum(p.stat().st_size for p in files)
    pages = searched_pages(out)
    alone = [index_alone(pages, "dir") for _ in range(repeat)]
    messages = [index_alone(pages, "messages") for _ in range(repeat)]
    result = {
        "events": size,
        "load_average_1min": load,
        "indexed_pages": len(pages),
        "indexed_words": indexed_words(pages),
        "index_by_messages_s": statistics.median(w for w, _ in messages),
        "index_by_messages_cpu_s": statistics.median(c for _, c in messages),
        "cold_build_without_search_s": statistics.median(w for w, _ in without),
        "cold_build_with_search_s": statistics.median(w for w, _ in with_index),
        "index_alone_s": statistics.median(w for w, _ in alone),
        "cold_build_without_search_cpu_s": statistics.median(c for _, c in without),
        "cold_build_with_search_cpu_s": statistics.median(c for _, c in with_index),
        "index_alone_cpu_s": statistics.median(c for _, c in alone),
        "index_files": len(files),
        "index_bytes": total - code,
        "code_bytes": code,
        "first_query": first_query_bytes(out),
    }
    print(json.dumps(result), file=sys.stderr)
    return result


def table(results: list[dict]) -> str:
    lines = [
        "| events (load) | cold build without search, wall (CPU) | with search | Pagefind stage alone (AddDir) "
        "| one AddFile a page | CPU a page, a word | index files "
        "| index size (+ Pagefind's code) | first query, common word | first query, rare word |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        extra = r["cold_build_with_search_cpu_s"] - r["cold_build_without_search_cpu_s"]
        q = r["first_query"]
        # Runs saved before these columns were measured leave them blank.
        load = f" ({r['load_average_1min']:.1f})" if "load_average_1min" in r else ""
        by_messages = (
            f"{r['index_by_messages_s']:.2f} s ({r['index_by_messages_cpu_s']:.2f} s)"
            if "index_by_messages_s" in r
            else "–"
        )
        per = "–"
        if "indexed_pages" in r:
            per_page = 1e3 * r["index_alone_cpu_s"] / r["indexed_pages"]
            per = f"{per_page:.2f} ms, {1e6 * r['index_alone_cpu_s'] / r['indexed_words']:.1f} µs"
        lines.append(
            f"| {r['events']:,}{load} | {r['cold_build_without_search_s']:.2f} s ({r['cold_build_without_search_cpu_s']:.2f} s) "
            f"| {r['cold_build_with_search_s']:.2f} s ({r['cold_build_with_search_cpu_s']:.2f} s; CPU "
            f"+{100 * extra / r['cold_build_without_search_cpu_s']:.0f}%) "
            f"| {r['index_alone_s']:.2f} s ({r['index_alone_cpu_s']:.2f} s) "
            f"| {by_messages} | {per} "
            f"| {r['index_files']:,} | {r['index_bytes'] / 1e6:.1f} MB (+ {r['code_bytes'] / 1e3:.0f} kB) "
            f"| {q['common']['bytes'] / 1e3:.0f} kB ({q['common']['of_which_code'] / 1e3:.0f} kB code) "
            f"| {q['rare']['bytes'] / 1e3:.0f} kB ({q['rare']['of_which_code'] / 1e3:.0f} kB code) |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--report", type=Path, help="print the table of a saved run")
    args = parser.parse_args()
    if args.report:
        print(table(json.loads(args.report.read_text())))
        return 0
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        results = [measure(int(size), Path(tmp), args.repeat) for size in args.sizes.split(",")]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
