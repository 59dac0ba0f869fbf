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


@pytest.mark.slow  # a build in a new Python process
def test_a_second_build_into_a_locked_folder_is_told_to_wait(tmp_path: Path) -> None:
    # Another process holds the lock, as a build that is still writing would.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from site_builder.lock import exclusive\n"
            "with exclusive(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.read()",
            str(tmp_path / ".output.lock"),
        ],
        cwd=PROJECT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        run = run_main(
            "build", "--content", str(SITES / "small"), "--output", str(tmp_path / "output"), "--today", "2027-01-15"
        )
        assert run.code == 75  # EX_TEMPFAIL: try again; 1 means errors in the content
        assert (
            run.err == f"error: another build is writing {tmp_path / 'output'} right now; wait for it to finish "
            "and run this one again (nothing was changed)\n"
        )
        assert not (tmp_path / "output").exists()
    finally:
        holder.communicate("", timeout=30)
    assert (
        run_main(
            "build", "--content", str(SITES / "small"), "--output", str(tmp_path / "output"), "--today", "2027-01-15"
        ).code
        == 0
    )


def test_no_module_but_the_portable_lock_uses_a_posix_only_module() -> None:
    # fcntl and its kin do not exist on Windows: importing one at the top of a module stops the builder there.
    for path in sorted((PROJECT / "site_builder").rglob("*.py")):
        if path.name != "lock.py":
            source = path.read_text()
            for module in ("fcntl", "termios", "pwd", "grp", "resource"):
                assert f"import {module}\n" not in source, f"{path.name} imports {module}"


# A Python as Windows has it, as far as this builder can tell: no fcntl, termios, pwd, grp or resource, and
# an msvcrt whose locking() is played by POSIX lockf, which has its semantics (n bytes from the file's
# current position, OSError when another process holds them). Then the code runs its Windows branch. (The
# standard library's subprocess takes an msvcrt to mean Windows, and would look for Windows' own API: it is
# imported first, as the machine's.)
AS_ON_WINDOWS = """\
import fcntl, subprocess, sys, types
sys.modules.update({name: None for name in ("fcntl", "termios", "pwd", "grp", "resource")})
msvcrt = types.ModuleType("msvcrt")
msvcrt.LK_UNLCK, msvcrt.LK_NBLCK = 0, 2
def locking(fd, mode, nbytes):
    fcntl.lockf(fd, fcntl.LOCK_UN if mode == msvcrt.LK_UNLCK else fcntl.LOCK_EX | fcntl.LOCK_NB, nbytes)
msvcrt.locking = locking
sys.modules["msvcrt"] = msvcrt
"""


def as_on_windows(script: str, *args: str, **popen: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", AS_ON_WINDOWS + script, *args], cwd=PROJECT, text=True, **popen)  # type: ignore[call-overload]


@pytest.mark.slow  # a whole build or a subprocess: the full run has it
def test_every_module_imports_and_a_build_runs_without_the_posix_only_modules(tmp_path: Path) -> None:
    done = as_on_windows(
        "import importlib, pkgutil, site_builder\n"
        "for module in pkgutil.walk_packages(site_builder.__path__, 'site_builder.'):\n"
        "    importlib.import_module(module.name)\n"
        "import site_builder.lock\n"
        "assert 'msvcrt' in vars(site_builder.lock) and 'fcntl' not in vars(site_builder.lock)\n"
        "from site_builder.cli import main\n"
        "sys.exit(main(['build', '--content', sys.argv[1], '--output', sys.argv[2], '--today', '2027-01-15']))\n",
        str(SITES / "small"),
        str(tmp_path / "output"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    assert "Traceback" not in err and (tmp_path / "output" / "index.html").is_file()


def test_the_windows_lock_refuses_a_second_build_while_the_first_holds_it(tmp_path: Path) -> None:
    holder = as_on_windows(
        "from pathlib import Path; from site_builder.lock import exclusive\n"
        "with exclusive(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.read()",
        str(tmp_path / ".output.lock"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        second = as_on_windows(
            "from pathlib import Path; from site_builder.lock import Held, exclusive\n"
            "try:\n    with exclusive(Path(sys.argv[1])): print('taken')\n"
            "except Held:\n    print('refused')\n",
            str(tmp_path / ".output.lock"),
            stdout=subprocess.PIPE,
        )
        assert second.communicate(timeout=60)[0] == "refused\n"
    finally:
        holder.communicate("", timeout=30)
    again = as_on_windows(
        "from pathlib import Path; from site_builder.lock import exclusive\n"
        "with exclusive(Path(sys.argv[1])): print('taken')\n",
        str(tmp_path / ".output.lock"),
        stdout=subprocess.PIPE,
    )
    assert again.communicate(timeout=60)[0] == "taken\n"
