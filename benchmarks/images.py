"""The cost of the image stage (site_builder/output/images.py) for many images: cold (an empty cache: every image
decoded, resized and encoded) and warm (the same images again: each original read and hashed, each derived
file read back against its sha256, nothing encoded).

    .venv/bin/python -m benchmarks.images [--count 1000] [--size 2000x1500] [--workers N]

The originals are photo-like JPEGs with EXIF, each shown as a page's `image:` (so each makes its sizes in
AVIF, WebP and JPEG, and its 1200 x 630 crop). Results go in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from PIL import ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_builder.output import images  # noqa: E402
from site_builder.content.config import load_config  # noqa: E402
from site_builder.speed.parallel import default_workers  # noqa: E402
from site_builder.content.sources import MediaFile  # noqa: E402
from site_builder.content.validate import Record  # noqa: E402
from tests.image_fixtures import _camera_exif, _photo_pixels  # noqa: E402

BASES = 8  # distinct photos; each original is one of them with a mark of its own, so every hash differs


def make_originals(folder: Path, count: int, size: tuple[int, int]) -> list[MediaFile]:
    bases = [_photo_pixels(size).rotate(90 * (n % 4), expand=False) for n in range(BASES)]
    exif = _camera_exif().tobytes()
    media = []
    for n in range(count):
        image = bases[n % BASES].copy()
        ImageDraw.Draw(image).rectangle((n % 97 * 10, n // 97 * 10, n % 97 * 10 + 40, n // 97 * 10 + 40),
                                        fill=(n % 256, (n * 7) % 256, (n * 13) % 256))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=90, exif=exif)
        path = folder / "media" / "photos" / f"photo-{n:04d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(out.getvalue())
        media.append(MediaFile(path, path.relative_to(folder).as_posix()))
    return media


def records_for(media: list[MediaFile]) -> list[Record]:
    return [Record("pages", f"page-{n}", f"content/pages/page-{n}.md",
                   {"image": {"src": file.rel, "alt": "A photo"}}, {"image": 4})
            for n, file in enumerate(media)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--size", default="2000x1500")
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args()
    size = tuple(int(n) for n in args.size.split("x"))
    root = Path(tempfile.mkdtemp(prefix="image-bench-"))
    try:
        content = root / "content"
        (content).mkdir()
        (content / "site.yaml").write_text("title: Bench\nbase_url: https://bench.example.org/\n")
        media = make_originals(content, args.count, size)  # type: ignore[arg-type]
        total = sum(file.path.stat().st_size for file in media)
        config, _ = load_config(content, root)
        assert config is not None
        records = records_for(media)
        cache = root / ".output.cache"
        rows = []
        for run in ("cold", "warm"):
            started = time.perf_counter()
            made = images.prepare_images(records, config, media, root, cache, True, args.workers)
            seconds = time.perf_counter() - started
            files = len(made.copies)
            rows.append((run, seconds, made.encoded, files))
        derived = sum(p.stat().st_size for p in (cache / "images" / "objects").iterdir())
        print(f"{args.count} originals of {size[0]} x {size[1]} ({total / 1048576:.0f} MB), {args.workers} workers, "
              f"Pillow {images.PIL.__version__}, AVIF {'yes' if images.AVIF else 'no'}; "
              f"{derived / 1048576:.0f} MB published")
        print("| run | seconds | ms an image | files encoded | files published |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for run, seconds, encoded, files in rows:
            print(f"| {run} | {seconds:.1f} | {seconds * 1000 / args.count:.1f} | {encoded:,} | {files:,} |")
        print(f"(cpu count {os.cpu_count()})")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
