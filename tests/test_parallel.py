"""Work shared across processes: every result back in the tasks' order, and workers that yield the cores
to the rest of the build when asked to."""

from __future__ import annotations

import os

from site_builder.speed.parallel import YIELDING_NICENESS, run_all


def _niceness_of_the_worker(number: int) -> tuple[int, int, int]:
    return number, os.getpid(), os.nice(0)


def test_yielding_workers_run_below_the_build_and_give_every_result_in_order() -> None:
    tasks = [lambda number=number: _niceness_of_the_worker(number) for number in range(200)]
    results = run_all(tasks, 2, yielding=True)
    assert [number for number, _, _ in results] == list(range(200))
    assert os.getpid() not in {pid for _, pid, _ in results}  # made by workers, not here
    own = os.nice(0)
    assert {niceness for _, _, niceness in results} == {min(19, own + YIELDING_NICENESS)}
    assert os.nice(0) == own  # this process keeps its priority


def test_workers_keep_the_builds_priority_unless_asked_to_yield() -> None:
    tasks = [lambda number=number: _niceness_of_the_worker(number) for number in range(200)]
    results = run_all(tasks, 2)
    assert os.getpid() not in {pid for _, pid, _ in results}
    assert {niceness for _, _, niceness in results} == {os.nice(0)}
