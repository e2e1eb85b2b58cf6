"""The background copy that starts a patched warehouse: complete, cancellable, errors surfaced."""

from __future__ import annotations

import errno
import os
import sys

import pytest

from warehouse import file_copy
from warehouse.file_copy import BackgroundCopy


@pytest.fixture(autouse=True)
def no_clones(request, monkeypatch):
    """The tests of writing a copy write it even where the file system could clone the file (btrfs, XFS)."""
    if "clone" not in request.node.name:
        monkeypatch.setattr(BackgroundCopy, "_run_clone", lambda self: False)


@pytest.fixture(params=["direct", "buffered"])
def mode(request, monkeypatch):
    """Both ways of copying: direct writes (where the file system takes them) and through the page cache."""
    monkeypatch.setattr(file_copy, "STEP", 4096)
    monkeypatch.setattr(file_copy, "DIRECT_STEP", 2 * 4096)
    if request.param == "buffered":
        monkeypatch.setattr(file_copy, "_open_direct", lambda path: None)
    return request.param


def test_copy_is_byte_identical_across_several_steps(tmp_path, mode):
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    data = os.urandom(5 * 4096 + 123)
    src.write_bytes(data)
    dst.write_bytes(b"an older, longer file that must be truncated" * 1000)
    BackgroundCopy(src, dst).wait()
    assert dst.read_bytes() == data


def test_empty_file(tmp_path, mode):
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    src.write_bytes(b"")
    BackgroundCopy(src, dst).wait()
    assert dst.read_bytes() == b""


def test_missing_source_is_raised_by_wait(tmp_path, mode):
    copy = BackgroundCopy(tmp_path / "missing.bin", tmp_path / "dst.bin")
    with pytest.raises(FileNotFoundError):
        copy.wait()


def test_cancel_removes_the_partial_copy(tmp_path, mode, monkeypatch):
    monkeypatch.setattr(file_copy, "STEP", 1)
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    src.write_bytes(b"x" * 200_000)
    copy = BackgroundCopy(src, dst)
    copy.cancel()
    assert not dst.exists()
    with pytest.raises(RuntimeError, match="cancelled"):
        copy.wait()


def test_fallback_without_copy_file_range(tmp_path, monkeypatch):
    monkeypatch.setattr(file_copy, "_open_direct", lambda path: None)
    monkeypatch.delattr(os, "copy_file_range", raising=False)
    monkeypatch.setattr(file_copy, "STEP", 1000)
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    data = os.urandom(10_500)
    src.write_bytes(data)
    BackgroundCopy(src, dst).wait()
    assert dst.read_bytes() == data


@pytest.mark.parametrize("errno_, at", [(errno.EINVAL, 0), (errno.EIO, 4096)])
def test_a_direct_write_that_fails_is_copied_again_buffered(tmp_path, monkeypatch, errno_, at):
    """A device may want direct writes aligned otherwise (EINVAL), or fail midway: the copy is made again through
    the page cache, which raises what is a real error."""
    monkeypatch.setattr(file_copy, "DIRECT_STEP", 4096)
    real_pwrite, calls = os.pwrite, []

    def fail(fd, data, offset):
        calls.append(offset)
        if offset >= at:
            raise OSError(errno_, os.strerror(errno_))
        return real_pwrite(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", fail)
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    data = os.urandom(3 * 4096 + 5)
    src.write_bytes(data)
    BackgroundCopy(src, dst).wait()
    monkeypatch.setattr(os, "pwrite", real_pwrite)
    assert dst.read_bytes() == data
    probe = file_copy._open_direct(tmp_path / "probe.bin")
    if probe is not None:  # (where the file system takes direct writes, the direct copy was tried first)
        os.close(probe)
        assert calls[-1] == at


def test_an_error_of_both_ways_is_raised(tmp_path, monkeypatch):
    def fail(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", fail)
    monkeypatch.setattr(os, "copy_file_range", fail, raising=False)
    monkeypatch.setattr(os, "sendfile", fail, raising=False)
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    src.write_bytes(os.urandom(10_000))
    with pytest.raises(OSError, match="No space"):
        BackgroundCopy(src, dst).wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="FICLONE is Linux's")
def test_a_clone_is_made_where_the_file_system_shares_blocks(tmp_path, monkeypatch):
    """Where FICLONE works, the copy is the clone: nothing is written, neither directly nor through the cache."""
    import fcntl

    calls = []

    def clone(fd, request, arg):  # (what the kernel does on btrfs or XFS: dst gets src's blocks)
        calls.append(request)
        os.write(fd, os.pread(arg, 1 << 20, 0))
        return 0

    monkeypatch.setattr(fcntl, "ioctl", clone)
    monkeypatch.setattr(file_copy, "_open_direct", lambda path: pytest.fail("written, not cloned"))
    monkeypatch.setattr(file_copy, "_copy_step", lambda *a: pytest.fail("written, not cloned"))
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    data = os.urandom(3 * 4096 + 7)
    src.write_bytes(data)
    dst.write_bytes(b"an older, longer file" * 1000)
    BackgroundCopy(src, dst).wait()
    assert calls == [file_copy.FICLONE]
    assert dst.read_bytes() == data


@pytest.mark.parametrize("errno_", [errno.EOPNOTSUPP, errno.EXDEV, errno.EINVAL])
def test_where_no_clone_can_be_made_the_copy_is_written(tmp_path, monkeypatch, errno_):
    """ext4, tmpfs, two file systems, another system: the clone fails and the copy is written whole."""
    import fcntl

    def refuse(fd, request, arg):
        raise OSError(errno_, os.strerror(errno_))

    monkeypatch.setattr(fcntl, "ioctl", refuse)
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    data = os.urandom(5 * 4096 + 1)
    src.write_bytes(data)
    BackgroundCopy(src, dst).wait()
    assert dst.read_bytes() == data
