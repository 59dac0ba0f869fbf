"""Every type shows its image with its alt text, and every type's topics make topic pages."""

from __future__ import annotations

import pytest

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
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63600000000200015e2af2a30000000049454e44ae426082")


@pytest.mark.parametrize("kind", sorted(REQUIRED))
def test_an_image_is_shown_with_its_alt_text(kind: str, scratch: Scratch) -> None:
    scratch.write_bytes("media/hall.png", PNG)
    scratch.write(f"{kind}/item.md", f"---\ntitle: Item\nsummary: An item with a picture.\n{REQUIRED[kind]}"
                                     "image: {src: media/hall.png, alt: The hall set out for a meeting}\n"
                                     "topics: [Halls]\n---\n")
    run = scratch.build()
    assert run.code == 0, run.err
    url = "item" if kind == "pages" else f"{kind}/item"
    page = (scratch.root / "output" / url / "index.html").read_text()
    assert '<img class="item__image" src="/media/hall.png" alt="The hall set out for a meeting">' in page
    topic = (scratch.root / "output" / "topics" / "halls" / "index.html").read_text()
    assert f'href="/{url}/"' in topic


def test_a_decorative_image_has_empty_alt_text(scratch: Scratch) -> None:
    scratch.write_bytes("media/rule.png", PNG)
    scratch.write("pages/about.md", "---\ntitle: About\nsummary: Who we are and why.\n"
                                    "image: {src: media/rule.png, alt: '', decorative: true}\n---\n")
    assert scratch.build().code == 0
    page = (scratch.root / "output" / "about" / "index.html").read_text()
    assert '<img class="item__image" src="/media/rule.png" alt="">' in page
