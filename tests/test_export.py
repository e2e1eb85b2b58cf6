"""``mscwh export``: Parquet for every table and current view, metadata, reproducible bytes, the data dictionary,
and the SQL comments it is built from."""

from __future__ import annotations

import hashlib
import json
import shutil

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest
import yaml

from warehouse import schema, views
from warehouse.contract import REQUIRED
from warehouse.dictionary import read_comments, schema_comments
from warehouse.export import ExportError, export


def _relations(out) -> dict[str, dict]:
    return {r["name"]: r for r in json.loads((out / "data_dictionary.json").read_text(encoding="utf-8"))["relations"]}


@pytest.fixture(scope="module")
def exported(built_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "out"
    export(str(built_db), str(out))
    return out


def _copy(built_db, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(built_db, db)
    return db


def test_every_table_and_current_view_is_exported(built_db, exported):
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables "
                                 "WHERE table_schema = 'main'").fetchall())
    finally:
        con.close()
    catalog = views.load_catalog()
    expected = {t for t, k in kinds.items() if k == "BASE TABLE"} - {"contacts"}
    expected |= {"conflicts", "unlinked_documents", "rejected_documents"}
    expected |= {v.name for v in catalog} | {vv.relation for vv in views.all_versions(catalog)}
    assert set(REQUIRED) <= expected
    assert {p.stem for p in exported.glob("*.parquet")} == expected
    assert set(_relations(exported)) == expected
    assert sorted(p.name for p in exported.iterdir() if p.suffix != ".parquet") == [
        "data_dictionary.json", "data_dictionary.md"]


def test_parquet_metadata_and_row_counts_read_back_by_polars_and_pyarrow(built_db, exported):
    relations = _relations(exported)
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        for name, rel in relations.items():
            path = exported / rel["file"]
            meta = pq.read_schema(path).metadata
            assert meta[b"contract_version"] == b"v1" and meta[b"schema_version"] == b"1", name
            assert meta[b"relation"] == name.encode(), name
            if rel["kind"] == "view" and rel["view_version"] is not None:
                assert meta[b"view_version"] == str(rel["view_version"]).encode(), name
            else:
                assert b"view_version" not in meta, name
            file_meta = pq.ParquetFile(path).metadata
            for i in range(file_meta.num_row_groups):
                assert file_meta.row_group(i).column(0).compression == "ZSTD", name
            n = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            assert pq.read_table(path).num_rows == n == rel["rows"], name
            assert pl.read_parquet(path).height == n, name
            assert [c["name"] for c in rel["columns"]] == pq.read_schema(path).names, name
    finally:
        con.close()
    assert relations["trials"]["rows"] == 4
    assert relations["trial_overview"]["rows"] == relations["trial_overview_v1"]["rows"] == 4
    assert relations["rejected_documents"]["rows"] > 0


def test_rows_are_sorted_by_all_columns(built_db, exported):
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        for name in ("trials", "criteria", "field_sources", "conflicts", "trial_overview_v1"):
            want = con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
            got = pq.read_table(exported / f"{name}.parquet").to_pylist()
            assert [tuple(r.values()) for r in got] == want, name
    finally:
        con.close()


