"""What the CSV downloads share: their header line, a reader that takes long values, and the lines of a large file
read as a stream."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO, TextIO

from ingest.errors import NotStreamable

#: The longest value a CSV cell may hold (``csv``'s default, 128 KiB, is less than some eligibility criteria).
FIELD_LIMIT = 16 * 1024 * 1024


def header(text: str) -> list[str]:
    """The cells of the first line of ``text`` (none when it is not a CSV line)."""
    text = text.lstrip("\ufeff")
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    try:
        return next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return []


def reader(lines: Iterable[str]):
    """``csv.reader`` over ``lines``, taking values up to :data:`FIELD_LIMIT` long."""
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)
    return csv.reader(lines)


@contextlib.contextmanager
def utf8_lines(fh: BinaryIO) -> Iterator[TextIO]:
    """The binary file ``fh`` as UTF-8 text (a byte-order mark skipped); text that is not UTF-8 raises
    :class:`NotStreamable` (the document is then read whole, which decodes it as any document)."""
    lines = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="strict", newline="")
    try:
        yield lines
    except UnicodeDecodeError as exc:
        raise NotStreamable(f"not UTF-8 text ({exc.reason})") from None
    finally:
        lines.detach()
