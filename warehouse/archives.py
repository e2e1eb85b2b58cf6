"""Members of .zip and .tar archives: listed once, then read without reading the archive again for each member.

A zip archive has a directory: a process opens it once and reads any member directly (one cut short has lost
it: its members are found from their own headers, :mod:`warehouse.zip_salvage`). A tar archive has none,
so its members are listed in one pass, each with where its bytes start in the (uncompressed) archive
(:class:`Member`). A member of a plain tar is then one read at that offset. A member of a compressed tar
(gzip, bzip2, xz) is read from the process's open decompressed stream of the archive: moving forward costs the
bytes in between, moving back starts the stream again, so members are read in the order they are stored
(:func:`read_order`). Reading each member by opening the archive and looking for its name, as before, read
the archive from the start for every member: a .tar.gz of 10,900 records was not built in 10 minutes.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from warehouse import zip_salvage

#: Refuse to inflate an archive member or .gz file past this size (a decompression bomb guard).
MAX_MEMBER_BYTES = 256 * 1024 * 1024

_OPENERS = {b"\x1f\x8b": gzip.open, b"BZh": bz2.open, b"\xfd7zXZ\x00": lzma.open}


@dataclass(frozen=True, slots=True)
class Member:
    """A file in an archive: its name and, in a tar, where its bytes start and how many there are (in a zip
    without its directory, also how they are stored: :mod:`warehouse.zip_salvage`)."""

    name: str
    offset: int = -1
    size: int = -1
    method: int = zip_salvage.STORED
    stored: int = -1


def list_members(path: str) -> list[Member]:
    """The files of the archive at ``path``, sorted by name (a name stored twice in a tar: its last copy, as
    ``tar`` extracts it; a link to a file stored before it: that file's bytes under the link's name).

    Raises what reading a damaged archive raises (``zipfile.BadZipFile``, ``tarfile.TarError``, ``OSError``,
    ``EOFError``), or :class:`ArchiveCut` when the archive stops after some members (a tar damaged or cut short,
    a zip without its directory)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return sorted((Member(i.filename, -1, i.file_size) for i in zf.infolist() if not i.is_dir()),
                          key=lambda m: m.name)
    with open(path, "rb") as fh:
        if zip_salvage.looks_like_zip(fh.read(4)):
            return _salvaged(path, *zip_salvage.salvage(fh, MAX_MEMBER_BYTES))
    found: dict[str, Member] = {}
    try:
        with tarfile.open(path) as tf:
            for info in tf:  # (one pass over the archive)
                if info.isfile():
                    found[info.name] = Member(info.name, -1 if info.issparse() else info.offset_data, info.size)
                elif (info.islnk() or info.issym()) and (target := found.get(_link_target(info))) is not None:
                    found[info.name] = Member(info.name, target.offset, target.size)  # (a link: its file's bytes)
    except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
        if not found:
            raise
        raise ArchiveCut([found[name] for name in sorted(found)],
                         f"archive damaged or cut short after {len(found)} members: {exc}") from None
    return [found[name] for name in sorted(found)]


def _salvaged(path: str, found: list[tuple[str, int, int, int, int]], why: str) -> list[Member]:
    """The members of a zip archive without its directory (never complete: :class:`ArchiveCut`)."""
    members = {name: Member(name, offset, size, method, stored) for name, offset, method, stored, size in found}
    if not members:
        raise zipfile.BadZipFile(f"{path}: a zip archive without its directory, and no member in it ({why})")
    raise ArchiveCut([members[name] for name in sorted(members)],
                     f"zip archive without its directory (cut short?): {len(members)} members found before {why}")


def _link_target(info: tarfile.TarInfo) -> str:
    """The member a link names: a hard link by its name in the archive, a symbolic link relative to its folder."""
    if info.islnk():
        return info.linkname
    return os.path.normpath(os.path.join(os.path.dirname(info.name), info.linkname))


class ArchiveCut(Exception):
    """An archive damaged or cut short after some members (a download that stopped early): the members found
    before (the last may be cut too: reading it fails) and why it stops."""

    def __init__(self, members: list[Member], reason: str) -> None:
        super().__init__(reason)
        self.members, self.reason = members, reason


