"""Every type shows its image with its alt text, and every type's topics make topic pages."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.conftest import Scratch

REQUIRED = {
    "events": "start: 2027-03-04 18:00\nend: 2027-03-04 19:00\nformat: online\n",
    "series": "",
    "clusters": "status: open\n",
    "offers": "partner: {name: P, url: 'https://p.example.org/'}\n",
    "stories": "published: 2027-01-01\n",
    "resources": "published: 2027-01-01\n",
    "pages": "",
}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


PNG = _png()


@pytest.mark.parametrize("kind", sorted(REQUIRED))
def test_an_image_is_shown_with_its_alt_text(kind: str, scratch: Scratch) -> None:
    scratch.write_bytes("media/hall.png", PNG)
    scratch.write(
        f"{kind}/item.md",
        f"---\ntitle: Item\nsummary: An item with a picture.\n{REQUIRED[kind]}"
        "image: {src: media/hall.png, alt: The hall set out for a meeting}\n"
        "topics: [Halls]\n---\n",
    )
    run = scratch.build()
    assert run.code == 0, run.err
    url = "item" if kind == "pages" else f"{kind}/item"
    page = (scratch.root / "output" / url / "index.html").read_text()
    img = re.search(r'<img class="item__image" [^>]*>', page)
    assert img and 'alt="The hall set out for a meeting"' in img.group(0)
    assert 'width="800" height="600"' in img.group(0) and 'src="/media/hall.' in img.group(0)
    topic = (scratch.root / "output" / "topics" / "halls" / "index.html").read_text()
    assert f'href="/{url}/"' in topic


def test_a_decorative_image_has_empty_alt_text(scratch: Scratch) -> None:
    scratch.write_bytes("media/rule.png", PNG)
    scratch.write(
        "pages/about.md",
        "---\ntitle: About\nsummary: Who we are and why.\n"
        "image: {src: media/rule.png, alt: '', decorative: true}\n---\n",
    )
    assert scratch.build().code == 0
    page = (scratch.root / "output" / "about" / "index.html").read_text()
    img = re.search(r'<img class="item__image" [^>]*>', page)
    assert img and 'alt=""' in img.group(0)
