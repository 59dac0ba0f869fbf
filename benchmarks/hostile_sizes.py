"""Hostile sizes: the real build on synthetic content grown along one dimension at a time.

    .venv/bin/python benchmarks/hostile_sizes.py [--quick] [--only NAME]

For each dimension (topics, headings, list items, links, footnotes, file size, nesting, ...), builds a
small site whose one stretched file has n of that thing, at doubling n, with `site_builder.cli.main`
(`build --jobs 1 --no-cache`, into a temporary folder), and prints seconds against n. The last column is
the cost of one unit at this n over the cost of one unit at the smallest n: near 1 (or falling, as fixed
costs spread) for linear growth; a stage quadratic in n would double it at each row.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_builder.cli import main  # noqa: E402

SITE = "title: Hostile sizes\nbase_url: https://sizes.example.org/\n"
EVENT = (
    "---\ntitle: Stretched\nsummary: One file grown along one dimension.\nstart: 2027-03-04 18:00\n"
    "end: 2027-03-04 19:00\nformat: online\npublished: 2027-01-02\n{extra}---\n{body}"
)


def event(extra: str = "", body: str = "Words.\n") -> dict[str, str]:
    return {"events/stretched.md": EVENT.format(extra=extra, body=body)}


def topics_on_items(n: int) -> dict[str, str]:
    """n items with 20 topics each, every topic its own: n * 20 topics, pages and suggestions."""
    files = {}
    for i in range(n):
        names = ", ".join(f"Topic {i} {j} {chr(97 + (i * 7 + j) % 26)}" for j in range(20))
        files[f"pages/p{i}.md"] = f"---\ntitle: Page {i}\nsummary: Page number {i}.\ntopics: [{names}]\n---\nx\n"
    return files


DIMENSIONS: dict[str, tuple[str, Callable[[int], dict[str, str]], list[int]]] = {
    "topics on one item (refused past 50)": (
        "topics",
        lambda n: event("topics: [" + ", ".join(f"Topic {i}" for i in range(n)) + "]\n"),
        [2500, 5000, 10000, 20000],
    ),
    "distinct topics over the site": ("topics", lambda n: topics_on_items(n // 20), [500, 1000, 2000, 4000]),
    "headings of one name in a body": (
        "headings",
        lambda n: event(body="## Notes\n\n" * n),
        [2500, 5000, 10000, 20000],
    ),
    "headings, each its own": (
        "headings",
        lambda n: event(body="".join(f"## Part {i}\n\n" for i in range(n))),
        [2500, 5000, 10000, 20000],
    ),
    "list items in a body": ("items", lambda n: event(body="- an item\n" * n), [10000, 20000, 40000, 80000]),
    "nested list items": (
        "levels",
        lambda n: event(body="".join("  " * i + "- x\n" for i in range(n))),
        [250, 500, 1000, 1400],
    ),
    "links in a body": (
        "links",
        lambda n: event(body="".join(f"[l{i}](/events/x{i}/) " for i in range(n))),
        [2500, 5000, 10000, 20000],
    ),
    "media links in a body": (
        "links",
        lambda n: event(body="".join(f"[f{i}](media/f{i}.pdf) " for i in range(n))),
        [2500, 5000, 10000, 20000],
    ),
    "footnotes in a body": (
        "notes",
        lambda n: event(
            body="".join(f"a[^{i}] " for i in range(n)) + "\n\n" + "".join(f"[^{i}]: note {i}\n" for i in range(n))
        ),
        [2500, 5000, 10000, 20000],
    ),
    "one line of text (bytes)": (
        "bytes",
        lambda n: event(body="word " * (n // 5) + "\n"),
        [250_000, 500_000, 1_000_000, 2_000_000],
    ),
    "paragraphs (bytes)": (
        "bytes",
        lambda n: event(body="A short paragraph of words.\n\n" * (n // 29)),
        [250_000, 500_000, 1_000_000, 2_000_000],
    ),
    "raw HTML in a body (bytes)": (
        "bytes",
        lambda n: event(body="<p><b>bold</b> <i>it</i></p>\n" * (n // 30)),
        [250_000, 500_000, 1_000_000, 2_000_000],
    ),
    "blockquote nesting": ("levels", lambda n: event(body=">" * n + " deep\n"), [2500, 5000, 10000, 20000]),
    "emphasis nesting": ("levels", lambda n: event(body="*" * n + "x" + "*" * n + "\n"), [2500, 5000, 10000, 20000]),
    "open brackets": ("brackets", lambda n: event(body="[" * n + "\n"), [2500, 5000, 10000, 20000]),
    "accessibility list items": (
        "items",
        lambda n: event("accessibility:\n" + "- Step-free access\n" * n),
        [2500, 5000, 10000, 19000],
    ),
    "a flow list on one line": (
        "items",
        lambda n: event("accessibility: [" + ", ".join(["Ramp"] * n) + "]\n"),
        [2500, 5000, 10000, 19000],
    ),
    "a long venue address": (
        "bytes",
        lambda n: event("venue:\n  name: Hall\n  address: " + "1 Street, " * (n // 10) + "\n"),
        [25_000, 50_000, 100_000, 200_000],
    ),
    "unknown fields": (
        "fields",
        lambda n: event("".join(f"extra{i}: x\n" for i in range(n))),
        [2500, 5000, 10000, 19000],
    ),
    "stray control characters": ("chars", lambda n: event(body="a\x0b" * n), [2500, 5000, 10000, 20000]),
}


def run_once(files: dict[str, str]) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        content = root / "content"
        content.mkdir()
        (content / "site.yaml").write_text(SITE)
        for rel, text in files.items():
            path = content / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        cwd = os.getcwd()
        os.chdir(root)
        try:
            started = time.perf_counter()
            code = main(
                [
                    "build",
                    "--content",
                    "content",
                    "--output",
                    "output",
                    "--today",
                    "2027-01-15",
                    "--jobs",
                    "1",
                    "--no-cache",
                ],
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
            return time.perf_counter() - started, code
        finally:
            os.chdir(cwd)


def main_cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the two smallest sizes only")
    parser.add_argument("--only", help="dimensions whose name contains this")
    args = parser.parse_args()
    print(f"{'dimension':40} {'n':>10} {'unit':>9} {'exit':>4} {'seconds':>8} {'per-unit cost / first':>22}")
    for name, (unit, make, sizes) in DIMENSIONS.items():
        if args.only and args.only not in name:
            continue
        first = None
        for n in sizes[:2] if args.quick else sizes:
            seconds, code = run_once(make(n))
            per_unit = seconds / n
            first = first or per_unit
            print(f"{name:40} {n:>10,} {unit:>9} {code:>4} {seconds:>8.3f} {per_unit / first:>22.2f}", flush=True)


if __name__ == "__main__":
    main_cli()
