"""Build the warehouse: discover → parse (worker processes) → stage → merge in SQL → derive → validate → swap.

* Workers parse documents and write their rows as Parquet segments of the staging store (:mod:`warehouse.cache`);
  only a small manifest per document crosses processes, and the main process keeps a light index per document.
* Staging doubles as the parse cache (``<db dir>/.mscwh-cache/``): an unchanged document (same bytes, same
  parsers) is not parsed again, and an unchanged file (same size, times and inode) is not even read.
* Trial identity runs in Python over trial ids and linking ids only; the merge (best document per field and per
  section, ``data/policy/merge.yaml``) runs in SQL and gives the same rows as :func:`warehouse.merge.merge`.
* The new warehouse is written to a temporary file beside the target and only replaces it (``os.replace``,
  atomic on POSIX) once it validates, so an error or a kill midway leaves the previous warehouse intact; a
  reader holding the old file open keeps reading the old inode.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import os
import shutil
import sys
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from ingest.dispatch import parse_document
from ingest.errors import NotStreamable
from ingest.model import ParsedDocument
from warehouse import archives, derive, identity, parallel, parse_pool, schema, scope, stream_parse
from warehouse import cache as parse_cache
from warehouse.discover import ChangeWatch, FileStat, InputFile, find, signature
from warehouse.file_copy import BackgroundCopy
from warehouse.leftovers import remove_abandoned
from warehouse.merge import (
    SQL_SIGNATURES,
    TRIAL_TABLES,
    Ranker,
    Source,
    load_policy,
    merge,
    sql_fill,
    sql_rank,
)
from warehouse.sql_text import literal
from warehouse.tables import CHILD_TABLES, build_frames

if TYPE_CHECKING:
    import polars as pl

#: Fewer documents than this, holding fewer bytes than ``SMALL_BYTES``, are parsed in the main process (worker
#: start-up would cost more).
PARALLEL_THRESHOLD = 64
#: With fewer documents than this, holding fewer bytes than ``SMALL_BYTES``, the parse cache is not kept by default
#: (parsing them takes about a second).
CACHE_MIN_DOCUMENTS = 64
#: A few documents this large in all are not a small build: a few registry exports of thousands of trials each
#: are parsed by the workers and cached like thousands of single-trial files.
SMALL_BYTES = 8 << 20
#: Manifest rows are recorded in batches of about this many entries.
FLUSH_ENTRIES = 20_000
#: Documents per parse task (one segment each): large enough for few files, small enough to balance the workers.
CHUNK_DOCUMENTS = 256
#: Bytes per parse task, about: a larger document is a task of its own (large exports spread over the workers,
#: and a worker holds the rows of one task at a time).
CHUNK_BYTES = 8 << 20
#: How a build opens the warehouse it writes: row groups of 16,384 rows instead of DuckDB's 122,880. A row group
#: of long texts is held whole before it is compressed; smaller ones keep that within the memory limit (the merge
#: of 100,000 trials: 21.4 s → 16.4 s, the file 0.5 % larger). Every connection that writes to the warehouse
#: must say so: a checkpoint under the default size merges the row groups again, rewriting every table.
_WAREHOUSE_OPTIONS = "(ROW_GROUP_SIZE 16384)"
#: Text columns whose strings average at least this many characters may be stored zstd-compressed (DuckDB's
#: default, 4,096, leaves nearly every text column uncompressed). Set on every connection that writes the warehouse.
ZSTD_MIN_STRING_LENGTH = 64


def _writer(con: duckdb.DuckDBPyConnection, spill: Path) -> duckdb.DuckDBPyConnection:
    """``con`` set up to write the warehouse: rows in the order inserted, within the memory limit, spilling to
    ``spill``, long texts compressed, and no progress bar of DuckDB's own (the build reports its progress)."""
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = true")
    con.execute(f"SET memory_limit = '{parse_cache.MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = {literal(spill)}")
    con.execute(f"SET zstd_min_string_length = {ZSTD_MIN_STRING_LENGTH}")
    return con


class BuildError(Exception):
    """No warehouse could be written."""


@dataclass(slots=True)
class BuildSummary:
    documents: int = 0
    ingested: int = 0
    rejected: int = 0
    trials: int = 0
    seconds: float = 0.0
    tables: dict[str, int] = field(default_factory=dict)
    rejections: list[tuple[str, str]] = field(default_factory=list)
    parsed: int = 0
    reused: int = 0
    notes: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)  # seconds per build phase

    def render(self) -> str:
        lines = [
            f"documents read: {self.documents}  ingested: {self.ingested}  rejected: {self.rejected}",
            f"trials: {self.trials}  time: {self.seconds:.1f} s  (parsed: {self.parsed}, "
            f"reused from the parse cache: {self.reused})",
            *self.notes,
        ]
        if self.rejections:
            lines.append("rejected documents:")
            shown = self.rejections[:10]
            lines.extend(f"  {path}: {reason}" for path, reason in shown)
            if len(self.rejections) > len(shown):
                lines.append(f"  … and {len(self.rejections) - len(shown)} more (see the documents table)")
        return "\n".join(lines)


def _parse_input(item: InputFile) -> ParsedDocument:
    try:
        data = item.read()
    except Exception as exc:  # noqa: BLE001 - a damaged archive member is one unreadable document
        return ParsedDocument(path=item.path, sha256="", error=f"unreadable: {exc}")
    return parse_document(item.path, data)


