"""The schema: every field of every content type, declared once.

Each field has a kind that knows how to turn a YAML Value into a Python value
and what to say when it cannot, and how the site's items carry it (every item
carries each field its type declares, by name: model.carry). The declarations
are also what `new` writes into a fresh file, what the editing forms and the
field reference show, and what the editors' guide lists.
"""

from __future__ import annotations

import calendar
import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from .characters import FORBIDDEN, LINE_BREAK, fold_lines, forbidden_message
from ..errors import Problem, error, warning
from .parse import Value
from .sources import case_of
from ..site.model import Action, Contact, Figure, Online, Partner, Venue, Window
from ..site.dates import MONTHS

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
EMAIL_PATTERN = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+")
MAX_SUMMARY = 300
MAX_TOPICS = 50  # no item needs more; the cap keeps topic pages and suggestions in proportion


class Invalid:
    """Marks a value that failed to convert (its problem is already reported)."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "INVALID"


INVALID = Invalid()


@dataclass
class Context:
    """What a conversion needs to know, and where it reports problems."""

    shown: str
    tz: ZoneInfo
    content_dir: Path
    problems: list[Problem]

    def error(self, line: int, name: str, message: str) -> Invalid:
        self.problems.append(error(self.shown, line, name, message))
        return INVALID

    def warn(self, line: int, name: str, message: str) -> None:
        self.problems.append(warning(self.shown, line, name, message))


def shown_value(value: Value) -> str:
    """How a value is quoted back to the editor in a message."""
    if value.tag == "seq":
        return "a list"
    if value.tag == "map":
        return "a set of fields"
    text = str(value.data)
    return repr(text if len(text) <= 60 else text[:57] + "...")


# A value inside the quotation marks Word and phones type: “...”, ‘...’, „...“, «...».
_CURLY_QUOTED = re.compile(
    "[\u201c\u201d\u2018\u2019\u201e\u201a\u00ab\u00bb\u2039\u203a](.*)"
    "[\u201c\u201d\u2018\u2019\u201e\u201a\u00ab\u00bb\u2039\u203a]",
    re.DOTALL,
)


class Kind:
    """How one field's value is read, and how the site's items carry it (`carried`, `absent`)."""

    noun = "a value"  # what the value should be, in a few words
    expected = "a value"  # ... and in full, with an example, for the "(expected ...)" part
    example = ""
    absent: Any = None  # what an item carries for the field when the file does not give it

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        raise NotImplementedError

    def carried(self, value: Any) -> Any:
        """A converted value as the site's items carry it (model.carry): the same, unless a kind says."""
        return value

    def is_blank(self, value: Value) -> bool:
        return value.tag == "null" or (value.is_scalar and str(value.data).strip() == "")

    def mismatch(self, value: Value, ctx: Context, name: str, hint: str = "") -> Invalid:
        """The contract's shape: what is wrong (what is expected)."""
        curly = _CURLY_QUOTED.fullmatch(str(value.data).strip()) if value.is_scalar else None
        if curly:
            return ctx.error(
                value.line,
                name,
                f"{shown_value(value)} is in curly quotes, as Word and phones type "
                f"them, which are read as part of the value (expected straight quotes or none: "
                f"{name.rpartition('.')[2].split('[')[0]}: {curly.group(1)})",
            )
        return ctx.error(value.line, name, f"{shown_value(value)} {self.is_not(hint)}")

    def is_not(self, hint: str = "") -> str:
        """What the build says of a value of the wrong shape, after the value; the editing forms say it alone."""
        return f"is not {self.noun} (expected {self.expected}{hint})"


class Text(Kind):
    """Text on one line: a line break in it is an error. `prose` text (a summary, an address) may run over
    several lines, as `summary: |` writes it, and is read with each line break as a space."""

    noun = "text"
    expected = "text"
    absent = ""

    def __init__(self, max_length: int | None = None, prose: bool = False):
        self.max_length = max_length
        self.prose = prose

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        if not value.is_scalar:
            return self.mismatch(value, ctx, name)
        text = str(value.data).strip()
        if value.comment is not None:
            # YAML reads ` #` as the start of a comment: `title: Update #2` gives "Update".
            whole = f"{text} #{value.comment}"
            return ctx.error(
                value.line,
                name,
                f"the text after ' #' was read as a comment, leaving {text!r} "
                f'(expected the whole value in quotes: "{whole}")',
            )
        bad = FORBIDDEN.search(text)
        if bad:
            return ctx.error(value.line, name, forbidden_message(bad.group()))
        if self.prose:
            text = fold_lines(text)
        elif LINE_BREAK.search(text):
            lines = len(LINE_BREAK.split(text))
            return ctx.error(
                value.line,
                name,
                f"is written over {lines} lines (expected it on one line: join "
                "the lines, and write it after the colon without | or >)",
            )
        if self.max_length and len(text) > self.max_length:
            return ctx.error(value.line, name, too_long(self.max_length))
        return text


