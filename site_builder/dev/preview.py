"""Preview: the page of the file an editor just saved, shown in a moment, before the full rebuild.

`serve` rebuilds the whole site on every save (no page is ever stale once it
finishes), which at thousands of events takes seconds. The editor is looking
at one page: the one they are writing. So first, when the save changed only
what that page shows, its page is made on its own, from the new file and the
last built site, and put in place by write.replace_live (never through a
link, and not while a build holds the output folder); the full rebuild
follows and replaces it with the same page, and everything else the save
touched.

A save that could move the item between pages or lists (a new slug, topics,
series, cluster, dates or draft state), that has any error, or that is not a
content file already on the site gets no preview: only the full build can say.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from ..errors import display_path
from ..output.markup import BodyRenderer
from ..site.model import Item, Site, link
from ..pipeline import Options, read_source
from ..output.render import render_item_page
from ..site.resolve import in_site_order, make_item
from ..content.sources import Source, read_text
from ..site.file_links import file_links
from ..output.write import replace_live

# Fields that decide which pages and lists an item is on: a change to any of them needs the full build.
PLACEMENT = ("slug", "topic_names", "draft", "start", "end", "is_past", "published", "url")


@dataclass(frozen=True)
class Preview:
    url: str  # the page's address on the site
    path: Path  # the file written in the output folder


def preview_page(options: Options, site: Site, changed: Path) -> Preview | None:
    """Write the saved file's own page into the output folder, if that alone shows the change."""
    if (
        options.output_dir is None
        or changed.suffix != ".md"
        or changed.parent.name not in options.types
        or changed.parent.parent.resolve() != options.content_dir.resolve()
    ):
        return None
    shown = display_path(changed, options.base)
    old = next((item for item in site.items if item.source == shown), None)
    if old is None:
        return None
    read = read_item(options, site, changed, shown)
    if read is None:
        return None
    new, body, named = read
    if any(getattr(new, name, None) != getattr(old, name, None) for name in PLACEMENT) or named != named_items(
        old, site
    ):
        return None
    if not plain_body(body, kind := new.content_type) or new.image is not None and new.image.picture is None:
        return None
    link(new, **{name: getattr(old, name) for name in site.types.links if hasattr(old, name)})  # the last build's links
    # The page may list its own type (the footer lists every plain page): the new item in its place there.
    mine = in_site_order(
        site.types[kind], [new if item is old else item for item in site.collection(kind)], site.config
    )
    rel, data = render_item_page(
        dataclasses.replace(site, collections={**site.collections, kind: mine}),
        new,
        body,
        options.templates_dir,
        options.static_dir,
    )
    target = replace_live(options.output_dir, rel, data)  # write's one way into the live site, besides a build
    return Preview(new.url, target) if target is not None else None


def read_item(options: Options, site: Site, path: Path, shown: str) -> tuple[Item, str, tuple] | None:
    """The item as the file now says, its body, and the items it names (an event's series and cluster)."""
    problems: list = []
    text = read_text(path, shown, problems)
    if text is None:
        return None
    config = site.config
    record, found = read_source(
        Source(path.parent.name, path, shown, text),
        config,
        options.content_dir,
        BodyRenderer(options.content_dir, config.trust_html),
        options.types,
    )
    if record is None or any(problem.is_error for problem in found):
        return None
    named = tuple(record.data.get(name) for name, _, _ in options.types[record.kind].references)
    # The pictures the last build made: an image changed since is made by the full build that follows.
    pictures = {item.image.src[1:]: item.image.picture for item in site.items if item.image and item.image.picture}
    return make_item(record, config, site.today, options.types, pictures), record.body_html, named


def plain_body(body_html: str, folder: str) -> bool:
    """Whether a body is as the full build shows it without the rest of the site: no link to a content file
    (pipeline.link_content_files makes it the page's URL) and no picture from media/ (the image stage makes
    it a <picture> of the sizes it publishes)."""
    return not file_links(body_html, "", 1, folder) and not ("<img" in body_html and "/media/" in body_html)


def named_items(item: Item, site: Site) -> tuple:
    """The items the last build linked the item to by its fields (types.ContentType.references)."""
    linked = (getattr(item, name, None) for name, _, _ in site.types[item.content_type].references)
    return tuple(other.slug if other else None for other in linked)
