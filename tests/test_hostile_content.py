"""No input crashes the build: random front matter and bodies of every shape give either a site or
problems that name the file, never a traceback (hypothesis generates the input)."""

from __future__ import annotations

import os
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