def too_long(max_length: int) -> str:
    """What the build says of text past its limit, and the editing forms word for word (a form's pattern
    has one fixed message, so neither counts the characters)."""
    return f"is longer than {max_length} characters (expected at most {max_length})"


class Slug(Text):
    noun = "a slug"
    expected = "lowercase letters, digits and hyphens, like 'bsl-awareness'"

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        text = super().convert(value, ctx, name)
        if text is INVALID:
            return text
        if not SLUG_PATTERN.fullmatch(text):
            return self.mismatch(value, ctx, name)
        return text


class Choice(Text):
    def __init__(self, *choices: str, noun: str = "one of the choices"):
        super().__init__()
        self.choices = choices
        self.noun = noun
        self.expected = ", ".join(choices[:-1]) + " or " + choices[-1]

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        text = super().convert(value, ctx, name)
        if text is INVALID:
            return text
        if text not in self.choices:
            close = difflib.get_close_matches(text.lower(), self.choices, n=1)
            return self.mismatch(value, ctx, name, f"; did you mean '{close[0]}'?" if close else "")
        return text


class Flag(Kind):
    noun = "true or false"
    expected = "true or false"
    absent = False

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        # YAML 1.1 also reads yes/no/on/off as booleans; we ask for the unambiguous words.
        if value.is_scalar and str(value.data).lower() in ("true", "false"):
            return str(value.data).lower() == "true"
        return self.mismatch(value, ctx, name)


class Count(Kind):
    noun = "a whole number"
    expected = "a whole number greater than 0, like 30"

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        text = str(value.data).strip() if value.is_scalar else ""
        if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) == 0:
            return self.mismatch(value, ctx, name)
        return int(text)


_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)
_LOOSE_TIME = re.compile(r"(\d{1,2})(?:[.:](\d{2}))?\s*([ap]\.?m\.?)?", re.IGNORECASE)
_UK_DATE = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")


class Malformed(Exception):
    """The text has the right shape but names no real date or time; the message says why."""


# The years a date may have: far beyond them, a month page's next month or a calendar's time-zone rules
# would fall outside the years Python can count (1 to 9999); a year like 2207 is a slip for 2027.
YEARS = range(1900, 2200)


def _real_date(text: str, year: int, month: int, day: int) -> date:
    if year not in YEARS:
        raise Malformed(f"{text} is not a year the site can show (expected a year from {YEARS[0]} to {YEARS[-1]})")
    if not 1 <= month <= 12:
        raise Malformed(f"{text} is not a real date: there is no month {month} (expected a month from 01 to 12)")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise Malformed(
            f"{text} is not a real date: {MONTHS[month - 1]} {year} has {last} days (expected a day from 01 to {last})"
        )
    return date(year, month, day)


def parse_date(text: str) -> date | None:
    """A date written 2027-03-04; None if the text is not of that shape."""
    m = _DATE.fullmatch(text)
    return _real_date(text, int(m[1]), int(m[2]), int(m[3])) if m else None


def parse_datetime(text: str, tz: ZoneInfo) -> datetime | None:
    """A date and time, local to `tz` unless it carries an offset; None if not of that shape."""
    m = _DATETIME.fullmatch(text)
    if not m:
        return None
    day = _real_date(text, int(m[1]), int(m[2]), int(m[3]))
    hour, minute, second = int(m[4]), int(m[5]), int(m[6] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise Malformed(f"{text} is not a real time (expected hours from 00 to 23 and minutes from 00 to 59)")
    naive = datetime(day.year, day.month, day.day, hour, minute, second)
    offset = m[7]
    if offset == "Z":
        return naive.replace(tzinfo=timezone.utc)
    if offset:
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if delta >= timedelta(hours=24) or int(digits[2:]) > 59:
            raise Malformed(f"{offset} is not a real time-zone offset (expected one like +01:00)")
        return naive.replace(tzinfo=timezone(delta if offset[0] == "+" else -delta))
    local = naive.replace(tzinfo=tz)
    # A wall time in the spring-forward gap does not exist: a round trip through UTC moves it.
    if local.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) != naive:
        raise Malformed(
            f"{naive:%H:%M} on {naive.day} {MONTHS[naive.month - 1]} {naive.year} does not exist "
            f"in {tz.key}, because the clocks go forward then (expected a time that exists)"
        )
    return local


