"""The command line, end to end."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from warehouse.cli import cli


def test_build_prints_summary(build_inputs, tmp_path):
    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(cli, ["build", "--input", str(build_inputs / "records"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "documents read:" in result.output and "trials:" in result.output
    assert db.exists()


def test_build_without_any_input_fails_cleanly(tmp_path):
    result = CliRunner().invoke(cli, ["build", "--input", str(tmp_path / "missing"), "--db", str(tmp_path / "w")])
    assert result.exit_code != 0
    assert "no warehouse was written" in result.output


@pytest.mark.parametrize("raised", ["os", "duckdb"])
def test_a_full_disk_is_named_and_the_previous_warehouse_stays(build_inputs, tmp_path, monkeypatch, raised):
    """A write that finds the disk full (from Python, or inside DuckDB's own message) fails the build with words
    saying so; the warehouse built before is untouched and nothing is left beside it."""
    from warehouse import schema

    db = tmp_path / "w.duckdb"
    assert CliRunner().invoke(cli, ["build", "--input", str(build_inputs / "records"), "--db", str(db)]).exit_code == 0
    before = db.read_bytes()

    def full(con, *args, **kwargs):
        if raised == "os":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        raise duckdb.IOException(f'Could not write file "{tmp_path}/.w.duckdb.building-1": {os.strerror(errno.ENOSPC)}')

    monkeypatch.setattr(schema, "record_build_info", full)
    result = CliRunner().invoke(cli, ["build", "--input", str(build_inputs), "--db", str(db)])
    assert result.exit_code == 1
    assert f"no warehouse was written: the disk holding {tmp_path} is full" in result.output
    assert "The previous warehouse, if any, is as it was. Free some space and try again." in result.output
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".w.duckdb")) == []


def test_query_formats(built_db):
    runner = CliRunner()
    out = runner.invoke(cli, ["query", "--db", str(built_db), "--format", "json",
                              "SELECT trial_id FROM trials WHERE trial_id = 'NCT01420432'"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == [{"trial_id": "NCT01420432"}]
    out = runner.invoke(cli, ["query", "--db", str(built_db), "--format", "csv", "SELECT 1 AS a, 'x' AS b"])
    assert out.output.splitlines() == ["a,b", "1,x"]
    out = runner.invoke(cli, ["query", "--db", str(built_db), "SELECT 1 AS a"])
    assert "(1 row)" in out.output


def test_query_cannot_write(built_db, tmp_path):
    runner = CliRunner()
    for sql in ("CREATE TABLE x (a INT)", "DELETE FROM trials", f"COPY trials TO '{tmp_path}/t.csv'",
                f"ATTACH '{tmp_path}/other.duckdb' AS o"):
        out = runner.invoke(cli, ["query", "--db", str(built_db), sql])
        assert out.exit_code != 0, sql
    assert not (tmp_path / "t.csv").exists()


def test_export_is_reproducible_and_private_by_default(built_db, tmp_path):
    runner = CliRunner()
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        result = runner.invoke(cli, ["export", "--db", str(built_db), "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert not (a / "contacts.parquet").exists()
    trials = pq.read_table(a / "trials.parquet")
    assert trials.num_rows == 4
    assert trials.schema.metadata[b"contract_version"] == b"v1"
    for f in sorted(a.glob("*.parquet")):
        assert f.read_bytes() == (b / f.name).read_bytes(), f.name
    result = runner.invoke(cli, ["export", "--db", str(built_db), "--out", str(tmp_path / "c"), "--include-contacts"])
    assert (tmp_path / "c" / "contacts.parquet").exists()


def test_build_gives_up_a_document_after_doc_timeout(build_inputs, tmp_path, monkeypatch):
    from warehouse import build as build_mod
    from warehouse import parse_pool

    records = build_inputs / "records"
    hang = sorted(records.glob("*.json"))[0].name
    real = build_mod.parse_document

    def parse(path, data, sha256=None):
        while path.endswith(hang):
            pass
        return real(path, data, sha256)

    monkeypatch.setattr(build_mod, "parse_document", parse)
    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(cli, ["build", "--input", str(records), "--db", str(db), "--workers", "1",
                                      "--doc-timeout", "0.5"])
    assert result.exit_code == 0, result.output
    allowed = parse_pool.allowed_seconds(0.5, (records / hang).stat().st_size)
    assert f"{hang}: given up after {allowed:.1f} s: reading this document took too long" in result.output
    bad = CliRunner().invoke(cli, ["build", "--input", str(records), "--db", str(db), "--doc-timeout", "-1"])
    assert bad.exit_code == 2 and "--doc-timeout" in bad.output


def test_commands_load_only_what_they_use():
    """A query does not pay for the parsers, the merge or the vocabularies (about 0.5 s of start-up)."""
    code = ("import sys, warehouse.cli; "
            "print(sorted(m for m in ('warehouse.build', 'warehouse.record_derive', 'warehouse.criteria_patterns', "
            "'polars') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
