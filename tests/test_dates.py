"""Dates and times in plain English, GOV.UK style, with no dependence on the machine's locale."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from site_builder.site.dates import clock, event_when, long_date
from site_builder.content.schema import suggest_moment

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    "hour, minute, expected",
    [
        (18, 0, "6pm"),
        (19, 30, "7:30pm"),
        (12, 0, "midday"),
        (0, 0, "midnight"),
        (9, 5, "9:05am"),
        (12, 30, "12:30pm"),
        (0, 15, "12:15am"),
    ],
)
def test_clock_times(hour: int, minute: int, expected: str) -> None:
    assert clock(datetime(2027, 1, 1, hour, minute)) == expected


def test_long_date() -> None:
    assert long_date(date(2027, 3, 3)) == "Wednesday 3 March 2027"


def test_event_spans() -> None:
    start = datetime(2027, 3, 3, 18, 0, tzinfo=LONDON)
    assert (
        event_when(start, datetime(2027, 3, 3, 19, 30, tzinfo=LONDON), LONDON)
        == "Wednesday 3 March 2027, 6pm to 7:30pm"
    )
    assert (
        event_when(start, datetime(2027, 3, 4, 13, 0, tzinfo=LONDON), LONDON)
        == "Wednesday 3 March 2027, 6pm to Thursday 4 March 2027, 1pm"
    )
    assert event_when(date(2027, 3, 3), date(2027, 3, 3), LONDON) == "Wednesday 3 March 2027"
    assert event_when(date(2027, 3, 3), date(2027, 3, 5), LONDON) == "Wednesday 3 March 2027 to Friday 5 March 2027"


@pytest.mark.parametrize(
    "written, hint",
    [
        ("2027-03-04 6pm", "; did you mean '2027-03-04 18:00'?"),
        ("2027-03-04 10.30am", "; did you mean '2027-03-04 10:30'?"),
        ("2027-03-04, 18.00", "; did you mean '2027-03-04 18:00'?"),
        ("04/03/2027", "; did you mean '2027-03-04' (year-month-day)?"),
        ("10:30", "; a time needs its date too, like '2027-03-04 10:30'"),
        ("soon", ""),
        ("2027-03-04 13pm", ""),
    ],
)
def test_suggestions_for_dates_written_the_way_people_say_them(written: str, hint: str) -> None:
    assert suggest_moment(written) == hint


def test_on_the_days_the_clocks_change_each_time_names_its_clock() -> None:
    from datetime import timedelta, timezone

    from site_builder.site.dates import moment_when

    first = datetime(2026, 10, 25, 1, 30, tzinfo=timezone(timedelta(hours=1)))
    second = datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)
    assert event_when(first, second, LONDON) == "Sunday 25 October 2026, 1:30am BST to 1:30am GMT"
    assert (
        event_when(datetime(2027, 3, 28, 0, 30, tzinfo=LONDON), datetime(2027, 3, 28, 3, 0, tzinfo=LONDON), LONDON)
        == "Sunday 28 March 2027, 12:30am GMT to 3am BST"
    )
    assert moment_when(second, LONDON) == "Sunday 25 October 2026, 1:30am GMT"
    assert moment_when(datetime(2027, 3, 3, 12, 0, tzinfo=LONDON), LONDON) == "Wednesday 3 March 2027, midday"
    # A zone whose clocks the database names by offset alone.
    sao_paulo = ZoneInfo("America/Sao_Paulo")
    assert (
        event_when(
            datetime(2018, 11, 4, 1, 0, tzinfo=sao_paulo), datetime(2018, 11, 4, 2, 0, tzinfo=sao_paulo), sao_paulo
        )
        == "Sunday 4 November 2018, 1am UTC-02:00 to 2am UTC-02:00"
    )