def suggest_moment(text: str) -> str:
    """A hint for dates and times written the way people say them: '; did you mean ...?'."""
    text = text.strip()
    uk = _UK_DATE.fullmatch(text)
    if uk:
        return f"; did you mean '{uk[3]}-{int(uk[2]):02d}-{int(uk[1]):02d}' (year-month-day)?"
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[T ]+|\s*,\s*)(.+)", text)
    clock = _LOOSE_TIME.fullmatch(m[2].strip()) if m else _LOOSE_TIME.fullmatch(text)
    if not clock:
        return ""
    hour, minute, half = int(clock[1]), int(clock[2] or 0), (clock[3] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return ""
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    if hour > 23 or minute > 59:
        return ""
    if m:
        return f"; did you mean '{m[1]} {hour:02d}:{minute:02d}'?"
    return f"; a time needs its date too, like '2027-03-04 {hour:02d}:{minute:02d}'"


class Day(Kind):
    noun = "a date"
    expected = "a date like 2027-03-04"

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        text = str(value.data).strip() if value.is_scalar else ""
        try:
            parsed = parse_date(text)
        except Malformed as exc:
            return ctx.error(value.line, name, str(exc))
        if parsed is None:
            return self.mismatch(value, ctx, name, suggest_moment(text) if value.is_scalar else "")
        return parsed


class Moment(Kind):
    """A date and time, or a date alone (an all-day event, or a publication date)."""

    noun = "a date and time"
    expected = "a date and time like 2027-03-04 18:00, or a date like 2027-03-04"

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        text = str(value.data).strip() if value.is_scalar else ""
        try:
            parsed = parse_date(text) or parse_datetime(text, ctx.tz)
        except Malformed as exc:
            return ctx.error(value.line, name, str(exc))
        if parsed is None:
            return self.mismatch(value, ctx, name, suggest_moment(text) if value.is_scalar else "")
        if (
            isinstance(parsed, datetime)
            and parsed.tzinfo is ctx.tz
            and parsed.replace(fold=1).utcoffset() != parsed.utcoffset()
        ):
            first = parsed.strftime("%Y-%m-%dT%H:%M:%S") + _offset(parsed.utcoffset())
            second = parsed.strftime("%Y-%m-%dT%H:%M:%S") + _offset(parsed.replace(fold=1).utcoffset())
            ctx.warn(
                value.line,
                name,
                f"{parsed:%H:%M} on {parsed.day} {MONTHS[parsed.month - 1]} {parsed.year} "
                f"happens twice in {ctx.tz.key}, because the clocks go back then, and is read as the first, "
                f"{first} (expected {second} if you mean the second)",
            )
        return parsed


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class CountryCode(Text):
    noun = "a country code"
    expected = "a two-letter country code like GB"

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        text = super().convert(value, ctx, name)
        if text is not INVALID and not re.fullmatch(r"[A-Za-z]{2}", text):
            return self.mismatch(
                value,
                ctx,
                name,
                "; did you mean 'GB'?"
                if text.lower() in ("uk", "united kingdom", "england", "scotland", "wales")
                else "",
            )
        return text if text is INVALID else text.upper()


class Link(Text):
    def __init__(self, *schemes: str, example: str = "https://booking.example.org/my-event"):
        super().__init__()
        self.schemes = schemes
        kinds = " or ".join(f"{s}:" for s in schemes) + " link"
        self.noun = f"an {kinds}" if schemes[0][0] in "aeiouh" else f"a {kinds}"
        self.expected = f"{self.noun}, like {example}"

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        text = super().convert(value, ctx, name)
        if text is INVALID:
            return text
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        ok = scheme in self.schemes and not re.search(r"\s", text)
        if ok and scheme in ("http", "https"):
            ok = bool(parts.netloc)
        if ok and scheme == "mailto":
            ok = bool(EMAIL_PATTERN.fullmatch(text[7:].split("?")[0]))
        if not ok:
            hint = "; a web address must start with https://" if scheme == "http" and "http" not in self.schemes else ""
            return self.mismatch(value, ctx, name, hint)
        return text


class Email(Text):
    noun = "an email address"
    expected = "an email address like events@example.org"

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        text = super().convert(value, ctx, name)
        if text is INVALID:
            return text
        if text.startswith("mailto:"):
            text = text[7:]
        if not EMAIL_PATTERN.fullmatch(text):
            return self.mismatch(value, ctx, name)
        return text


class ContentPath(Text):
    """A file inside the content folder, under `under`, that must exist."""

    def __init__(self, under: str = "media/", example: str = "media/images/hall.jpg"):
        super().__init__()
        self.under = under
        self.noun = f"a file under {under}"
        self.expected = f"a path to a file under {under}, like {example}"

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        text = super().convert(value, ctx, name)
        if text is INVALID:
            return text
        path = PurePosixPath(text)
        if "\\" in text or path.is_absolute() or ".." in path.parts or not text.startswith(self.under):
            return self.mismatch(value, ctx, name)
        target = ctx.content_dir / path
        try:
            target.resolve().relative_to(ctx.content_dir.resolve())
        except ValueError:
            return ctx.error(
                value.line,
                name,
                f"{text!r} leads outside the content folder (expected a file copied into {self.under})",
            )
        exact = case_of(ctx.content_dir, text)
        if exact is not None:
            # Mac and Windows disks find the file anyway; the web server on a Linux host does not.
            return ctx.error(
                value.line,
                name,
                f"{text!r} differs in letter case from the file {exact!r} "
                f"(expected {exact!r}: web servers tell capitals from small letters)",
            )
        if not target.is_file():
            return ctx.error(
                value.line, name, f"there is no file {text!r} in the content folder (expected {self.expected})"
            )
        return text

    def carried(self, value: Any) -> Any:
        """The file's address on the site: media/files/plan.pdf -> /media/files/plan.pdf."""
        return "/" + value


class ListOf(Kind):
    absent = ()

    def __init__(self, item: Kind, allow_single: bool = False, max_items: int | None = None, why: str = ""):
        self.item = item
        self.allow_single = allow_single
        self.max_items = max_items
        self.why = why  # why there is a limit, for the message
        self.noun = "a list"
        self.expected = "a list, with each item on its own line starting with '- '"

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        if value.tag != "seq":
            if self.allow_single and value.is_scalar and "," not in str(value.data):
                return [self.item.convert(value, ctx, name)]
            return self.mismatch(value, ctx, name)
        if self.max_items and len(value.data) > self.max_items:
            return ctx.error(
                value.line, name, f"has {len(value.data):,} items (expected at most {self.max_items}{self.why})"
            )
        items = []
        for index, item in enumerate(value.items, start=1):
            label = f"{name}[{index}]"
            if self.item.is_blank(item):
                ctx.error(item.line, label, "this list item is empty (expected it filled in, or removed)")
                continue
            items.append(self.item.convert(item, ctx, label))
        return items

    def carried(self, value: Any) -> Any:
        return tuple(self.item.carried(each) for each in value)


class _KindsOwn:
    def __repr__(self) -> str:
        return "the kind's"


KINDS_OWN: Any = _KindsOwn()


@dataclass(frozen=True)
class Field:
    """One front matter field: its name, how it is read, and what it is for. Every item of its type carries
    it, as `item.<name>` (or `item.<attribute>`), in templates and feeds alike: declaring it here is all a
    new field takes."""

    name: str
    kind: Kind
    doc: str
    required: bool = False
    example: str = ""
    default: Any = KINDS_OWN  # what items carry when a file leaves it out; else its kind's (`Kind.absent`)
    attribute: str = ""  # the items' name for it, where its own is taken (every item's `url` is its address)

    @property
    def carried_as(self) -> str:
        return self.attribute or self.name


class Fields(Kind):
    """A mapping with its own fields, such as `venue: {name, address, postcode}`; items carry it as a
    `model` (model.Venue) made with the fields given, or else as a dict."""

    def __init__(
        self,
        *fields: Field,
        check: Callable[[dict, Value, Context, str], None] | None = None,
        model: Callable[..., Any] | None = None,
    ):
        self.fields = {f.name: f for f in fields}
        self.check = check
        self.model = model
        self.noun = "a set of fields"
        self.expected = "the fields " + ", ".join(self.fields) + ", each on its own line, indented under it"

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        if value.tag != "map":
            return self.mismatch(value, ctx, name)
        result = convert_fields(value.mapping, self.fields, ctx, value.line, prefix=f"{name}.")
        if self.check and not any(v is INVALID for v in result.values()):
            self.check(result, value, ctx, name)
        return result

    def carried(self, value: Any) -> Any:
        given = {name: self.fields[name].kind.carried(each) for name, each in value.items() if name in self.fields}
        return self.model(**given) if self.model is not None else given


def convert_fields(
    data: dict[str, Value], fields: dict[str, Field], ctx: Context, line: int, prefix: str = ""
) -> dict[str, Any]:
    """Convert each known field, warn about unknown ones, report missing required ones."""
    result: dict[str, Any] = {}
    for key, value in data.items():
        spec = fields.get(key)
        if spec is None:
            close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.75)
            hint = f"did you mean '{close[0]}'?" if close else "known fields are " + ", ".join(fields)
            ctx.warn(value.line, prefix + key, f"unknown field, ignored ({hint})")
            continue
        if value.tag == "invalid":
            result[key] = INVALID
            continue
        if spec.kind.is_blank(value):
            continue  # a blank optional field is simply absent
        result[key] = spec.kind.convert(value, ctx, prefix + key)
    for spec in fields.values():
        if spec.required and spec.name not in result:
            blank = spec.name in data
            where = data[spec.name].line if blank else line
            how = "is empty" if blank else "is missing"
            example = f"; for example `{spec.name}: {spec.example}`" if spec.example else ""
            ctx.error(where, prefix + spec.name, f"{how} (required{example})")
            result[spec.name] = INVALID
    return result


