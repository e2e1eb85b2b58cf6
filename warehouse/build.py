"""Build the warehouse: discover → parse (in worker processes) → merge → bulk load → derive → validate → swap.

The new warehouse is written to a temporary file beside the target and only replaces it (``os.replace``,
atomic on POSIX) once it validates, so an error or a kill midway leaves the previous warehouse intact.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from ingest.dispatch import parse_document
from ingest.model import ParsedDocument
from warehouse import derive, identity, schema
from warehouse.discover import InputFile, discover
from warehouse.merge import Source, load_policy, merge
from warehouse.tables import build_frames

#: Fewer documents than this are parsed in the main process (worker start-up would cost more).
PARALLEL_THRESHOLD = 64


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

    def render(self) -> str:
        lines = [
            f"documents read: {self.documents}  ingested: {self.ingested}  rejected: {self.rejected}",
            f"trials: {self.trials}  time: {self.seconds:.1f} s",
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
    except OSError as exc:
        doc = ParsedDocument(path=item.path, sha256="", error=f"unreadable: {exc}")
        return doc
    return parse_document(item.path, data)


def parse_all(items: list[InputFile], workers: int | None = None,
              progress: Callable[[int], None] | None = None) -> list[ParsedDocument]:
    """Parse every input, in worker processes when there are many; results in input order."""
    workers = workers or max(1, min(os.cpu_count() or 1, 8))
    results: list[ParsedDocument] = []
    if workers == 1 or len(items) < PARALLEL_THRESHOLD:
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


def _tmp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.building-{os.getpid()}")


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def build(inputs: Iterable[str], db_path: str, *, workers: int | None = None, quiet: bool = False) -> BuildSummary:
    """Build the warehouse at ``db_path`` from every document under ``inputs``. Atomic: all or nothing."""
    started = time.perf_counter()
    inputs = list(inputs)
    if not inputs:
        raise BuildError("no --input given")
    try:
        items = discover(inputs)
    except FileNotFoundError as exc:
        raise BuildError(str(exc)) from None

    show = not quiet and sys.stderr.isatty() and len(items) > 200
    if show:
        import click

        with click.progressbar(length=len(items), label="parsing", file=sys.stderr) as bar:
            docs = parse_all(items, workers, progress=bar.update)
    else:
        docs = parse_all(items, workers)

    doc_ids, _ = _doc_ids(docs)
    policy = load_policy()
    groups, links = group_sources(docs, doc_ids, policy)
    frames = build_frames(merge(groups, policy))
    frames["documents"] = documents_frame(docs, doc_ids)
    frames["document_links"] = links

    target = Path(db_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_path(target)
    _remove(tmp)
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute("SET preserve_insertion_order = true")
            schema.create(con)
            load(con, frames)
            derive.run_all(con)
            schema.record_build_info(con, inputs_fingerprint=_fingerprint(docs))
            schema.validate(con, expected_documents=len(items))
            summary = _summarize(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        _remove(target.with_name(target.name + ".wal"))
        os.replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise
    summary.seconds = time.perf_counter() - started
    return summary


def _fingerprint(docs: list[ParsedDocument]) -> str:
    import hashlib

    h = hashlib.sha256()
    for sha in sorted(d.sha256 for d in docs):
        h.update(sha.encode())
    return h.hexdigest()[:16]


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
