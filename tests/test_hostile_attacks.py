"""Real attacks on the real build: code from content, escaping folders, script in pages and feeds."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import feedparser
import pytest
import icalendar

from tests.conftest import Scratch

PAYLOAD = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_jinja_in_content_is_shown_as_text_never_run(scratch: Scratch) -> None:
    scratch.write(
        "pages/about.md",
        '---\ntitle: "{{ 7 * 7 }} {% include \'base.html\' %}"\nsummary: "{{ config }}"\n'
        "---\n\n{{ site.config.title }} {% for x in range(3) %}x{% endfor %}\n",
    )
    assert scratch.build().code == 0
    page = (scratch.root / "output" / "about" / "index.html").read_text()
    assert "<h1>{{ 7 * 7 }} {% include &#39;base.html&#39; %}</h1>" in page
    assert "{{ site.config.title }} {% for x in range(3) %}x{% endfor %}" in page
    assert "49" not in page.split("<h1>")[1].split("</h1>")[0]


def test_yaml_tags_that_would_run_code_are_refused_and_not_run(scratch: Scratch, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    scratch.write("pages/evil.md", f"---\ntitle: !!python/object/apply:os.system ['touch {marker}']\nsummary: x\n---\n")
    run = scratch.check()
    assert run.code == 1
    assert "the YAML tag '!!python/object/apply:os.system' is not allowed" in run.err
    assert not marker.exists()


def test_symlinks_out_of_the_content_folder_are_errors(scratch: Scratch, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    (scratch.content / "media").mkdir()
    os.symlink(secret, scratch.content / "media" / "leak.txt")
    (scratch.content / "pages").mkdir()
    outside_page = tmp_path / "outside.md"
    outside_page.write_text("---\ntitle: Outside\nsummary: From outside.\n---\n")
    os.symlink(outside_page, scratch.content / "pages" / "outside.md")
    scratch.write(
        "resources/plan.md", "---\ntitle: Plan\nsummary: A plan.\npublished: 2027-01-01\nfile: media/leak.txt\n---\n"
    )
    run = scratch.build()
    assert run.code == 1
    assert "content/media/leak.txt: this media file is a link to somewhere outside the content folder" in run.err
    assert "content/pages/outside.md: this file is a link to somewhere outside the content folder" in run.err
    assert "content/resources/plan.md:5: file: 'media/leak.txt' leads outside the content folder" in run.err
    assert not (scratch.root / "output").exists()


def test_paths_that_climb_out_are_errors(scratch: Scratch) -> None:
    scratch.write(
        "resources/plan.md",
        "---\ntitle: Plan\nsummary: A plan.\npublished: 2027-01-01\n"
        "file: media/../../../etc/passwd\n"
        "image: {src: /etc/passwd, alt: x}\n---\n",
    )
    run = scratch.check()
    assert run.code == 1
    assert "content/resources/plan.md:5: file: 'media/../../../etc/passwd' is not a file under media/" in run.err
    assert "content/resources/plan.md:6: image.src: '/etc/passwd' is not a file under media/" in run.err


def test_front_matter_text_is_escaped_in_every_output(scratch: Scratch) -> None:
    scratch.write(
        "events/attack.md",
        f"""
        ---
        title: '{PAYLOAD}'
        summary: '{PAYLOAD} </script>'
        start: 2027-03-04 18:00
        end: 2027-03-04 19:00
        format: in-person
        venue: {{name: '{PAYLOAD}', address: 1 Road}}
        topics: ['{PAYLOAD}']
        published: 2027-01-01
        ---
        """,
    )
    assert scratch.build().code == 0
    out = scratch.root / "output"
    for page in out.rglob("*.html"):
        html = page.read_text()
        assert "<script>alert" not in html, page
        assert (
            "onerror=alert" not in re.sub(r"&[a-z#0-9]+;", "", html.replace("onerror=alert(2)&gt;", ""))
            or "<img src=x onerror" not in html
        ), page
    event = (out / "events" / "attack" / "index.html").read_text()
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', event, re.S)[1])
    assert ld["name"] == PAYLOAD
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert feed.bozo == 0 and feed.entries[0].title.startswith(PAYLOAD)
    calendar = icalendar.Calendar.from_ical((out / "events.ics").read_bytes())
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == PAYLOAD


def test_raw_html_and_script_links_in_bodies_are_sanitised(scratch: Scratch) -> None:
    scratch.write(
        "pages/about.md",
        """
        ---
        title: About
        summary: Who we are.
        ---

        <script>alert(1)</script>
        <p onclick="alert(2)" style="color:red">Hello <a href="javascript:alert(3)">there</a></p>
        <iframe src="https://evil.example/"></iframe>

        [click](javascript:alert(4)) and [fine](https://example.org/)
        """,
    )
    assert scratch.build().code == 0
    page = (scratch.root / "output" / "about" / "index.html").read_text()
    body = page.split('<div class="prose">')[1].split("</div>")[0]
    assert "<script" not in body and "onclick" not in body and "style=" not in body
    assert 'href="javascript:' not in body and "<iframe" not in body
    assert '<a href="https://example.org/">fine</a>' in body
    assert "Hello" in body


def test_trusting_html_is_an_explicit_site_setting(scratch: Scratch) -> None:
    scratch.write("site.yaml", "title: Trusted\nbase_url: https://t.example.org/\ntrust_html: true\n")
    scratch.write(
        "pages/about.md",
        "---\ntitle: About\nsummary: Who we are.\n---\n\n<details open><summary>More"
        '</summary><span data-x="1">kept</span></details>\n',
    )
    assert scratch.build().code == 0
    assert '<span data-x="1">kept</span>' in (scratch.root / "output" / "about" / "index.html").read_text()


def test_pages_forbid_inline_script_and_static_hosts_get_the_headers(small_site: Path) -> None:
    page = (small_site / "index.html").read_text()
    policy = html.unescape(re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)[1])
    assert "script-src 'self'" in policy and "object-src 'none'" in policy and "unsafe-inline" not in policy
    headers = (small_site / "_headers").read_text()
    assert "frame-ancestors 'none'" in headers and "X-Content-Type-Options: nosniff" in headers
    for path in small_site.rglob("*.html"):
        text = path.read_text()
        scripts = re.findall(r"<script(?![^>]*application/ld\+json)([^>]*)>(.*?)</script>", text, re.S)
        assert all(body.strip() == "" and "src=" in attrs for attrs, body in scripts), path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_a_fifo_named_like_a_content_file_is_an_error_and_never_blocks_the_build(scratch: Scratch) -> None:
    (scratch.content / "events").mkdir()
    os.mkfifo(scratch.content / "events" / "x.md")  # opening it to read would wait for a writer for ever
    for run in (scratch.check(), scratch.build()):
        assert run.code == 1
        assert [line for line in run.err_lines if line.startswith("content/")] == [
            "content/events/x.md: this is not a file but a pipe, socket or device, which the build never reads "
            "(expected a plain file)"
        ]


def test_a_site_yaml_that_is_a_link_or_a_fifo_is_an_error_never_read(scratch: Scratch, tmp_path: Path) -> None:
    settings = scratch.content / "site.yaml"
    outside = tmp_path / "secret.yaml"
    outside.write_text("title: Read from outside\nbase_url: https://outside.example.org/\n")
    settings.unlink()
    settings.symlink_to(outside)
    run = scratch.check()
    assert run.code == 1
    assert (
        "content/site.yaml: site.yaml is a link (expected the settings file itself, in the content folder)" in run.err
    )
    settings.unlink()
    os.mkfifo(settings)  # opened for reading, a FIFO would wait for a writer forever
    run = scratch.build()
    assert run.code == 1
    assert "content/site.yaml" in run.err and "Read from outside" not in run.err
    assert not (scratch.root / "output").exists()