# ---------------------------------------------------------------- checks


# What the build says of an image without alt text, and the editing forms word for word.
NO_ALT_TEXT = (
    "the image has no alt text (expected words saying what it shows, or `decorative: true` with "
    '`alt: ""` if it adds nothing)'
)


def _check_image(value: dict, node: Value, ctx: Context, name: str) -> None:
    if not value.get("alt") and not value.get("decorative"):
        line = node.mapping["alt"].line if "alt" in node.mapping else node.line
        ctx.error(line, f"{name}.alt", NO_ALT_TEXT)
    if value.get("decorative") and value.get("alt"):
        ctx.warn(
            node.line,
            f"{name}.decorative",
            "the image is marked decorative but has alt text (expected "
            "one or the other: decorative images are skipped by screen readers)",
        )


def _check_contact(value: dict, node: Value, ctx: Context, name: str) -> None:
    if not value.get("url") and not value.get("email"):
        ctx.error(node.line, name, "says neither where nor how (expected a `url` or an `email`, or both)")


# A meeting link in `joining` would publish it to everyone, in pages, feeds and calendars.
_MEETING_LINK = re.compile(
    r"https?://|www\.|zoom\.us/|teams\.microsoft|teams\.live|meet\.google|webex\.com|"
    r"whereby\.com|[?&](pwd|passcode|password)=",
    re.IGNORECASE,
)


