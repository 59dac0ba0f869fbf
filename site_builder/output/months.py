"""The month view: for each month with events, a calendar grid of that month at /events/YYYY/MM/.

A pure function of the Site: which months have pages, their weeks (Monday first, as in the UK), and the
events on each day, by the day each starts in the site's time zone. Which events are past follows the
rest of the site (Event.is_past: ended before the build date).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby

from ..site import dates
from ..site.model import Event, Site

WEEKDAYS = dates.DAYS


@dataclass(frozen=True)
class Day:
    """One day of a month's grid; `events` in their start order."""

    day: date
    events: tuple[Event, ...]

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.day.weekday()]

    @property
    def month_name(self) -> str:
        return dates.MONTHS[self.day.month - 1]

    @property
    def label(self) -> str:
        """The day in words: Thursday 4 March 2027."""
        return dates.long_date(self.day)

    @property
    def listed(self) -> tuple[tuple[Event, str], ...]:
        """Each event with its hours, as the grid shows them."""
        return tuple((event, hours(event)) for event in self.events)


def hours(event: Event) -> str:
    """When on its first day an event runs: '6pm to 8pm', '10am to 5 March, 4pm', 'all day'."""
    start, end = event.start, event.end
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return "all day" if start == end else f"all day, to {dates.long_date(end)}"
    start, end = start.astimezone(event.tz), end.astimezone(event.tz)
    if start.date() == end.date():
        return f"{dates.clock(start)} to {dates.clock(end)}"
    return f"{dates.clock(start)} to {dates.long_date(end.date())}, {dates.clock(end)}"


@dataclass(frozen=True)
class Month:
    """A month with events: its page's address, its weeks (None for the days of the months either side)."""

    first: date
    weeks: tuple[tuple[Day | None, ...], ...]
    events: tuple[Event, ...]
    previous: "MonthLink | None" = None
    next: "MonthLink | None" = None

    def __repr__(self) -> str:
        # Its events by address, as a page is keyed by the items it is given (not the repr of each event,
        # which holds its series and their events: exponentially long).
        return f"Month({self.first}, {[event.url for event in self.events]}, {self.previous}, {self.next})"

    @property
    def url(self) -> str:
        return month_url(self.first)

    @property
    def output_path(self) -> str:
        return self.url.strip("/") + "/index.html"

    @property
    def title(self) -> str:
        return dates.month_year(self.first)

    @property
    def upcoming(self) -> bool:
        """Whether any of its events is still to come."""
        return any(not event.is_past for event in self.events)


@dataclass(frozen=True)
class MonthLink:
    url: str
    title: str


def month_url(day: date) -> str:
    """The address of the month page that shows `day`: /events/2027/03/."""
    return f"/events/{day.year:04d}/{day.month:02d}/"


def months(site: Site) -> tuple[Month, ...]:
    """A Month for each month that has an event starting in it, first to last, each linked to the months
    before and after it that have pages."""
    by_start = sorted(site.events, key=lambda event: event.sort_key)
    grouped = [
        (first, tuple(events)) for first, events in groupby(by_start, key=lambda event: event.start_day.replace(day=1))
    ]
    made = [_month(first, events) for first, events in grouped]
    links = [MonthLink(month.url, month.title) for month in made]
    return tuple(
        Month(
            month.first,
            month.weeks,
            month.events,
            links[n - 1] if n > 0 else None,
            links[n + 1] if n + 1 < len(links) else None,
        )
        for n, month in enumerate(made)
    )


def _month(first: date, events: tuple[Event, ...]) -> Month:
    on_day = {day: tuple(run) for day, run in groupby(events, key=lambda event: event.start_day)}
    weeks = tuple(
        tuple(Day(day, on_day.get(day, ())) if day.month == first.month else None for day in week)
        for week in calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(first.year, first.month)
    )
    return Month(first, weeks, events)
