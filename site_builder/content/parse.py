"""Parse: split a content file into front matter and body, and read the
front matter as YAML *nodes* that keep their line numbers and source text.

We compose rather than load: composing never constructs Python objects (so
no YAML tag can run code), keeps the text an editor typed (so `no` stays
"no" and `10:30` stays "10:30" where a string is wanted), and tells us the
line of every field, which errors must name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

import frontmatter
import yaml

from .characters import FORBIDDEN, forbidden_message
from ..errors import Problem, error
from .sources import Source

try:  # the C composer is several times faster; fall back where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    # The pure-Python loader: another class with the same interface, which the stubs cannot say.
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

# python-frontmatter's own boundary is `^-{3,}\s*$`, whose `\s*` swallows the
# blank lines after a fence and so shifts every line number after it.
_FENCE = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)
_SPLITTER = frontmatter.YAMLHandler(fm_boundary=_FENCE)

# What may follow a plain scalar on its line for YAML to read the rest as a comment. Matched at the scalar's
# end, never searched for: a line of 20,000 flow items would be read once per item.
_COMMENT_AFTER = re.compile(r"[ \t]+#([^\n]*)")
_FIELD_NAME = re.compile(r"[ \t]*(?:- )?([A-Za-z_][\w-]*)[ \t]*:")
# One file with more stray characters than this has a deeper problem; the first ones are enough to say so.
MAX_CHARACTER_PROBLEMS = 20

# Aliases let a few lines of YAML name millions of nodes ("billion laughs");
# no real front matter comes near this many.
MAX_NODES = 20_000

_SHORT_TAGS = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:timestamp": "timestamp",
    "tag:yaml.org,2002:map": "map",
    "tag:yaml.org,2002:seq": "seq",
}


@dataclass(frozen=True)
class Value:
    """A YAML value with the line it stands on (a field's value: the field's own line)."""

    data: Union[str, dict[str, "Value"], list["Value"]]
    line: int
    tag: str  # str int float bool null timestamp map seq, or invalid (already reported)
    quoted: bool = False
    # For a plain scalar cut short by ` #`: the text YAML took as a comment.
    comment: str | None = None

    @property
    def is_scalar(self) -> bool:
        return self.tag not in ("map", "seq")

    @property
    def mapping(self) -> dict[str, Value]:
        """A `map`'s fields by name."""
        assert isinstance(self.data, dict), self.tag
        return self.data

    @property
    def items(self) -> list[Value]:
        """A `seq`'s items in order."""
        assert isinstance(self.data, list), self.tag
        return self.data


@dataclass(frozen=True)
class Document:
    """A content file split into its front matter fields and Markdown body."""

    source: Source
    fields: dict[str, Value]
    body: str
    body_line: int  # the file line on which the body starts


class _TooManyNodes(Exception):
    pass


def parse_source(source: Source) -> tuple[Document | None, list[Problem]]:
    """Split and compose one content file; None (with problems) if it cannot be read."""
    shown = source.display
    text = source.text
    if not text.strip():
        return None, [
            error(
                shown,
                1,
                "",
                "the file is empty (expected front matter between two --- lines; "
                '`python build.py new TYPE "Title"` writes a ready-made file)',
            )
        ]
    if not _SPLITTER.detect(text):
        return None, [
            error(
                shown,
                1,
                "",
                "the file does not start with front matter (expected a first line "
                "of three dashes, ---, then the fields, then another ---)",
            )
        ]
    try:
        _, fm_text, rest = _FENCE.split(text, 2)
    except ValueError:
        return None, [
            error(
                shown,
                1,
                "",
                "the front matter opened on line 1 is never closed (expected a line "
                "of three dashes, ---, after the last field)",
            )
        ]
    # fm_text begins with the newline that ends line 1, so YAML's line n is file line n + 1.
    closing_line = 1 + fm_text.count("\n")
    body = rest[1:] if rest.startswith("\n") else rest
    problems = character_problems(text, shown, closing_line)
    if any(p.field != "body" for p in problems):
        return None, problems  # YAML refuses these characters itself, with a message that names none of this
    root = compose_yaml(fm_text, shown, problems)
    if root is None:
        return None, problems
    if root.tag == "null":
        fields: dict[str, Value] = {}
    elif root.tag != "map":
        return None, [
            error(
                shown,
                2,
                "",
                f"the front matter is {_describe(root)} (expected fields, one a line, like `title: My event`)",
            )
        ]
    else:
        fields = root.mapping
    return Document(source, fields, body, closing_line + 1), problems


def character_problems(text: str, shown: str, closing_line: int) -> list[Problem]:
    """An error for each character in the file that no output can carry, with its line and, in the front
    matter, the field it is in (characters.FORBIDDEN)."""
    found = FORBIDDEN.search(text)
    if found is None:
        return []
    problems: list[Problem] = []
    line, counted = 1, 0
    for match in FORBIDDEN.finditer(text, found.start()):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        if len(problems) == MAX_CHARACTER_PROBLEMS:
            problems.append(
                error(
                    shown,
                    line,
                    "",
                    f"has more characters that cannot be published, after the "
                    f"first {MAX_CHARACTER_PROBLEMS} (expected the file saved again as plain UTF-8 text)",
                )
            )
            break
        if line > closing_line:
            field = "body"
        else:
            start = text.rfind("\n", 0, match.start()) + 1
            name = _FIELD_NAME.match(text, start)
            field = name.group(1) if name and name.end() <= match.start() else ""
        problems.append(error(shown, line, field, forbidden_message(match.group())))
    return problems