# A page anyone may open is fine as `online.url`; a link that lets one into a meeting is not.
_PRIVATE_MEETING = re.compile(
    r"zoom\.us/(j|my|w)/|teams\.microsoft\.com/l/meetup-join|teams\.live\.com/meet|"
    r"meet\.google\.com/|whereby\.com/|webex\.com/(meet|join)|[?&](pwd|passcode|password)=",
    re.IGNORECASE,
)


def _check_joining(value: dict, node: Value, ctx: Context, name: str) -> None:
    if _MEETING_LINK.search(value.get("joining", "")):
        line = node.mapping["joining"].line
        ctx.error(
            line,
            f"{name}.joining",
            "contains a meeting link, which would be published in the page, feeds "
            "and calendars (expected how people get the link, like 'We email the link the day before')",
        )
    if _PRIVATE_MEETING.search(value.get("url", "")):
        line = node.mapping["url"].line
        ctx.error(
            line,
            f"{name}.url",
            "is a private meeting link, which would be published in the page, feeds "
            "and calendars (expected a public page, such as a livestream, or no `url`)",
        )


def _check_window(value: dict, node: Value, ctx: Context, name: str) -> None:
    if value["closes"] <= value["opens"]:
        line = node.mapping["closes"].line
        ctx.error(
            line,
            f"{name}.closes",
            f"closes on {value['closes']:%Y-%m-%d}, not after it opens on "
            f"{value['opens']:%Y-%m-%d} (expected a day after it opens)",
        )


