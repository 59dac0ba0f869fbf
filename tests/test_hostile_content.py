"""No input crashes the build: random front matter and bodies of every shape give either a site or
problems that name the file, never a traceback (hypothesis generates the input)."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.content.types import STANDARD_TYPES
from tests.conftest import run_main

SITE_YAML = "title: Hostile\nbase_url: https://hostile.example.org/\n"
TYPES = sorted(STANDARD_TYPES.folders)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.dates().map(str),
    st.sampled_from(["10:30", "no", "yes", "~", "2027-02-30", "#", "&a", "*a", "!!binary", "0x1F", "1e400", "-.inf"]),
)
yaml_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)
field_names = st.sampled_from(sorted({name for folder in TYPES for name in STANDARD_TYPES.schema(folder)}) + ["x", ""])
front_matter = st.dictionaries(field_names, yaml_values, max_size=10)
bodies = st.text(max_size=300)


def check_folder(files: dict[str, bytes]) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        content.mkdir()
        (content / "site.yaml").write_text(SITE_YAML)
        for rel, data in files.items():
            path = content / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            run = run_main("build", "--content", "content", "--output", "output", "--today", "2027-01-15")
        finally:
            os.chdir(cwd)
    return run.code, run.err


def assert_clean_outcome(code: int, err: str, rel: str) -> None:
    assert code in (0, 1), err
    assert "internal error" not in err and "Traceback" not in err, err
    if code == 1:
        problem_lines = [line for line in err.splitlines() if line.startswith("content/")]
        assert problem_lines and all(line.startswith(f"content/{rel}") for line in problem_lines), err


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TYPES), front_matter, bodies)
def test_random_yaml_front_matter_never_crashes_the_build(kind: str, fields: dict, body: str) -> None:
    text = "---\n" + yaml.safe_dump(fields, allow_unicode=True) + "---\n" + body
    rel = f"{kind}/random.md"
    code, err = check_folder({rel: text.encode("utf-8", "surrogatepass")})
    assert_clean_outcome(code, err, rel)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TYPES), st.binary(max_size=400))
def test_random_bytes_never_crash_the_build(kind: str, data: bytes) -> None:
    rel = f"{kind}/bytes.md"
    code, err = check_folder({rel: data})
    assert_clean_outcome(code, err, rel)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(TYPES), st.text(max_size=400), st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_random_text_with_any_line_endings_and_marks_never_crashes(
    kind: str, text: str, newline: str, bom: bool
) -> None:
    rel = f"{kind}/text.md"
    data = ("\ufeff" if bom else "") + "---\n" + text.replace("\n", newline)
    code, err = check_folder({rel: data.encode("utf-8", "surrogatepass")})
    assert_clean_outcome(code, err, rel)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(
        [
            "title",
            "summary",
            "start",
            "end",
            "format",
            "venue",
            "booking",
            "topics",
            "image",
            "capacity",
            "status",
            "series",
        ]
    ),
    yaml_values,
)
def test_every_event_field_with_a_wrong_value_is_a_problem_not_a_crash(name: str, value: object) -> None:
    fields = {
        "title": "T",
        "summary": "S",
        "start": "2027-03-04 18:00",
        "end": "2027-03-04 19:00",
        "format": "online",
        name: value,
    }
    text = "---\n" + yaml.safe_dump(fields, allow_unicode=True) + "---\nBody\n"
    code, err = check_folder({"events/e.md": text.encode("utf-8", "surrogatepass")})
    assert_clean_outcome(code, err, "events/e.md")


EDGES = (datetime(1900, 1, 1), datetime(2200, 1, 1), datetime.min, datetime.max)
DAYS_AROUND = timedelta(days=40)


@st.composite
def event_moments(draw: st.DrawFn) -> tuple[str, str]:
    """A start and an end in any year a date can have, most near the edges of the years the site shows or of
    the years Python can count, as a date or a time, written as an editor would."""
    edge = draw(st.sampled_from(EDGES))
    low = datetime.min if edge - datetime.min < DAYS_AROUND else edge - DAYS_AROUND
    high = datetime.max if datetime.max - edge < DAYS_AROUND else edge + DAYS_AROUND
    start = draw(st.one_of(st.datetimes(min_value=low, max_value=high), st.datetimes()))
    if draw(st.booleans()):
        day = start.date()
        end = day + timedelta(days=min(draw(st.integers(0, 3)), (date.max - day).days))
        return str(day), str(end)
    start = min(start, datetime.max - timedelta(hours=3))
    end = start + draw(st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(hours=3)))
    return start.isoformat(" ", "minutes"), end.isoformat(" ", "minutes")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_moments(), st.booleans())
def test_an_event_in_any_year_is_built_or_refused_with_a_message(moments: tuple[str, str], another: bool) -> None:
    # An event in 9999 made the month after it (year 10000), one in year 1 the time zone's changes before it.
    start, end = moments
    files = {
        "events/e.md": f"---\ntitle: T\nsummary: S\nstart: {start}\nend: {end}\nformat: online\npublished: 2026-11-16\n---\nBody\n"
    }
    if another:  # the site's calendar then spans both years
        files["events/now.md"] = (
            "---\ntitle: N\nsummary: S\nstart: 2027-03-04 18:00\nend: 2027-03-04 19:00\nformat: online\npublished: 2026-11-16\n---\n"
        )
    code, err = check_folder({rel: text.encode() for rel, text in files.items()})
    assert_clean_outcome(code, err, "events/e.md")


def test_deeply_nested_front_matter_is_refused_with_a_message() -> None:
    text = "---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\n"
    code, err = check_folder({"pages/deep.md": text.encode()})
    assert code == 1
    assert "content/pages/deep.md:" in err and "Traceback" not in err


def test_a_billion_laughs_is_refused_quickly_within_bounded_memory() -> None:
    lines = ["---", "title: Bomb", "summary: Laughs.", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, 12):
        lines.append(f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 8) + "]")
    text = "\n".join(lines + ["---", ""])
    tracemalloc.start()
    started = time.perf_counter()
    code, err = check_folder({"pages/bomb.md": text.encode()})
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert code == 1
    assert "into more than 20,000 values (expected each value written out)" in err
    assert elapsed < 30 and peak < 200 * 1024 * 1024


def test_a_50_mb_content_file_is_refused_before_it_is_read() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        (content / "pages").mkdir(parents=True)
        (content / "site.yaml").write_text(SITE_YAML)
        with open(content / "pages" / "huge.md", "wb") as handle:
            handle.write(b"---\ntitle: Huge\nsummary: Big.\n---\n")
            handle.truncate(50 * 1024 * 1024)
        tracemalloc.start()
        run = run_main("check", "--content", str(content))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert run.code == 1
    assert "the file is 50.0 MB (expected at most 2 MB; put large material in media/)" in run.err
    assert peak < 20 * 1024 * 1024
