"""End-to-end builds of real documents: accounting, merging, determinism, atomicity."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from warehouse import schema
from warehouse.build import build
from warehouse.contract import REQUIRED

REPO = Path(__file__).resolve().parent.parent


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_every_input_file_is_accounted_for(built_db, build_inputs):
    files = [p for p in build_inputs.rglob("*") if p.is_file()]
    (n_docs,) = rows(built_db, "SELECT count(*) FROM documents")[0]
    assert n_docs == len(files)
    rejected = dict(rows(built_db, "SELECT regexp_extract(path, '[^/]+$'), error FROM documents "
                                   "WHERE status = 'rejected'"))
    for name in ("empty.json", "blank.txt", "binary.bin", "nul.txt", "truncated.json", "truncated.xml",
                 "utf16.txt", "not_a_trial.json"):
        assert name in rejected, name
        assert rejected[name], name
    assert "empty" in rejected["empty.json"]
    assert "binary" in rejected["binary.bin"]
    assert "duplicate" in (rejected.get("duplicate.json") or rejected.get("NCT01420432.json") or "")
    assert rows(built_db, "SELECT count(*) FROM documents WHERE status = 'ingested' AND error IS NOT NULL") == [(0,)]


def test_contract_tables_and_columns_exist(built_db):
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        live = schema.columns(con)
    finally:
        con.close()
    for table, cols in REQUIRED.items():
        assert table in live
        assert set(cols) <= set(live[table]), table


def test_cross_format_trial_is_one_row_with_newer_values(built_db):
    docs = rows(built_db, "SELECT d.format FROM document_trials dt JOIN documents d USING (doc_id) "
                          "WHERE dt.trial_id = 'NCT02513394' ORDER BY 1")
    assert [d[0] for d in docs] == ["ctgov_v2_json", "ctgov_xml"]
    (status, updated, chosen_format) = rows(
        built_db,
        "SELECT t.overall_status, t.last_update_date, d.format FROM trials t "
        "JOIN field_sources f ON f.trial_id = t.trial_id AND f.field = 'overall_status' AND f.is_chosen "
        "JOIN documents d ON d.doc_id = f.doc_id WHERE t.trial_id = 'NCT02513394'",
    )[0]
    assert chosen_format == "ctgov_v2_json"
    xml_update = rows(built_db, "SELECT max(value) FROM field_sources f JOIN documents d USING (doc_id) "
                                "WHERE f.trial_id = 'NCT02513394' AND field = 'last_update_date' "
                                "AND d.format = 'ctgov_xml'")[0][0]
    assert str(updated) > xml_update
    assert status is not None


def _snapshot(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}
    finally:
        con.close()


def test_two_builds_give_identical_tables(build_inputs, built_db, tmp_path):
    again = tmp_path / "again.duckdb"
    build([str(build_inputs)], str(again), workers=2, quiet=True)
    assert _snapshot(again) == _snapshot(built_db)


def test_failed_build_leaves_previous_warehouse(build_inputs, tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    build([str(build_inputs / "records")], str(db), workers=1, quiet=True)
    before = _snapshot(db)

    def broken(con, expected_documents=None):
        raise schema.ValidationError("simulated failure")

    monkeypatch.setattr(schema, "validate", broken)
    with pytest.raises(schema.ValidationError):
        build([str(build_inputs)], str(db), workers=1, quiet=True)
    assert _snapshot(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]


def test_killed_build_leaves_previous_warehouse_readable(tmp_path):
    db = tmp_path / "w.duckdb"
    build([str(REPO / "tests/fixtures/build")], str(db), workers=1, quiet=True)
    before = _snapshot(db)
    for delay in (0.3, 1.0, 2.0):
        proc = subprocess.Popen(
            [sys.executable, "-m", "warehouse", "build", "--input", str(REPO / "data/inputs"), "--db", str(db), "-q"],
            cwd=REPO,
        )
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert _snapshot(db) == before
        for leftover in tmp_path.glob(".w.duckdb.building-*"):
            leftover.unlink()


def test_the_old_warehouse_is_freed_and_a_killed_builds_old_name_removed(tmp_path):
    db = tmp_path / "w.duckdb"
    fixtures = str(REPO / "tests/fixtures/build")
    build([fixtures], str(db), workers=1, quiet=True)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".w.duckdb.old-{int(gone.stdout)}"  # a build killed while freeing its old warehouse
    os.link(db, stale)
    old_inode = db.stat().st_ino
    build([fixtures], str(db), workers=1, quiet=True, cache=False)
    assert db.stat().st_ino != old_inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]
    assert rows(db, "SELECT count(*) FROM trials")[0][0] > 0


def test_missing_input_path_is_a_clear_error(tmp_path):
    from warehouse.build import BuildError

    with pytest.raises(BuildError, match="does not exist"):
        build([str(tmp_path / "nope")], str(tmp_path / "w.duckdb"), quiet=True)
    assert not (tmp_path / "w.duckdb").exists()


def test_a_file_that_is_not_a_warehouse_is_never_replaced(build_inputs, tmp_path):
    """A typo in --db must not destroy a record, a folder or someone's own DuckDB database."""
    from warehouse.build import BuildError

    record = tmp_path / "NCT01420432.json"
    record.write_bytes((REPO / "tests/fixtures/build/NCT01420432.json").read_bytes())
    other = tmp_path / "analysis.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE notes AS SELECT 'mine' AS note")
    con.close()
    for target, reason in ((record, "not a DuckDB warehouse"), (other, "not a warehouse"), (tmp_path, "folder")):
        before = target.read_bytes() if target.is_file() else None
        with pytest.raises(BuildError, match=reason):
            build([str(build_inputs / "records")], str(target), quiet=True)
        assert before is None or target.read_bytes() == before
    db = tmp_path / "w.duckdb"
    build([str(build_inputs / "records")], str(db), quiet=True)
    assert build([str(build_inputs / "records")], str(db), quiet=True).trials > 0  # a warehouse is replaced