# ---------------------------------------------------------------- declarations

CONTACT = (
    Field(
        "url",
        Link("https", "mailto"),
        "Web page or mailto: link to book or apply",
        example="https://booking.example.org/my-event",
    ),
    Field("email", Email(), "Email address to book or apply", example="events@example.org"),
    Field("deadline", Day(), "Last day to book or apply", example="2027-03-01"),
)

COMMON = (
    Field(
        "title",
        Text(200),
        "The name shown as the page heading and in listings",
        required=True,
        example="Understanding unconscious bias",
    ),
    Field(
        "summary",
        Text(MAX_SUMMARY, prose=True),
        f"One or two sentences (at most {MAX_SUMMARY} characters) for listings, feeds and search engines",
        required=True,
        example="What it is about and who it is for, in a sentence.",
    ),
    Field("slug", Slug(), "The web address part; defaults to the file name"),
    Field(
        "topics",
        ListOf(
            Text(80),
            allow_single=True,
            max_items=MAX_TOPICS,
            why=": each topic is a page of its own, and readers need the few that say what this is about",
        ),
        "Topics this is about; each gets a topic page",
    ),
    Field("draft", Flag(), "true keeps it off the site until you are ready"),
    Field("published", Moment(), "When it was first published", example="2027-01-10"),
    Field("updated", Moment(), "When it was last changed in a way readers should know", example="2027-01-12"),
    Field(
        "image",
        Fields(
            Field(
                "src",
                ContentPath("media/"),
                "The image file, under media/",
                required=True,
                example="media/images/hall.jpg",
            ),
            Field("alt", Text(prose=True), "What the image shows, for people who cannot see it"),
            Field("decorative", Flag(), 'true if the image adds nothing to the text (then alt is "")'),
            Field(
                "download",
                Flag(),
                "true to offer the picture at full size, below it (location and camera data are still removed)",
            ),
            check=_check_image,
        ),
        "A picture for the page",
    ),
)

EVENT = (
    Field(
        "start",
        Moment(),
        "When it starts: a date and time, or just a date for an all-day event",
        required=True,
        example="2027-03-04 18:00",
    ),
    Field("end", Moment(), "When it ends, the same kind as start", required=True, example="2027-03-04 19:30"),
    Field("series", Slug(), "The series it belongs to (a file name in series/)"),
    Field("cluster", Slug(), "The learning cluster it is a meeting of (a file name in clusters/)"),
    Field(
        "format",
        Choice("online", "in-person", "hybrid", noun="one of the formats"),
        "online, in-person or hybrid",
        required=True,
        example="online",
    ),
    Field(
        "venue",
        Fields(
            Field("name", Text(), "Venue name", required=True, example="Hillside Community Centre"),
            Field("address", Text(prose=True), "Street address and town", required=True),
            Field("postcode", Text(12), "Postcode", example="B1 1AA"),
            Field("town", Text(), "The town or city, if not the last part of the address", example="Leeds"),
            Field("country", CountryCode(), "Its country as a two-letter code, if not the site's", example="GB"),
            model=Venue,
        ),
        "Where it happens (not needed for online events)",
    ),
    Field(
        "online",
        Fields(
            Field("platform", Text(), "Zoom, Teams or another platform", example="Zoom"),
            Field("joining", Text(prose=True), "How people get the joining link (never the link itself)"),
            Field(
                "url",
                Link("https", example="https://www.youtube.com/live/abc"),
                "A public page anyone may join from, such as a livestream (never a private meeting link)",
            ),
            check=_check_joining,
            model=Online,
        ),
        "How to join online",
    ),
    Field("booking", Fields(*CONTACT, check=_check_contact, model=Contact), "How to book"),
    Field("cost", Text(), "What it costs (default Free)", example="Free", default="Free"),
    Field("capacity", Count(), "How many places", example="30"),
    Field(
        "accessibility",
        ListOf(Text(), allow_single=True),
        "Access provisions, e.g. BSL interpretation, Live captions, Step-free access, Hearing loop, Quiet room",
    ),
    Field("audience", Text(prose=True), "Who it is for"),
    Field(
        "status",
        Choice("scheduled", "cancelled", "postponed", "full", noun="one of the statuses"),
        "scheduled, cancelled, postponed or full (default scheduled)",
        default="scheduled",
    ),
    Field(
        "rescheduled_from",
        Moment(),
        "The start it had before it moved to a new date (then set `updated` too)",
        example="2027-03-03 12:00",
    ),
    Field("presenter", Text(), "The person who leads it", example="Amara Okafor"),
)

