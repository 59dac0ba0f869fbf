"""The build pipeline: load_config -> discover -> parse -> validate -> resolve -> render -> check -> write.

Every stage but `write` works in memory, so `check` is the pipeline without `write`. When
building, render hands each page to write's staging folder as soon as it is made, so the
workers that render also write, and nothing is swapped in until all of it has been.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import pickle
import time
from functools import partial
from typing import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .cache import DiskCache, code_version, user_cache, zone_rules
from .checks import check_body_links, check_records, site_links
from .config import Config, load_config
from .errors import ContentErrors, Problem, SiteError, sort_problems
from .markup import BodyRenderer
from .model import Bodies, Site
from .parallel import default_workers, run_all
from .parse import parse_source
from .render import Digests, Previous, Rendered, Sink, render_site
from .resolve import bodies_of, item_url, resolve_site
from .sources import MediaFile, Source, discover
from .validate import Record, validate_document
from .write import check_output_folder, staged

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


@dataclass(frozen=True)
class Options:
    """What a build was asked to do."""

    content_dir: Path
    output_dir: Path | None = None  # None: check only, write nothing
    drafts: bool = False
    base_url: str | None = None
    today: date | None = None  # the build date; today in the site's time zone when not given
    templates_dir: Path = PACKAGE_DIR / "templates"
    static_dir: Path = PACKAGE_DIR / "static"
    base: Path = field(default_factory=Path.cwd)  # paths in messages are relative to this
    workers: int = field(default_factory=default_workers)  # processes to render with
    cache_dir: Path | None = None  # where parsed and rendered content files are kept between builds
    progress: Callable[[str, int, int], None] | None = None  # (stage, done, total), for a progress bar


def cache_folder(output_dir: Path) -> Path:
    """The cache of a build lives beside its output: output/ -> .output.cache/."""
    return output_dir.absolute().parent / f".{output_dir.absolute().name}.cache"


@dataclass
class Result:
    site: Site
    rendered: Rendered
    problems: list[Problem]
    files_written: int = 0
    seconds: float = 0.0


@dataclass
class Loaded:
    """The content read and checked: the Site and its bodies only when there are no errors."""

    site: Site | None
    media: tuple[MediaFile, ...]
    problems: list[Problem]
    bodies: Bodies = field(default_factory=dict)
    # What the Site was made from, by which pages are keyed (render.Keys).
    digests: Digests | None = None


def load_site(options: Options) -> Loaded:
    """Read, check and resolve the content."""
    problems: list[Problem] = []
    if not options.content_dir.is_dir():
        raise SiteError(f"there is no content folder at {options.content_dir}", 2)
    config, found = load_config(options.content_dir, options.base)
    problems += found
    discovered, found = discover(options.content_dir, options.base)
    problems += found
    if config is None:
        return Loaded(None, discovered.media, problems)
    if options.base_url:
        base_url = options.base_url if options.base_url.endswith("/") else options.base_url + "/"
        config = dataclasses.replace(config, base_url=base_url)

    bodies = BodyRenderer(options.content_dir, config.trust_html)
    read = partial(read_source, config=config, content_dir=options.content_dir, bodies=bodies)
    sources = discovered.sources
    keys: list[str] = []
    stored: dict[str, bytes | memoryview] = {}
    salt = _source_salt(options, config, discovered.media)
    if options.cache_dir is not None:
        cache = DiskCache(options.cache_dir, salt, "sources.pickle")
        keys = [cache.key(source.display, source.text) for source in sources]
        stored = cache.load()
    # Each file's result travels pickled, so the cache stores the very bytes a worker sent.
    blobs: list[bytes | memoryview | None] = [stored.get(key) for key in keys] if keys else [None] * len(sources)
    results = [_unpickle(blob) for blob in blobs]
    missing = [n for n, result in enumerate(results) if result is None]
    made = run_all([partial(_pickled, read, sources[n]) for n in missing], options.workers,
                   _stage(options, "Reading"))
    for n, blob in zip(missing, made):
        blobs[n], results[n] = blob, pickle.loads(blob)
    if options.cache_dir is not None and (missing or len(stored) != len(keys)):
        cache.save(dict(zip(keys, blobs)))  # type: ignore[arg-type]
    records: list[Record] = []
    hidden: dict[str, set[str]] = {}
    for record, found in results:
        problems += found
        if record is not None and (options.drafts or not record.data.get("draft")):
            records.append(record)
        elif record is not None:
            hidden.setdefault(record.kind, set()).add(record.slug)
    if any(p.is_error for p in problems):
        return Loaded(None, discovered.media, problems)

    today = options.today or datetime.now(config.tz).date()
    digest = hashlib.sha256(salt)
    for part in (repr(config), today.isoformat(), str(options.drafts)):
        digest.update(part.encode() + b"\0")
    settings = digest.digest()
    for source, (record, _) in zip(sources, results):
        front = record.front if record else ""
        digest.update(f"{source.kind}\0{source.display}\0{front}\0".encode("utf-8", "surrogatepass"))
    problems += check_records(records, today, config.tz)
    site, found = resolve_site(config, records, today, hidden)
    problems += found
    if any(p.is_error for p in problems):
        return Loaded(None, discovered.media, problems)
    fronts = {item_url(record.kind, record.slug): record.front for record in records}
    return Loaded(site, discovered.media, problems, bodies_of(records), Digests(digest.digest(), settings, fronts))


def read_source(source: Source, config: Config, content_dir: Path,
                bodies: BodyRenderer) -> tuple[Record | None, list[Problem]]:
    """Parse, validate and render one content file: a Record only when it has no errors."""
    document, problems = parse_source(source)
    if document is None:
        return None, problems
    record, found = validate_document(document, config, content_dir)
    problems += found
    # Bodies are checked even when the fields are not, so one run reports everything.
    body_html, found = bodies.render(document.body, source.display, document.body_line)
    problems += found
    if record is None:
        return None, problems
    front = hashlib.sha256(source.text[:len(source.text) - len(document.body)].encode("utf-8", "surrogatepass"))
    return dataclasses.replace(record, body_html=body_html, body_links=site_links(body_html),
                               front=front.hexdigest()), problems


def _pickled(read: Callable[[Source], tuple[Record | None, list[Problem]]], source: Source) -> bytes:
    return pickle.dumps(read(source), protocol=pickle.HIGHEST_PROTOCOL)


def _unpickle(blob: bytes | memoryview | None) -> tuple[Record | None, list[Problem]] | None:
    """A stored result, or None when there is none or it cannot be read (from other code, or damaged)."""
    if blob is None:
        return None
    try:
        return pickle.loads(blob)
    except Exception:  # unpickling damaged bytes can raise almost anything
        return None


def _source_salt(options: Options, config: Config, media: tuple[MediaFile, ...]) -> bytes:
    """All a content file's reading depends on besides its own bytes and path; the site's digest, and so
    every page's key, starts from it too."""
    salt = hashlib.sha256(code_version())
    for part in (str(options.content_dir.resolve()), config.timezone, str(config.trust_html),
                 *(m.rel for m in media)):
        salt.update(part.encode() + b"\0")
    salt.update(zone_rules(config.timezone))
    return salt.digest()