def test_the_warehouse_inside_an_input_folder_is_not_read_as_input(build_inputs, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for path in (build_inputs / "records").iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    db = folder / "w.duckdb"
    first = build([str(folder)], str(db), quiet=True)
    again = build([str(folder)], str(db), quiet=True)
    assert again.documents == first.documents == len(list((build_inputs / "records").iterdir()))
    assert not rows(db, "SELECT path FROM documents WHERE path LIKE '%w.duckdb%'")


def test_the_warehouse_keeps_the_row_groups_it_is_written_with(tmp_path, monkeypatch):
    """Every connection that writes the warehouse uses the build's row-group size: under DuckDB's default one
    the last checkpoint merges the row groups again and rewrites the tables (seconds at 100,000 trials). Long
    texts are stored zstd-compressed (under DuckDB's default threshold, never)."""
    from warehouse import build as build_mod
    from warehouse.bench import make_corpus

    make_corpus(tmp_path / "in", 2100)  # the real records, re-keyed: enough rows for many row groups
    monkeypatch.setattr(build_mod, "_WAREHOUSE_OPTIONS", "(ROW_GROUP_SIZE 2048)")
    db = tmp_path / "w.duckdb"
    build([str(tmp_path / "in")], str(db), quiet=True)
    con = duckdb.connect(str(db), read_only=True)
    try:
        for table in ("field_sources", "criteria", "trial_age_window"):
            groups = [n for (n,) in con.execute(
                f"SELECT sum(count) FROM pragma_storage_info('{table}') "
                "WHERE column_id = 0 AND segment_type <> 'VALIDITY' GROUP BY row_group_id").fetchall()]
            (rows,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert rows > 2048 and max(groups) == 2048 and sum(groups) == rows, table
        for table, column in (("trials", "detailed_description"), ("field_sources", "value")):
            kinds = {c for (c,) in con.execute(
                f"SELECT DISTINCT compression FROM pragma_storage_info('{table}') "
                f"WHERE column_name = '{column}' AND segment_type = 'VARCHAR'").fetchall()}
            assert "ZSTD" in kinds, (table, kinds)
    finally:
        con.close()
