"""Print what `check` says for every invalid fixture, as the CASES table of test_invalid_content.py.

Run after changing a message on purpose, read the output, and paste it in:
    .venv/bin/python -m tests.regenerate_invalid_cases
"""

import shutil
import tempfile
from pathlib import Path

from tests.conftest import FIXTURES, SITES, run_main
from tests.test_invalid_content import problem_lines


def main() -> None:
    import os

    print("CASES: dict[str, list[str]] = {")
    for case in sorted(p.name for p in (FIXTURES / "invalid").iterdir()):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(SITES / "base", Path(tmp) / "content")
            shutil.copytree(FIXTURES / "invalid" / case, Path(tmp) / "content", dirs_exist_ok=True)
            here = os.getcwd()
            os.chdir(tmp)
            try:
                run = run_main("check", "--today", "2027-01-15")
            finally:
                os.chdir(here)
        print(f"    {case!r}: [")
        for line in problem_lines(case, run.err_lines):
            print(f"        {line!r},")
        print("    ],")
    print("}")


if __name__ == "__main__":
    main()