SERIES: tuple[Field, ...] = ()

CLUSTER = (
    Field(
        "status",
        Choice("coming-soon", "open", "running", "closed", noun="one of the statuses"),
        "coming-soon, open, running or closed",
        required=True,
        example="open",
    ),
    Field("meetings_per_year", Count(), "How many times it meets a year", example="4"),
    Field("places_per_area", Count(), "How many people each area may send", example="2"),
    Field(
        "costs_covered",
        ListOf(Text(), allow_single=True),
        "Costs paid for members, e.g. travel, accommodation, childcare",
    ),
    Field("who_can_join", Text(prose=True), "Who can join"),
    Field("apply", Fields(*CONTACT, check=_check_contact, model=Contact), "How to apply"),
)

OFFER = (
    Field(
        "partner",
        Fields(
            Field("name", Text(), "The partner organisation", required=True),
            Field(
                "url",
                Link("https", example="https://partner.example.org/"),
                "Its website",
                required=True,
                example="https://partner.example.org/",
            ),
            model=Partner,
        ),
        "The partner organisation that offers the support",
        required=True,
    ),
    Field("match_funding", Flag(), "true if areas must match-fund the support"),
    Field("early_conversation_funded", Flag(), "true if early conversations are paid for", default=None),
    Field(
        "windows",
        ListOf(
            Fields(
                Field("opens", Day(), "First day areas can express interest", required=True, example="2027-01-01"),
                Field("closes", Day(), "Last day", required=True, example="2027-02-28"),
                check=_check_window,
                model=Window,
            )
        ),
        "When areas can express interest",
    ),
    Field("available_until", Day(), "The last day the offer runs", example="2028-12-31"),
    Field("areas", ListOf(Text(), allow_single=True), "Places that have used the offer"),
)

STORY = (
    Field("organisation", Text(), "Whose story it is"),
    Field("area", Text(), "Where it happened"),
    Field("category", Text(), "A category such as Diversity and inclusion"),
    Field(
        "figures",
        ListOf(
            Fields(
                Field("value", Text(40), "The number, in quotes", required=True, example='"75%"'),
                Field("label", Text(), "What it counts", required=True),
                model=Figure,
            )
        ),
        "Key figures, each {value, label}",
    ),
)

ACTION_STATUSES = ("not-started", "in-progress", "done", "ongoing")

RESOURCE = (
    Field(
        "kind", Choice("toolkit", "guide", "plan", "report", noun="one of the kinds"), "toolkit, guide, plan or report"
    ),
    Field(
        "file",
        ContentPath("media/", example="media/files/plan.pdf"),
        "A file to download, under media/",
        example="media/files/plan.pdf",
    ),
    Field(
        "url",
        Link("https", "http", example="https://example.org/guide"),
        "Where the resource lives, if elsewhere",
        attribute="external_url",
    ),
    Field(
        "actions",
        ListOf(
            Fields(
                Field("area", Text(), "The heading this action is grouped under", required=True),
                Field("what", Text(prose=True), "The aim", required=True),
                Field("how", Text(prose=True), "The action", required=True),
                Field("who", Text(), "Who does it"),
                Field("when", Text(), "By when"),
                Field(
                    "status",
                    Choice(*ACTION_STATUSES, noun="one of the statuses"),
                    "not-started, in-progress, done or ongoing",
                ),
                model=Action,
            )
        ),
        "An action plan table",
    ),
)

PAGE: tuple[Field, ...] = ()

if TYPE_CHECKING:  # what __getattr__ gives, as the type checker should see it
    SCHEMAS: dict[str, dict[str, Field]]
    PUBLISHED_REQUIRED: tuple[str, ...]


def __getattr__(name: str) -> object:
    """SCHEMAS and PUBLISHED_REQUIRED, the standard types' (types.STANDARD_TYPES, where each type's fields
    are declared with it), for code that knows no registry of its own."""
    if name not in ("SCHEMAS", "PUBLISHED_REQUIRED"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from .types import STANDARD_TYPES

    if name == "SCHEMAS":
        return STANDARD_TYPES.schemas
    return tuple(t.folder for t in STANDARD_TYPES if t.published == "required")
