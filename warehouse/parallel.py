"""Spread a pure per-item function over worker processes, in chunks, keeping the input order."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Fewer items than this are processed in the calling process (worker start-up would cost more).
MIN_ITEMS = 400
#: Worker processes are forked (they inherit what the build has loaded); where the platform cannot fork, all
#: work is done in the calling process.
FORK_AVAILABLE = "fork" in mp.get_all_start_methods()

_RUNNING: ProcessPoolExecutor | None = None


@contextlib.contextmanager
def running_workers(executor: ProcessPoolExecutor | None) -> Iterator[None]:
    """Within the block, :func:`map_chunks` hands its chunks, however few the items, to ``executor``'s workers:
    processes already running and warmed up (see :func:`warehouse.parse_pool.prestart`), so they cost no start-up.
    When they are no longer running, it works as without them."""
    global _RUNNING
    previous, _RUNNING = _RUNNING, executor
    try:
        yield
    finally:
        _RUNNING = previous


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _init_worker(parent: int) -> None:
    """Workers end by themselves when the build that started them is killed."""
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def map_chunks(func: Callable[[Sequence[T]], R], items: Sequence[T], *, workers: int | None = None,
               min_items: int = MIN_ITEMS) -> list[R]:
    """``[func(chunk) for chunk in chunks(items)]``, computed by worker processes when there are many items.

    ``func`` must be a module-level function (it is sent to the workers by name). Results come back in the
    order of the chunks, so concatenating them keeps the order of ``items``. Within :func:`running_workers`, the
    chunks go to those workers whatever their number.

    A worker that dies (killed, or out of memory) breaks its pool: the chunks not yet done are computed again by a
    new pool. When a worker of that pool dies too, :class:`~concurrent.futures.process.BrokenProcessPool` is
    raised (the build stops cleanly instead of waiting forever, or failing the same way again and again).
    """
    workers = workers or os.cpu_count() or 1
    if _RUNNING is not None and items and FORK_AVAILABLE:
        chunks = _split(items, (os.cpu_count() or 1) * 4)
        try:
            futures = [_RUNNING.submit(func, chunk) for chunk in chunks]
        except (BrokenProcessPool, RuntimeError):  # (shut down or broken before this work: done as without it)
            pass
        else:
            return _gathered(func, chunks, futures, workers)
    if workers < 2 or len(items) < min_items or not FORK_AVAILABLE:
        return [func(items)]
    chunks = _split(items, workers * 4)
    with _pool(workers) as pool:
        return _gathered(func, chunks, [pool.submit(func, chunk) for chunk in chunks], workers)


def _split(items: Sequence[T], n: int) -> list[Sequence[T]]:
    size = -(-len(items) // n)
    return [items[i:i + size] for i in range(0, len(items), size)]


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"), initializer=_init_worker,
                               initargs=(os.getpid(),))


def _gathered(func: Callable[[Sequence[T]], R], chunks: list[Sequence[T]], futures: list, workers: int) -> list[R]:
    """The results of ``futures`` (one per chunk), in order; the chunks a broken pool left undone are computed
    again by a new pool (BrokenProcessPool when it breaks too)."""
    results: dict[int, R] = {}
    for k, future in enumerate(futures):
        with contextlib.suppress(BrokenProcessPool):
            results[k] = future.result()
    left = [k for k in range(len(chunks)) if k not in results]
    if left:
        with _pool(min(workers, len(left))) as pool:
            for k, future in [(k, pool.submit(func, chunks[k])) for k in left]:
                results[k] = future.result()
    return [results[k] for k in range(len(chunks))]
