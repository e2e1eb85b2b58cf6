"""A document that hangs its parser, kills its worker or cannot be staged is rejected; the build goes on."""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from warehouse import build as build_mod
from warehouse import cache as parse_cache
from warehouse import derive, parse_pool
from warehouse.build import build
from warehouse.discover import discover

FIXTURES = Path(__file__).parent / "fixtures"
#: Real records: the slow, the deadly and the underivable one are copies of the first, under other names.
RECORDS = sorted((FIXTURES / "build").glob("*.json"))


def corpus(root: Path, *odd: str) -> Path:
    root.mkdir()
    for path in RECORDS:
        shutil.copy(path, root / path.name)
    for n, name in enumerate(odd):  # other bytes than every real record, so not a duplicate of one
        (root / name).write_bytes(RECORDS[0].read_bytes() + b" " * (n + 1))
    return root


def verdicts(db: Path) -> dict[str, tuple[str, str | None]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {Path(p).name: (s, e) for p, s, e in con.execute("SELECT path, status, error FROM documents").fetchall()}
    finally:
        con.close()


def misbehave(monkeypatch, how: dict[str, object]) -> None:
    """Make the parse of a document named in ``how`` hang, run a runaway pattern, or kill its process."""
    real = build_mod.parse_document

    def parse(path: str, data: bytes, sha256: str | None = None):
        action = how.get(Path(path).name)
        if action == "loop":
            while True:
                pass
        if action == "regex":  # exponential backtracking inside the pattern engine
            re.match(r"(a+)+$", "a" * 64 + "!")
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if action == "sleep":
            time.sleep(3)
        return real(path, data, sha256)

    monkeypatch.setattr(build_mod, "parse_document", parse)
    monkeypatch.setattr(derive, "STEPS", [])


@pytest.mark.timeout(120)
@pytest.mark.parametrize("in_workers", [False, True], ids=["in-process", "workers"])
def test_a_document_that_never_finishes_is_given_up_and_the_rest_built(tmp_path, monkeypatch, in_workers):
    root = corpus(tmp_path / "in", "loop.json", "regex.json")
    misbehave(monkeypatch, {"loop.json": "loop", "regex.json": "regex"})
    if in_workers:
        monkeypatch.setattr(build_mod, "PARALLEL_THRESHOLD", 1)
    started = time.perf_counter()
    summary = build([str(root)], str(tmp_path / "w.duckdb"), workers=2 if in_workers else 1, quiet=True,
                    doc_timeout=0.5)
    assert time.perf_counter() - started < 30
    assert summary.documents == len(RECORDS) + 2 == summary.ingested + summary.rejected
    seen = verdicts(tmp_path / "w.duckdb")
    for name in ("loop.json", "regex.json"):
        allowed = parse_pool.allowed_seconds(0.5, (root / name).stat().st_size)  # (0.5 s and 2 s per MB)
        assert 0.5 < allowed < 0.7
        assert seen[name] == ("rejected", f"given up after {allowed:.1f} s: reading this document took too long")
    assert all(seen[p.name][0] == "ingested" for p in RECORDS)


def test_a_slow_document_is_parsed_again_with_more_time(tmp_path, monkeypatch):
    """A document given up is not cached: the next build tries it again."""
    root = corpus(tmp_path / "in", "slow.json")
    misbehave(monkeypatch, {"slow.json": "sleep"})
    db = tmp_path / "w.duckdb"
    build([str(root)], str(db), workers=1, quiet=True, cache=True, doc_timeout=1)
    assert verdicts(db)["slow.json"][0] == "rejected"
    summary = build([str(root)], str(db), workers=1, quiet=True, cache=True, doc_timeout=10)
    assert verdicts(db)["slow.json"] == ("ingested", None)
    assert summary.parsed == 1


def test_a_document_that_kills_its_worker_is_given_up_and_the_rest_built(tmp_path, monkeypatch):
    root = corpus(tmp_path / "in", "deadly.json")
    misbehave(monkeypatch, {"deadly.json": "kill"})
    monkeypatch.setattr(build_mod, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(build_mod, "CHUNK_DOCUMENTS", 2)  # several tasks, several failing with the pool
    db = tmp_path / "w.duckdb"
    for _ in range(2):  # not cached: the second build meets it again
        summary = build([str(root)], str(db), workers=2, quiet=True, cache=True)
        assert summary.documents == len(discover([str(root)])) == summary.ingested + summary.rejected
        seen = verdicts(db)
        assert seen["deadly.json"] == ("rejected", "given up: its parser process died while reading it")
        assert all(seen[p.name] == ("ingested", None) for p in RECORDS)
    alone = tmp_path / "alone.duckdb"
    shutil.rmtree(root)
    corpus(root)
    build([str(root)], str(alone), workers=2, quiet=True)
    assert _rows(alone, "trials") == _rows(db, "trials")


def _rows(db: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_a_document_whose_rows_cannot_be_staged_is_rejected_with_the_reason(tmp_path, monkeypatch):
    root = corpus(tmp_path / "in", "odd.json")
    real = parse_cache.entry_rows

    def entry_rows(ck, doc, bound):
        if doc.path.endswith("odd.json") and not doc.error:
            raise ValueError("no profile for this one")
        return real(ck, doc, bound)

    monkeypatch.setattr(parse_cache, "entry_rows", entry_rows)
    monkeypatch.setattr(derive, "STEPS", [])
    summary = build([str(root)], str(tmp_path / "w.duckdb"), workers=1, quiet=True)
    assert summary.documents == len(RECORDS) + 1 == summary.ingested + summary.rejected
    status, error = verdicts(tmp_path / "w.duckdb")["odd.json"]
    assert status == "rejected"
    assert error == "parser failure (staging rows, ValueError): no profile for this one"


def test_a_large_document_gets_more_time():
    assert parse_pool.allowed_seconds(120, 0) == 120
    assert parse_pool.allowed_seconds(120, 300 * 2**20) == 720
    assert parse_pool.allowed_seconds(0, 300 * 2**20) is None
    assert parse_pool.allowed_seconds(None, 10) is None


def test_the_time_limit_restores_what_was_there():
    calls = []
    previous = signal.signal(signal.SIGALRM, lambda *_: calls.append(1))
    try:
        with parse_pool.time_limit(5):
            assert signal.getitimer(signal.ITIMER_REAL)[0] > 0
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        signal.raise_signal(signal.SIGALRM)
        assert calls == [1]
        with pytest.raises(parse_pool.TookTooLong):
            with parse_pool.time_limit(0.05):
                while True:
                    pass
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_no_time_limit_outside_the_main_thread():
    seen = []

    def work():
        with parse_pool.time_limit(0.01):
            time.sleep(0.1)
            seen.append(signal.getitimer(signal.ITIMER_REAL))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert seen == [(0.0, 0.0)]


def _die(chunk, segments, limit=None, cached_file=None, large=frozenset()):
    os.kill(os.getpid(), signal.SIGKILL)


def test_workers_that_keep_dying_without_a_culprit_stop_the_build_cleanly(tmp_path, monkeypatch):
    root = corpus(tmp_path / "in")
    db = tmp_path / "w.duckdb"
    build([str(root)], str(db), workers=1, quiet=True)
    before = db.read_bytes()
    monkeypatch.setattr(build_mod, "parse_chunk", _die)
    monkeypatch.setattr(build_mod, "PARALLEL_THRESHOLD", 1)
    (root / RECORDS[0].name).write_bytes(RECORDS[0].read_bytes() + b"\n")
    with pytest.raises(build_mod.BuildError, match="a worker process died: parser processes keep dying"):
        build([str(root)], str(db), workers=2, quiet=True, cache=False)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "w.duckdb"]


def _die_on_second(chunk):
    if 7 in chunk:
        os.kill(os.getpid(), signal.SIGKILL)
    return [x * 2 for x in chunk]


_ONCE: Path | None = None  # (set before the workers are forked: they inherit it)


def _die_once_on_second(chunk):
    if 7 in chunk and not _ONCE.exists():
        _ONCE.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return [x * 2 for x in chunk]


@pytest.mark.timeout(60)
def test_a_derive_worker_that_dies_has_its_chunks_done_again_and_raises_when_that_dies_too():
    from concurrent.futures.process import BrokenProcessPool

    from warehouse.parallel import map_chunks

    assert [y for part in map_chunks(_die_on_second, list(range(8, 20)), workers=2, min_items=1) for y in part] == [
        x * 2 for x in range(8, 20)]
    with pytest.raises(BrokenProcessPool):  # (the new pool's worker dies on the same chunk: not tried again)
        map_chunks(_die_on_second, list(range(20)), workers=2, min_items=1)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("started", [False, True])
def test_a_derive_worker_killed_once_loses_nothing(tmp_path, monkeypatch, started):
    """A worker killed while deriving (the out-of-memory killer, a user's kill): the chunks its pool had not
    finished are done again by a new pool, and every result comes back in order."""
    from concurrent.futures import ProcessPoolExecutor

    from warehouse import parallel

    monkeypatch.setattr(sys.modules[__name__], "_ONCE", tmp_path / "killed")
    if started:
        executor = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
        with executor, parallel.running_workers(executor):
            parts = parallel.map_chunks(_die_once_on_second, list(range(40)))
    else:
        parts = parallel.map_chunks(_die_once_on_second, list(range(40)), workers=2, min_items=1)
    assert (tmp_path / "killed").exists()
    assert [y for part in parts for y in part] == [x * 2 for x in range(40)]


def _double(chunk):
    return [item * 2 for _, item in chunk]


def _no_setup():
    pass


def _not_expected(key, item, why):
    raise AssertionError(f"no document should be blamed: {key} ({why})")


@pytest.mark.timeout(60)
def test_started_workers_lost_before_their_first_task_are_replaced(tmp_path):
    marks = tmp_path / "marks"
    started = parse_pool.prestart(2, _no_setup, (), marks)
    for process in list(started._processes.values()):  # (killed while they wait for work)
        process.kill()
        process.join()
    chunks = [[(0, 1), (1, 2)], [(2, 3)]]
    got = dict(parse_pool.run(chunks, 2, _double, _no_setup, (), _not_expected, marks, started))
    assert sorted(got.items()) == [(1, [6]), (2, [2, 4])]
    assert not marks.exists()


@pytest.mark.parametrize("few", [True, False])
def test_started_workers_skip_what_the_cache_holds(tmp_path, monkeypatch, few):
    """Workers started before the cache was read learn its keys from a file: a file touched but not changed is
    not parsed again, a changed one is. With few documents to parse the keys are not read: the touched file is
    parsed too, and its new rows dropped (its entry serves the build)."""
    if not few:
        monkeypatch.setattr(build_mod, "PARALLEL_THRESHOLD", 1)
    root = corpus(tmp_path / "in")
    db = tmp_path / "w.duckdb"
    build([str(root)], str(db), workers=2, quiet=True, cache=True)
    log = tmp_path / "parsed.log"
    real = build_mod.parse_document

    def parse(path: str, data: bytes, sha256: str | None = None):
        with open(log, "a") as fh:  # (written by the worker processes)
            fh.write(Path(path).name + "\n")
        return real(path, data, sha256)

    monkeypatch.setattr(build_mod, "parse_document", parse)
    touched, changed = root / RECORDS[0].name, root / RECORDS[1].name
    os.utime(touched, (time.time() + 5, time.time() + 5))
    changed.write_bytes(changed.read_bytes() + b"\n")
    summary = build([str(root)], str(db), workers=2, quiet=True, cache=True)
    assert sorted(log.read_text().split()) == sorted([changed.name] + [touched.name] * few)
    assert (summary.parsed, summary.reused) == (1, len(RECORDS) - 1)
    assert summary.documents == summary.ingested == len(RECORDS)


def _pids(chunk):
    return [os.getpid() for _ in chunk]


def test_derive_work_goes_to_running_workers_and_falls_back_once_they_are_gone(tmp_path):
    from warehouse.parallel import map_chunks, running_workers

    started = parse_pool.prestart(2, _no_setup, (), tmp_path / "marks")
    try:
        with running_workers(started):
            pids = [p for part in map_chunks(_pids, [1, 2, 3]) for p in part]
        assert len(pids) == 3 and os.getpid() not in pids  # (three items: below the size that would fork a pool)
    finally:
        parse_pool.dismiss(started)
    with running_workers(started):  # shut down: done here, as without them
        assert map_chunks(_pids, [1, 2, 3]) == [[os.getpid()] * 3]


def test_started_workers_stay_for_more_work_only_when_asked_and_none_died(tmp_path):
    marks = tmp_path / "marks"
    started = parse_pool.prestart(2, _no_setup, (), marks)
    assert dict(parse_pool.run([[(0, 1)]], 2, _double, _no_setup, (), _not_expected, marks, started,
                               keep_started=True)) == {1: [2]}
    assert started.submit(_double, [(0, 5)]).result() == [10]
    assert dict(parse_pool.run([[(0, 1)]], 2, _double, _no_setup, (), _not_expected, marks, started)) == {1: [2]}
    with pytest.raises(RuntimeError):  # shut down after its work
        started.submit(_double, [(0, 5)])


def test_without_fork_everything_is_parsed_in_the_build_process(tmp_path, monkeypatch):
    from warehouse import parallel

    def refuse(*args, **kwargs):
        raise AssertionError("no worker process may be started")

    monkeypatch.setattr(parallel, "FORK_AVAILABLE", False)
    monkeypatch.setattr(parse_pool, "prestart", refuse)
    monkeypatch.setattr(parse_pool, "run", refuse)
    monkeypatch.setattr(build_mod, "PARALLEL_THRESHOLD", 1)
    root = corpus(tmp_path / "in")
    summary = build([str(root)], str(tmp_path / "w.duckdb"), workers=2, quiet=True, cache=True)
    assert summary.documents == summary.ingested == len(RECORDS)
    assert parallel.map_chunks(_pids, list(range(500)), workers=2, min_items=1) == [[os.getpid()] * 500]


def test_parse_tasks_hold_about_chunk_bytes_and_a_large_document_alone():
    todo = [(k, f"doc{k}") for k in range(12)]
    sizes = [100] * 12
    sizes[3] = sizes[8] = 50 << 20  # two exports of thousands of trials
    chunks = build_mod._chunks(todo, 2, sizes)
    assert [item for chunk in chunks for item in chunk] == todo  # every document once, in order
    assert [(3, "doc3")] in chunks and [(8, "doc8")] in chunks
    assert all(len(c) <= 4 for c in chunks)  # (few documents: at least four tasks per worker where possible)
    todo = [(k, f"doc{k}") for k in range(2000)]
    chunks = build_mod._chunks(todo, 2, [300_000] * 2000)  # 600 MB of documents: tasks of 8 MB at most
    assert {len(c) for c in chunks[:-1]} == {build_mod.CHUNK_BYTES // 300_000}
    chunks = build_mod._chunks(todo, 2, [100] * 2000)  # small documents: their count rules (16 tasks at least)
    assert {len(c) for c in chunks} == {2000 // 16}


def test_parse_tasks_keep_archive_order_and_group_files_of_one_size_largest_first():
    """Copies of one record (one size) go to one task, so one worker's memo derives their texts once; the members
    of a zip (read through its directory) are ordered so by their own size, a tar's keep the order they are
    stored in."""
    from warehouse.archives import Member
    from warehouse.discover import InputFile

    files = [InputFile(f"/in/r{r}/{name}.json") for r in range(3) for name in ("a", "b", "c")]
    sizes = {"a": 700, "b": 9000, "c": 4000}
    members = [InputFile(f"/in/x.tar!m{i}", "/in/x.tar", Member(f"m{i}", offset=off)) for i, off in
               enumerate([5120, 512, 9728])]
    zipped = [InputFile(f"/in/y.zip!z{i}", "/in/y.zip", Member(f"z{i}", -1, size)) for i, size in
              enumerate([700, 20000, 5000])]
    items = files + members + zipped
    size_of = [sizes[item.path[-6]] if item.archive is None else 10 for item in items]
    order = [items[k].path for k in sorted(range(len(items)), key=lambda k: build_mod._task_order(
        items[k], size_of[k], frozenset({"/in/y.zip"})))]
    assert order[:11] == ["/in/y.zip!z1", *[f"/in/r{r}/b.json" for r in range(3)], "/in/y.zip!z2",
                          *[f"/in/r{r}/c.json" for r in range(3)], "/in/r0/a.json", "/in/r1/a.json",
                          "/in/r2/a.json"]
    assert order[11] == "/in/y.zip!z0"  # (of one size with the a.json files, after them: the sort is stable)
    assert order[12:] == ["/in/x.tar!m1", "/in/x.tar!m0", "/in/x.tar!m2"]


def test_a_few_large_documents_are_parsed_by_the_workers_and_cached(tmp_path, monkeypatch):
    """Few files are parsed in the build's own process and not cached, unless they are large (registry exports
    of thousands of trials): then they are spread over the workers and kept like many small files."""
    root = corpus(tmp_path / "in")
    pids = tmp_path / "pids"
    real = build_mod.parse_document

    def parse(path: str, data: bytes, sha256: str | None = None):
        with open(pids, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(path, data, sha256)

    monkeypatch.setattr(build_mod, "parse_document", parse)
    monkeypatch.setattr(derive, "STEPS", [])
    db = tmp_path / "w.duckdb"
    small = build([str(root)], str(db), workers=2, quiet=True)
    assert set(pids.read_text().split()) == {str(os.getpid())} and not parse_cache.location(db).exists()
    assert small.parsed == small.documents == len(RECORDS)
    pids.unlink()
    monkeypatch.setattr(build_mod, "SMALL_BYTES", sum(p.stat().st_size for p in RECORDS) // 2)
    first = build([str(root)], str(db), workers=2, quiet=True)
    assert str(os.getpid()) not in pids.read_text().split() and parse_cache.location(db).exists()
    again = build([str(root)], str(db), workers=2, quiet=True)
    assert (first.parsed, again.parsed, again.reused) == (len(RECORDS), 0, len(RECORDS))
    pids.unlink()
    build([str(root)], str(tmp_path / "uncached.duckdb"), workers=2, quiet=True, cache=False)
    assert str(os.getpid()) not in pids.read_text().split()  # (no started workers: a pool of its own)
