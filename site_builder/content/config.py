"""Load the site settings from site.yaml."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ..errors import Problem, display_path, error
from .parse import Value, compose_yaml
from .schema import (
    INVALID,
    ContentPath,
    Context,
    CountryCode,
    Email,
    Field,
    Fields,
    Flag,
    Kind,
    Link,
    Text,
    convert_fields,
)
from .sources import read_text


@dataclass(frozen=True)
class Config:
    """The site settings; every page, feed and calendar reads these."""

    title: str
    base_url: str  # absolute, always ending in "/"
    language: str
    timezone: str
    description: str
    organisation: str
    contact_email: str
    trust_html: bool
    country: str = "GB"  # ISO 3166 two letters: venues' addresses in search engines' data
    color: str = ""  # a CSS colour name calendar apps may show the calendars in (RFC 7986 COLOR)
    image: str = ""  # root-relative URL of the picture for pages without their own, or ""
    cms: tuple[tuple[str, str], ...] | None = (
        None  # `cms: {repo, branch}`: publish the editing forms at /admin/ (admin.py)
    )

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # read for every date on every page: made once

    def absolute(self, url: str) -> str:
        """The absolute form of a site URL such as `/events/`."""
        return self.base_url + url.lstrip("/")


class Language(Text):
    noun = "a language tag"
    expected = "a language tag like en-GB"

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        text = super().convert(value, ctx, name)
        if text is not INVALID and not re.fullmatch(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*", text):
            return self.mismatch(value, ctx, name)
        return text


# Names people write for a zone that are not the zone's own name.
ZONE_ALIASES = {
    "bst": "Europe/London",
    "gmt": "Europe/London",
    "uk": "Europe/London",
    "british": "Europe/London",
    "cet": "Europe/Paris",
    "cest": "Europe/Paris",
    "ist": "Europe/Dublin",
}


class TimeZoneName(Kind):
    noun = "a time zone name"
    expected = "an IANA time zone name like Europe/London"

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        text = str(value.data).strip() if value.is_scalar else ""
        try:
            ZoneInfo(text)
            return text
        except (ZoneInfoNotFoundError, ValueError):
            alias = ZONE_ALIASES.get(text.lower().split()[0] if text.split() else "")
            close = [alias] if alias else difflib.get_close_matches(text, sorted(available_timezones()), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            return self.mismatch(value, ctx, name, hint)


class SiteAddress(Link):
    """The site's own address: absolute, and the root of its host (pages link from /)."""

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        text = super().convert(value, ctx, name)
        if text is not INVALID and urlsplit(text).path not in ("", "/"):
            return ctx.error(
                value.line,
                name,
                f"{text!r} is below the root of its host (expected the root, like "
                f"{urlsplit(text).scheme}://{urlsplit(text).netloc}/: the site links to its pages from /)",
            )
        if text is not INVALID and (urlsplit(text).query or urlsplit(text).fragment):
            return self.mismatch(value, ctx, name)
        return text


# CSS Color Module Level 3's named colours: RFC 7986 COLOR is one of these.
CSS_COLORS = frozenset(
    """aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue blueviolet
brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk crimson cyan darkblue darkcyan
darkgoldenrod darkgray darkgreen darkgrey darkkhaki darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon
darkseagreen darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue dimgray dimgrey
dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite gold goldenrod gray green greenyellow grey
honeydew hotpink indianred indigo ivory khaki lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral
lightcyan lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen lightskyblue
lightslategray lightslategrey lightsteelblue lightyellow lime limegreen linen magenta maroon mediumaquamarine
mediumblue mediumorchid mediumpurple mediumseagreen mediumslateblue mediumspringgreen mediumturquoise mediumvioletred
midnightblue mintcream mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered orchid
palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum powderblue purple red
rosybrown royalblue saddlebrown salmon sandybrown seagreen seashell sienna silver skyblue slateblue slategray
slategrey snow springgreen steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow
yellowgreen""".split()
)


