"""How the builder was started, so usage and advice name the command that works for this editor.

The same program is reached four ways: `bin/site` (which says so in SITE_BUILDER_COMMAND),
`python build.py`, `python -m site_builder` and the installed `site-builder` command. Advice such
as "now run ... check" must be typed back as it was started: `python build.py check` fails outside
the virtual environment that has the builder's packages, so that route names the environment's
own Python.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Literal

Start = Literal["build.py", "module", "script"]

# Set by bin/site to the name it is typed as.
COMMAND_VARIABLE = "SITE_BUILDER_COMMAND"


def quote(part: str) -> str:
    return subprocess.list2cmdline([part]) if os.name == "nt" else shlex.quote(part)


def _shown(path: str) -> str:
    """A path relative to the working folder when it is inside it, else as it is."""
    try:
        rel = Path(os.path.abspath(path)).relative_to(Path.cwd())
    except ValueError:
        return path
    text = str(rel)
    return text if os.sep in text else os.path.join(".", text)


def _same_file(name: str, path: str) -> bool:
    found = shutil.which(name)
    return found is not None and os.path.realpath(found) == os.path.realpath(path)


def python_command() -> str:
    """The Python running now, as the editor should type it."""
    in_venv = sys.prefix != sys.base_prefix
    if not in_venv:
        for name in ("python3", "python"):
            if _same_file(name, sys.executable):
                return name
    return quote(_shown(sys.executable))


def program_name(start: Start) -> str:
    """The name usage and help give the program: as it is known, not where this machine keeps it."""
    told = os.environ.get(COMMAND_VARIABLE)
    if told:
        return told
    if start == "module":
        return "python -m site_builder"
    if start == "script":
        return "site-builder"
    return "python build.py"


def command(start: Start, argv0: str | None = None) -> str:
    """The command that starts this builder again, in the way it was started this time."""
    told = os.environ.get(COMMAND_VARIABLE)
    if told:
        return told
    first = sys.argv[0] if argv0 is None else argv0
    if start == "module":
        return f"{python_command()} -m site_builder"
    if start == "script":
        name = Path(first).name
        if name.lower().endswith(".exe"):
            name = name[:-4]
        return name if _same_file(name, first) else quote(first)
    script = first if first.endswith("build.py") else "build.py"
    return f"{python_command()} {quote(script)}"