def read_member(archive: str, member: Member, label: str) -> bytes:
    """The bytes of ``member`` of ``archive`` (``label``: the document's path, for errors), within
    :data:`MAX_MEMBER_BYTES`."""
    if member.size > MAX_MEMBER_BYTES:  # (as the archive says: not read at all)
        raise _too_large(label)
    opened = _opened(archive)
    if isinstance(opened, zipfile.ZipFile):
        with opened.open(member.name) as fh:
            return bounded(fh.read(MAX_MEMBER_BYTES + 1), label)
    if member.offset < 0:  # (a sparse member: its bytes are not stored in one run)
        with tarfile.open(archive) as tf:
            fh = tf.extractfile(member.name)
            return bounded(fh.read(MAX_MEMBER_BYTES + 1) if fh else b"", label)
    if member.size < 0 or member.method < 0:
        raise OSError(f"{label}: " + ("the archive ends inside this member" if member.method >= 0
                                      else "encrypted, or compressed by a method that cannot be read"))
    opened.seek(member.offset)  # (a compressed stream moves back by starting again)
    if member.method == zip_salvage.DEFLATED:
        stored = opened.read(member.stored)
        if len(stored) < member.stored:
            raise OSError(f"{label}: the archive ended inside this member")
        return bounded(zip_salvage.inflate(stored, member.size, MAX_MEMBER_BYTES), label)
    data = opened.read(member.size)
    if len(data) < member.size:
        raise OSError(f"{label}: the archive ended inside this member ({len(data)} of {member.size} bytes)")
    return data


def open_member(archive: str, member: Member) -> BinaryIO:
    """A binary stream of ``member``'s bytes, not bounded (for reading a large member a block at a time); it may
    share the process's open archive, so nothing else of that archive is read until it is closed."""
    opened = _opened(archive)
    if isinstance(opened, zipfile.ZipFile):
        return opened.open(member.name)
    if member.offset < 0 or member.method != zip_salvage.STORED:  # (sparse, or salvaged: read whole, bounded)
        return io.BytesIO(read_member(archive, member, f"{archive}!{member.name}"))
    return io.BufferedReader(_Window(opened, member.offset, member.size), buffer_size=1 << 20)


class _Window(io.RawIOBase):
    """``size`` bytes of ``base`` from ``offset`` on, as a seekable stream of their own."""

    def __init__(self, base: BinaryIO, offset: int, size: int) -> None:
        self.base, self.offset, self.size, self.pos = base, offset, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, pos: int, whence: int = 0) -> int:
        self.pos = max(0, min(self.size, pos if whence == 0 else (self.pos + pos if whence == 1 else self.size + pos)))
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readinto(self, buffer) -> int:
        want = min(len(buffer), self.size - self.pos)
        if want <= 0:
            return 0
        self.base.seek(self.offset + self.pos)
        data = self.base.read(want)
        buffer[:len(data)] = data
        self.pos += len(data)
        if len(data) < want:
            raise OSError(f"the archive ended inside this member ({self.pos} of {self.size} bytes)")
        return len(data)


def read_order(archive: str | None, member: Member | None) -> tuple[str, int]:
    """A sort key that puts the members of each archive in the order they are stored (other documents first)."""
    if archive is None or member is None:
        return "", -1
    return archive, member.offset


def bounded(data: bytes, label: str) -> bytes:
    """``data``, unless it is larger than :data:`MAX_MEMBER_BYTES` (read one byte past the bound to know)."""
    if len(data) > MAX_MEMBER_BYTES:
        raise _too_large(label)
    return data


def _too_large(label: str) -> OSError:
    return OSError(f"{label}: decompressed size exceeds {MAX_MEMBER_BYTES // (1024 * 1024)} MiB")


# --- archives open in this process -------------------------------------------------------------------------------

_open: dict[str, zipfile.ZipFile | BinaryIO] = {}
_owner = [os.getpid()]


def _opened(archive: str) -> zipfile.ZipFile | BinaryIO:
    """This process's open handle of ``archive``: a ZipFile, or a file object of the uncompressed tar (a handle
    inherited through ``fork`` is never used: its file position is shared with the parent)."""
    if _owner[0] != os.getpid():
        forget_open()
    handle = _open.get(archive)
    if handle is not None:
        return handle
    if len(_open) >= 8:  # (few archives are open at once; close the oldest)
        _open.pop(next(iter(_open))).close()
    if zipfile.is_zipfile(archive):
        handle: zipfile.ZipFile | BinaryIO = zipfile.ZipFile(archive)
    else:
        with open(archive, "rb") as fh:
            magic = fh.read(6)
        opener = next((o for m, o in _OPENERS.items() if magic.startswith(m)), None)
        handle = opener(archive, "rb") if opener is not None else open(archive, "rb")  # noqa: SIM115 - kept open
    _open[archive] = handle
    return handle


def forget_open() -> None:
    """Drop this process's open archives (a process started by ``fork`` calls this before reading any)."""
    if _owner[0] == os.getpid():
        for handle in _open.values():
            handle.close()
    _open.clear()
    _owner[0] = os.getpid()
