"""The cost of the image stage (site_builder/output/images.py) for many images: cold (an empty cache: every
original decoded, turned upright, resized and encoded, and what it made kept in the cache) and warm (the same
originals again: each read and hashed, each derived file read back against its sha256, nothing decoded or
encoded).

    .venv/bin/python -m benchmarks.images [--count 1000] [--size 2000x1500] [--workers N] [--repeats 3]

The originals are photo-like JPEGs with EXIF (camera and GPS), each shown as a page's `image:`, so each makes
its sizes in AVIF (where Pillow has it), WebP and JPEG, and its 1200 x 630 crop. They are made once and kept
(`--originals DIR`, by default a folder in the system's temporary folder named after the count and size), so
later runs time the stage, not the making of its input. Each repeat starts from an empty cache.

CPU seconds are this process's and its workers' (getrusage), so they hold on a shared machine where wall
seconds do not; the 1-minute load average is read before and after each run, since other work on the machine
shows in the wall times. Results go in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_builder.content.config import Config, load_config  # noqa: E402
from site_builder.content.sources import MediaFile  # noqa: E402
from site_builder.content.validate import Record  # noqa: E402
from site_builder.output import images  # noqa: E402
from site_builder.speed.parallel import default_workers  # noqa: E402
from tests.image_fixtures import _camera_exif, _photo_pixels  # noqa: E402

BASES = 8  # distinct photos; each original is one of them with a mark of its own, so every hash differs
ORIGINALS_VERSION = "1"  # change when make_originals makes different files


# ---------------------------------------------------------------- the originals, made once


def _original(n: int, bases: list[Image.Image], exif: bytes) -> bytes:
    image = bases[n % BASES].copy()
    x, y = n % 97 * 10, n // 97 % 97 * 10
    ImageDraw.Draw(image).rectangle((x, y, x + 40, y + 40), fill=(n % 256, (n * 7) % 256, (n * 13) % 256))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


_bases: list[Image.Image] = []  # inherited by the forked makers


def _make_one(job: tuple[int, str]) -> None:
    n, path = job
    Path(path).write_bytes(_original(n, _bases, _camera_exif().tobytes()))


def make_originals(folder: Path, count: int, size: tuple[int, int], workers: int) -> list[MediaFile]:
    """`count` originals in folder/media/photos/, made only if an earlier run did not leave them all there."""
    photos = folder / "media" / "photos"
    done = folder / "complete.json"
    paths = [photos / f"photo-{n:04d}.jpg" for n in range(count)]
    stamp = {"version": ORIGINALS_VERSION, "count": count, "size": list(size)}
    if not (done.is_file() and json.loads(done.read_text()) == stamp and all(p.is_file() for p in paths)):
        started = time.perf_counter()
        photos.mkdir(parents=True, exist_ok=True)
        global _bases
        _bases = [_photo_pixels(size).rotate(90 * (n % 4), expand=False) for n in range(BASES)]
        jobs = [(n, str(path)) for n, path in enumerate(paths)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.map(_make_one, jobs, chunksize=16)
        done.write_text(json.dumps(stamp))
        print(f"made {count} originals in {time.perf_counter() - started:.0f} s, kept in {folder}", file=sys.stderr)
    return [MediaFile(path, path.relative_to(folder).as_posix()) for path in paths]


def records_for(media: list[MediaFile]) -> list[Record]:
    return [
        Record(
            "pages",
            f"page-{n}",
            f"content/pages/page-{n}.md",
            {"image": {"src": file.rel, "alt": "A photo"}},
            {"image": 4},
        )
        for n, file in enumerate(media)
    ]


# ---------------------------------------------------------------- one run


@dataclass
class Run:
    repeat: int
    kind: str  # cold or warm
    wall: float
    cpu: float  # user + system, this process and its workers
    decoded: int  # originals decoded (and encoded): the image work done
    encoded: int  # files encoded
    published: int  # files the build would publish
    load_before: float
    load_after: float


def _cpu() -> float:
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def run_stage(
    repeat: int,
    kind: str,
    records: list[Record],
    config: Config,
    media: list[MediaFile],
    root: Path,
    cache: Path,
    workers: int,
) -> Run:
    """The stage as a build runs it: prepare_images, then (once the build has succeeded) save_images, which
    keeps what was made in the cache; a warm run finds everything there and saves nothing."""
    load_before = os.getloadavg()[0]
    cpu, started = _cpu(), time.perf_counter()
    made = images.prepare_images(records, config, media, root, cache, True, workers)
    images.save_images(made, cache, root / "output")
    wall, cpu = time.perf_counter() - started, _cpu() - cpu
    assert not made.problems, made.problems[:3]
    return Run(
        repeat,
        kind,
        wall,
        cpu,
        sum(1 for done in made.made if done.encoded),
        made.encoded,
        len(made.copies) + len(made.files),
        load_before,
        os.getloadavg()[0],
    )


# ---------------------------------------------------------------- the report


def report(
    runs: list[Run], count: int, size: tuple[int, int], workers: int, originals_mb: float, derived_mb: float
) -> str:
    lines = [
        f"{count:,} originals of {size[0]} x {size[1]} ({originals_mb:.0f} MB of JPEG), {workers} workers on "
        f"{os.cpu_count()} cores, Pillow {images.PIL.__version__} (AVIF {'yes' if images.AVIF else 'no'}); "
        f"{derived_mb:.0f} MB of derived files",
        "",
        "| run | wall s (median) | CPU s (median) | ms CPU an image | images/s per core | originals decoded "
        "| files encoded | files published | load, 1 min (before - after) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for kind in ("cold", "warm"):
        of = [run for run in runs if run.kind == kind]
        if not of:
            continue
        wall = statistics.median(run.wall for run in of)
        cpu = statistics.median(run.cpu for run in of)
        loads = ", ".join(f"{run.load_before:.1f} - {run.load_after:.1f}" for run in of)
        spread = f" ({min(r.wall for r in of):.1f} to {max(r.wall for r in of):.1f})" if len(of) > 1 else ""
        lines.append(
            f"| {kind}, {len(of)} run{'s' if len(of) > 1 else ''} | {wall:.1f}{spread} | {cpu:.1f} | "
            f"{cpu * 1000 / count:.1f} | {count / cpu:.1f} | {max(r.decoded for r in of):,} | "
            f"{max(r.encoded for r in of):,} | {max(r.published for r in of):,} | {loads} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1000, help="originals (default 1000)")
    parser.add_argument("--size", default="2000x1500", help="each original's pixels, WIDTHxHEIGHT (default 2000x1500)")
    parser.add_argument("--workers", type=int, default=default_workers(), help="processes (default: one a core)")
    parser.add_argument("--repeats", type=int, default=3, help="cold-then-warm pairs, each from an empty cache")
    parser.add_argument("--originals", type=Path, help="where the originals are made once and kept")
    parser.add_argument("--json", type=Path, help="also write every run to this file, as each ends")
    parser.add_argument("--report", type=Path, metavar="FILE", help="print the table of a saved --json run")
    args = parser.parse_args(argv)
    if args.report:
        saved = json.loads(args.report.read_text())
        print(
            report(
                [Run(**run) for run in saved["runs"]],
                saved["count"],
                tuple(saved["size"]),
                saved["workers"],
                saved["originals_mb"],
                saved["derived_mb"],
            )
        )
        return 0
    width, height = (int(n) for n in args.size.split("x"))
    size = (width, height)
    assert len(size) == 2
    folder = args.originals or Path(tempfile.gettempdir()) / f"site-builder-image-originals-{args.count}-{args.size}"
    content = folder
    content.mkdir(parents=True, exist_ok=True)
    (content / "site.yaml").write_text("title: Bench\nbase_url: https://bench.example.org/\n")
    media = make_originals(content, args.count, size, args.workers)
    originals_mb = sum(file.path.stat().st_size for file in media) / 1048576
    config, _ = load_config(content, content.parent)
    assert config is not None
    records = records_for(media)
    runs: list[Run] = []
    derived_mb = 0.0
    for repeat in range(1, args.repeats + 1):
        work = Path(tempfile.mkdtemp(prefix="image-bench-"))
        try:
            cache = work / ".output.cache"
            for kind in ("cold", "warm"):
                run = run_stage(repeat, kind, records, config, media, work, cache, args.workers)
                runs.append(run)
                if args.json:  # as each run ends, so a run cut short still has its numbers
                    args.json.write_text(
                        json.dumps(
                            {
                                "count": args.count,
                                "size": list(size),
                                "workers": args.workers,
                                "pillow": images.PIL.__version__,
                                "avif": images.AVIF,
                                "originals_mb": originals_mb,
                                "derived_mb": derived_mb or _derived_mb(cache),
                                "runs": [asdict(r) for r in runs],
                            },
                            indent=1,
                        )
                        + "\n"
                    )
                print(
                    f"repeat {repeat} {kind}: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, {run.decoded} decoded, "
                    f"{run.encoded} encoded, load {run.load_before:.1f} - {run.load_after:.1f}",
                    file=sys.stderr,
                )
            derived_mb = _derived_mb(cache)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(report(runs, args.count, size, args.workers, originals_mb, derived_mb))
    return 0


def _derived_mb(cache: Path) -> float:
    return sum(p.stat().st_size for p in (cache / "images" / "objects").iterdir()) / 1048576


if __name__ == "__main__":
    sys.exit(main())
