"""Markdown bodies: what an editor writes and the HTML a visitor gets.

CommonMark with GitHub's tables, strikethrough and footnotes, smart quotes and
dashes; every heading gets an id to link to; the page title stays the only h1.
Problems name the file's own line, counting from the top of the file.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import nh3
import pyromark
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.output import markup
from site_builder.site.checks import site_links
from site_builder.output.markup import BodyRenderer
from tests.conftest import examples


def render(body: str, trust_html: bool = False, content: Path = Path("/nonexistent")) -> tuple[str, list[str]]:
    html, problems = BodyRenderer(content, trust_html).render(body, "stories/x.md", 5)
    return html, [str(p) for p in problems]


def test_headings_get_unique_ids_and_an_editor_may_choose_one() -> None:
    html, _ = render("## What you’ll learn\n\n## What you’ll learn\n\n### Café & *tea*\n\n## Agenda {#plan}\n")
    assert '<h2 id="what-youll-learn">' in html
    assert '<h2 id="what-youll-learn-1">' in html
    assert '<h3 id="café--tea">Café &amp; <em>tea</em></h3>' in html
    assert '<h2 id="plan">Agenda</h2>' in html


def test_a_level_one_heading_becomes_level_two_with_a_warning_on_its_line() -> None:
    html, problems = render("Intro.\n\n# Big news\n")
    assert '<h2 id="big-news">Big news</h2>' in html and "<h1" not in html
    assert problems == [
        "stories/x.md:7: warning: body: a heading starting with a single # was shown as ## "
        "(expected body headings from ##: the title is the page's only top-level heading)"
    ]


def test_headings_in_the_editors_own_html_are_left_as_written() -> None:
    html, _ = render('<div class="box">\n<h3>Kept</h3>\n</div>\n\n# Made\n\nand <h4>inline</h4>\n', trust_html=True)
    assert "<h3>Kept</h3>" in html and "<h4>inline</h4>" in html
    assert '<h2 id="made">Made</h2>' in html


def test_table_alignment_uses_classes_not_inline_styles() -> None:
    html, _ = render("| Part | Minutes |\n|:-----|--------:|\n| Talk | 20 |\n")
    assert '<th class="align-left">Part</th><th class="align-right">Minutes</th>' in html
    assert "style=" not in html


def test_smart_punctuation_strikethrough_and_media_links() -> None:
    html, _ = render('"Quoted" -- it\'s ~~gone~~ [the plan](media/plan.pdf)\n')
    assert "“Quoted” – it’s <del>gone</del>" in html
    assert '<a href="/media/plan.pdf">the plan</a>' in html


def test_footnotes_are_numbered_and_link_back_to_where_they_were_cited() -> None:
    html, _ = render("Costs rose.[^cost] Again.[^cost]\n\n[^cost]: The council's figures.\n")
    assert html.count('href="#fn-1"') == 2 and html.count('id="fnref-1"') == 1
    assert '<div class="footnote-definition" id="fn-1">' in html
    assert '<a href="#fnref-1" aria-label="Note 1: back to the text">1</a>' in html


def test_problems_name_the_line_in_the_file_even_after_accented_text(tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "here.png").write_bytes(b"")
    body = "Café crème, naïve résumé.\n\nMore – text.\n\n![](media/here.png)\n\n[gone](media/gone.pdf)\n"
    _, problems = render(body, content=tmp_path)
    assert problems == [
        "stories/x.md:9: body: the image 'media/here.png' has no alt text (expected words saying what it "
        "shows, like ![A group of residents at a meeting](media/here.png))",
        "stories/x.md:11: body: links to 'media/gone.pdf', which is not in the content folder (expected a "
        "file under media/)",
    ]


def test_raw_html_is_sanitised_unless_the_site_trusts_it() -> None:
    body = '<script>alert(1)</script>\n\n<p onclick="x()">Hi</p>\n'
    cleaned, _ = render(body)
    assert "<script" not in cleaned and "onclick" not in cleaned and "<p>Hi</p>" in cleaned
    trusted, _ = render(body, trust_html=True)
    assert "<script>alert(1)</script>" in trusted


@settings(max_examples=examples(400), deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "# ",
                "## ",
                "### ",
                "\n",
                "\n\n",
                "text",
                "Café",
                " ",
                "*",
                "**",
                "`",
                "[",
                "]",
                "(",
                ")",
                "/events/",
                "media/x.png",
                "&",
                "&amp;",
                '"',
                "'",
                "-",
                "--",
                "{#id}",
                "![",
                "[^1]",
                "<b>",
                "~~",
                "| a | b |\n|---|---|\n",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_plain_bodies_read_from_their_html_exactly_as_from_the_event_stream(body: str) -> None:
    """Plain bodies skip pulldown-cmark's event stream for speed; the page must not be able to tell."""
    markdown = pyromark.Markdown(options=markup._OPTIONS)
    html = markdown.html(body)
    plain = markup._plain_findings(body, html)
    if plain is None:
        return
    events = markup._read_events(markdown.events_with_range(body, merge_text=True), body)
    assert markup._adjust_html(html, plain) == markup._adjust_html(html, events)
    assert not (events.images_without_alt or events.media or any(h.level == 1 for h in events.headings))


