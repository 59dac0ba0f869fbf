"""docs/content-workflow.yml: linted by actionlint, and its steps run here as GitHub's runner runs them.

GitHub's runner reads an annotation's `file` relative to the repository's root (an absolute path it
makes relative to the workspace, actions/runner's IssueCommandExtension), so a path that names the
folder the content was checked out into would miss the pull request's lines.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.conftest import PROJECT, SITES, run_main

WORKFLOW_PATH = PROJECT / "docs" / "content-workflow.yml"
WORKFLOW = yaml.safe_load(WORKFLOW_PATH.read_text())
BIN = Path(sys.executable).parent  # the test environment's scripts: site-builder, actionlint


def step(job: str, name: str) -> dict:
    steps = WORKFLOW["jobs"][job]["steps"]
    found = [s for s in steps if s.get("name") == name] or [s for s in steps if s.get("name", "").startswith(name)]
    assert len(found) == 1, f"{job}: no single step named {name!r}"
    return found[0]


def run_step(
    job: str, name: str, workspace: Path, tmp: Path, event: str = "pull_request", extra_path: Path | None = None
) -> subprocess.CompletedProcess:
    """Run a step's script as the runner does: bash -eo pipefail, from the workspace, with the workflow's env."""
    script = step(job, name)["run"]
    assert "${{" not in script, "expressions in a run script are a script-injection risk; use env"
    env = {
        "PATH": os.pathsep.join(str(p) for p in (extra_path, BIN) if p) + os.pathsep + os.environ["PATH"],
        "HOME": str(tmp),
        "XDG_CACHE_HOME": str(tmp / "cache"),
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "RUNNER_TEMP": str(tmp / "runner-temp"),
        "GITHUB_STEP_SUMMARY": str(tmp / "step-summary.md"),
        "GITHUB_EVENT_NAME": event,
        "GITHUB_REPOSITORY": "our-programme/content",
        "GITHUB_WORKFLOW_REF": "our-programme/content/.github/workflows/site.yml@refs/heads/main",
    }
    env |= {key: str(value) for key, value in WORKFLOW["env"].items()}
    env |= {key: str(value) for key, value in step(job, name).get("env", {}).items() if "${{" not in str(value)}
    (tmp / "runner-temp").mkdir(exist_ok=True)
    (tmp / "step-summary.md").touch()
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The runner's workspace as the workflow lays it out: the content repository at its root, the builder
    beside the content in .site-builder/."""
    root = tmp_path / "workspace"
    shutil.copytree(SITES / "small", root / "content")
    (root / ".site-builder").mkdir()  # installed into the test environment already; the wheel test installs it
    (root / "content" / "events" / "broken.md").write_text(
        textwrap.dedent("""\
        ---
        title: Broken
        summary: A start time an editor typed as they say it.
        start: 6pm
        end: 2027-03-04 19:30
        format: online
        colour: blue
        ---
        """)
    )
    return root


