"""Find every input document under the given paths: files, members of .zip/.tar archives, .gz/.bz2/.xz files."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import hashlib
import json
import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

from warehouse.archives import (
    MAX_MEMBER_BYTES,
    ArchiveCut,
    Member,
    bounded,
    list_members,
    open_member,
    read_member,
    read_order,
)


class InputFile(NamedTuple):
    """One document to parse: a plain file, or a member of an archive (``archive!member``). (A tuple: made for
    every file found, 100,000 at a time, it is made three times faster than a frozen dataclass.)"""

    path: str
    archive: str | None = None
    member: Member | None = None
    damage: str | None = None  # (an archive damaged after some members: why; the document cannot be read)

    @property
    def compressed(self) -> bool:
        """A plain ``.gz``, ``.bz2`` or ``.xz`` file (not a tar): its document is what it inflates to."""
        return self.archive is None and _opener(self.path) is not None

    def read(self) -> bytes:
        """The document's bytes (archive members are decompressed, within :data:`MAX_MEMBER_BYTES`)."""
        if self.damage is not None:
            raise OSError(self.damage)
        if self.archive is None:
            if (opener := _opener(self.path)) is not None:
                with opener(self.path, "rb") as fh:
                    return bounded(fh.read(MAX_MEMBER_BYTES + 1), self.path)
            return _read_regular(self.path)
        return read_member(self.archive, self.member, self.path)

    def open(self) -> BinaryIO:
        """The document's bytes as a binary stream, not bounded (a large document read a block at a time)."""
        if self.damage is not None:
            raise OSError(self.damage)
        if self.archive is not None:
            return open_member(self.archive, self.member)
        opener = _opener(self.path) or open
        return opener(self.path, "rb")

    def read_order(self) -> tuple[str, int]:
        """Where the document comes in reading order: archive members in the order they are stored."""
        return read_order(self.archive, self.member)