def _stage(options: Options, name: str) -> Callable[[int, int], None] | None:
    if options.progress is None:
        return None
    report = options.progress
    return lambda done, total: report(name, done, total)


def _render(options: Options, loaded: Loaded, sink: Sink | None = None, previous: Previous | None = None) -> Rendered:
    assert loaded.site is not None
    rendered = render_site(loaded.site, loaded.bodies, options.templates_dir, options.static_dir, options.workers,
                           _stage(options, "Rendering"), sink, user_cache() / "templates", loaded.digests, previous)
    for file in loaded.media:
        rendered.copies[file.rel] = file.path
    return rendered


def _render_and_write(options: Options, loaded: Loaded) -> tuple[Rendered, int]:
    """Render the site; with an output folder, write it there whole: what was rendered, and how many files."""
    if options.output_dir is None:
        return _render(options, loaded), 0
    cache = options.cache_dir
    with staged(options.output_dir, cache / "previous-site" if cache else None,
                cache / "pages.pickle" if cache else None) as staging:
        rendered = _render(options, loaded, staging.add, staging if cache else None)
        staging.add_rendered(rendered)
        staging.finish(rendered.paths, rendered.keys, rendered.reads)
    return rendered, len(rendered.paths)


def build(options: Options) -> Result:
    """Run the whole pipeline; raise ContentErrors (writing nothing) if the content has errors."""
    started = time.perf_counter()
    if options.output_dir is not None:
        check_output_folder(options.output_dir, {
            "content folder": options.content_dir,
            "project folder": PROJECT_DIR,
            "templates folder": options.templates_dir,
            "current folder": options.base,
        })
    loaded = load_site(options)
    site, problems = loaded.site, loaded.problems
    if site is None:
        raise ContentErrors(sort_problems(problems))
    # The Site lives as long as the build: the collector is told to leave it be, rather than walk all of it
    # again each time the heap has grown by a quarter (0.1 s at 5,000 events).
    gc.freeze()
    try:
        rendered, files_written = _render_and_write(options, loaded)
    finally:
        gc.unfreeze()
    problems += check_body_links(site, loaded.bodies, rendered)
    result = Result(site, rendered, sort_problems(problems), files_written)
    result.seconds = time.perf_counter() - started
    return result
