"""Parse tasks in worker processes that outlive a document which hangs or kills its worker.

* :func:`time_limit` bounds the time one document may take (an alarm in the process's main thread; Python code
  and the regular-expression engine both stop at it).
* :func:`prestart` starts the workers before the work is known, so that they warm up (import and compile what
  parsing needs) while the build is still finding and comparing its files.
* A worker notes which document it is on (:func:`mark`, one small file per worker). When a worker dies (a crash in
  an extension, the kernel's out-of-memory killer), every unfinished task fails together; the documents the
  workers were on are then parsed again one at a time, each in a pool of its own, and the one that kills its
  worker again is given up (``on_crash``). The other documents of the failed tasks are parsed again as usual.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

#: Seconds one document may take to parse and derive, by default, before it is given up, plus
#: :data:`SECONDS_PER_MB` for each megabyte of it (a 26 KB record takes about a millisecond, a 60 MB one a few
#: seconds; a registry-wide export of hundreds of MB gets its minutes).
DOC_TIMEOUT = 120.0
SECONDS_PER_MB = 2.0
#: Rounds in a row that may lose workers without pointing at any document before the build gives up.
MAX_BLIND_ROUNDS = 3


class TookTooLong(BaseException):  # noqa: N818 - an alarm, not an error; BaseException so no `except Exception` eats it
    """The document's time limit passed."""


def allowed_seconds(limit: float | None, size: int) -> float | None:
    """The time a document of ``size`` bytes gets under a ``limit`` (none: no limit)."""
    return limit + SECONDS_PER_MB * size / 2**20 if limit else None


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`TookTooLong` in the block after ``seconds`` (none: no limit; outside the main thread, where
    no alarm can be caught, there is no limit either)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def ring(signum: int, frame: object) -> None:
        raise TookTooLong

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


_MARKS: Path | None = None
_MARK_FD: int | None = None


def mark(key: int) -> None:
    """In a worker: note that it now works on document ``key`` (nothing outside a pool)."""
    global _MARK_FD
    if _MARKS is None:
        return
    if _MARK_FD is None:
        _MARK_FD = os.open(_MARKS / str(os.getpid()), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.pwrite(_MARK_FD, b"%20d" % key, 0)


def _start_worker(marks: Path, initializer: Callable[..., None], initargs: tuple) -> None:
    global _MARKS, _MARK_FD
    _MARKS, _MARK_FD = marks, None
    initializer(*initargs)


def _marked(marks: Path) -> set[int]:
    keys = set()
    for path in marks.iterdir():
        with contextlib.suppress(OSError, ValueError):
            keys.add(int(path.read_bytes()))
        path.unlink(missing_ok=True)
    return keys


def _pool(n: int, marks: Path, initializer: Callable[..., None], initargs: tuple) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(n, mp_context=mp.get_context("fork"), initializer=_start_worker,
                               initargs=(marks, initializer, initargs))


def prestart(workers: int, initializer: Callable[..., None], initargs: tuple, marks: Path) -> ProcessPoolExecutor:
    """``workers`` processes started now, running ``initializer`` while their parent goes on; hand them to
    :func:`run`, or :func:`dismiss` them. Start them before the parent opens databases or starts threads."""
    marks.mkdir(parents=True, exist_ok=True)
    executor = _pool(workers, marks, initializer, initargs)
    executor.submit(int)  # (a fork pool starts all its processes at its first task)
    return executor


def dismiss(executor: ProcessPoolExecutor) -> None:
    """Stop the workers of a :func:`prestart` pool that :func:`run` did not shut down, without waiting for them
    (to finish warming up, say)."""
    terminate = getattr(executor, "terminate_workers", None)  # (Python 3.14)
    if terminate is not None:
        terminate()
        return
    processes = list((executor._processes or {}).values())  # noqa: SLF001 - no public way before 3.14
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()


def run(chunks: list[list[tuple[int, Item]]], workers: int, task: Callable[[list[tuple[int, Item]]], Result],
        initializer: Callable[..., None], initargs: tuple, on_crash: Callable[[int, Item, str], Result],
        marks: Path, started: ProcessPoolExecutor | None = None,
        keep_started: bool = False) -> Iterator[tuple[int, Result]]:
    """(documents done, result) for every chunk of ``(key, item)`` as it finishes in ``workers`` processes (the
    ``started`` ones of :func:`prestart`, if given, left running for other work when ``keep_started`` and none
    of them died); a document that kills its worker twice (once with others, once alone) gives
    ``on_crash(key, item, why)``. The workers keep their notes in the folder ``marks`` (made, and removed at
    the end)."""

    def pool(n: int) -> ProcessPoolExecutor:
        return _pool(n, marks, initializer, initargs)

    marks.mkdir(parents=True, exist_ok=True)
    try:
        pending, blind = chunks, 0
        while pending:
            failed: list[list[tuple[int, Item]]] = []
            keep, finished = started is not None and keep_started, False
            executor, started = started or pool(workers), None
            try:
                futures = {}
                for chunk in pending:
                    try:
                        futures[executor.submit(task, chunk)] = chunk
                    except BrokenProcessPool:  # (a started pool can lose a worker before its first task)
                        failed.append(chunk)
                for future in as_completed(futures):
                    chunk = futures.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        failed.append(chunk)
                        continue
                    yield len(chunk), result
                finished = True
            finally:  # (when the build stops early, the chunks not started are dropped)
                if not (keep and finished and not failed):
                    executor.shutdown(wait=True, cancel_futures=True)
            if not failed:
                return
            on = _marked(marks)
            suspects = [entry for chunk in failed for entry in chunk if entry[0] in on]
            for key, item in suspects:  # alone: a worker that dies now died of this document
                with pool(1) as executor:
                    try:
                        result = executor.submit(task, [(key, item)]).result()
                    except BrokenProcessPool:
                        result = on_crash(key, item, "its parser process died while reading it")
                _marked(marks)
                yield 1, result
            blind = 0 if suspects else blind + 1
            if blind >= MAX_BLIND_ROUNDS:
                raise BrokenProcessPool("parser processes keep dying without a document to blame")
            pending = [[e for e in chunk if e[0] not in on] for chunk in failed]
            pending = [chunk for chunk in pending if chunk]
    finally:
        shutil.rmtree(marks, ignore_errors=True)
