"""Work shared across processes: every result back in the tasks' order, and workers that yield the cores
to the rest of the build when asked to.

Each case runs in a fresh interpreter: run_all works in its own process when another thread is running
(one left by another test would be enough), and these cases are about the workers."""

from __future__ import annotations

import json
import subprocess
import sys

from site_builder.speed.parallel import YIELDING_NICENESS
from tests.conftest import PROJECT

CASE = """
import json, os, sys
from site_builder.speed.parallel import run_all

def task(number):
    return number, os.getpid(), os.nice(0)

tasks = [lambda number=number: task(number) for number in range(200)]
results = run_all(tasks, 2, yielding=sys.argv[1] == "yielding")
print(json.dumps({"results": results, "pid": os.getpid(), "niceness": os.nice(0)}))
"""


def _run(mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CASE, mode], cwd=PROJECT, capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(done.stdout)


def test_yielding_workers_run_below_the_build_and_give_every_result_in_order() -> None:
    run = _run("yielding")
    assert [number for number, _, _ in run["results"]] == list(range(200))
    assert run["pid"] not in {pid for _, pid, _ in run["results"]}  # made by workers, not in the process itself
    assert {niceness for _, _, niceness in run["results"]} == {min(19, run["niceness"] + YIELDING_NICENESS)}


def test_workers_keep_the_builds_priority_unless_asked_to_yield() -> None:
    run = _run("normal")
    assert [number for number, _, _ in run["results"]] == list(range(200))
    assert run["pid"] not in {pid for _, pid, _ in run["results"]}
    assert {niceness for _, _, niceness in run["results"]} == {run["niceness"]}
