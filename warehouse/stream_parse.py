"""A document too large to hold whole (a registry download of thousands of studies) parsed as a stream.

Read whole, a JSON download costs about seven times its size in memory at its peak (its text, its tree, its
records and their rows at once). A plain file of :data:`STREAM_BYTES` or more whose parser can stream it
(:meth:`ingest.base.Parser.stream`) is instead read a block at a time and its records parsed, derived and
written a batch at a time, into a segment of its own (:class:`warehouse.cache.SegmentWriter`): memory holds one
block and one batch. Its rows are those of reading it whole (``tests/test_stream_parse.py``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pyarrow as pa

from ingest.dispatch import failure, stream_document
from ingest.errors import NotStreamable
from warehouse import cache as parse_cache
from warehouse.discover import InputFile

#: Plain files at least this large are read as a stream when their parser can.
STREAM_BYTES = 32 << 20
#: Records parsed, derived and written at a time.
BATCH_RECORDS = 1000


def is_large(item: InputFile, size: int) -> bool:
    """True for a plain file of :data:`STREAM_BYTES` or more (``size``: its size; archive members and ``.gz`` files
    are read whole, within the archive's size bound)."""
    return item.archive is None and not item.path.endswith(".gz") and size >= STREAM_BYTES


def file_sha256(path: str) -> str:
    """The hex sha256 of a file, read a block at a time."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def parse_into_segment(path: str, sha256: str, segments: Path) -> tuple[pa.Table, list[tuple[str, str, int, int]]]:
    """Parse the file at ``path`` as a stream into a new segment under ``segments`` (its cache key is its sha256);
    returns its manifest row and files as :func:`warehouse.cache.write_segment` does. A document that turns out
    not to be valid is a rejected entry with no rows.

    Raises :class:`NotStreamable` (nothing left written) when the file must be read whole.
    """
    with open(path, "rb") as fh:
        doc, batches = stream_document(path, fh, sha256, os.fstat(fh.fileno()).st_size, BATCH_RECORDS)
        writer = parse_cache.SegmentWriter(segments)
        try:
            n_records = n_rows = 0
            try:
                for records in batches:
                    rows = parse_cache.record_rows(sha256, records, n_records, doc)
                    writer.add(rows, doc)
                    n_records += len(records)
                    n_rows += sum(len(v) for v in rows.values())
            except NotStreamable:
                raise
            except Exception as exc:  # noqa: BLE001 - the document is rejected, as when it is read whole
                doc.error, doc.records = failure(exc), []
                writer.discard()
                writer = parse_cache.SegmentWriter(segments)
                n_records = n_rows = 0
            # (a machine format: its rows depend on its bytes only, as is_path_bound says)
            return writer.finish(parse_cache.manifest_row(sha256, doc, False, n_records, n_rows))
        except BaseException:
            writer.discard()
            raise
