"""The background copy that starts a patched warehouse: complete, cancellable, errors surfaced."""

from __future__ import annotations

import os

import pytest

from warehouse import file_copy
from warehouse.file_copy import BackgroundCopy


def test_copy_is_byte_identical_across_several_steps(tmp_path, monkeypatch):
    monkeypatch.setattr(file_copy, "STEP", 4096)
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    data = os.urandom(5 * 4096 + 123)
    src.write_bytes(data)
    dst.write_bytes(b"an older, longer file that must be truncated" * 1000)
    BackgroundCopy(src, dst).wait()
    assert dst.read_bytes() == data


def test_empty_file(tmp_path):
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    src.write_bytes(b"")
    BackgroundCopy(src, dst).wait()
    assert dst.read_bytes() == b""


def test_missing_source_is_raised_by_wait(tmp_path):
    copy = BackgroundCopy(tmp_path / "missing.bin", tmp_path / "dst.bin")
    with pytest.raises(FileNotFoundError):
        copy.wait()


def test_cancel_removes_the_partial_copy(tmp_path, monkeypatch):
    monkeypatch.setattr(file_copy, "STEP", 1)
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    src.write_bytes(b"x" * 200_000)
    copy = BackgroundCopy(src, dst)
    copy.cancel()
    assert not dst.exists()
    with pytest.raises(RuntimeError, match="cancelled"):
        copy.wait()


def test_fallback_without_copy_file_range(tmp_path, monkeypatch):
    monkeypatch.delattr(os, "copy_file_range", raising=False)
    monkeypatch.setattr(file_copy, "STEP", 1000)
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    data = os.urandom(10_500)
    src.write_bytes(data)
    BackgroundCopy(src, dst).wait()
    assert dst.read_bytes() == data