def test_actionlint_passes_on_the_workflow_with_shellcheck_on_its_scripts() -> None:
    assert shutil.which("shellcheck"), "bin/test installs shellcheck; actionlint checks run: scripts with it"
    done = subprocess.run(
        [str(BIN / "actionlint"), "-no-color", str(WORKFLOW_PATH)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    version = subprocess.run([str(BIN / "actionlint"), "-version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.strip()


def test_actionlint_runs_shellcheck_on_run_scripts(tmp_path: Path) -> None:
    """The pass above means something: a run script with an unquoted variable is reported, by shellcheck."""
    workflow = tmp_path / "unquoted.yml"
    workflow.write_text(
        textwrap.dedent("""\
        on: push
        jobs:
          check:
            runs-on: ubuntu-latest
            steps:
              - run: ls $CONTENT_DIR
        """)
    )
    done = subprocess.run(
        [str(BIN / "actionlint"), "-no-color", str(workflow)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert re.search(
        r"shellcheck reported issue in this script: SC2086:info:1:4: Double quote to prevent "
        r"globbing and word splitting \[shellcheck\]",
        done.stdout,
    ), done.stdout


def test_the_check_step_annotates_paths_relative_to_the_repository_root(workspace: Path, tmp_path: Path) -> None:
    done = run_step("check", "Check every file", workspace, tmp_path)
    assert done.returncode == 1, done.stderr  # the step fails, so the pull request shows a failed check
    annotations = re.findall(r"^::(error|warning) file=([^,]+),line=(\d+),title=([^:]+)::(.*)$", done.stdout, re.M)
    assert annotations == [
        (
            "error",
            "content/events/broken.md",
            "4",
            "start",
            "'6pm' is not a date and time (expected a date and time like 2027-03-04 18:00, or a date like "
            "2027-03-04; a time needs its date too, like '2027-03-04 18:00')",
        ),
        (
            "warning",
            "content/events/broken.md",
            "7",
            "colour",
            "unknown field, ignored (known fields are title, summary, slug, topics, draft, published, updated, "
            "image, start, end, series, cluster, format, venue, online, booking, cost, capacity, accessibility, "
            "audience, status, rescheduled_from, presenter)",
        ),
    ]
    for _, path, line, _, _ in annotations:
        assert not Path(path).is_absolute()
        lines = (workspace / path).read_text().splitlines()  # the runner's repository root is the workspace
        assert len(lines) >= int(line)


def test_paths_relative_to_names_files_from_another_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # For a layout with the content repository in a folder of the workspace: name files from its root.
    shutil.copytree(SITES / "small", tmp_path / "repo" / "content")
    (tmp_path / "repo" / "content" / "events" / "broken.md").write_text("---\ntitle: B\n---\n")
    monkeypatch.chdir(tmp_path)
    run = run_main("check", "--content", "repo/content", "--format", "github", "--paths-relative-to", "repo")
    assert run.out.startswith("::error file=content/events/broken.md,line=1,title=end::is missing")


def test_the_summary_says_what_the_pull_request_changes(workspace: Path, tmp_path: Path) -> None:
    (workspace / "content" / "events" / "broken.md").unlink()
    shutil.copytree(SITES / "small", workspace / ".site-before" / "content")  # the base branch's content
    event = workspace / "content" / "events" / "listening-to-young-people.md"
    event.write_text(
        re.sub(r"(?m)^status: .*\n", "", event.read_text()).replace("format:", "status: cancelled\nformat:", 1)
    )
    done = run_step("check", "Say what the change does", workspace, tmp_path)
    assert done.returncode == 0, done.stderr
    summary = (tmp_path / "step-summary.md").read_text()
    assert summary.startswith("### What this change does to the site\n\n")
    assert (
        "- Listening to young people (`/events/listening-to-young-people/`): now cancelled (was going ahead)\n"
        in summary
    )
    assert "- `/events/listening-to-young-people.ics`\n" in summary
    # The search index is one line, not each of its files.
    assert re.search(r"\n\*\*Search index\*\*\n\n- `/pagefind/`: \d+ files added, removed or changed\n", summary)
    assert "`/pagefind/pagefind" not in summary and "/fragment/" not in summary


def test_the_summary_says_so_when_the_base_does_not_build(workspace: Path, tmp_path: Path) -> None:
    (workspace / "content" / "events" / "broken.md").unlink()
    shutil.copytree(SITES / "small", workspace / ".site-before" / "content")
    (workspace / ".site-before" / "content" / "events" / "bad.md").write_text("---\ntitle: Bad\n---\n")
    done = run_step("check", "Say what the change does", workspace, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (
        tmp_path / "step-summary.md"
    ).read_text() == "The site before this change does not build, so there is nothing to compare with.\n"


def test_the_daily_rebuild_says_what_a_day_changes(workspace: Path, tmp_path: Path) -> None:
    (workspace / "content" / "events" / "broken.md").unlink()
    build = run_step("publish", "Build the site", workspace, tmp_path, event="schedule")
    assert build.returncode == 0, build.stderr
    done = run_step("publish", "Say what the daily rebuild changes", workspace, tmp_path, event="schedule")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "step-summary.md").read_text().startswith("### What this change does to the site\n\n")


def test_keepalive_enables_the_workflow_it_runs_in(tmp_path: Path) -> None:
    # A stand-in for GitHub's own `gh` (it would call the real API), recording what it was asked.
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    (fake / "gh").write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$RUNNER_TEMP/gh-args"\n')
    (fake / "gh").chmod(0o755)
    done = run_step("keepalive", "Enable this workflow again", tmp_path, tmp_path, event="schedule", extra_path=fake)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "runner-temp" / "gh-args").read_text().splitlines() == [
        "api",
        "--method",
        "PUT",
        "repos/our-programme/content/actions/workflows/site.yml/enable",
    ]


def test_permissions_tokens_and_one_publish_at_a_time() -> None:
    jobs = WORKFLOW["jobs"]
    assert WORKFLOW["permissions"] == {"contents": "read"}
    assert jobs["check"]["permissions"] == {"contents": "read"}
    assert jobs["publish"]["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert jobs["keepalive"]["permissions"] == {"actions": "write"}
    assert jobs["publish"]["concurrency"]["cancel-in-progress"] is False
    assert jobs["check"]["concurrency"]["cancel-in-progress"] is True
    assert jobs["publish"]["if"] == "github.event_name != 'pull_request'"
    assert jobs["keepalive"]["if"] == "github.event_name == 'schedule'"
    assert "schedule" in WORKFLOW[True] and "pull_request" in WORKFLOW[True]  # YAML 1.1 reads `on` as true
    for job in ("check", "publish"):
        builder = step(job, "Check out the site builder")["with"]
        assert builder["token"] == "${{ secrets.SITE_BUILDER_TOKEN || github.token }}"
        assert builder["path"] == "${{ env.SITE_BUILDER_FOLDER }}"
        # The content repository at the workspace's root: the annotations' paths are relative to it.
        assert "path" not in step(job, "Check out the content").get("with", {})
        for checkout in (s for s in jobs[job]["steps"] if s.get("uses", "").startswith("actions/checkout")):
            assert checkout["with"]["persist-credentials"] is False


def test_no_script_expands_an_expression_and_no_checkout_keeps_credentials() -> None:
    # SECURITY.md: values reach scripts as environment variables, never spliced into the shell text.
    assert "pull_request_target" not in WORKFLOW[True]
    for job in WORKFLOW["jobs"].values():
        for each in job["steps"]:
            assert "${{" not in each.get("run", ""), each
            if each.get("uses", "").startswith("actions/checkout"):
                assert each["with"]["persist-credentials"] is False, each


def test_annotation_values_are_escaped_as_the_runner_unescapes_them() -> None:
    from site_builder.cli import github_annotation
    from site_builder.errors import Problem, Severity

    problem = Problem("content/events/a,b:c.md", 0, "venue.name", "50% done\nthen: more", Severity.WARNING)
    assert (
        github_annotation(problem)
        == "::warning file=content/events/a%2Cb%3Ac.md,line=1,title=venue.name::50%25 done%0Athen: more"
    )
