"""The image site (tests/image_fixtures.py) in Chromium: the image bytes each page with a picture costs a
visitor with a cold cache, on a phone (375 px wide at device scale 2) and on a desktop (1280 px), printed as a
table; the picture each chooses is big enough for where it is shown; and those pages pass axe-core and the Nu
Html Checker."""

from __future__ import annotations

import functools
import http.server
import math
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.conftest import run_main
from tests.image_fixtures import write_image_site
from tests.test_browser import AXE, AXE_TAGS, RUN_AXE, describe
from tests.test_html_validity import run_vnu

pytestmark = pytest.mark.browser

# (name, viewport, device scale, budget in bytes for a page's images)
VISITORS = (
    ("phone", {"width": 375, "height": 812}, 2, 150 * 1024),
    ("desktop", {"width": 1280, "height": 900}, 1, 400 * 1024),
)


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".avif": "image/avif",
        ".webp": "image/webp",
    }

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    root = tmp_path_factory.mktemp("image-browser")
    write_image_site(root / "content")
    run = run_main(
        "build", "--content", str(root / "content"), "--output", str(root / "output"), "--today", "2027-01-15"
    )
    assert run.code == 0, run.err
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Handler, directory=str(root / "output"))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root / "output", f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def pages_with_pictures(output: Path) -> list[str]:
    return sorted(
        "/" + p.relative_to(output).as_posix().removesuffix("index.html")
        for p in output.rglob("*.html")
        if "<picture>" in p.read_text(encoding="utf-8")
    )


CHOSEN = """() => Array.from(document.images).map(img => ({
  src: img.currentSrc, shown: img.getBoundingClientRect().width,
  largest: Math.max(...img.srcset.split(", ").map(c => parseInt(c.split(" ")[1])))}))"""


def test_image_bytes_per_page_fit_a_phone_and_a_desktop(
    served: tuple[Path, str], browser: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    output, origin = served
    paths = pages_with_pictures(output)
    assert len(paths) >= 3
    rows, over, small = [], [], []
    for path in paths:
        row = [path]
        for name, viewport, scale, budget in VISITORS:
            context = browser.new_context(viewport=viewport, device_scale_factor=scale)  # a cold cache
            page = context.new_page()
            sizes: dict[str, int] = {}
            page.on(
                "requestfinished",
                lambda request: (
                    sizes.__setitem__(request.url, request.sizes()["responseBodySize"])
                    if request.resource_type == "image"
                    else None
                ),
            )
            page.goto(origin + path, wait_until="load")
            # Scroll through the page, so lazy pictures load as they would for a reader of the whole page.
            height = page.evaluate("document.body.scrollHeight")
            for y in range(0, height + viewport["height"], viewport["height"] // 2):
                page.evaluate(f"window.scrollTo(0, {y})")
                page.wait_for_timeout(50)
            page.wait_for_load_state("networkidle")
            for img in page.evaluate(CHOSEN):
                assert img["src"].endswith((".avif", ".webp")), (path, name, img)  # a better format was taken
                # The file's own width (naturalWidth is in CSS pixels, divided by the density chosen).
                chosen = int(re.search(r"-(\d+)\.\w+$", img["src"]).group(1))  # type: ignore[union-attr]
                if chosen < min(math.ceil(img["shown"] * scale * 0.95), img["largest"]):
                    small.append(f"{path} [{name}]: {img}")
            total = sum(sizes.values())
            row.append(f"{total / 1024:.0f} KB ({len(sizes)})")
            if total > budget:
                over.append(f"{path} [{name}]: {total / 1024:.0f} KB, over {budget // 1024} KB")
            context.close()
        rows.append(row)
    with capsys.disabled():
        print("\n\nImage bytes per page, cold cache (files):")
        print("| page | phone, 375 px at 2x | desktop, 1280 px |\n| --- | --- | --- |")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    assert not over, over
    assert not small, small


def test_pages_with_pictures_pass_axe(served: tuple[Path, str], browser: Browser) -> None:
    output, origin = served
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    problems = []
    for path in pages_with_pictures(output):
        page.goto(origin + path, wait_until="load")
        page.add_script_tag(path=str(AXE))
        problems += describe(page.evaluate(RUN_AXE, AXE_TAGS), path)
    context.close()
    assert not problems, "\n".join(problems)


def test_pages_with_pictures_pass_the_nu_html_checker(served: tuple[Path, str]) -> None:
    output, _ = served
    messages = run_vnu(output)
    errors = [
        f"{m.get('url', '').split(str(output))[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] in ("error", "non-document-error")
    ]
    assert errors == []
