"""One build at a time per output folder, with a lock every operating system keeps (site_builder/lock.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from site_builder.lock import Held, exclusive
from tests.conftest import PROJECT, SITES, run_main


def test_a_held_lock_is_refused_at_once_and_free_again_after(tmp_path: Path) -> None:
    path = tmp_path / ".output.lock"
    with exclusive(path):
        with pytest.raises(Held):
            with exclusive(path):
                pass
    with exclusive(path):  # released when the block ends
        pass


def test_a_second_build_into_a_locked_folder_is_told_to_wait(tmp_path: Path) -> None:
    # Another process holds the lock, as a build that is still writing would.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from site_builder.lock import exclusive\n"
         "with exclusive(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.read()",
         str(tmp_path / ".output.lock")], cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        run = run_main("build", "--content", str(SITES / "small"), "--output", str(tmp_path / "output"),
                       "--today", "2027-01-15")
        assert run.code == 75  # EX_TEMPFAIL: try again; 1 means errors in the content
        assert run.err == f"error: another build is writing {tmp_path / 'output'} right now; wait for it to finish " \
                          "and run this one again (nothing was changed)\n"
        assert not (tmp_path / "output").exists()
    finally:
        holder.communicate("", timeout=30)
    assert run_main("build", "--content", str(SITES / "small"), "--output", str(tmp_path / "output"),
                    "--today", "2027-01-15").code == 0


def test_no_module_but_the_portable_lock_uses_a_posix_only_module() -> None:
    # fcntl and its kin do not exist on Windows: importing one at the top of a module stops the builder there.
    for path in sorted((PROJECT / "site_builder").rglob("*.py")):
        if path.name != "lock.py":
            source = path.read_text()
            for module in ("fcntl", "termios", "pwd", "grp", "resource"):
                assert f"import {module}\n" not in source, f"{path.name} imports {module}"
