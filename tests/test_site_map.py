"""The site map: the list of every file of the site, worked out from the Site alone, before any is made."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from site_builder.site.checks import output_for_url
from site_builder.pipeline import PACKAGE_DIR, Options, load_site
import jinja2

from site_builder.output.render import FILTERS, _environment, make_environment, site_map
from site_builder.output.write import MARKER
from tests.conftest import SITES


def test_the_site_map_lists_exactly_the_files_a_build_writes(small_site: Path) -> None:
    loaded = load_site(Options(content_dir=SITES / "small", today=date(2027, 1, 15), workers=1))
    assert loaded.site is not None
    planned = site_map(
        loaded.site, loaded.bodies, make_environment(PACKAGE_DIR / "templates", loaded.site), PACKAGE_DIR / "static"
    )
    written = {p.relative_to(small_site).as_posix() for p in small_site.rglob("*") if p.is_file()}
    media = {rel for rel in written if rel.startswith("media/")}
    # The search index is made from the rendered pages (search.py), its files named by what they hold,
    # so it is the one part of the output the map cannot name beforehand.
    index = {rel for rel in written if rel.startswith("pagefind/")}
    assert "pagefind/pagefind.js" in index
    assert planned.paths == written - media - index - {MARKER}
    pages = [p for p in [*planned.made, *planned.gathered] if p.path.endswith(".html")]
    assert pages and all(p.template and p.given for p in pages)
    for page in pages:  # each page is given the address it is written at
        assert output_for_url(page.given["page"].url) == page.path


def test_templates_compiled_ahead_of_the_site_are_the_code_the_sites_environment_compiles() -> None:
    """The pipeline compiles the templates while the workers read the content (render.compile_templates),
    before there is a Site to make the environment with; the build's environment then loads that code."""
    loaded = load_site(Options(content_dir=SITES / "small", today=date(2027, 1, 15), workers=1))
    assert loaded.site is not None
    env = make_environment(PACKAGE_DIR / "templates", loaded.site)
    assert set(env.filters) - set(jinja2.Environment().filters) == set(FILTERS)
    ahead = _environment(PACKAGE_DIR / "templates")
    ahead.filters.update(dict.fromkeys(FILTERS, lambda value: value))
    names = env.list_templates(extensions=["html"])
    assert "base.html" in names
    for name in names:
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        assert ahead.compile(source, name, filename, raw=True) == env.compile(source, name, filename, raw=True)