def _read_regular(path: str) -> bytes:
    """A plain file's bytes; a FIFO, socket or device is refused (reading one could block the build forever)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with open(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"not a regular file (a FIFO, socket or device): {path}")
        return fh.read()


_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def _opener(path: str) -> Callable[..., BinaryIO] | None:
    """How to inflate a plain compressed file (``x.json.gz``, ``.bz2``, ``.xz``; a tar is an archive): None
    for any other file."""
    tail = path[-8:].lower()
    if tail.endswith(_ARCHIVE_SUFFIXES):
        return None
    return _COMPRESSED.get(tail[tail.rfind("."):])


class FileStat(NamedTuple):
    """What a build keeps of a file's status, named as in :class:`os.stat_result` (which holds 19 fields, ~600
    bytes a file: 180 MB at 300,000 files, held through the build)."""

    st_size: int
    st_mtime_ns: int
    st_ctime_ns: int
    st_ino: int
    st_dev: int


def file_stat(path: str, dir_fd: int | None = None) -> FileStat:
    """The :class:`FileStat` of ``path`` (relative to ``dir_fd`` when given); raises OSError as :func:`os.stat`."""
    st = os.stat(path, dir_fd=dir_fd)
    return FileStat(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


@dataclass
class ChangeWatch:
    """Calls ``then`` once, as soon as :func:`find` meets a file whose status changed (its ctime, set by the
    system's clock) after ``since`` nanoseconds, files ``ignored`` (device, inode) apart: a caller can start what a
    changed input will need while the rest is still being found."""

    since: int
    then: Callable[[], None]
    ignored: frozenset[tuple[int, int]] = frozenset()
    fired: bool = False

    def see(self, st: FileStat) -> bool:
        """Tell the watch of a file's status; True once it has fired."""
        if not self.fired and st.st_ctime_ns > self.since and (st.st_dev, st.st_ino) not in self.ignored:
            self.fired = True
            self.then()
        return self.fired


def signature(st: FileStat | os.stat_result | None) -> str | None:
    """Size, times and inode of a file: unchanged signature → unchanged bytes."""
    if st is None:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


class KeptListings:
    """The member lists of tar archives kept in a folder between builds, each reused while its archive's
    :func:`signature` is unchanged: listing a tar reads all of it (7.7 s for a .tar.gz of 100,000 records).
    Zip archives are not kept: their directory is read at once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: set[str] = set()

    def members(self, path: str) -> list[Member]:
        """The members of the archive at ``path``: kept, or listed (and kept)."""
        if zipfile.is_zipfile(path):
            return list_members(path)
        name = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:32] + ".json"
        self.used.add(name)
        sig = signature(os.stat(path))
        try:
            kept = json.loads((self.folder / name).read_bytes())
            if kept["archive"] == path and kept["signature"] == sig:
                return [Member(*m) for m in kept["members"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass
        members = list_members(path)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{name}.{os.getpid()}"
            tmp.write_text(json.dumps({"archive": path, "signature": sig,
                                       "members": [[m.name, m.offset, m.size] for m in members]}), "utf-8")
            os.replace(tmp, self.folder / name)
        except OSError:
            pass  # (not kept: listed again next time)
        return members

    def prune(self) -> None:
        """Remove the lists of archives that were not inputs of this build."""
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.folder):
                if entry.name not in self.used:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


def _archive_members(path: str, kept: KeptListings | None) -> Iterator[InputFile]:
    damage = None
    try:
        members = list_members(path) if kept is None else kept.members(path)
    except ArchiveCut as cut:  # the members before the damage, and the archive itself, rejected with the reason
        members, damage = cut.members, cut.reason
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError):
        # An unreadable archive is still a document: it is parsed as bytes and rejected with a reason.
        yield InputFile(path=path)
        return
    for member in members:
        yield InputFile(path=f"{path}!{member.name}", archive=path, member=member)
    if not members and damage is None:
        damage = "an archive with no files in it"
    if damage is not None:
        yield InputFile(path=path, damage=damage)


def _walk(root: str, seen: set[tuple[int, int]], stats: dict[str, FileStat | None],
          unreadable: dict[str, str], watch: ChangeWatch | None = None) -> list[str]:
    """Every non-hidden file under the folder ``root``, following symbolic links to folders; a folder already in
    ``seen`` (walked before, by this or an earlier root, e.g. through a link back to a parent) is not entered.
    Each file's status goes to ``stats`` (None when it cannot be had), looked up by its name in its open folder:
    a quarter faster than by its full path. A folder that cannot be listed (no permission, a path longer than the
    system allows) goes to ``unreadable`` with the reason, so that what it holds is not lost in silence."""
    paths: list[str] = []
    since = None if watch is None or watch.fired else watch.since

    def cannot_list(exc: OSError) -> None:
        if exc.filename is not None:
            unreadable[os.fsdecode(exc.filename)] = exc.strerror or str(exc)

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=cannot_list):
        try:
            st = os.stat(dirpath)
        except OSError as exc:
            unreadable[dirpath] = exc.strerror or str(exc)
            dirnames[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen:
            dirnames[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        prefix = os.path.join(dirpath, "")
        names = [f for f in sorted(filenames) if not f.startswith(".")]
        try:
            folder = os.open(dirpath, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            folder = None
        try:
            for name in names:
                path = prefix + name
                paths.append(path)
                try:
                    stats[path] = st = file_stat(path) if folder is None else file_stat(name, folder)
                except OSError:
                    stats[path] = None
                    continue
                if since is not None and st.st_ctime_ns > since and watch.see(st):
                    since = None
        finally:
            if folder is not None:
                os.close(folder)
    return paths


def discover(inputs: list[str], kept: Path | None = None) -> list[InputFile]:
    """Every document under ``inputs`` (files or folders, recursively), sorted by path, hidden files skipped; a
    file named by two overlapping inputs (``data`` and ``data/x.json``) is one document. ``kept``: a folder
    where the member lists of tar archives are kept between builds (:class:`KeptListings`).

    Anything that is not a folder is a document, so a FIFO or device named as an input, or found in a folder,
    is accounted for (and rejected when read) rather than skipped.
    """
    return find(inputs, kept)[0]


def find(inputs: list[str], kept: Path | None = None,
         watch: ChangeWatch | None = None) -> tuple[list[InputFile], list[FileStat | None]]:
    """:func:`discover`, with the status of each document's file (an archive member's: its archive's), None
    for a file that cannot be had. ``watch`` is told of changed files as folders are walked, and of files named as
    inputs once all are found."""
    found: dict[str, InputFile] = {}
    stats: dict[str, FileStat | None] = {}
    seen: set[tuple[int, int]] = set()
    unreadable: dict[str, str] = {}
    shadowed: dict[str, set[str]] = {}  # archive → paths of its members that a file of the same path displaced
    listings = None if kept is None else KeptListings(kept)
    for root in inputs:
        if not os.path.exists(root):
            raise FileNotFoundError(f"input path does not exist: {root}")
        root = os.path.normpath(root)
        paths = _walk(root, seen, stats, unreadable, watch) if os.path.isdir(root) else [root]
        for path in paths:
            held = found.get(path)
            if held is not None and held.archive is None:  # overlapping inputs name the same file once
                continue
            if path[-8:].lower().endswith(_ARCHIVE_SUFFIXES) and os.path.isfile(path):
                for m in _archive_members(path, listings):
                    other = found.get(m.path)
                    if other is None or other.archive == m.archive:
                        found[m.path] = m
                    else:  # (a file beside the archive named like this member: `x.zip!a.json`)
                        shadowed.setdefault(path, set()).add(m.path)
            else:
                if held is not None:  # the file takes its own name; the archive member of that name is refused
                    shadowed.setdefault(held.archive, set()).add(path)
                found[path] = InputFile(path)
    for path, reason in unreadable.items():  # (one rejected document each: what they hold cannot be found)
        found.setdefault(path, InputFile(path=path, damage=f"a folder that cannot be read ({reason}): the files in "
                                                           "it, if any, were not found"))
    for archive, names in shadowed.items():  # (the archive's own row says which members were not read, and why)
        why = (f"member {', '.join(repr(n[len(archive) + 1:]) for n in sorted(names))} not read: a file beside the "
               f"archive has the same path ({sorted(names)[0]}); rename one of them")
        earlier = found.get(archive)
        found[archive] = InputFile(path=archive, damage=f"{earlier.damage}; {why}" if earlier and earlier.damage
                                   else why)
    if listings is not None:
        listings.prune()
    items = [found[path] for path in sorted(found)]
    statuses = [_status(item.archive or item.path, stats) for item in items]
    if watch is not None and not watch.fired:  # (files named as inputs are not walked)
        any(st is not None and watch.see(st) for st in statuses)
    return items, statuses


def _status(path: str, known: dict[str, FileStat | None]) -> FileStat | None:
    if path in known:
        return known[path]
    try:
        return file_stat(path)
    except OSError:
        return None