class ColorName(Text):
    noun = "a colour name"
    expected = "a CSS colour name like teal or darkorange"

    def convert(self, value: Value, ctx: Context, name: str) -> Any:
        text = super().convert(value, ctx, name)
        if text is not INVALID and text.lower() not in CSS_COLORS:
            close = difflib.get_close_matches(text.lower().replace(" ", ""), sorted(CSS_COLORS), n=1)
            return self.mismatch(value, ctx, name, f"; did you mean '{close[0]}'?" if close else "")
        return text if text is INVALID else text.lower()


def check_base_url(text: str) -> str | None:
    """A problem with a --base-url given on the command line, or None."""
    problems: list[Problem] = []
    ctx = Context("--base-url", ZoneInfo("UTC"), Path("."), problems)
    SITE_FIELDS["base_url"].kind.convert(Value(text, 0, "str"), ctx, "--base-url")
    return problems[0].message if problems else None


SITE_FIELDS = {
    f.name: f
    for f in (
        Field("title", Text(120), "The site's name", required=True, example="Big Local learning"),
        Field(
            "base_url",
            SiteAddress("https", "http", example="https://learning.example.org/"),
            "The address the site is published at",
            required=True,
            example="https://learning.example.org/",
        ),
        Field("language", Language(), "The language of the content (default en-GB)", example="en-GB"),
        Field(
            "timezone",
            TimeZoneName(),
            "Where event times are local to (default Europe/London)",
            example="Europe/London",
        ),
        Field("description", Text(300, prose=True), "One sentence about the site"),
        Field("organisation", Text(), "Who runs the programme; shown in the footer and feeds"),
        Field("contact_email", Email(), "Where visitors write to"),
        Field("trust_html", Flag(), "true lets raw HTML in Markdown through unsanitised (default false)"),
        Field("country", CountryCode(), "The country venues are in, as a two-letter code (default GB)", example="GB"),
        Field("color", ColorName(), "A colour calendar apps may show the site's calendars in", example="teal"),
        Field(
            "image",
            ContentPath("media/"),
            "A picture for search engines to show for pages that have none",
            example="media/images/logo.png",
        ),
        Field(
            "cms",
            Fields(
                Field(
                    "repo",
                    Text(),
                    "The GitHub repository the content lives in",
                    required=True,
                    example="our-programme/site-content",
                ),
                Field("branch", Text(), "Its branch (default main)", example="main"),
                Field("folder", Text(), "The content folder's path in it (default content)", example="content"),
            ),
            "Publish editing forms at /admin/ (Decap CMS) for this repository",
        ),
    )
}


def load_config(content_dir: Path, base: Path) -> tuple[Config | None, list[Problem]]:
    """Read and check site.yaml; None (with problems) when it cannot be used."""
    path = content_dir / "site.yaml"
    shown = display_path(path, base)
    if path.is_symlink():  # settings are published (title, contact address): never read from outside
        return None, [
            error(shown, 0, "", "site.yaml is a link (expected the settings file itself, in the content folder)")
        ]
    if not path.exists():
        return None, [
            error(
                shown,
                0,
                "",
                "the site settings file is missing (expected site.yaml with at least `title:` and `base_url:`)",
            )
        ]
    problems: list[Problem] = []
    text = read_text(path, shown, problems)
    if text is None:
        return None, problems
    root = compose_yaml(text, shown, problems, what="site.yaml")
    if root is None:
        return None, problems
    if root.tag != "map":
        return None, problems + [
            error(
                shown,
                1,
                "",
                "site.yaml is not a set of settings (expected settings, one a line, like `title: Big Local learning`)",
            )
        ]
    ctx = Context(shown, ZoneInfo("UTC"), content_dir, problems)
    values = convert_fields(root.mapping, SITE_FIELDS, ctx, 1)
    if any(v is INVALID for v in values.values()):
        return None, problems
    base_url = values["base_url"]
    if not base_url.endswith("/"):
        base_url += "/"
    return Config(
        title=values["title"],
        base_url=base_url,
        language=values.get("language", "en-GB"),
        timezone=values.get("timezone", "Europe/London"),
        description=values.get("description", ""),
        organisation=values.get("organisation", ""),
        contact_email=values.get("contact_email", ""),
        trust_html=values.get("trust_html", False),
        country=values.get("country", "GB"),
        color=values.get("color", ""),
        image="/" + values["image"] if values.get("image") else "",
        cms=tuple(sorted(values["cms"].items())) if values.get("cms") else None,
    ), problems