def test_two_exports_are_byte_identical_dictionary_included(built_db, exported, tmp_path):
    again = tmp_path / "O'Brien's export"  # a quote in the path goes into SQL text
    export(str(built_db), str(again))
    names = sorted(p.name for p in exported.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (exported / name).read_bytes() == (again / name).read_bytes(), name


def test_the_warehouse_file_is_left_untouched(built_db, tmp_path):
    before = hashlib.sha256(built_db.read_bytes()).hexdigest()
    export(str(built_db), str(tmp_path / "out"))
    assert hashlib.sha256(built_db.read_bytes()).hexdigest() == before


def test_dictionary_meanings_come_from_sql_comments_and_the_catalog(exported):
    relations = _relations(exported)
    phase = {c["name"]: c for c in relations["trials"]["columns"]}["phase"]
    assert phase == {
        "name": "phase", "type": "VARCHAR",
        "meaning": "Trial phases joined by '/' in order (AACT style), NA when not applicable.",
        "source": "v2 designModule.phases; XML phase; classic Phase; CSV Phases; ICTRP phase; EUCTR E.7.1–E.7.4; "
                  "pages 'Phase'.",
    }
    assert relations["trials"]["description"].startswith("One row per trial, merged across its documents")
    for name, rel in relations.items():
        if rel["view_version"] is None:  # tables and core views: every column documented in SQL
            assert rel["description"], name
            for col in rel["columns"]:
                assert col["meaning"] and col["source"], (name, col["name"])
    catalog = {v.name: v for v in views.load_catalog()}
    overview = relations["trial_overview_v1"]
    assert overview["view_version"] == 1 and overview["version_of"] == "trial_overview"
    assert overview["grain"] == "one row per trial"
    assert {c["name"]: c["meaning"] for c in overview["columns"]} == {
        c.name: c.description for c in catalog["trial_overview"].versions[1].columns}
    assert overview["columns"][0]["source"] == "sql/views/trial_overview/v1.sql"
    assert [c["type"] for c in overview["columns"]] == [t for _, t in catalog["trial_overview"].versions[1].contract()]
    assert relations["trial_overview"]["description"].endswith("(latest version: trial_overview_v1)")
    conflicts = {c["name"]: c for c in relations["conflicts"]["columns"]}
    assert conflicts["values"]["type"] == "VARCHAR[]"

    md = (exported / "data_dictionary.md").read_text(encoding="utf-8")
    for name, rel in relations.items():
        assert f"\n## {name}\n" in md
        assert f"| [{name}](#{name}) | {rel['kind']} | {rel['rows']} | {rel['file']} |" in md
    assert ("| phase | VARCHAR | Trial phases joined by '/' in order (AACT style), NA when not applicable. | "
            "v2 designModule.phases;") in md
    assert "| who_masked | VARCHAR | Who is masked, '\\|'-joined" in md  # pipes escaped inside cells


def test_contacts_only_on_request_and_left_over_files_are_removed(built_db, tmp_path):
    out = tmp_path / "out"
    export(str(built_db), str(out), include_contacts=True)
    assert (out / "contacts.parquet").exists() and "contacts" in _relations(out)
    (out / "notes.parquet").write_bytes(b"not ours")
    export(str(built_db), str(out))
    assert not (out / "contacts.parquet").exists() and "contacts" not in _relations(out)
    assert (out / "notes.parquet").read_bytes() == b"not ours"  # a file this export did not write stays


def test_an_export_that_fails_leaves_the_previous_export_as_it_was(built_db, tmp_path, monkeypatch):
    """Every file is written aside and moved into place only once all are: a failure part-way (here the disk full
    just after the changed ``trials`` was written) leaves every file of the previous export byte for byte, and
    nothing else."""
    from warehouse import export as export_mod

    out = tmp_path / "out"
    export(str(built_db), str(out))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    other = _copy(built_db, tmp_path)
    con = duckdb.connect(str(other))
    con.execute("DELETE FROM trials WHERE trial_id = (SELECT min(trial_id) FROM trials)")
    con.close()
    real, calls = export_mod._write, []

    def write(*args, **kwargs):
        if calls and calls[-1] == "trials":
            raise duckdb.IOException("Could not write file: No space left on device")
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(export_mod, "_write", write)
    with pytest.raises(duckdb.IOException):
        export(str(other), str(out))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    monkeypatch.setattr(export_mod, "_write", real)
    export(str(other), str(out))  # (the same export, let through: it does change the files)
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after.keys() == before.keys() and after["trials.parquet"] != before["trials.parquet"]


def test_the_folder_of_a_killed_export_is_removed_by_the_next(built_db, tmp_path):
    out = tmp_path / "out"
    abandoned = out / ".export-999999999"  # (no such process)
    abandoned.mkdir(parents=True)
    (abandoned / "trials.parquet").write_bytes(b"cut short")
    export(str(built_db), str(out))
    assert not abandoned.exists() and not list(out.glob(".export-*"))
    assert pq.read_table(out / "trials.parquet").num_rows > 0


def test_deprecated_versions_are_skipped(built_db, tmp_path):
    folder = tmp_path / "views"
    shutil.copytree(views.DEFAULT_VIEWS_DIR, folder)
    catalog = yaml.safe_load((folder / "catalog.yaml").read_text(encoding="utf-8"))
    entry = catalog["views"]["stale_status"]
    entry["versions"][1]["status"] = "deprecated"
    entry["versions"][2] = {"status": "current", "released": False, "portable": True, "columns": [
        {"name": "trial_id", "data_type": "VARCHAR", "description": "the trial"},
        {"name": "n_documents", "data_type": "INTEGER", "description": "documents stating it"}]}
    entry["latest_version"] = 2
    (folder / "catalog.yaml").write_text(yaml.safe_dump(catalog, sort_keys=False), encoding="utf-8")
    (folder / "stale_status" / "v2.sql").write_text("select trial_id, n_documents from trials\n", encoding="utf-8")
    db = _copy(built_db, tmp_path)
    con = duckdb.connect(str(db))
    try:
        views.create_views(con, folder)
    finally:
        con.close()
    out = tmp_path / "out"
    export(str(db), str(out), views_dir=folder)
    assert not (out / "stale_status_v1.parquet").exists()
    for name in ("stale_status", "stale_status_v2"):
        meta = pq.read_schema(out / f"{name}.parquet").metadata
        assert meta[b"view_version"] == b"2" and meta[b"relation"] == name.encode()
        assert pq.read_table(out / f"{name}.parquet").num_rows == 4
    assert _relations(out)["stale_status"]["columns"][1]["meaning"] == "documents stating it"


def test_a_warehouse_lacking_a_catalog_view_is_refused(built_db, tmp_path):
    db = _copy(built_db, tmp_path)
    con = duckdb.connect(str(db))
    try:
        con.execute("DROP VIEW trial_overview")
    finally:
        con.close()
    with pytest.raises(ExportError, match="view trial_overview is missing"):
        export(str(db), str(tmp_path / "out"))


def test_a_warehouse_built_before_the_comments_gets_them_from_the_schema_files(built_db, tmp_path):
    db = _copy(built_db, tmp_path)
    con = duckdb.connect(str(db))
    try:
        for table, column in con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                                         "WHERE schema_name = 'main' AND comment IS NOT NULL").fetchall():
            con.execute(f'COMMENT ON COLUMN "{table}"."{column}" IS NULL')
        assert not read_comments(con).columns
    finally:
        con.close()
    out = tmp_path / "out"
    export(str(db), str(out))
    assert {c["name"]: c for c in _relations(out)["trials"]["columns"]}["phase"]["source"].startswith(
        "v2 designModule.phases")


def test_every_table_view_and_column_of_the_schema_has_a_comment_with_its_source(built_db):
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        comments = read_comments(con)
        live = schema.columns(con)
    finally:
        con.close()
    catalog_relations = {v.name for v in views.load_catalog()} | {
        vv.relation for vv in views.all_versions(views.load_catalog())}
    fresh = schema_comments()
    undocumented = []
    for table, cols in sorted(live.items()):
        if table in catalog_relations:
            continue
        if not comments.relations.get(table):
            undocumented.append(table)
        for column in cols:
            text = comments.columns.get((table, column), "")
            if "Source: " not in text or text.startswith("Source: "):
                undocumented.append(f"{table}.{column}")
            assert fresh.columns.get((table, column)) == text  # the built warehouse keeps the schema's comments
    assert undocumented == [], f"add COMMENT ON lines to sql/schema/099_comments.sql for: {undocumented}"