def compose_yaml(fm_text: str, shown: str, problems: list[Problem], what: str = "the front matter") -> Value | None:
    """Compose YAML text into Values; YAML's 0-based line n is reported as line n + 1."""
    try:
        node = yaml.compose(fm_text, Loader=_Loader)
        if node is None:
            return Value("", 1, "null")
        return _convert(node, fm_text, shown, problems, [0], line=None)
    except yaml.MarkedYAMLError as exc:
        problems.append(_yaml_problem(exc, shown, what))
    except yaml.YAMLError as exc:
        problems.append(error(shown, 1, "", f"{what} is not valid YAML: {exc} (expected fields, one a line)"))
    except _TooManyNodes:
        problems.append(
            error(
                shown,
                1,
                "",
                f"{what} repeats itself, through YAML anchors (&) and "
                f"aliases (*), into more than {MAX_NODES:,} values (expected each value written out)",
            )
        )
    except RecursionError:  # in composing or in converting: nesting deep enough to exhaust either
        problems.append(
            error(
                shown,
                1,
                "",
                f"{what} is nested too deeply to be real content (expected fields a few levels deep at most)",
            )
        )
    return None


def _convert(
    node: yaml.Node, fm_text: str, shown: str, problems: list[Problem], counter: list[int], line: int | None
) -> Value:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise _TooManyNodes
    own_line = node.start_mark.line + 1
    at = line or own_line
    tag = _SHORT_TAGS.get(node.tag)
    if tag is None:
        written = node.tag.replace("tag:yaml.org,2002:", "!!")
        problems.append(
            error(
                shown,
                own_line,
                "",
                f"the YAML tag '{written}' is not allowed in content (expected plain text, lists and fields only)",
            )
        )
        return Value("", at, "invalid")  # reported once here; the field's own check stays quiet
    if isinstance(node, yaml.ScalarNode):
        quoted = node.style in ("'", '"', "|", ">")
        comment = None
        if not quoted:
            found = _COMMENT_AFTER.match(fm_text, node.end_mark.index)
            if found:
                comment = found.group(1)
        return Value(node.value, at, tag, quoted, comment)
    if isinstance(node, yaml.SequenceNode):
        items = [_convert(item, fm_text, shown, problems, counter, None) for item in node.value]
        return Value(items, at, "seq")
    mapping: dict[str, Value] = {}
    seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if key_node.tag == "tag:yaml.org,2002:merge":
            problems.append(
                error(shown, key_line, "", "YAML merge keys (<<) are not supported (expected the fields written out)")
            )
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(
                error(shown, key_line, "", "this field's name is not plain text (expected a name like `title`)")
            )
            continue
        key = str(key_node.value)
        if key in seen:
            problems.append(
                error(shown, key_line, key, f"is given twice, first on line {seen[key]} (expected it once)")
            )
            continue
        seen[key] = key_line
        mapping[key] = _convert(value_node, fm_text, shown, problems, counter, key_line)
    return Value(mapping, at, "map")


# PyYAML's own words, and what they mean to someone editing front matter.
_YAML_MEANINGS = (
    (
        "mapping values are not allowed",
        "a colon followed by a space can only come after a field name "
        "(expected text that contains ': ' in quotes, or this line indented like the field above it",
    ),
    (
        "could not find expected ':'",
        "this line has no 'field: value' shape (expected a colon after the "
        "field name, or this line joined to the one above",
    ),
    (
        "did not find expected key",
        "this line is indented differently from the fields around it (expected the same indentation as its neighbours",
    ),
    (
        "expected <block end>",
        "this line is indented differently from the fields around it (expected the same indentation as its neighbours",
    ),
    (
        "cannot start any token",
        "a tab or special character starts this value (expected spaces to indent, "
        "and text that starts with @, ` or % in quotes",
    ),
    ("found a tab character", "a tab is used to indent (expected spaces"),
    ("found undefined alias", "a '*' starts this value, which YAML reads as a reference (expected the text in quotes"),
    ("found duplicate anchor", "an '&' starts this value, which YAML reads as an anchor (expected the text in quotes"),
)


def _yaml_problem(exc: yaml.MarkedYAMLError, shown: str, what: str) -> Problem:
    """Say in plain words where YAML went wrong; for an unclosed quote or bracket, where it opened."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    context = exc.context or ""
    if exc.context_mark and "quoted scalar" in context:
        return error(
            shown,
            exc.context_mark.line + 1,
            "",
            f"{what} is not valid YAML: a quote opened on this "
            "line is never closed (expected the text to end with the same quote mark)",
        )
    if exc.context_mark and ("flow sequence" in context or "flow mapping" in context):
        bracket, what_opens = ("[", "a list") if "sequence" in context else ("{", "a group of fields")
        return error(
            shown,
            exc.context_mark.line + 1,
            "",
            f"{what} is not valid YAML: a '{bracket}' on this line "
            f"starts {what_opens} that is never closed (expected text that starts with {bracket} in quotes)",
        )
    if exc.context_mark and "simple key" in context:
        line = exc.context_mark.line + 1  # the line that lacks its colon, not the one after it
    problem = exc.problem or ""
    for phrase, meaning in _YAML_MEANINGS:
        if phrase in problem:
            return error(shown, line, "", f"{what} is not valid YAML: {meaning})")
    return error(
        shown,
        line,
        "",
        f"{what} is not valid YAML: {problem or 'it cannot be read'} "
        "(expected fields, one a line, indented alike, with text that contains ': ' in quotes)",
    )


def _describe(value: Value) -> str:
    return {"seq": "a list of lines starting with '- '", "null": "blank"}.get(value.tag, "a single value")
