"""The month view: a page for each month with events, as a table of its days, linked from the event lists and
from each event's page, with the site's rule for what is past."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import run_main
from tests.search_site import TODAY, write_search_site


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("months")
    content = write_search_site(root / "content")
    run = run_main("build", "--content", str(content), "--output", str(root / "output"), "--today", TODAY)
    assert run.code == 0, run.err
    return root / "output"


class Table(HTMLParser):
    """The month table as a reader meets it: caption, column headers, and each cell's text."""

    def __init__(self) -> None:
        super().__init__()
        self.caption, self.headers, self.cells, self.links = "", [], [], []
        self.where: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.where.append(tag)
        if tag == "th":
            assert dict(attrs).get("scope") == "col"
            self.headers.append("")
        if tag == "td":
            self.cells.append("")
        if tag == "a" and "td" in self.where:
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag: str) -> None:
        while self.where and self.where.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if "caption" in self.where:
            self.caption += data
        elif "th" in self.where:
            self.headers[-1] += data
        elif "td" in self.where:
            self.cells[-1] += data


def table_of(page: Path) -> Table:
    text = page.read_text()
    parser = Table()
    parser.feed(text[text.index('<table class="month">') : text.index("</table>") + 8])
    return parser


def test_each_month_with_events_has_a_page_and_no_other_month_does(out: Path) -> None:
    months = sorted(p.parent.relative_to(out / "events").as_posix() for p in (out / "events").glob("2*/*/index.html"))
    assert months == ["2027/01", "2027/03", "2027/04"]


def test_a_month_is_a_table_of_its_weeks_with_each_event_on_its_day(out: Path) -> None:
    table = table_of(out / "events" / "2027" / "03" / "index.html")
    assert table.caption == "Events in March 2027, by day, Monday to Sunday"
    assert table.headers == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert len(table.cells) == 35  # five weeks, Monday 1 March to Sunday 4 April: blanks after the 31st
    days = [" ".join(cell.split()) for cell in table.cells]
    assert days[0] == "Monday 1 March" and days[30] == "Wednesday 31 March" and days[31:] == [""] * 4
    assert days[19] == "Saturday 20 March Community garden morning 10am to midday"
    assert days[26] == "Saturday 27 March Garden open day all day Cancelled"  # the status in words
    assert table.links == ["/events/garden-morning/", "/events/garden-cancelled/"]
    april = [" ".join(c.split()) for c in table_of(out / "events" / "2027" / "04" / "index.html").cells]
    assert "Wednesday 7 April Garden planning evening 6pm to 7:30pm Fully booked" in april
    january = [" ".join(c.split()) for c in table_of(out / "events" / "2027" / "01" / "index.html").cells]
    assert "Saturday 16 January Garden clear-up 10am to 1pm (past)" in january  # ended before the build date


def test_months_link_to_the_months_with_pages_either_side(out: Path) -> None:
    march = (out / "events" / "2027" / "03" / "index.html").read_text()
    assert 'href="/events/2027/01/" rel="prev">Previous month with events: January 2027' in march
    assert 'href="/events/2027/04/" rel="next">Next month with events: April 2027' in march
    january = (out / "events" / "2027" / "01" / "index.html").read_text()
    assert 'rel="prev"' not in january and 'href="/events/past/"' in january  # a past month points to the past
    assert 'rel="next"' not in (out / "events" / "2027" / "04" / "index.html").read_text()
    for page in ("01", "03", "04"):
        assert "<script" not in (out / "events" / "2027" / page / "index.html").read_text()


def test_the_event_lists_and_each_event_lead_to_its_month(out: Path) -> None:
    upcoming = (out / "events" / "index.html").read_text()
    assert '<a href="/events/2027/03/">See March 2027 on a calendar</a>' in upcoming
    assert '<a href="/events/2027/04/">See April 2027 on a calendar</a>' in upcoming
    past = (out / "events" / "past" / "index.html").read_text()
    assert '<a href="/events/2027/01/">See January 2027 on a calendar</a>' in past
    event = (out / "events" / "garden-evening" / "index.html").read_text()
    assert '<a href="/events/2027/04/" data-pagefind-ignore>April 2027 on a calendar</a>' in event
    sitemap = (out / "sitemap.xml").read_text()
    assert "https://search.example.org/events/2027/03/" in sitemap
