"""The floor under a build: what reading the inputs and writing the outputs costs with nothing else, and
what the libraries a build leans on cost a page, on one corpus.

Usage: `python benchmarks/floor.py --inputs CORPUS --outputs BUILT --scratch DIR` prints one JSON object.

- `io`: every file under CORPUS read (opened, read whole, closed), then every file of BUILT (a build's
  output: the same paths and the same bytes, held in memory beforehand) written into a fresh folder under
  DIR, one folder made for each new one, as a build writes them. Wall and CPU seconds of that alone.
- `per_page_ms`: for each content file under CORPUS/events, the front matter read by PyYAML's C loader
  (`yaml.load` with `CSafeLoader`), the body turned into HTML by pyromark, and a page of a trivial Jinja
  template (`<h1>{{ title }}</h1>{{ body }}`) rendered and encoded; the median file's milliseconds of each.

run.py runs it after this project's builds of each size and reports the build against it (ours / floor).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

import jinja2
import pyromark
import yaml

FENCE = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)


def _files(root: Path) -> list[str]:
    found = []
    for folder, _, names in os.walk(root):
        found += [os.path.join(folder, name) for name in names]
    return sorted(found)


def io_floor(inputs: Path, outputs: Path, scratch: Path) -> dict:
    """Read every input file, then write every output file's bytes: the seconds it took, and how many."""
    built = [(os.path.relpath(path, outputs), Path(path).read_bytes()) for path in _files(outputs)]
    sources = _files(inputs)
    target = scratch / "floor-out"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    root = os.fspath(target)
    os.sync()  # the reading of BUILT is on disk before the timing starts
    wall, cpu = time.perf_counter(), time.process_time()
    read = 0
    for path in sources:
        with open(path, "rb") as handle:
            read += len(handle.read())
    made = {""}
    for rel, data in built:
        parent = os.path.dirname(rel)
        if parent not in made:
            os.makedirs(os.path.join(root, parent), exist_ok=True)
            while parent not in made:
                made.add(parent)
                parent = os.path.dirname(parent)
        fd = os.open(os.path.join(root, rel), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    shutil.rmtree(target, ignore_errors=True)
    return {
        "wall": wall,
        "cpu": cpu,
        "files_read": len(sources),
        "bytes_read": read,
        "files_written": len(built),
        "bytes_written": sum(len(d) for _, d in built),
        "folders_made": len(made) - 1,
    }


def library_floors(inputs: Path) -> dict:
    """The median content file's milliseconds in each library a build uses on every page."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    markdown = pyromark.Markdown()
    template = jinja2.Environment(autoescape=True).from_string("<h1>{{ title }}</h1>{{ body }}")
    times: dict[str, list[float]] = {"yaml_c_loader": [], "pyromark": [], "jinja_trivial": []}
    for path in sorted((inputs / "events").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        parts = FENCE.split(text, 2)
        if len(parts) < 3:
            continue
        front, body = parts[1], parts[2]
        start = time.perf_counter()
        fields = yaml.load(front, Loader=loader)
        times["yaml_c_loader"].append(time.perf_counter() - start)
        start = time.perf_counter()
        html = markdown.html(body)
        times["pyromark"].append(time.perf_counter() - start)
        start = time.perf_counter()
        template.render(title=str(fields.get("title", "")), body=jinja2.utils.markupsafe.Markup(html)).encode()
        times["jinja_trivial"].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1000 if values else None for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=Path, required=True, help="the content folder a build read")
    parser.add_argument("--outputs", type=Path, required=True, help="the folder that build wrote")
    parser.add_argument("--scratch", type=Path, required=True, help="where to write the copy (removed after)")
    args = parser.parse_args(argv)
    result = {"io": io_floor(args.inputs, args.outputs, args.scratch), "per_page_ms": library_floors(args.inputs)}
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
