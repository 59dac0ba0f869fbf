"""Run many independent, pure tasks on every core, and get their results back in order.

Tasks are closures over the Site, which cannot be pickled; forked workers
inherit them instead, so only each task's index crosses to a worker and only
its result (bytes, or a small tuple) comes back.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from typing import Callable, Sequence, TypeVar, cast

T = TypeVar("T")

# Below this many tasks, starting workers costs more than it saves.
MIN_PARALLEL = 64
# How much lower than this process's the priority of `yielding` workers is (os.nice): at 10 the scheduler
# gives such a worker about a tenth of a core that a process of normal priority wants.
YIELDING_NICENESS = 10

# The tasks of the pool now running. Set only around Pool.map, for forked children to inherit:
# a pool's workers can be handed nothing else that is not picklable.
_tasks: Sequence[Callable[[], object]] = ()


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


Progress = Callable[[int, int], None]  # (tasks done, tasks in all)


def run_all(
    tasks: Sequence[Callable[[], T]],
    workers: int,
    progress: Progress | None = None,
    min_parallel: int = MIN_PARALLEL,
    meanwhile: Callable[[], None] | None = None,
    yielding: bool = False,
) -> list[T]:
    """Every task's result, in the tasks' order, whether run here or across `workers` processes (from
    `min_parallel` tasks: fewer cheap ones are quicker here). `meanwhile` is run in this process once the
    workers have been forked, while they work (else before the tasks): work of this process's own that the
    tasks do not need, which would otherwise leave the other cores idle. `yielding` workers run at a lower
    priority: they take what another process of the build leaves of the cores, and all of them once it is
    done."""
    report = progress or (lambda done, total: None)
    # Fork only from a single-threaded process (the preview server has threads): a lock held by another
    # thread at the moment of the fork would stay locked for ever in the child.
    if (
        workers <= 1
        or len(tasks) < min_parallel
        or threading.active_count() > 1
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        if meanwhile is not None:
            meanwhile()
        results = []
        for done, task in enumerate(tasks, start=1):
            results.append(task())
            if done % 50 == 0 or done == len(tasks):
                report(done, len(tasks))
        return results
    global _tasks
    _tasks = tasks
    # Objects made so far are moved out of the collector's sight: a collection in a worker would otherwise
    # touch every one of them and so copy the parent's whole heap into each worker (copy-on-write).
    gc.freeze()
    try:
        size = -(-len(tasks) // (workers * 8))  # several chunks a worker, so one slow chunk does not hold all
        bounds = [(start, min(start + size, len(tasks))) for start in range(0, len(tasks), size)]
        chunks = []
        initializer = (os.nice, (YIELDING_NICENESS,)) if yielding else (None, ())
        with multiprocessing.get_context("fork").Pool(workers, *initializer) as pool:
            running = pool.imap(_run_range, bounds)
            if meanwhile is not None:
                meanwhile()
            for chunk in running:  # in order, as each finishes
                chunks.append(chunk)
                report(sum(map(len, chunks)), len(tasks))
    finally:
        gc.unfreeze()
        _tasks = ()
    # The workers ran `tasks` (through _tasks, which cannot keep their type), so every result is a T.
    return cast("list[T]", [result for chunk in chunks for result in chunk])


def _run_range(bounds: tuple[int, int]) -> list[object]:
    start, end = bounds
    return [_tasks[index]() for index in range(start, end)]