def sanitised(html: str) -> str:
    return nh3.clean(
        html,
        tags=markup.ALLOWED_TAGS,
        attributes=markup.ALLOWED_ATTRIBUTES,
        url_schemes=markup.URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


class Tokens(HTMLParser):
    """HTML as a browser reads it: tags with their attributes, and text with its references decoded."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tokens: list[tuple] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(("<", tag, sorted(attrs)))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(("</", tag))

    def handle_data(self, data: str) -> None:
        if self.tokens and self.tokens[-1][0] == "text":
            self.tokens[-1] = ("text", self.tokens[-1][1] + data)
        else:
            self.tokens.append(("text", data))


@settings(max_examples=examples(600), deadline=None, derandomize=True)
@given(
    st.lists(
        st.sampled_from(
            [
                "## ",
                "\n",
                "\n\n",
                "text",
                "Café",
                " ",
                "*",
                "**",
                "***",
                "`",
                "```py\n",
                "- ",
                "1. ",
                "> ",
                "  \n",
                "| a | b |\n|---|---|\n",
                "[a](",
                ")",
                "](",
                "[",
                "]",
                "javascript",
                ":",
                "alert(1)",
                "https://",
                "http://",
                "mailto:",
                "tel:",
                "data:",
                "//",
                "/x",
                "#top",
                "&#58;",
                "&colon;",
                "&#x6A;",
                "&amp;",
                '"',
                "'",
                ' "title"',
                "%3A",
                "\\",
                "href=",
                "src=",
                "example.org",
                "a-b",
                ".",
                "-",
                "%",
                ":80",
                "?q=1",
                "@",
                "[::1]",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_bodies_are_what_the_sanitiser_would_leave(body: str) -> None:
    """nh3 is skipped for plain bodies whose links cannot have an unsafe scheme. Whatever the Markdown, a
    browser must read the page exactly as it would read nh3's output: nh3 would remove nothing."""
    html, _ = render(body)
    assert Tokens(html).tokens == Tokens(sanitised(html)).tokens


LINK_TARGETS = st.tuples(
    st.sampled_from(
        [
            "",
            "https://",
            "http://",
            "HTTPS://",
            "javascript:",
            "JavaScript:",
            "jav&#x61;script:",
            "vbscript:",
            "data:",
            "mailto:",
            "tel:",
            "//",
            "/",
            "#",
            "./",
            "../",
            "ftp://",
        ]
    ),
    st.sampled_from(
        [
            "",
            "example.org",
            "09",
            "1.2.3.4",
            "0x1f",
            "a.09",
            "xn--a",
            "xn--bcher-kva.example",
            "a-",
            "-a",
            "a..b",
            "localhost",
            "ex_ample.org",
            "EXAMPLE.org",
            "a.b-c.d",
        ]
    ),
    st.text(alphabet=st.sampled_from("abcXYZ019-._~:/?#[]@!$&'()*+,;=% é\\<>\""), max_size=30),
).map("".join)


# The same examples on every run, here and in CI: a property test must not turn CI red by chance.
@settings(max_examples=examples(1500), deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["[a](", "[a](<", "[b]: ", "![i]("]),
            LINK_TARGETS,
            st.sampled_from([")", ">)", ' "t")', "\n\n[b]\n\n"]),
        ).map("".join),
        max_size=4,
    ).map(" and ".join)
)
def test_links_are_what_the_sanitiser_would_leave(body: str) -> None:
    """Links of any scheme and shape, as Markdown links, autolinks, references and images."""
    html, _ = render(body)
    assert Tokens(html).tokens == Tokens(sanitised(html)).tokens


def test_the_links_into_the_site_that_a_body_holds_are_found_in_order() -> None:
    """What the broken-link warnings check: every root-relative href and src, in order, with or without
    images (bodies without one are read the faster way)."""
    html = (
        '<p><a href="/events/a/">a</a> <img src="/media/m.png" alt="m"> <a href="//elsewhere.org/">b</a> '
        '<a href="https://example.org/">c</a> <a href="#top">d</a> <a href="/b/">e</a></p>'
    )
    assert site_links(html) == ("/events/a/", "/media/m.png", "/b/")
    assert site_links(html.replace('<img src="/media/m.png" alt="m">', "")) == ("/events/a/", "/b/")