def parse_all(items: list[InputFile], workers: int | None = None,
              progress: Callable[[int], None] | None = None) -> list[ParsedDocument]:
    """Parse every input, in worker processes when there are many; results in input order."""
    workers = workers or max(1, min(os.cpu_count() or 1, 8))
    results: list[ParsedDocument] = []
    if _parsed_here(len(items), 0, workers):
        for item in items:
            results.append(_parse_input(item))
            if progress:
                progress(1)
        return results
    chunk = max(1, min(64, len(items) // (workers * 8) or 1))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for doc in pool.map(_parse_input, items, chunksize=chunk):
            results.append(doc)
            if progress:
                progress(1)
    return results


def _doc_ids(docs: list[ParsedDocument]) -> tuple[list[str], dict[str, str]]:
    """Stable document ids (content hash); identical copies are rejected as duplicates of the first path."""
    ids: list[str] = []
    first_path: dict[str, str] = {}
    for doc in docs:
        if doc.sha256 and doc.sha256 in first_path and not doc.error:
            doc.error = f"duplicate: identical bytes to {first_path[doc.sha256]} (already ingested)"
            doc.records = []
        elif doc.sha256 and not doc.error:
            first_path[doc.sha256] = doc.path
        base = doc.sha256[:16] if doc.sha256 else "unreadable"
        ids.append(base)
    # Copies share a hash: number them by path so every documents row has its own id.
    counts: dict[str, int] = {}
    order = sorted(range(len(docs)), key=lambda i: (ids[i], docs[i].error is not None, docs[i].path))
    unique = list(ids)
    for i in order:
        n = counts.get(ids[i], 0)
        counts[ids[i]] = n + 1
        if n:
            unique[i] = f"{ids[i]}-{n + 1}"
    return unique, first_path


def documents_frame(docs: list[ParsedDocument], doc_ids: list[str]) -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(
        {
            "doc_id": doc_ids,
            "path": [d.path for d in docs],
            "sha256": [d.sha256 for d in docs],
            "format": [d.format for d in docs],
            "layout": [d.layout for d in docs],
            "status": [d.status for d in docs],
            "error": [d.error for d in docs],
            "size_bytes": [d.size for d in docs],
            "n_trials": [len(d.records) for d in docs],
            "warnings": ["\n".join(d.warnings) or None for d in docs],
        },
        schema={"doc_id": pl.String(), "path": pl.String(), "sha256": pl.String(), "format": pl.String(),
                "layout": pl.String(), "status": pl.String(), "error": pl.String(), "size_bytes": pl.Int64(),
                "n_trials": pl.Int32(), "warnings": pl.String()},
    )


def group_sources(docs: list[ParsedDocument], doc_ids: list[str],
                  policy: dict) -> tuple[dict[str, list[Source]], pl.DataFrame]:
    """Group records into trials (identity across registries, provisional pages linked); and the page links."""
    import polars as pl

    records = [r for d in docs for r in d.records]
    mapping = identity.resolve(records, policy.get("id_preference", []))
    known: dict[str, list] = {}
    for record in records:
        if record.trial_id in mapping:
            known.setdefault(mapping[record.trial_id], []).append(record)
    provisional = [r for r in records if r.trial_id not in mapping]
    links = identity.link_provisional(provisional, known, policy.get("link_summary_threshold", 0.9))

    groups: dict[str, list[Source]] = {}
    link_rows: dict[str, list] = {k: [] for k in ("doc_id", "provisional_id", "trial_id", "candidate_trial_id",
                                                   "score", "method", "linked")}
    for doc, doc_id in zip(docs, doc_ids, strict=True):
        for record in doc.records:
            if record.trial_id in mapping:
                trial_id = mapping[record.trial_id]
            else:
                link = links[record.trial_id]
                trial_id = link.candidate if link.linked else record.trial_id
                for key, value in (("doc_id", doc_id), ("provisional_id", record.trial_id), ("trial_id", trial_id),
                                   ("candidate_trial_id", link.candidate), ("score", link.score),
                                   ("method", link.method), ("linked", link.linked)):
                    link_rows[key].append(value)
            source = Source(doc_id=doc_id, path=doc.path, format=doc.format or "", layout=doc.layout, record=record)
            groups.setdefault(trial_id, []).append(source)
    frame = pl.DataFrame(link_rows, schema={
        "doc_id": pl.String(), "provisional_id": pl.String(), "trial_id": pl.String(),
        "candidate_trial_id": pl.String(), "score": pl.Float64(), "method": pl.String(), "linked": pl.Boolean()})
    return groups, frame


def load(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame]) -> None:
    """Insert each frame into its table in one bulk statement (Arrow scan, by column name)."""
    for table in sorted(frames):
        arrow = frames[table].to_arrow()
        con.register("_frame", arrow)
        try:
            con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM _frame')
        finally:
            con.unregister("_frame")


def reference_frames(items: list[InputFile], workers: int | None = None) -> dict[str, pl.DataFrame]:
    """The trial tables by the in-memory Python merge (the reference the SQL merge reproduces; small inputs)."""
    docs = parse_all(items, workers)
    doc_ids, _ = _doc_ids(docs)
    policy = load_policy()
    groups, links = group_sources(docs, doc_ids, policy)
    frames = build_frames(merge(groups, policy))
    frames["documents"] = documents_frame(docs, doc_ids)
    frames["document_links"] = links
    return frames


def _tmp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.building-{os.getpid()}")


def _listings_path(target: Path) -> Path:
    """Where the member lists of the tar archives among the inputs are kept (beside the parse cache)."""
    cache_db = parse_cache.location(target)
    return cache_db.with_name(cache_db.name + ".archives")


def _workers_path(target: Path) -> Path:
    """The folder of what the parse workers share with the build: their notes (``marks``), the cache's keys."""
    return target.with_name(f".{target.name}.workers-{os.getpid()}")


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


# --- the streaming build -----------------------------------------------------------------------------------------

_CACHED: frozenset[str] = frozenset()
"""Cache keys known when the workers were forked (inherited, not pickled)."""


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def _init_worker(parent: int) -> None:
    """A worker exits when its build dies (even by SIGKILL), never shares the parent's open archives and yields
    the CPU to the build's own process (it may warm up while that process is still finding files).

    The vocabularies are compiled once, then everything alive is frozen out of the garbage collector's scans
    (collections are rare in the process they are forked from, see :func:`_rare_collections`): the workers' memos
    hold many long-lived objects that would otherwise be scanned again and again (about a fifth of the parse time).
    """
    archives.forget_open()
    with contextlib.suppress(AttributeError, OSError):  # the build's own process goes first (see prestart)
        os.nice(10)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    import pyarrow.parquet  # noqa: F401 - (segments are written with it; imported here while warming up)

    from warehouse import record_derive

    record_derive.warm_up()
    gc.freeze()


def parse_chunk(chunk: list[tuple[int, InputFile]], segments: Path, limit: float | None = None,
                cached_file: str | None = None,
                large: frozenset[int] = frozenset()) -> tuple[list[tuple], tuple | None]:
    """Read, hash and (unless cached) parse each document of a chunk, each within ``limit`` seconds.

    The parse cache's keys are those of the build (``_CACHED``), or those listed in ``cached_file`` (for
    workers started before they were known). Returns one ``(doc_key, sha256, cache_key, error)`` per document
    (``error`` only for documents that are not cached: unreadable, or given up after ``limit`` seconds and 2 per
    MB) and, for the newly parsed documents, the segment they were written to under ``segments`` (manifest rows
    and files, see :func:`warehouse.cache.write_segment`). The documents keyed in ``large`` are large (plain,
    compressed or archive members), read as a stream when they can be (:func:`_parse_large`).
    """
    metas: list[tuple] = []
    parts: list[tuple[str, ParsedDocument, bool, dict[str, list[tuple]]]] = []
    streamed: list[tuple] = []
    local: set[str] = set()
    cached = _cached_in(cached_file) if cached_file else _CACHED
    for key, item in chunk:
        parse_pool.mark(key)
        if key in large:
            with contextlib.suppress(NotStreamable):
                meta, staged = _parse_large(key, item, segments, limit, cached, local)
                metas.append(meta)
                if staged is not None:
                    streamed.append(staged)
                continue
        try:
            data = item.read()
        except Exception as exc:  # noqa: BLE001 - a damaged archive member is one unreadable document
            metas.append((key, "", None, f"unreadable: {exc}"))
            continue
        sha = hashlib.sha256(data).hexdigest()
        hit, pkey = _known(sha, item, cached, local)
        if hit is not None:
            metas.append((key, sha, hit, None))
            continue
        allowed = parse_pool.allowed_seconds(limit, len(data))
        try:
            with parse_pool.time_limit(allowed):
                doc = parse_document(item.path, data, sha)
                bound = parse_cache.is_path_bound(doc)
                ck = (pkey or parse_cache.path_key(sha, item)) if bound else sha
                try:
                    rows = parse_cache.entry_rows(ck, doc, bound)
                except Exception as exc:  # noqa: BLE001 - one document's rows must not stop the build
                    doc = ParsedDocument(path=doc.path, sha256=sha, format=doc.format, layout=doc.layout,
                                         error=f"parser failure (staging rows, {type(exc).__name__}): {exc}",
                                         size=doc.size)
                    rows = parse_cache.entry_rows(ck, doc, bound)
        except parse_pool.TookTooLong:  # not cached: a later build, perhaps with more time, tries again
            metas.append(_given_up(key, sha, allowed))
            continue
        del data
        parts.append((ck, doc, bound, rows))
        local.add(ck)
        metas.append((key, sha, ck, None))
    if parts:
        tables = parse_cache.chunk_tables(parts)
        del parts
        streamed.append(parse_cache.write_segment(segments, tables))
    if not streamed:
        return metas, None
    return metas, (pa.concat_tables([docs for docs, _ in streamed]), [f for _, files in streamed for f in files])


def _parse_large(key: int, item: InputFile, segments: Path, limit: float | None, cached: frozenset[str] | set[str],
                 local: set[str]) -> tuple[tuple, tuple | None]:
    """:func:`parse_chunk`'s work for a large document, read as a stream (:mod:`warehouse.stream_parse`): its
    manifest tuple and its segment (None when cached). Raises :class:`NotStreamable` when it must be read whole.
    Reading it (to hash it, then to parse it) is given the time of a document of the size it is stored at."""
    sha = ""
    try:
        allowed = parse_pool.allowed_seconds(limit, stream_parse.stored_bytes(item))
    except OSError as exc:
        return (key, sha, None, f"unreadable: {exc}"), None
    try:
        with parse_pool.time_limit(allowed):
            try:
                stream_parse.check_head(item)
                sha, size = stream_parse.digest(item)
            except (NotStreamable, parse_pool.TookTooLong):
                raise
            except Exception as exc:  # noqa: BLE001 - as a document that cannot be read whole (parse_chunk)
                return (key, sha, None, f"unreadable: {exc}"), None
            hit, _ = _known(sha, item, cached, local)
            if hit is not None:
                return (key, sha, hit, None), None
            staged = stream_parse.parse_into_segment(item, sha, size, segments)
    except parse_pool.TookTooLong:
        return _given_up(key, sha, allowed), None
    local.add(sha)
    return (key, sha, sha, None), staged


def _known(sha: str, item: InputFile, cached: frozenset[str] | set[str],
           local: set[str]) -> tuple[str | None, str | None]:
    """(the cache key under which a document is already parsed, by this build or an earlier one, or None; its path
    key when it was worked out)."""
    if sha in cached or sha in local:
        return sha, None
    pkey = parse_cache.path_key(sha, item) if cached else None  # (it reads the sidecars: only when needed)
    if pkey is not None and (pkey in cached or pkey in local):
        return pkey, pkey
    return None, pkey


def _given_up(key: int, sha: str, allowed: float) -> tuple:
    """The manifest tuple of a document given up after ``allowed`` seconds (not cached: a later build tries again)."""
    return key, sha, None, f"given up after {allowed:.1f} s: reading this document took too long"


@functools.lru_cache(maxsize=1)
def _cached_in(path: str) -> frozenset[str]:
    """The parse cache's keys, one per line in the file at ``path``."""
    with open(path, encoding="utf-8") as fh:
        return frozenset(fh.read().split("\n"))


def _chunks(todo: list[tuple[int, InputFile]], workers: int, sizes: list[int]) -> list[list[tuple[int, InputFile]]]:
    """Parse tasks of consecutive documents: at most :data:`CHUNK_DOCUMENTS` and about :data:`CHUNK_BYTES` (by
    ``sizes``, indexed by document key; a larger document is a task alone), smaller when there is little to do,
    so that each worker gets several."""
    count = max(4, min(CHUNK_DOCUMENTS, len(todo) // (workers * 8) or 1))
    budget = max(1 << 20, min(CHUNK_BYTES, sum(sizes[k] for k, _ in todo) // (workers * 8)))
    chunks: list[list[tuple[int, InputFile]]] = []
    chunk: list[tuple[int, InputFile]] = []
    held = 0
    for k, item in todo:
        if chunk and (len(chunk) == count or held + sizes[k] > budget):
            chunks.append(chunk)
            chunk, held = [], 0
        chunk.append((k, item))
        held += sizes[k]
    if chunk:
        chunks.append(chunk)
    return chunks


def _sizes(items: list[InputFile], stats: list[FileStat | None]) -> list[int]:
    """About how many bytes each document holds: its file's size; an archive's size shared among its members."""
    members = Counter(item.archive for item in items if item.archive is not None)
    return [0 if st is None else st.st_size // (members[item.archive] if item.archive is not None else 1)
            for item, st in zip(items, stats, strict=True)]


def _small(n: int, n_bytes: int) -> bool:
    """Whether ``n`` documents of ``n_bytes`` in all are few and small (see :data:`SMALL_BYTES`)."""
    return n < PARALLEL_THRESHOLD and n_bytes < SMALL_BYTES


def _parsed_here(n: int, n_bytes: int, workers: int) -> bool:
    """Whether ``n`` documents of ``n_bytes`` in all are parsed in this process rather than by worker processes."""
    return workers == 1 or _small(n, n_bytes)


def _task_order(item: InputFile, size: int, zips: frozenset[str] = frozenset()) -> tuple[str, int]:
    """Where a document comes among the parse tasks. Files come largest first (the large ones do not end the build
    alone), and files of one size together: copies and versions of one record (monthly downloads, one record saved
    twice) are mostly of one size, so one worker derives their texts once and the other copies hit its memo, where
    tasks in path order have every worker derive every text again. Members of the archives in ``zips`` (read
    through their directory, in any order) are ordered so by their own size; the members of other archives follow
    the order they are stored in, so a worker reads a compressed tar forward, never from its start again."""
    if item.archive is None:
        return "", -size
    if item.archive in zips and item.member is not None:
        return "", -item.member.size
    return item.read_order()


def _parse_stream(todo: list[tuple[int, InputFile]], sizes: list[int], n_bytes: int, workers: int,
                  segments: Path, limit: float | None, marks: Path, started: ProcessPoolExecutor | None,
                  cached_file: Path | None) -> Iterator[tuple[int, tuple]]:
    """(documents done, chunk result) as chunks finish; in the ``started`` workers if any, else in worker processes
    when the documents (``n_bytes`` in all) are many or large (their notes of what they work on in the folder
    ``marks``)."""
    large = frozenset(k for k, item in todo if stream_parse.is_large(item, sizes[k]))
    task = functools.partial(parse_chunk, segments=segments, limit=limit,
                             cached_file=None if cached_file is None else str(cached_file), large=large)
    zips = frozenset(a for a in {item.archive for _, item in todo} if a is not None and zipfile.is_zipfile(a))
    chunks = _chunks(sorted(todo, key=lambda kv: _task_order(kv[1], sizes[kv[0]], zips)), workers, sizes)
    if started is None and _parsed_here(len(todo), n_bytes, workers):
        for chunk in chunks:
            yield len(chunk), task(chunk)
        return
    # (started workers that parsed a few documents stay for the derive step; after many, their memos are large)
    yield from parse_pool.run(chunks, workers, task, _init_worker, (os.getpid(),), _crashed, marks, started,
                              keep_started=_small(len(todo), n_bytes))


def _crashed(key: int, item: InputFile, why: str) -> tuple[list[tuple], None]:
    """The chunk result of a document given up because it kills the process parsing it (not cached)."""
    try:
        sha = hashlib.sha256(item.read()).hexdigest()
    except Exception:  # noqa: BLE001 - it was readable a moment ago; the verdict stands either way
        sha = ""
    return [(key, sha, None, f"given up: {why}")], None


class _Batcher:
    """Records the manifests of the segments the workers wrote, in batches. An entry already staged (the same
    document parsed by two workers at once, or one the workers did not know of) stays with its first segment; its
    rows in a later one are dead. ``staged``: the keys of the entries already staged, or None to look the keys up
    in the manifest when the batches are recorded (a build with few documents to parse: they are held until
    :meth:`flush`, the manifest not being opened while workers may still be forked)."""

    def __init__(self, stage: parse_cache.Stage, staged: set[str] | None) -> None:
        self.stage = stage
        self.staged = staged
        self.held: list[tuple[pa.Table, list[tuple]]] = []
        self.docs: list[pa.Table] = []
        self.files: list[tuple] = []
        self.dead: list[tuple[str, str, int]] = []
        self.entries = 0
        self.parsed = 0

    def add(self, docs: pa.Table, files: list[tuple]) -> None:
        if self.staged is None:
            self.held.append((docs, files))
            return
        keys = docs.column("ck").to_pylist()
        repeated = [k for k in keys if k in self.staged]
        if repeated:
            import pyarrow.compute as pc  # (only here: ~25 ms of start-up that most builds need not pay)

            mask = pa.array(repeated, pa.string())
            twice = pc.is_in(docs.column("ck"), value_set=mask)
            again = docs.filter(twice)
            self.dead.extend(zip(again.column("seg").to_pylist(), again.column("ck").to_pylist(),
                                 again.column("n_rows").to_pylist(), strict=True))
            docs = docs.filter(pc.invert(twice))
        self.staged.update(keys)
        self.parsed += len(keys) - len(repeated)
        self.docs.append(docs)
        self.files.extend(files)
        self.entries += docs.num_rows
        if self.entries >= FLUSH_ENTRIES:
            self.flush()

    def flush(self) -> None:
        repeats: set[str] = set()
        if self.staged is None:
            held, self.held = self.held, []
            self.staged = self.stage.known(k for docs, _ in held for k in docs.column("ck").to_pylist())
            for docs, files in held:
                self.add(docs, files)
            self.staged = None
            repeats = {seg for seg, _, _ in self.dead}
        if self.docs:
            self.stage.record(pa.concat_tables(self.docs), self.files, self.dead)
        self.docs, self.files, self.dead, self.entries = [], [], [], 0
        if repeats:  # (the rows of entries known already, e.g. of touched files, are removed at once)
            self.stage.compact(repeats)

    def finish(self) -> None:
        """Record what is left; the keys staged (a string per document) are then let go, not held by the merge."""
        self.flush()
        if self.staged:
            self.staged.clear()


class _Light:
    """What linking an id-less page needs of a record (see :func:`warehouse.identity.link_provisional`)."""

    __slots__ = ("trial_id", "brief_title", "official_title", "brief_summary")

    def __init__(self, trial_id: str) -> None:
        self.trial_id = trial_id
        self.brief_title = self.official_title = self.brief_summary = None


def _assign_ids(paths: list[str], shas: list[str], errors: list[str | None]) -> tuple[list[str], list[str | None]]:
    """Document ids (content hash; copies numbered by path) and errors with duplicates marked (see _doc_ids)."""
    errors = list(errors)
    first_path: dict[str, str] = {}
    for i, sha in enumerate(shas):
        if sha and not errors[i]:
            first = first_path.get(sha)
            if first is None:
                first_path[sha] = paths[i]
            else:
                errors[i] = f"duplicate: identical bytes to {first} (already ingested)"
    ids = [sha[:16] if sha else "unreadable" for sha in shas]
    unique = list(ids)
    shared = {doc_id for doc_id, count in Counter(ids).items() if count > 1}
    if shared:
        holders: dict[str, list[int]] = {}
        for i, doc_id in enumerate(ids):
            if doc_id in shared:
                holders.setdefault(doc_id, []).append(i)
        for same in holders.values():
            same.sort(key=lambda i: (errors[i] is not None, paths[i]))
            for n, i in enumerate(same[1:], start=2):
                unique[i] = f"{ids[i]}-{n}"
    return unique, errors


def _printable(path: str) -> str:
    """A path as storable text: a file-name byte that is not UTF-8 is shown as ``\\xff`` (so two names that differ
    only there stay two paths, and the file can be found from its row; U+FFFD showed them alike)."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _identity(con: duckdb.DuckDBPyConnection, stage: parse_cache.Stage, doc_ids: list[str],
              policy: dict) -> tuple[pa.Table, int]:
    """Resolve trials (registry ids, aliases, linking ids; id-less pages linked by title/summary) into ``_map``;
    returns the ``document_links`` rows and the number of links refused (see
    :func:`warehouse.identity.resolve_ids_counted`). Reads the ingested records' ids from ``_recs`` and the other
    registries' ids they name from ``link_index`` (found as they were parsed). Only records that name other ids,
    and id-less pages, reach Python: every other id is a trial of its own, mapped in SQL."""
    naming: dict[tuple[int, int], tuple[str, list[tuple[str, bool]]]] = {}
    for key, rec, tid, value, alias in con.execute(
        "SELECT c.doc_key, l.rec, x.trial_id, l.linked_id, l.is_alias FROM _cur c JOIN link_index l USING (ck) "
        "JOIN _recs x ON x.ck = l.ck AND x.rec = l.rec WHERE c.ingested AND NOT starts_with(x.trial_id, 'DOC-') "
        "ORDER BY c.doc_key, l.rec, l.idx"
    ).fetchall():
        naming.setdefault((key, rec), (tid, []))[1].append((value, alias))
    links = list(naming.values())
    del naming
    touched = sorted({tid for tid, _ in links} | {other for _, named in links for other, _ in named})
    con.register("_touched", pa.table({"trial_id": pa.array(touched, pa.string())}))
    con.execute("CREATE OR REPLACE TEMP TABLE _own AS SELECT DISTINCT trial_id FROM _recs "
                "WHERE NOT starts_with(trial_id, 'DOC-')")
    linked_own = [t for (t,) in con.execute("SELECT trial_id FROM _own SEMI JOIN _touched USING (trial_id)")
                  .fetchall()]
    mapping, refused = identity.resolve_ids_counted(linked_own, links, policy.get("id_preference", []))
    del links, linked_own
    light: dict[tuple[int, int], _Light] = {}
    found: dict[str, identity.DocLink] = {}
    if con.execute("SELECT count(*) FROM _recs WHERE starts_with(trial_id, 'DOC-')").fetchall()[0][0]:
        stage.attach_rows(tables=["records"])  # (pages without an id are linked by their titles and summary)
        for (tid,) in con.execute("SELECT trial_id FROM _own ANTI JOIN _touched USING (trial_id)").fetchall():
            mapping[tid] = tid
        for key, rec, tid, bt, ot, bs in con.execute(
            "SELECT c.doc_key, x.rec, x.trial_id, x.brief_title, x.official_title, x.brief_summary FROM _cur c "
            "JOIN records x USING (ck) WHERE c.ingested ORDER BY c.doc_key, x.rec"
        ).fetchall():
            r = light[(key, rec)] = _Light(tid)
            r.brief_title, r.official_title, r.brief_summary = bt, ot, bs
        known: dict[str, list] = {}
        for r in light.values():
            if r.trial_id in mapping:
                known.setdefault(mapping[r.trial_id], []).append(r)
        provisional = [r for r in light.values() if r.trial_id not in mapping]
        found = identity.link_provisional(provisional, known, policy.get("link_summary_threshold", 0.9))
    link_cols: dict[str, list] = {k: [] for k in ("doc_id", "provisional_id", "trial_id", "candidate_trial_id",
                                                   "score", "method", "linked")}
    for (key, _), r in light.items():
        if r.trial_id in mapping:
            continue
        link = found[r.trial_id]
        for name, value in (("doc_id", doc_ids[key]), ("provisional_id", r.trial_id),
                            ("trial_id", link.candidate if link.linked else r.trial_id),
                            ("candidate_trial_id", link.candidate), ("score", link.score),
                            ("method", link.method), ("linked", link.linked)):
            link_cols[name].append(value)
    targets = mapping
    for pid, link in found.items():
        targets[pid] = link.candidate if link.linked else pid
    con.register("_map_rows", pa.table({"source_trial_id": pa.array(list(targets), pa.string()),
                                        "trial_id": pa.array(list(targets.values()), pa.string())}))
    con.execute("CREATE OR REPLACE TEMP TABLE _map AS SELECT * FROM _map_rows UNION ALL "
                "SELECT trial_id, trial_id FROM _own WHERE trial_id NOT IN (SELECT source_trial_id FROM _map_rows)")
    con.unregister("_map_rows")
    con.unregister("_touched")
    con.execute("DROP TABLE _own")
    return pa.table(link_cols, schema=_LINKS_SCHEMA), refused


#: ``document_links`` rows (pages without an id, linked to a trial or not).
_LINKS_SCHEMA = pa.schema([("doc_id", pa.string()), ("provisional_id", pa.string()), ("trial_id", pa.string()),
                           ("candidate_trial_id", pa.string()), ("score", pa.float64()), ("method", pa.string()),
                           ("linked", pa.bool_())])


def _without_own_files(items: list[InputFile], stats: list[FileStat | None],
                       target: Path) -> tuple[list[InputFile], list[FileStat | None]]:
    """The inputs, and their files' status, less the warehouse itself and its write-ahead log (a warehouse inside
    its input folder; compared by device and inode, so links are caught too)."""
    own = _own_files(target)
    inodes = {ino for _, ino in own}
    keep = [k for k, st in enumerate(stats)
            if st is None or st.st_ino not in inodes or (st.st_dev, st.st_ino) not in own]
    if len(keep) == len(items):
        return items, stats
    return [items[k] for k in keep], [stats[k] for k in keep]


def _own_files(target: Path) -> frozenset[tuple[int, int]]:
    """(device, inode) of the warehouse at ``target`` and of its write-ahead log, those that exist."""
    own = set()
    for path in (target, target.with_name(target.name + ".wal")):
        try:
            st = os.stat(path)
        except OSError:
            continue
        own.add((st.st_dev, st.st_ino))
    return frozenset(own)


def _install(tmp: Path, target: Path) -> list[threading.Thread]:
    """Put the new warehouse in place of the old (atomically). The old file keeps a second name for a moment,
    ``.<db>.old-<pid>``, removed by the thread returned: freeing a large file's blocks takes ext4 ~0.2 s per GB,
    and the rest of the build need not wait for it."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    try:
        os.link(target, old)
    except OSError:  # no old warehouse, or links not supported: replaced (and freed) in one step
        os.replace(tmp, target)
        return []
    os.replace(tmp, target)
    thread = threading.Thread(target=old.unlink, kwargs={"missing_ok": True}, name="free-old", daemon=True)
    thread.start()
    return [thread]


def _clean_leftovers(target: Path) -> None:
    """Remove temporary files of earlier builds of ``target`` whose process is gone (killed builds)."""
    remove_abandoned(target.parent, (f".{target.name}.building-*", f".{target.name}.staging-*",
                                     f".{target.name}.spill-*", f".{target.name}.workers-*", f".{target.name}.old-*"))


def _check_target(target: Path) -> None:
    """Refuse to replace a file that is not a warehouse: a folder, another kind of file, or a DuckDB database
    without the warehouse's ``documents`` and ``build_info`` tables (e.g. a typo in ``--db``)."""
    if target.is_dir():
        raise BuildError(f"{target} is a folder; --db names the warehouse file to write")
    try:
        with open(target, "rb") as fh:
            head = fh.read(16)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise BuildError(f"cannot read the existing {target}: {exc}") from None
    if not head:
        return  # an empty file holds nothing to lose
    if head[8:12] != b"DUCK":  # a DuckDB file starts with a checksum (8 bytes), then this magic
        raise BuildError(f"refusing to replace {target}: it exists and is not a DuckDB warehouse")
    try:
        con = duckdb.connect(str(target), read_only=True)
    except duckdb.Error:
        return  # held open by a reader (locked) or damaged: a warehouse being read, or nothing worth keeping
    try:
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    if not {"documents", "build_info"} <= tables:
        raise BuildError(f"refusing to replace {target}: it is a DuckDB database but not a warehouse "
                         "(no documents and build_info tables)")


def build(inputs: Iterable[str], db_path: str, *, workers: int | None = None, quiet: bool = False,
          cache: bool | None = None, doc_timeout: float | None = parse_pool.DOC_TIMEOUT) -> BuildSummary:
    """Build the warehouse at ``db_path`` from every document under ``inputs``. Atomic: all or nothing.

    ``cache``: keep and use the parse cache in ``<db dir>/.mscwh-cache/`` (default: when there are at least
    :data:`CACHE_MIN_DOCUMENTS` documents). ``doc_timeout``: seconds a document may take before it is rejected,
    plus 2 per MB of it (none or 0: no limit; no limit either when documents are parsed in-process outside the
    main thread).
    """
    with _rare_collections():
        return _build_all(list(inputs), db_path, workers, quiet, cache, doc_timeout)


#: The garbage collector's thresholds in a build's own process (see :func:`_rare_collections`).
BUILD_GC_THRESHOLD = (50_000, 20, 100)


@contextlib.contextmanager
def _rare_collections() -> Iterator[None]:
    """Collect cyclic garbage rarely while a build runs. A build's own process makes an object or two for every
    file (its status, its document, its row of the plan), and at Python's default thresholds the collector scanned
    them again and again: a fifth of the time to find 100,000 files (0.45 s -> 0.35 s without it)."""
    old = gc.get_threshold()
    gc.set_threshold(*BUILD_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _build_all(inputs: list[str], db_path: str, workers: int | None, quiet: bool, cache: bool | None,
               doc_timeout: float | None) -> BuildSummary:
    started = time.perf_counter()
    if not inputs:
        raise BuildError("no --input given")
    missing = [root for root in inputs if not os.path.exists(root)]
    if missing:
        raise BuildError(f"input path does not exist: {missing[0]}")
    workers = workers or max(1, min(os.cpu_count() or 1, 8))
    if not parallel.FORK_AVAILABLE:  # (workers are forked: without fork, documents are parsed here)
        workers = 1
    target = Path(db_path)
    _check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(target)
    # workers started first (while this process is small: forking costs it little) warm up, importing and
    # compiling the vocabularies, while the files are found and compared with the cache
    warm = (parse_pool.prestart(workers, _init_worker, (os.getpid(),), _workers_path(target) / "marks")
            if workers > 1 and cache is not False else None)
    tmp = _tmp_path(target)
    spill = target.with_name(f".{target.name}.spill-{os.getpid()}")
    _remove(tmp)
    # a rebuild that will likely patch the installed warehouse starts copying it as soon as the walk meets an
    # input changed since the warehouse was written (see _build)
    copies: list[BackgroundCopy] = []
    watch = None if cache is False else _copy_watch(target, tmp, copies)
    try:
        items, stats = _without_own_files(*find(inputs, kept=None if cache is False else _listings_path(target),
                                                watch=watch), target)
    except BaseException as exc:
        for copy in copies:
            copy.cancel()
        _stop(warm, target)
        if isinstance(exc, FileNotFoundError):  # (an input removed meanwhile)
            raise BuildError(str(exc)) from None
        raise
    sizes = _sizes(items, stats)
    use_cache = cache if cache is not None else (len(items) >= CACHE_MIN_DOCUMENTS or sum(sizes) >= SMALL_BYTES)
    if warm is not None and not use_cache:  # (too few documents for the cache: parsed here)
        _stop(warm, target)
        warm = None
    early = copies[0] if copies else None
    if early is not None and not use_cache:
        early.cancel()
        early = None
    stage = parse_cache.Stage.open(parse_cache.location(target) if use_cache else None,
                                   target.with_name(f".{target.name}.staging-{os.getpid()}"))
    freeing: list[threading.Thread] = []
    try:
        summary = _build(items, stats, sizes, inputs, stage, target, tmp, spill, workers, warm, quiet,
                         doc_timeout or None, freeing, early)
    except BaseException as exc:
        if early is not None:
            early.cancel()
        _remove(tmp)
        if isinstance(exc, BrokenProcessPool):
            raise BuildError(f"a worker process died: {exc}") from None
        raise
    finally:
        _stop(warm, target)
        stage.release()
        if not stage.persistent:
            parse_cache.remove_db(stage.path)
        shutil.rmtree(spill, ignore_errors=True)
        shutil.rmtree(_workers_path(target), ignore_errors=True)
        for thread in freeing:
            thread.join()
    summary.seconds = time.perf_counter() - started
    return summary


def _copy_watch(target: Path, tmp: Path, started: list[BackgroundCopy]) -> ChangeWatch | None:
    """A watch that starts copying the warehouse at ``target`` to ``tmp`` (appended to ``started``) at the first
    input written or changed after it was: a file's ctime against the warehouse's mtime, both set by the system's
    clock (a file's own mtime may be anything, e.g. from an archive); the warehouse's own files do not count. None
    when there is no warehouse with a parse cache beside it to patch. At 100,000 files the walk takes ~0.45 s,
    which the copy then overlaps."""
    try:
        mark = os.stat(target).st_mtime_ns
    except OSError:
        return None
    if not parse_cache.location(target).exists():
        return None
    return ChangeWatch(mark, lambda: started.append(BackgroundCopy(target, tmp)), _own_files(target))


def _stop(warm: ProcessPoolExecutor | None, target: Path) -> None:
    """Stop the started workers (those still running) and remove their notes."""
    if warm is not None:
        parse_pool.dismiss(warm)
        shutil.rmtree(_workers_path(target), ignore_errors=True)


def _build(items: list[InputFile], stats: list[FileStat | None], sizes: list[int], inputs: list[str],
           stage: parse_cache.Stage, target: Path, tmp: Path, spill: Path, workers: int,
           warm: ProcessPoolExecutor | None, quiet: bool, limit: float | None,
           freeing: list[threading.Thread], early: BackgroundCopy | None) -> BuildSummary:
    clock = time.perf_counter()
    phases: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases[name] = round(now - clock, 3)
        clock = now

    con = _writer(stage.connect(), spill)
    n = len(items)
    paths = [_printable(item.path) for item in items]
    shas: list[str] = [""] * n
    cks: list[str | None] = [None] * n
    unreadable: list[str | None] = [None] * n
    found, gone = stage.unchanged_files(paths, stats)
    by_path: dict[int, tuple[str, str]] = {}  # (unchanged files whose entry, if any, is keyed by their path too)
    for k, sha, cached in found:
        if cached:
            shas[k], cks[k] = sha, sha
        else:
            by_path[k] = (sha, parse_cache.path_key(sha, items[k]))
    if by_path:
        known = stage.known(ck for _, ck in by_path.values())
        for k, (sha, ck) in by_path.items():
            if ck in known:
                shas[k], cks[k] = sha, ck
    todo = [(k, item) for k, item in enumerate(items) if cks[k] is None]
    stat_change = parse_cache.StatChange(dropped=gone)
    del found, by_path
    todo_bytes = sum(sizes[k] for k, _ in todo)
    # with few documents to parse, the cache's keys are not read: the documents are parsed, and any whose entry
    # exists (a file touched, or copied) recorded as dead rows (see _Batcher)
    keys = None if _small(len(todo), todo_bytes) else stage.keys()
    code = parse_cache.code_fingerprint()
    installed = _installed_id(stage, target, code)
    # a patch starts from a copy of the installed warehouse, made in the background: from here when files changed
    # and are parsed in this process or by the started workers (no worker forked meanwhile, unless one dies and
    # its documents are parsed again alone), else once the documents are known to differ; started earlier (``early``)
    # when some input changed after the warehouse was written, and kept if it is needed
    copy = None
    if installed is not None and (todo or stat_change.dropped) and (
            warm is not None or _parsed_here(len(todo), todo_bytes, workers)):
        copy = early or BackgroundCopy(target, tmp)
    elif early is not None:
        early.cancel()
    lap("plan")

    global _CACHED
    try:
        stage.close()  # no open database across fork()
        _CACHED = frozenset(keys or ())
        cached_file = None
        if warm is not None and todo and keys:  # (these workers were forked before the keys were known)
            cached_file = _workers_path(target) / "cached"
            cached_file.parent.mkdir(parents=True, exist_ok=True)
            cached_file.write_text("\n".join(keys), encoding="utf-8")
        batcher = _Batcher(stage, keys)
        del keys
        show = not quiet and sys.stderr.isatty() and len(todo) > 200
        bar = None
        if show:
            import click

            bar = click.progressbar(length=len(todo), label="parsing", file=sys.stderr)
            bar.__enter__()
        try:
            marks = _workers_path(target) / "marks"
            for done, (metas, staged) in _parse_stream(todo, sizes, todo_bytes, workers, stage.segments, limit,
                                                         marks, warm, cached_file):
                for key, sha, ck, error in metas:
                    shas[key], cks[key], unreadable[key] = sha, ck, error
                if staged is not None:
                    batcher.add(*staged)
                if bar is not None:
                    bar.update(done)
            batcher.finish()
        finally:
            _CACHED = frozenset()
            if bar is not None:
                bar.__exit__(None, None, None)
        lap("parse")

        con = _writer(stage.connect(), spill)
        failed = dict(con.execute("SELECT ck, error FROM docs WHERE error IS NOT NULL").fetchall())
        errors = [unreadable[k] if cks[k] is None else failed.get(cks[k]) for k in range(n)]
        del failed
        doc_ids, errors = _assign_ids(paths, shas, errors)
        con.register("_cur_rows", pa.table({
            "doc_key": pa.array(range(n), pa.int32()), "path": pa.array(paths, pa.string()),
            "sha256": pa.array(shas, pa.string()), "ck": pa.array(cks, pa.string()),
            "doc_id": pa.array(doc_ids, pa.string()), "error": pa.array(errors, pa.string()),
            "ingested": pa.array([e is None for e in errors], pa.bool_())}))
        con.execute("CREATE OR REPLACE TEMP TABLE _cur AS SELECT * FROM _cur_rows")
        con.unregister("_cur_rows")
        build_id = _build_id(code, paths, cks, doc_ids, errors)
        stat_change.dropped.update(paths[k] for k, _ in todo)
        current = _installed_summary(target) if installed == build_id else None
        if current is not None:  # the installed warehouse was built from exactly these documents by this code
            stat_change.added = _stat_rows(todo, paths, stats, shas, cks)
            stage.finish_stat(stat_change)
            current.parsed, current.reused = batcher.parsed, _reused(n, todo, cks, batcher.parsed)
            current.notes.append("the warehouse is up to date: nothing to merge")
            if copy is not None:
                copy.cancel()
            lap("check")
            current.phases = phases
            return current

        if copy is None and installed is not None:
            copy = BackgroundCopy(target, tmp)
        policy = load_policy()
        scoped = copy is not None and scope.identity_stands(con, list(policy.get("typed_fields", {}).values()))
        links, refused = (None, None) if scoped else _identity_of_all(con, stage, doc_ids, policy)
        lap("identity")
        _rank(con, policy)
        lap("rank")
        patching = _start_patch(con, copy, tmp, installed, scoped)
        if patching is None and scoped:  # the copy cannot be patched after all: every trial is merged
            scoped = False
            links, refused = _identity_of_all(con, stage, doc_ids, policy)
            _rank(con, policy)
        if patching is not None:  # only the changed trials are merged: read only the segments holding their records
            segs = con.execute("SELECT DISTINCT d.seg FROM _src JOIN docs d USING (ck)").fetchall()
            stage.attach_rows(s for (s,) in segs)
        else:
            stage.attach_rows()
            wcon = duckdb.connect(str(tmp))
            try:
                schema.create(wcon)
            finally:
                wcon.close()
            con.execute(f"ATTACH {literal(tmp)} AS wh {_WAREHOUSE_OPTIONS}")
        try:
            _fill_documents(con, patched=patching is not None, scoped=scoped)
            if links is not None:
                con.register("_links", links)
                con.execute("INSERT INTO wh.document_links BY NAME SELECT * FROM _links")
                con.unregister("_links")
            sql_fill(con, policy)
            lap("merge")
            con.execute("CHECKPOINT wh")
        finally:
            con.execute("DETACH wh")
        for t in ("_recs", "_tiers"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        if patching is not None:
            copy.wait()  # (its flush, done by now: the checkpoint synced the file)
        lap("checkpoint")
        if copy is not None:
            phases["merge: copy wait"] = round(copy.waited, 3)

        wcon = _writer(duckdb.connect(), spill)
        try:
            wcon.execute(f"ATTACH {literal(tmp)} AS wh {_WAREHOUSE_OPTIONS}")  # (other row groups: a rewrite)
            wcon.execute("USE wh")
            with parallel.running_workers(warm):  # (their vocabularies compiled: for trials told by several records)
                derive.run_all(wcon, prefilled=True, patched=patching is not None)
            lap("derive")
            schema.record_build_info(wcon, inputs_fingerprint=_fingerprint_shas(shas), build_id=build_id)
            schema.validate(wcon, expected_documents=n)
            summary = _summarize(wcon)
            wcon.execute("CHECKPOINT")
        finally:
            wcon.close()
        _remove(target.with_name(target.name + ".wal"))
        freeing.extend(_install(tmp, target))
        lap("validate+install")
    except BaseException:
        if copy is not None:
            copy.cancel()
        raise
    summary.parsed = batcher.parsed
    summary.reused = _reused(n, todo, cks, batcher.parsed)
    if stage.persistent:
        stat_change.added = _stat_rows(todo, paths, stats, shas, cks)  # (made after the merge: not held through it)
        try:
            stage.finish([c for c in cks if c is not None], stat_change, build=(build_id, code),
                         patched=patching is not None, scoped=scoped, refused=refused)
        except duckdb.Error as exc:
            stage.note = f"parse cache not updated: {exc}"
    for t in ("_cur", "_map", "_changed", "_scope"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    if patching is not None:
        summary.notes.append(f"patched the previous warehouse: {patching} trials changed")
    if stage.note:
        summary.notes.append(stage.note)
    lap("cache")
    summary.phases = phases
    return summary


def _identity_of_all(con: duckdb.DuckDBPyConnection, stage: parse_cache.Stage, doc_ids: list[str],
                     policy: dict) -> tuple[pa.Table, int]:
    """Trial identity of every ingested record (``_map``) and what ranking reads of each (``_recs``); returns the
    ``document_links`` rows and the links refused (see :func:`_identity`)."""
    dates = "".join(f', "{t}"' for t in policy.get("typed_fields", {}).values())
    con.execute(f"CREATE OR REPLACE TEMP TABLE _recs AS SELECT ck, rec, trial_id, last_update_date{dates} "
                "FROM rec_index WHERE ck IN (SELECT ck FROM _cur WHERE ingested)")
    return _identity(con, stage, doc_ids, policy)


def _rank(con: duckdb.DuckDBPyConnection, policy: dict) -> None:
    """``_src``: the ranked records of the trials in ``_map`` (see :func:`warehouse.merge.sql_rank`); ``_sigs``
    their signatures."""
    ranker = Ranker(policy)
    formats = [f for (f,) in con.execute("SELECT DISTINCT d.format FROM _cur c JOIN docs d USING (ck) "
                                         "WHERE c.ingested AND d.format IS NOT NULL").fetchall()]
    con.register("_tier_rows", pa.table({"format": pa.array(formats, pa.string()),
                                         "tier": pa.array([ranker.tier_of(f) for f in formats], pa.int32())}))
    con.execute("CREATE OR REPLACE TEMP TABLE _tiers AS SELECT * FROM _tier_rows")
    con.unregister("_tier_rows")
    for stmt in sql_rank(policy, records="_recs"):
        con.execute(stmt)
    con.execute(SQL_SIGNATURES)


_DOCUMENT_ROWS = """
    SELECT c.doc_id, c.path, c.sha256, d.format, d.layout,
           CASE WHEN c.ingested THEN 'ingested' ELSE 'rejected' END AS status, c.error,
           coalesce(d.size_bytes, 0) AS size_bytes, CASE WHEN c.ingested THEN d.n_trials ELSE 0 END AS n_trials,
           d.warnings
    FROM _cur c LEFT JOIN docs d USING (ck)"""


def _fill_documents(con: duckdb.DuckDBPyConnection, patched: bool, scoped: bool = False) -> None:
    """``documents`` of this build: written whole, or (``patched``) only the rows that differ from the copy (those
    of the paths in ``_changed`` when ``scoped``: the others' entries, ids and verdicts are the copy's)."""
    if not patched:
        con.execute(f"INSERT INTO wh.documents BY NAME {_DOCUMENT_ROWS} ORDER BY c.doc_key")
        return
    if scoped:
        con.execute("DELETE FROM wh.documents WHERE path IN (SELECT path FROM _changed)")
        con.execute(f"INSERT INTO wh.documents BY NAME {_DOCUMENT_ROWS} "
                    "WHERE c.path IN (SELECT path FROM _changed) ORDER BY c.doc_id")
        return
    con.execute(f"CREATE OR REPLACE TEMP TABLE _docs_new AS {_DOCUMENT_ROWS}")
    con.execute("CREATE OR REPLACE TEMP TABLE _docs_gone AS "
                "SELECT doc_id FROM (FROM wh.documents EXCEPT FROM _docs_new)")
    con.execute("DELETE FROM wh.documents WHERE doc_id IN (SELECT doc_id FROM _docs_gone)")
    con.execute("INSERT INTO wh.documents BY NAME SELECT * FROM _docs_new "
                "WHERE doc_id NOT IN (SELECT doc_id FROM wh.documents) ORDER BY doc_id")
    con.execute("DROP TABLE _docs_new")
    con.execute("DROP TABLE _docs_gone")


def _start_patch(con: duckdb.DuckDBPyConnection, copy: BackgroundCopy | None, tmp: Path,
                 installed: str | None, scoped: bool = False) -> int | None:
    """Start the new warehouse as a copy of the previous one, less the trials whose records changed.

    Only when the previous warehouse is the one this cache last installed (build id ``installed``), built by the
    same code, and complete on disk (no write-ahead log): then ``copy`` is copying it to ``tmp``, and the copy
    must still have that build id (another build may have installed its own warehouse meanwhile). Trials whose
    signature (``_sigs``) differs, appeared or disappeared are deleted from the copy and ``_src`` keeps only
    theirs, so the merge re-creates exactly them; documents are updated where they differ and page links
    rewritten whole. ``scoped`` (identity unchanged, see :func:`warehouse.scope.identity_stands`): only the
    trials in ``_scope`` were ranked, so only their signatures are compared, and page links are kept. Returns the
    number of changed trials, or None (full build): the result equals a full build's rows (the order of rows may
    differ).
    """
    if copy is None:
        return None
    old = "(FROM trial_sigs SEMI JOIN _scope USING (trial_id))" if scoped else "trial_sigs"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _dirty AS
        SELECT coalesce(n.trial_id, o.trial_id) AS trial_id FROM _sigs n FULL JOIN {old} o USING (trial_id)
        WHERE n.sig IS DISTINCT FROM o.sig""")
    copy.wait_copied()  # (its flush to disk goes on meanwhile)
    con.execute(f"ATTACH {literal(tmp)} AS wh {_WAREHOUSE_OPTIONS}")
    copied = con.execute("SELECT value FROM wh.build_info WHERE key = 'build_id'").fetchall()
    if copied != [(installed,)]:
        con.execute("DETACH wh")
        _remove(tmp)
        return None
    for table in (*TRIAL_TABLES, *CHILD_TABLES):
        con.execute(f'DELETE FROM wh."{table}" WHERE trial_id IN (SELECT trial_id FROM _dirty)')
    if not scoped:  # (scoped: page links as they were)
        con.execute("DELETE FROM wh.document_links")
    con.execute("DELETE FROM wh.build_info WHERE key <> 'parsers'")  # (the same code's: see record_build_info)
    con.execute("DELETE FROM _src WHERE trial_id NOT IN (SELECT trial_id FROM _dirty)")
    return con.execute("SELECT count(*) FROM _dirty").fetchone()[0]


def _stat_rows(todo: list[tuple[int, InputFile]], paths: list[str], stats: list[FileStat | None], shas: list[str],
               cks: list[str | None]) -> list[tuple[str, str, str]]:
    """The (path, signature, sha256) the cache records of the files read by this build (those it could read)."""
    return [(paths[k], signature(stats[k]), shas[k]) for k, _ in todo if stats[k] is not None and cks[k] is not None]


def _reused(n: int, todo: list[tuple[int, InputFile]], cks: list[str | None], parsed: int) -> int:
    """Documents whose cache entry served this build (not parsed, not unreadable)."""
    return n - len(todo) + sum(1 for k, _ in todo if cks[k] is not None) - parsed


def _installed_id(stage: parse_cache.Stage, target: Path, code: str) -> str | None:
    """The build id of the warehouse at ``target`` when it is complete on disk (no write-ahead log) and is the one
    this cache last installed, built by ``code``; else None."""
    if not stage.persistent or not target.is_file() or target.with_name(target.name + ".wal").exists():
        return None
    last_id, last_code = stage.last_build()
    if last_id is None or last_code != code:
        return None
    try:
        con = duckdb.connect(str(target), read_only=True)
        try:
            row = con.execute("SELECT value FROM build_info WHERE key = 'build_id'").fetchone()
        finally:
            con.close()
    except duckdb.Error:
        return None
    return last_id if row is not None and row[0] == last_id else None


def _installed_summary(target: Path) -> BuildSummary | None:
    """The summary of the installed warehouse (used when its build id is this build's: same documents, entries,
    verdicts and code, see :func:`_installed_id`); None when it cannot be read."""
    try:
        con = duckdb.connect(str(target), read_only=True)
        try:
            return _summarize(con)
        finally:
            con.close()
    except duckdb.Error:
        return None


def _build_id(code: str, *columns: list[str | None]) -> str:
    """What a warehouse is built from (its documents' paths, cache entries, ids and verdicts) and with (code)."""
    digest = hashlib.sha256(code.encode())
    for column in columns:  # (a missing value is "\x00", which no path, key, id or message holds)
        digest.update("\x1f".join(["\x00" if v is None else v for v in column]).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    return digest.hexdigest()[:16]


def _fingerprint(docs: list[ParsedDocument]) -> str:
    return _fingerprint_shas([d.sha256 for d in docs])


def _fingerprint_shas(shas: list[str]) -> str:
    return hashlib.sha256("".join(sorted(shas)).encode()).hexdigest()[:16]


def _summarize(con: duckdb.DuckDBPyConnection) -> BuildSummary:
    s = BuildSummary()
    s.documents, s.ingested, s.rejected = con.execute(
        "SELECT count(*), count(*) FILTER (status = 'ingested'), count(*) FILTER (status = 'rejected') FROM documents"
    ).fetchone()
    s.trials = con.execute("SELECT count(*) FROM trials").fetchone()[0]
    s.rejections = con.execute(
        "SELECT path, error FROM documents WHERE status = 'rejected' ORDER BY path"
    ).fetchall()
    for (table,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall():
        s.tables[table] = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    return s
