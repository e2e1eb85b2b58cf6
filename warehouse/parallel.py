"""Spread a pure per-item function over worker processes, in chunks, keeping the input order."""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Fewer items than this are processed in the calling process (worker start-up would cost more).
MIN_ITEMS = 400


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
    order of the chunks, so concatenating them keeps the order of ``items``. A worker that dies raises
    :class:`~concurrent.futures.process.BrokenProcessPool` (the build stops cleanly instead of waiting forever).
    """
    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(items) < min_items:
        return [func(items)]
    n_chunks = workers * 4
    size = -(-len(items) // n_chunks)
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"), initializer=_init_worker,
                             initargs=(os.getpid(),)) as pool:
        return list(pool.map(func, chunks))
