"""The build pipeline: load_config -> discover -> parse -> validate -> resolve -> check -> render -> write.

Every build is a full logical rebuild: every page, feed and calendar is made
again, in memory, from the content. Only the reading of each content file is
cached (cache.py), keyed by everything it depends on. Every stage but `write`
works in memory, and every check (the body link check too, on the site map) runs
before anything is rendered, so `check` is the pipeline without render and
write. When building, render hands each file to write's staging folder as soon
as it is made, so the workers that render also write, and nothing is swapped in
until all of it has been; the cache is written only after that.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from functools import partial
from typing import Callable, cast
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .speed.cache import SourceCache, code_version, decode, encode, zone_rules
from .site.checks import check_body_links, check_records, link_lines, site_links
from .site.file_links import file_links, link_content_files
from .content.config import Config, load_config
from .errors import ContentErrors, Problem, SiteError, sort_problems
from .output.feeds.changes import calendar_changes
from .output.images import Images, prepare_images, save_images
from .output.markup import BodyRenderer
from .site.model import Bodies, Site
from .speed.parallel import default_workers, run_all
from .content.parse import parse_source
from .output.render import Rendered, SiteMap, compile_templates, make_environment, render_site, site_map
from .site.resolve import bodies_of, item_url, resolve_site
from .content.sources import MediaFile, Source, discover
from .content.types import STANDARD_TYPES, ContentTypes
from .content.validate import Record, validate_document
from .output.write import check_output_folder, staged

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
    types: ContentTypes = STANDARD_TYPES  # the content types (types.py): their folders, fields, pages


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
    images_encoded: int = 0  # image files encoded afresh (none when every image was in the cache)
    loaded: "Loaded | None" = None  # what was read and resolved: serve makes pages from it until the next build


@dataclass
class Loaded:
    """The content read and checked: the Site and its bodies only when there are no errors."""

    site: Site | None
    media: tuple[MediaFile, ...]
    problems: list[Problem]
    bodies: Bodies = field(default_factory=dict)
    cache: SourceCache | None = None
    entries: dict[str, bytes] = field(default_factory=dict)  # the cache's entries, kept once the build is done
    plan: SiteMap | None = None  # every file the site will have (render.site_map)
    images: Images = field(default_factory=Images)
    unencoded: dict[str, tuple[Record | None, list[Problem]]] = field(default_factory=dict)  # for `entries`


def encode_entries(loaded: Loaded) -> None:
    """Encode for the cache what this build read afresh (`loaded.unencoded`, into `loaded.entries`): a value
    the cache has no form for is left out of it. A build does it while Pagefind makes the search index,
    where it costs no time, rather than in the workers as they read, where it would."""
    for key, result in loaded.unencoded.items():
        try:
            loaded.entries[key] = encode(result)
        except (TypeError, ValueError, UnicodeError):
            continue
    loaded.unencoded.clear()


def load_site(options: Options) -> Loaded:
    """Read, check and resolve the content, reporting every problem at once: a file with errors is left
    out, and everything else is still resolved and checked (cross references, topics, body links), with
    references to the files left out taken as found."""
    problems: list[Problem] = []
    if not options.content_dir.is_dir():
        raise SiteError(f"there is no content folder at {options.content_dir}", 2)
    config, found = load_config(options.content_dir, options.base)
    problems += found
    discovered, found = discover(options.content_dir, options.base, options.types.folders)
    problems += found
    if config is None:
        return Loaded(None, discovered.media, problems)
    if options.base_url:
        base_url = options.base_url if options.base_url.endswith("/") else options.base_url + "/"
        config = dataclasses.replace(config, base_url=base_url)

    bodies = BodyRenderer(options.content_dir, config.trust_html)
    read = partial(read_source, config=config, content_dir=options.content_dir, bodies=bodies, types=options.types)
    sources = discovered.sources
    cache = (
        SourceCache(options.cache_dir, _source_salt(options, config, discovered.media))
        if options.cache_dir is not None
        else None
    )
    keys = [cache.key(source.display, source.text) for source in sources] if cache else []
    stored = cache.load() if cache else {}
    blobs: list[bytes | None] = [stored.get(key) for key in keys] if keys else [None] * len(sources)
    results = [_decoded(blob) for blob in blobs]
    missing = [n for n, result in enumerate(results) if result is None]
    made = run_all(
        [partial(read, sources[n]) for n in missing],
        options.workers,
        _stage(options, "Reading"),
        meanwhile=partial(compile_templates, options.templates_dir),
    )
    for n, result in zip(missing, made):
        results[n] = result
    entries = {key: blob for key, blob in zip(keys, blobs) if blob is not None}
    records: list[Record] = []
    hidden: dict[str, set[str]] = {}
    broken: dict[str, set[str]] = {}  # files with errors of their own, by folder: their slugs
    pages: dict[str, str] = {}  # each content file, like events/x.md, to its page's URL
    filled = cast("list[tuple[Record | None, list[Problem]]]", results)  # every None was made just above
    # What was read afresh is encoded for the cache later, when a core would otherwise be idle (encode_entries).
    unencoded = {keys[n]: filled[n] for n in missing} if cache else {}
    for source, (record, found) in zip(sources, filled):
        problems += found
        pages[f"{source.kind}/{source.path.name}"] = item_url(
            source.kind, record.slug if record else source.path.stem, options.types
        )
        if record is None:
            broken.setdefault(source.kind, set()).add(source.path.stem)
        elif options.drafts or not record.data.get("draft"):
            records.append(record)
        else:
            hidden.setdefault(record.kind, set()).add(record.slug)

    records, found = link_content_files(records, pages)
    problems += found

    # The image stage: what every picture shown needs, checked; made only for a build with no errors so far
    # (`check` encodes nothing).
    images = prepare_images(
        records,
        config,
        discovered.media,
        options.base,
        options.cache_dir,
        options.output_dir is not None and not any(p.is_error for p in problems),
        options.workers,
    )
    problems += images.problems

    today = options.today or datetime.now(config.tz).date()
    problems += check_records(records, today, config.tz, options.types)
    site, found = resolve_site(config, records, today, options.types, hidden, broken, images.pictures)
    problems += found
    bodies_by_url = images.rewrite_bodies(
        bodies_of(records, options.types),
        {item_url(r.kind, r.slug, options.types): not r.data.get("image") for r in records},
    )
    # Links to the pages of files left out for their errors are not reported: those files say what is wrong.
    planned = site_map(site, bodies_by_url, make_environment(options.templates_dir, site), options.static_dir)
    existing = (
        planned.paths
        | {file.rel for file in discovered.media}
        | {
            item_url(kind, slug, options.types).lstrip("/") + "index.html"
            for kind, slugs in broken.items()
            for slug in slugs
        }
    )
    problems += check_body_links(site, bodies_by_url, existing)
    if any(p.is_error for p in problems):
        return Loaded(None, discovered.media, problems)
    return Loaded(site, discovered.media, problems, bodies_by_url, cache, entries, planned, images, unencoded)


def read_source(
    source: Source, config: Config, content_dir: Path, bodies: BodyRenderer, types: ContentTypes
) -> tuple[Record | None, list[Problem]]:
    """Parse, validate and render one content file: a Record only when it has no errors."""
    document, problems = parse_source(source)
    if document is None:
        return None, problems
    record, found = validate_document(document, config, content_dir, types)
    problems += found
    # Bodies are checked even when the fields are not, so one run reports everything.
    body_html, found = bodies.render(document.body, source.display, document.body_line)
    problems += found
    if record is None:
        return None, problems
    front = hashlib.sha256(source.text[: len(source.text) - len(document.body)].encode("utf-8", "surrogatepass"))
    links = site_links(body_html)
    return dataclasses.replace(
        record,
        body_html=body_html,
        body_links=links,
        body_link_lines=link_lines(links, document.body, document.body_line),
        file_links=file_links(body_html, document.body, document.body_line, source.kind),
        front=front.hexdigest(),
    ), problems


def _decoded(blob: bytes | None) -> tuple[Record | None, list[Problem]] | None:
    """A stored result, or None when there is none or it is not what `encode` makes."""
    if blob is None:
        return None
    try:
        record, problems = decode(blob)
    except ValueError:
        return None
    if (
        not (record is None or isinstance(record, Record))
        or not isinstance(problems, list)
        or not all(isinstance(p, Problem) for p in problems)
    ):
        return None
    return record, problems


def _source_salt(options: Options, config: Config, media: tuple[MediaFile, ...]) -> bytes:
    """All a content file's reading depends on besides its own bytes and path; the site's digest, and so
    every page's key, starts from it too."""
    salt = hashlib.sha256(code_version())
    for part in (
        str(options.content_dir.resolve()),
        config.timezone,
        str(config.trust_html),
        options.types.signature(),
        *(f"{m.rel}\0{m.path.stat().st_size}" for m in media),
    ):  # a file's size is in feeds
        salt.update(part.encode() + b"\0")
    salt.update(zone_rules(config.timezone))
    return salt.digest()


