"""Copy a file in a background thread, so a large copy overlaps work that needs the CPU rather than the disk."""

from __future__ import annotations

import mmap
import os
import sys
import threading
import time
from pathlib import Path

#: Bytes per copy call: a cancelled copy stops within one of these.
STEP = 64 * 1024 * 1024
#: Bytes per read and write of a direct copy, and the alignment of its writes.
DIRECT_STEP = 8 * 1024 * 1024
ALIGN = 4096
#: Linux's ioctl making a file share another's blocks, copy-on-write (btrfs, XFS, bcachefs; not ext4 or tmpfs).
FICLONE = 0x40049409


class BackgroundCopy:
    """``src`` copied to ``dst`` (created or truncated) by a thread; :meth:`wait` for it, or :meth:`cancel` it.

    Where the file system shares blocks between files (btrfs, XFS), the copy is a clone (``FICLONE``): made at
    once, taking no space until one of the two is written. Elsewhere it is written with ``O_DIRECT``
    (:data:`DIRECT_STEP` bytes at a time), to the disk without going through the page cache: it needs no fresh
    memory, and ~0.25 s for the 684 MB warehouse of 100,000 trials.
    Where the file system takes no direct writes (tmpfs) or a write fails, it is copied in the kernel
    (``os.copy_file_range`` / ``os.sendfile``) in steps of :data:`STEP` bytes and flushed by the thread: whoever
    writes the copy next would otherwise wait for that flush at its first ``fsync`` (a DuckDB checkpoint). Such a
    copy may be written to once its bytes are copied (:meth:`wait_copied`), while the thread still flushes them.
    """

    def __init__(self, src: Path, dst: Path) -> None:
        self.src, self.dst = src, dst
        self._stop = threading.Event()
        self._copied = threading.Event()
        self._error: BaseException | None = None
        self.waited = 0.0  # seconds spent in wait_copied()
        self._thread = threading.Thread(target=self._run, name="copy", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            try:
                if self._run_clone() or self._run_direct():
                    return
            except OSError:
                pass  # (e.g. a device that wants direct writes aligned otherwise): copied again, buffered
            with open(self.src, "rb") as fin, open(self.dst, "wb") as fout:
                size = os.fstat(fin.fileno()).st_size
                done = 0
                while done < size and not self._stop.is_set():
                    sent = _copy_step(fin.fileno(), fout.fileno(), done, min(STEP, size - done))
                    if sent == 0:
                        raise OSError(f"{self.src} ended early: {done} of {size} bytes")
                    done += sent
                self._copied.set()
                if not self._stop.is_set():
                    os.fsync(fout.fileno())
        except BaseException as exc:  # noqa: BLE001 - handed to wait()
            self._error = exc
        finally:
            self._copied.set()

    def _run_clone(self) -> bool:
        """Clone the file where the file system can; False where it cannot (another file system, another
        system)."""
        if not sys.platform.startswith("linux"):
            return False
        import fcntl

        with open(self.src, "rb") as fin, open(self.dst, "wb") as fout:
            try:
                fcntl.ioctl(fout.fileno(), FICLONE, fin.fileno())
            except OSError:
                return False
            os.fsync(fout.fileno())
        return True

    def _run_direct(self) -> bool:
        """Copy with ``O_DIRECT`` writes, which need no page cache for the copy (in a virtual machine that hands
        unused memory back to its host, writing 684 MB into the page cache took 1.6 s against 0.25 s); False where
        the file system takes no such writes."""
        fd = _open_direct(self.dst)
        if fd is None:
            return False
        try:
            with open(self.src, "rb", buffering=0) as fin:
                size = os.fstat(fin.fileno()).st_size
                buf = mmap.mmap(-1, DIRECT_STEP)  # (page-aligned, as O_DIRECT needs)
                view = memoryview(buf)
                done = 0
                while done < size and not self._stop.is_set():
                    n = os.preadv(fin.fileno(), [view[:min(DIRECT_STEP, size - done)]], done)
                    if n == 0 or (n < DIRECT_STEP and done + n < size):
                        raise OSError(f"{self.src} ended early: {done + n} of {size} bytes")
                    whole = -(-n // ALIGN) * ALIGN
                    if whole != n:
                        view[n:whole] = bytes(whole - n)
                    if os.pwrite(fd, view[:whole], done) != whole:
                        raise OSError(f"short write to {self.dst}")
                    done += n
                view.release()
                buf.close()
                os.ftruncate(fd, done)
                if not self._stop.is_set():
                    os.fsync(fd)
        finally:
            os.close(fd)
        return True

    def wait_copied(self) -> None:
        """Block until every byte is copied (the flush to disk may still run); raises the copy's error, if any."""
        started = time.perf_counter()
        self._copied.wait()
        self.waited += time.perf_counter() - started
        self._check()

    def wait(self) -> None:
        """Block until the copy is complete and on disk; raises the copy's error, if any."""
        self._thread.join()
        self._check()

    def _check(self) -> None:
        if self._error is not None:
            raise self._error
        if self._stop.is_set():
            raise RuntimeError("the copy was cancelled")

    def cancel(self) -> None:
        """Stop the copy (within one step) and remove the partial file."""
        self._stop.set()
        self._thread.join()
        try:
            self.dst.unlink()
        except FileNotFoundError:
            pass


def _open_direct(path: Path) -> int | None:
    """``path`` opened for writes that bypass the page cache, or None where that is not supported (tmpfs)."""
    flag = getattr(os, "O_DIRECT", 0)
    if not flag:
        return None
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | flag, 0o644)
    except OSError:
        return None


def _copy_step(fd_in: int, fd_out: int, offset: int, count: int) -> int:
    if hasattr(os, "copy_file_range"):
        try:
            return os.copy_file_range(fd_in, fd_out, count, offset, offset)
        except OSError:
            pass  # e.g. across file systems on old kernels: fall back
    if hasattr(os, "sendfile"):
        os.lseek(fd_out, offset, os.SEEK_SET)
        return os.sendfile(fd_out, fd_in, offset, count)
    os.lseek(fd_in, offset, os.SEEK_SET)
    os.lseek(fd_out, offset, os.SEEK_SET)
    return os.write(fd_out, os.read(fd_in, count))
