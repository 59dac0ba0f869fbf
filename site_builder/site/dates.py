"""Dates and times in plain English, GOV.UK style, without the machine's locale.

"Wednesday 3 March 2027, 6pm to 7:30pm"; "midday"; "midnight"; ranges with "to".
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


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
    """The whole span of an event, in the site's time zone. On a day the clocks change, or across a change,
    each time says which clock it is on ('1:30am BST'): the same words can name two times that day, or a
    time that never comes."""
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        if start == end:
            return long_date(start)
        return f"{long_date(start)} to {long_date(end)}"
    start, end = start.astimezone(tz), end.astimezone(tz)
    named = start.utcoffset() != end.utcoffset() or clocks_change(start.date(), tz) or clocks_change(end.date(), tz)
    first, last = (zoned_clock(start), zoned_clock(end)) if named else (clock(start), clock(end))
    if start.date() == end.date():
        return f"{long_date(start.date())}, {first} to {last}"
    return f"{long_date(start.date())}, {first} to {long_date(end.date())}, {last}"


def moment_when(moment: date | datetime, tz: ZoneInfo) -> str:
    """One moment: 'Wednesday 3 March 2027, 6pm', or the day alone for a date."""
    if not isinstance(moment, datetime):
        return long_date(moment)
    local = moment.astimezone(tz)
    shown = zoned_clock(local) if clocks_change(local.date(), tz) else clock(local)
    return f"{long_date(local.date())}, {shown}"


def clocks_change(day: date, tz: ZoneInfo) -> bool:
    """Whether the clocks of `tz` go forward or back during this day."""
    after = day + timedelta(days=1)
    return (
        datetime(day.year, day.month, day.day, tzinfo=tz).utcoffset()
        != datetime(after.year, after.month, after.day, tzinfo=tz).utcoffset()
    )


def zoned_clock(moment: datetime) -> str:
    """'1:30am GMT': the clock time and the name of the clock it is on (an offset where the zone has no name)."""
    return f"{clock(moment)} {zone_name(moment)}"


def zone_name(moment: datetime) -> str:
    """'GMT', 'BST', 'CEST'; 'UTC+05:30' where the time-zone database names the clock by its offset."""
    name = moment.tzname() or ""
    if name and name[0] not in "+-" and not name[0].isdigit():
        return name
    minutes = int((moment.utcoffset() or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


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