def _stage(options: Options, name: str) -> Callable[[int, int], None] | None:
    if options.progress is None:
        return None
    report = options.progress
    return lambda done, total: report(name, done, total)


def _render_and_write(options: Options, loaded: Loaded) -> tuple[Rendered, int]:
    """Render the site; with an output folder, write it there whole: what was rendered, and how many files."""
    assert loaded.site is not None

    def render(sink: Callable[[str, bytes], None] | None) -> Rendered:
        assert loaded.site is not None
        rendered = render_site(
            loaded.site,
            loaded.bodies,
            options.templates_dir,
            options.static_dir,
            options.workers,
            _stage(options, "Rendering"),
            sink,
            loaded.plan,
            partial(encode_entries, loaded),
        )
        for file in loaded.media:
            if file.rel not in loaded.images.originals:  # an image's original is never published, only its sizes
                rendered.copies[file.rel] = file.path
        rendered.copies.update(loaded.images.copies)
        rendered.files.update(loaded.images.files)
        return rendered

    if options.output_dir is None:
        return render(None), 0
    with staged(options.output_dir) as staging:
        rendered = render(staging.add)
        staging.add_rendered(rendered)
    return rendered, len(rendered.paths)


def refuse_output(options: Options) -> None:
    """Refuse an output folder before anything is read or written (write.check_output_folder)."""
    assert options.output_dir is not None
    check_output_folder(
        options.output_dir,
        {
            "project folder": PROJECT_DIR,
            "current folder": options.base,
        },
        {
            "content folder": options.content_dir,
            "templates folder": options.templates_dir,
            "static folder": options.static_dir,
            **({"cache folder": options.cache_dir} if options.cache_dir is not None else {}),
        },
    )


def build(options: Options, first: Callable[[Loaded], None] | None = None) -> Result:
    """Run the whole pipeline; raise ContentErrors (writing nothing, the cache included) if the content has
    errors. The cache is written only once the new site is in place. `first` is given the content read and
    resolved, with no errors, before anything is rendered (serve shows the open pages from it first)."""
    started = time.perf_counter()
    if options.output_dir is not None:
        refuse_output(options)
    loaded = load_site(options)
    site, problems = loaded.site, loaded.problems
    if site is None:
        raise ContentErrors(sort_problems(problems))
    if first is not None:
        first(loaded)
    if options.output_dir is not None:  # what the last build published, before this one replaces it
        problems += calendar_changes(site, options.output_dir, options.base)
    rendered, files_written = _render_and_write(options, loaded)
    if loaded.cache is not None:  # its entries were encoded while the search index was made (render_site)
        loaded.cache.save(loaded.entries)
    if options.cache_dir is not None and options.output_dir is not None:
        save_images(loaded.images, options.cache_dir, options.output_dir)
    result = Result(
        site, rendered, sort_problems(problems), files_written, images_encoded=loaded.images.encoded, loaded=loaded
    )
    result.seconds = time.perf_counter() - started
    return result
