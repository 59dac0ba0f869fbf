"""Problems found in content, collected as data and reported together."""

from __future__ import annotations

import enum
import errno
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, located as precisely as we can."""

    path: str
    line: int
    field: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        field = f" {self.field}:" if self.field else ""
        prefix = " warning:" if self.severity is Severity.WARNING else ""
        return f"{where}:{prefix}{field} {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def error(path: str, line: int, field: str, message: str) -> Problem:
    return Problem(path, line, field, message, Severity.ERROR)


def warning(path: str, line: int, field: str, message: str) -> Problem:
    return Problem(path, line, field, message, Severity.WARNING)


def count(n: int, noun: str) -> str:
    """'1 error', '3 errors'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def print_problems(problems: list[Problem], stream: TextIO) -> None:
    """Each problem on its line, then how many errors and warnings there were."""
    for problem in problems:
        print(problem, file=stream)
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    parts = ([count(errors, "error")] if errors else []) + ([count(warnings, "warning")] if warnings else [])
    if parts:
        print(", ".join(parts), file=stream)


def escape_command_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's runner unescapes it (toolkit's command.ts)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_command_property(text: str) -> str:
    """A workflow command's property value: as data, and ':' and ',' too, which end a property."""
    return escape_command_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(problem: Problem) -> str:
    """The problem as one GitHub Actions workflow command, an annotation on its file and line.
    Every part is escaped, so no field name, file name or message can end the line or start a command."""
    level = "error" if problem.is_error else "warning"
    # GitHub reads `file` relative to the repository's root, with forward slashes.
    properties = {
        "file": problem.path.replace(os.sep, "/"),
        "line": str(max(problem.line, 1)),
        "title": problem.field or "content",
    }
    joined = ",".join(f"{name}={escape_command_property(value)}" for name, value in properties.items())
    return f"::{level} {joined}::{escape_command_data(problem.message)}"


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Sort compiler style: by file, then line, then field."""
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.field, p.message))


def display_path(path: Path, base: Path) -> str:
    """The path as an editor would type it: relative to the working folder when it can be."""
    # abspath, not resolve: a symlink is shown where it is, not where it points.
    try:
        return str(Path(os.path.abspath(path)).relative_to(base.resolve()))
    except ValueError:
        return str(path)


class SiteError(Exception):
    """A failure that stops a command: reported once, in main, with an exit code."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def disk_reason(exc: OSError) -> str:
    """Why a file could not be written, in words."""
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the disk is read-only",
        errno.EACCES: "permission was refused",
        errno.EPERM: "permission was refused",
    }
    return reasons.get(exc.errno or 0, exc.strerror or str(exc))


class ContentErrors(SiteError):
    """The content has errors; the build wrote nothing."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        count = sum(p.is_error for p in problems)
        super().__init__(f"{count} error{'s' if count != 1 else ''} in content", exit_code=1)
