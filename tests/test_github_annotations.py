"""`check --format github`: one workflow command per problem, escaped as GitHub's runner reads them, so no
field name, file name or message an editor writes can end the line or forge a command of its own."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.errors import Problem, Severity, github_annotation
from tests.conftest import Scratch, examples

# How the Actions runner reads a line (ActionCommand.TryParseV2): `::name props::data`, properties split
# at ',' and '=', then unescaped; anything else on stdout is plain text and is not a command.
COMMAND = re.compile(r"::(?P<name>[^ :]+)(?: (?P<props>.*?))?::(?P<data>.*)")


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def runner_lines(output: str) -> list[str]:
    """The lines as the runner reads them (.NET's StreamReader.ReadLine ends a line at \\r, \\n or both)."""
    return re.split(r"\r\n|\r|\n", output.removesuffix("\n"))


def read_commands(output: str) -> list[tuple[str, dict[str, str], str]]:
    """Every line a runner would take as a command: (name, properties, message)."""
    commands = []
    for line in runner_lines(output):
        match = COMMAND.fullmatch(line)
        if match is None:
            continue
        props = {}
        for pair in (match["props"] or "").split(","):
            name, _, value = pair.partition("=")
            props[name] = unescape_property(value)
        commands.append((match["name"], props, unescape_data(match["data"])))
    return commands


HOSTILE = "x\n::error file=README.md,line=1::forged\r\n::add-mask::y%0A,z:w"


def test_hostile_field_names_file_names_and_messages_cannot_forge_a_command(scratch: Scratch) -> None:
    # A field name with line breaks and a command in it (a quoted YAML key), in a file whose name has a
    # comma, a colon and a percent sign; values that carry the same text.
    scratch.write(
        "events/a,b:c%2C.md",
        f"""
        ---
        title: {json.dumps(HOSTILE)}
        summary: {json.dumps(HOSTILE)}
        start: {json.dumps(HOSTILE)}
        end: 2027-01-01
        format: online
        {json.dumps(HOSTILE)}: 1
        ---
        """,
    )
    github = scratch.check("--format", "github")
    as_json = json.loads(scratch.check("--format", "json").out)
    assert github.code == 1 and as_json
    commands = read_commands(github.out)
    # One command per problem, nothing else, and each says exactly what the JSON report says.
    assert len(commands) == len(runner_lines(github.out)) == len(as_json)
    assert commands == [
        (
            "error" if p["severity"] == "error" else "warning",
            {"file": p["path"], "line": str(max(p["line"], 1)), "title": p["field"] or "content"},
            p["message"],
        )
        for p in as_json
    ]
    assert any(props["file"] == "content/events/a,b:c%2C.md" for _, props, _ in commands)
    assert any(HOSTILE in props["title"] for _, props, _ in commands), commands


text = st.text(st.characters(codec="utf-8"), max_size=40)


@settings(max_examples=examples(300), deadline=None)
@given(path=text, line=st.integers(0, 10**6), field=text, message=text, severity=st.sampled_from(Severity))
def test_any_problem_is_one_command_that_reads_back_as_itself(
    path: str, line: int, field: str, message: str, severity: Severity
) -> None:
    annotation = github_annotation(Problem(path, line, field, message, severity))
    assert len(runner_lines(annotation)) == 1
    assert read_commands(annotation) == [
        (severity.value, {"file": path, "line": str(max(line, 1)), "title": field or "content"}, message)
    ]
