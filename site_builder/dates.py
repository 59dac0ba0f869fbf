"""Dates and times in plain English, GOV.UK style, without the machine's locale.

"Wednesday 3 March 2027, 6pm to 7:30pm"; "midday"; "midnight"; ranges with "to".
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def long_date(day: date) -> str:
    """'Wednesday 3 March 2027'."""
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    """'3 March 2027'."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def month_year(day: date) -> str:
    """'March 2027'."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def clock(moment: time | datetime) -> str:
    """'6pm', '7:30pm', 'midday', 'midnight'."""
    hour, minute = moment.hour, moment.minute
    if minute == 0 and hour == 12:
        return "midday"
    if minute == 0 and hour == 0:
        return "midnight"
    suffix = "am" if hour < 12 else "pm"
    hour12 = hour % 12 or 12
    return f"{hour12}{suffix}" if minute == 0 else f"{hour12}:{minute:02d}{suffix}"


def event_when(start: date | datetime, end: date | datetime, tz: ZoneInfo) -> str:
    """The whole span of an event, in the site's time zone."""
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        if start == end:
            return long_date(start)
        return f"{long_date(start)} to {long_date(end)}"
    start, end = start.astimezone(tz), end.astimezone(tz)
    if start.date() == end.date():
        return f"{long_date(start.date())}, {clock(start)} to {clock(end)}"
    return f"{long_date(start.date())}, {clock(start)} to {long_date(end.date())}, {clock(end)}"


def local_day(moment: date | datetime, tz: ZoneInfo) -> date:
    """The calendar day a moment falls on in the site's time zone."""
    return moment.astimezone(tz).date() if isinstance(moment, datetime) else moment


def as_datetime(moment: date | datetime, tz: ZoneInfo) -> datetime:
    """A date becomes the start of that day in the site's time zone."""
    if isinstance(moment, datetime):
        return moment
    return datetime(moment.year, moment.month, moment.day, tzinfo=tz)


def iso(moment: date | datetime, tz: ZoneInfo) -> str:
    """For `<time datetime>`: a date, or a local date and time with its offset."""
    if isinstance(moment, datetime):
        return moment.astimezone(tz).isoformat(timespec="minutes")
    return moment.isoformat()


def rfc822(moment: date | datetime, tz: ZoneInfo) -> str:
    """For RSS pubDate (RFC 822, with a four-digit year as RSS 2.0 asks)."""
    return format_datetime(as_datetime(moment, tz).astimezone(tz))


def day_after(day: date) -> date:
    return day + timedelta(days=1)
