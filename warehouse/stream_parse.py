"""A document too large to hold whole (a registry download of thousands of studies) parsed as a stream.

Read whole, a JSON download costs about seven times its size in memory at its peak (its text, its tree, its
records and their rows at once). A document of :data:`STREAM_BYTES` or more (a plain file, a compressed ``.gz``,
``.bz2`` or ``.xz`` file or an archive member) whose parser can stream it (:meth:`ingest.base.Parser.stream`)
is instead read a block at a time and its records parsed, derived and written a batch at a time, into a segment
of its own (:class:`warehouse.cache.SegmentWriter`): memory holds one block and one batch. Its rows are those of
reading it whole (``tests/test_stream_parse.py``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pyarrow as pa

from ingest.dispatch import PAGE_SAMPLE, failure, stream_document, stream_parser
from ingest.errors import NotStreamable
from warehouse import cache as parse_cache
from warehouse.discover import InputFile

#: Documents at least this large (plain files and archive members; compressed files an eighth of it compressed) are
#: read as a stream when their parser can.
STREAM_BYTES = 32 << 20
#: Records parsed, derived and written at a time.
BATCH_RECORDS = 1000


def is_large(item: InputFile, size: int) -> bool:
    """Whether ``item`` is worth reading as a stream (``size``: the size of its file): a plain file of
    :data:`STREAM_BYTES` or more, an archive member that large, or a compressed file (``.gz``, ``.bz2``, ``.xz``)
    that inflates to about that (an eighth of it compressed; what a document inflates to is known once it is read)."""
    if item.archive is not None:
        return item.member is not None and item.member.size >= STREAM_BYTES
    if item.damage is not None:
        return False
    return size >= (STREAM_BYTES // 8 if item.compressed else STREAM_BYTES)


def stored_bytes(item: InputFile) -> int:
    """The bytes ``item`` takes where it is stored (a compressed file as stored; a member as the archive says)."""
    if item.archive is not None and item.member is not None:
        return max(item.member.size, 0)
    return os.path.getsize(item.path)


def check_head(item: InputFile) -> None:
    """For a compressed file, raise :class:`NotStreamable` unless its first bytes show a format that streams it, so
    that what inflates to something else (a bomb) is not inflated to its end to hash it: it is read whole, within
    the bound. Other documents state their size (a plain file, an archive member) and are hashed first, as they
    may be cached (a member of a compressed tar is not read again from the archive's start to check its head)."""
    if not item.compressed:
        return
    with item.open() as fh:
        stream_parser(fh.read(PAGE_SAMPLE), item.path)


def digest(item: InputFile) -> tuple[str, int]:
    """The hex sha256 of the document's bytes and how many there are, read a block at a time."""
    if item.archive is None and not item.compressed:
        with open(item.path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest(), os.fstat(fh.fileno()).st_size
    h, n = hashlib.sha256(), 0
    with item.open() as fh:
        while block := fh.read(1 << 20):
            h.update(block)
            n += len(block)
    return h.hexdigest(), n


def parse_into_segment(item: InputFile, sha256: str, size: int,
                       segments: Path) -> tuple[pa.Table, list[tuple[str, str, int, int]]]:
    """Parse the document ``item`` (``size`` bytes) as a stream into a new segment under ``segments`` (its cache
    key is its sha256); returns its manifest row and files as :func:`warehouse.cache.write_segment` does. A
    document that turns out not to be valid is a rejected entry with no rows.

    Raises :class:`NotStreamable` (nothing left written) when the file must be read whole.
    """
    with item.open() as fh:
        doc, batches = stream_document(item.path, fh, sha256, size, BATCH_RECORDS)
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
