"""The members of a zip archive that lost its directory (a download cut short), found from their own headers.

A zip archive lists its members in a directory at its end, so an archive cut short cannot be opened by
``zipfile`` at all. Every member is also preceded by a local header (name, compression method and, unless a data
descriptor follows the data, its sizes): reading these one after another from the start finds the members stored
before the cut. A deflated member whose sizes follow its data is inflated to find where it ends.
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

LOCAL_HEADER = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"
_DESCRIPTOR = b"PK\x07\x08"
_HEADER = struct.Struct("<4sHHHHHIIIHH")
STORED, DEFLATED = 0, 8
_ENCRYPTED, _HAS_DESCRIPTOR, _UTF8 = 0x1, 0x8, 0x800


def looks_like_zip(head: bytes) -> bool:
    """Whether a file starting with ``head`` is a zip archive (of at least one member)."""
    return head.startswith(LOCAL_HEADER)


def salvage(fh: BinaryIO, limit: int) -> tuple[list[tuple[str, int, int, int, int]], str]:
    """The members found in the zip archive ``fh`` (read from its start), each as (name, offset of its data,
    method, stored size, size), and why the search stopped (``limit``: no member is inflated past it). A method
    other than stored or deflated, or an encrypted member, is given as method -1; a member the end of the file
    cuts has stored size -1."""
    found: list[tuple[str, int, int, int, int]] = []
    pos = 0
    while True:
        fh.seek(pos)
        raw = fh.read(_HEADER.size)
        if len(raw) < _HEADER.size:
            return found, "the file ends"
        sig, _, flags, method, _, _, _, stored, size, name_len, extra_len = _HEADER.unpack(raw)
        if sig == _CENTRAL:
            return found, "its directory is cut short"
        if sig != LOCAL_HEADER:
            return found, f"no member header at byte {pos}"
        name_raw, extra = fh.read(name_len), fh.read(extra_len)
        if len(name_raw) < name_len or len(extra) < extra_len:
            return found, "the file ends"
        name = name_raw.decode("utf-8" if flags & _UTF8 else "cp437", "replace")
        data = pos + _HEADER.size + name_len + extra_len
        zip64 = stored == 0xFFFFFFFF or size == 0xFFFFFFFF
        if zip64:
            size, stored = _zip64_sizes(extra, size, stored)
        kind = -1 if flags & _ENCRYPTED or method not in (STORED, DEFLATED) else method
        if flags & _HAS_DESCRIPTOR:  # (where its data ends is written only after it)
            if method == DEFLATED:
                try:
                    stored, size = _inflated_extent(fh, data, limit)
                except zlib.error as exc:
                    found.append((name, data, -1, -1, -1))
                    return found, f"member {name!r} is damaged ({exc})"
                if stored == -2:
                    found.append((name, data, kind, -1, -1))
                    return found, f"member {name!r} inflates past {limit} bytes"
            elif method == STORED:
                stored = size = _stored_extent(fh, data, zip64)
            else:
                found.append((name, data, -1, -1, -1))
                return found, f"cannot find where member {name!r} ends"
            if stored < 0:
                found.append((name, data, kind, -1, -1))
                return found, "the file ends"
        if not name.endswith("/"):
            found.append((name, data, kind, stored, size))
        pos = data + stored
        if flags & _HAS_DESCRIPTOR:
            pos = _after_descriptor(fh, pos, zip64)


def _zip64_sizes(extra: bytes, size: int, stored: int) -> tuple[int, int]:
    at = 0
    while at + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, at)
        if tag == 0x0001 and length >= 16:
            return struct.unpack_from("<QQ", extra, at + 4)
        at += 4 + length
    return size, stored


def _inflated_extent(fh: BinaryIO, start: int, limit: int) -> tuple[int, int]:
    """(stored size, size) of the deflate stream at ``start``; (-1, -1) when the file ends inside it, (-2, -2)
    when it inflates past ``limit`` bytes (a bomb is not inflated to its end, nor held)."""
    fh.seek(start)
    inflate = zlib.decompressobj(-15)
    fed = size = 0
    while not inflate.eof:
        block = fh.read(1 << 20)
        if not block:
            return -1, -1
        fed += len(block)
        size += len(inflate.decompress(block, 1 << 24))
        while inflate.unconsumed_tail and not inflate.eof and size <= limit:
            size += len(inflate.decompress(inflate.unconsumed_tail, 1 << 24))
        if size > limit:
            return -2, -2
    return fed - len(inflate.unused_data), size


def _stored_extent(fh: BinaryIO, start: int, zip64: bool) -> int:
    """The size of the stored data at ``start``: up to the first descriptor signature whose recorded size is its
    distance from ``start``; -1 when the file ends first."""
    fmt = "<Q" if zip64 else "<I"
    at = start
    carry = b""
    while True:
        fh.seek(at)
        block = fh.read(1 << 20)
        if not block:
            return -1
        window = carry + block
        base = at - len(carry)
        i = window.find(_DESCRIPTOR)
        while i >= 0:
            fh.seek(base + i + 8)
            recorded = fh.read(struct.calcsize(fmt))
            if len(recorded) == struct.calcsize(fmt) and struct.unpack(fmt, recorded)[0] == base + i - start:
                return base + i - start
            i = window.find(_DESCRIPTOR, i + 1)
        carry = window[-3:]
        at += len(block)


def _after_descriptor(fh: BinaryIO, pos: int, zip64: bool) -> int:
    """Where the next header starts after the data descriptor at ``pos`` (its signature is optional)."""
    fh.seek(pos)
    head = fh.read(4)
    body = 20 if zip64 else 12
    return pos + (4 if head == _DESCRIPTOR else 0) + body


def inflate(stored: bytes, size: int, limit: int) -> bytes:
    """A salvaged member's bytes from its stored (deflated) bytes, at most ``limit`` + 1 of them."""
    inflate = zlib.decompressobj(-15)
    data = inflate.decompress(stored, limit + 1)
    if not inflate.eof and len(data) <= limit:
        raise OSError(f"the member's compressed data is cut short ({len(data)} of {size} bytes)")
    return data
