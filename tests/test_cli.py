"""The command line as editors and scripts use it: exit codes, streams, defaults."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT, SITES, Scratch, run_main


def run_script(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(PROJECT / "build.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow  # a new Python process
def test_plain_python_build_py_builds_content_into_output(tmp_path: Path) -> None:
    shutil.copytree(SITES / "small", tmp_path / "content")
    done = run_script(cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "output" / "index.html").is_file()
    assert done.stdout.startswith("Built ")
    assert " pages, 16 feeds and " in done.stdout
    assert done.stderr == ""


def test_content_errors_exit_1_on_stderr_with_a_count_and_no_traceback(scratch: Scratch) -> None:
    scratch.write(
        "events/a.md",
        """
        ---
        title: A
        summary: Broken start.
        start: soon
        end: 2027-03-04 19:00
        format: online
        ---
        """,
    )
    run = scratch.build()
    assert run.code == 1
    assert run.out == ""
    assert run.err_lines == [
        "content/events/a.md:4: start: 'soon' is not a date and time (expected a date and time like "
        "2027-03-04 18:00, or a date like 2027-03-04)",
        "1 error",
        "Nothing was written; the previous site is unchanged.",
    ]
    assert not (scratch.root / "output").exists()


def test_warnings_do_not_stop_the_build(scratch: Scratch) -> None:
    scratch.write(
        "pages/about.md",
        """
        ---
        title: About
        summary: Who runs the programme and how to reach them.
        colour: blue
        ---
        """,
    )
    run = scratch.build()
    assert run.code == 0
    assert run.err_lines == [
        "content/pages/about.md:4: warning: colour: unknown field, ignored (known fields "
        "are title, summary, slug, topics, draft, published, updated, image)",
        "1 warning",
    ]


@pytest.mark.parametrize(
    "args",
    [["build", "--nonsense"], ["frobnicate"], ["build", "--today", "tomorrow"], ["build", "--today", "9999-12-31"]],
)
def test_wrong_usage_exits_2_with_usage_on_stderr(args: list[str]) -> None:
    run = run_main(*args)
    assert run.code == 2
    assert "usage: python build.py" in run.err
    assert "Traceback" not in run.err


def test_a_missing_content_folder_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run = run_main("build", "--content", "nowhere")
    assert run.code == 2
    assert run.err == "error: there is no content folder at nowhere\n"


def test_check_writes_nothing_and_reports_like_build(scratch: Scratch) -> None:
    scratch.write("events/a.md", "---\ntitle: A\n---\n")
    run = scratch.check()
    assert run.code == 1
    assert "content/events/a.md:1: summary: is missing (required; for example `summary: " in run.err
    assert not (scratch.root / "output").exists()


def test_check_formats_for_github_and_json(scratch: Scratch) -> None:
    scratch.write("events/a.md", "---\ntitle: A\nsummary: B\nstart: x\nend: 2027-01-01\nformat: online\n---\n")
    github = scratch.check("--format", "github")
    assert github.code == 1
    assert github.out.splitlines() == [
        "::error file=content/events/a.md,line=4,title=start::'x' is not a date and time (expected a date "
        "and time like 2027-03-04 18:00, or a date like 2027-03-04)"
    ]
    as_json = json.loads(scratch.check("--format", "json").out)
    assert as_json == [
        {
            "path": "content/events/a.md",
            "line": 4,
            "field": "start",
            "severity": "error",
            "message": "'x' is not a date and time (expected a date and time like 2027-03-04 18:00, "
            "or a date like 2027-03-04)",
        }
    ]


def test_base_url_option_changes_canonical_links_and_feeds(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = run_main(
        "build",
        "--content",
        str(SITES / "small"),
        "--output",
        str(out),
        "--today",
        "2027-01-15",
        "--base-url",
        "https://preview.example.net",
    )
    assert run.code == 0
    assert (
        '<link rel="canonical" href="https://preview.example.net/events/">'
        in (out / "events" / "index.html").read_text()
    )
    assert "https://preview.example.net/feed.xml" in (out / "feed.xml").read_text()


@pytest.mark.slow  # new Python processes
def test_a_fault_in_the_tool_is_reported_without_a_traceback_unless_debug(tmp_path: Path) -> None:
    # A copy of the project with a template that names a field the model does not have.
    project = tmp_path / "project"
    project.mkdir()
    for part in ("build.py", "site_builder"):
        copy = shutil.copytree if (PROJECT / part).is_dir() else shutil.copy
        copy(PROJECT / part, project / part)
    (project / "site_builder" / "templates" / "page.html").write_text("{{ item.no_such_field }}")
    shutil.copytree(SITES / "small", tmp_path / "content")
    build = [sys.executable, str(project / "build.py")]

    done = subprocess.run(build, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert done.stderr.startswith("internal error: UndefinedError: ")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "output").exists()

    debug = subprocess.run(build + ["--debug"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "Traceback" in debug.stderr


@pytest.mark.parametrize(
    "url, message",
    [
        (
            "notaurl",
            "error: --base-url: 'notaurl' is not an https: or http: link (expected an https: or http: link, "
            "like https://learning.example.org/)\n",
        ),
        (
            "https://example.org/sub/",
            "error: --base-url: 'https://example.org/sub/' is below the root of its host "
            "(expected the root, like https://example.org/: the site links to its pages "
            "from /)\n",
        ),
    ],
)
def test_a_bad_base_url_option_is_a_usage_error(url: str, message: str, tmp_path: Path) -> None:
    run = run_main("build", "--content", str(SITES / "small"), "--output", str(tmp_path / "out"), "--base-url", url)
    assert run.code == 2
    assert run.err == message
    assert not (tmp_path / "out").exists()


@pytest.mark.slow  # a new Python process
def test_output_piped_into_a_reader_that_stops_early_is_not_an_internal_error(tmp_path: Path) -> None:
    shutil.copytree(SITES / "small", tmp_path / "content")
    reader = subprocess.Popen(["head", "-c", "0"], stdin=subprocess.PIPE)  # reads nothing, and is gone at once
    done = subprocess.run(
        [sys.executable, str(PROJECT / "build.py")],
        cwd=tmp_path,
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    reader.stdin.close()
    reader.wait(timeout=30)
    assert done.returncode == 141, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "output" / "index.html").is_file()
