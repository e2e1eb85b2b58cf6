"""Export the warehouse for analysts: zstd Parquet sorted for reproducible bytes, with a data dictionary.

Exported: every table (``contacts`` only on request), every current version of each catalog view
(``<name>_v<N>``) and its ``<name>`` pointer when its latest version is current, and the core views of
``sql/schema`` (``conflicts``, ``unlinked_documents``, ``rejected_documents`` …). Each file's key-value metadata
holds ``contract_version``, ``schema_version``, ``relation`` and, for a view, ``view_version``. The dictionary is
written as ``data_dictionary.md`` and ``data_dictionary.json``. Two exports of one warehouse are byte-identical.

All or nothing: every file is first written to a hidden folder inside ``out`` and moved into place only once all
are written, so an export that fails (a full disk, a killed process) leaves the previous export as it was, with
no file cut short.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from warehouse import dictionary
from warehouse import views as views_mod
from warehouse.contract import CONTRACT_VERSION, REQUIRED
from warehouse.leftovers import remove_abandoned
from warehouse.query import connect_read_only
from warehouse.schema import SCHEMA_VERSION
from warehouse.sql_text import identifier, literal

#: Tables holding personal contact details, exported only on request.
PERSONAL_TABLES = {"contacts"}
DICTIONARY_FILES = ("data_dictionary.md", "data_dictionary.json")


class ExportError(Exception):
    """The warehouse cannot be exported as asked (contract tables or catalog views missing)."""


def _columns(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[str, str]]:
    return [(c, t) for c, t in con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' AND "
        "table_name = ? ORDER BY ordinal_position", [name]).fetchall()]


def _write(con: duckdb.DuckDBPyConnection, name: str, columns: list[tuple[str, str]], target: Path,
           metadata: dict[str, str]) -> int:
    """Copy one relation, sorted by all its columns, to zstd Parquet; returns its row count."""
    order = ", ".join(identifier(c) for c, _ in columns)
    kv = ", ".join(f"{key}: {literal(value)}" for key, value in metadata.items())
    con.execute(f"COPY (SELECT * FROM {identifier(name)} ORDER BY {order}) TO {literal(target)} "
                f"(FORMAT parquet, COMPRESSION zstd, KV_METADATA {{{kv}}})")
    return con.execute(f"SELECT count(*) FROM {identifier(name)}").fetchone()[0]


def _plan(con: duckdb.DuckDBPyConnection, catalog: list[views_mod.View], include_contacts: bool):
    """(tables, core views, [(view, version, relation)]) to export; :class:`ExportError` when some are missing."""
    present = dict(con.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main'").fetchall())
    problems = [f"contract table {t} is missing" for t in sorted(REQUIRED) if present.get(t) != "BASE TABLE"]
    tables = sorted(t for t, kind in present.items()
                    if kind == "BASE TABLE" and (include_contacts or t not in PERSONAL_TABLES))
    versioned: list[tuple[views_mod.View, views_mod.ViewVersion, str]] = []
    catalog_names: set[str] = set()
    for view in catalog:
        catalog_names.add(view.name)
        catalog_names.update(vv.relation for vv in view.versions.values())
        current = [vv for _, vv in sorted(view.versions.items()) if vv.status == "current"]
        pointer = [(view.latest, view.name)] if view.latest.status == "current" else []
        for vv, relation in [(vv, vv.relation) for vv in current] + pointer:
            if present.get(relation) != "VIEW":
                problems.append(f"view {relation} is missing (the warehouse predates the catalog: rebuild it)")
            versioned.append((view, vv, relation))
    core = sorted(v for v, kind in present.items() if kind == "VIEW" and v not in catalog_names)
    if problems:
        raise ExportError("cannot export: " + "; ".join(problems))
    return tables, core, sorted(versioned, key=lambda item: item[2])


def _remove_stale(out_dir: Path, written: list[str]) -> None:
    """Delete Parquet files of an earlier export that this one does not write (e.g. contacts left behind)."""
    keep = set(written)
    for path in sorted(out_dir.glob("*.parquet")):
        if path.name in keep:
            continue
        try:
            metadata = pq.read_schema(path).metadata or {}
        except (OSError, ValueError):
            continue
        if b"relation" in metadata and b"contract_version" in metadata:
            path.unlink()


def export(db: str, out: str, *, include_contacts: bool = False,
           views_dir: str | Path | None = None) -> list[Path]:
    """Write one Parquet file per table and view into ``out`` plus the data dictionary; returns the Parquet files."""
    catalog = views_mod.load_catalog(views_dir)
    out_dir = Path(out)
    con = connect_read_only(db, files=True)
    try:
        tables, core, versioned = _plan(con, catalog, include_contacts)
        out_dir.mkdir(parents=True, exist_ok=True)
        remove_abandoned(out_dir, [f"{STAGING_PREFIX}*"])  # (killed exports')
        staging = out_dir / f"{STAGING_PREFIX}{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            written = _write_all(con, staging, tables, core, versioned)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        con.close()
    for name in written + list(DICTIONARY_FILES):  # (the dictionary last: it describes the files in place)
        os.replace(staging / name, out_dir / name)
    staging.rmdir()
    _remove_stale(out_dir, written)
    return [out_dir / name for name in written]


#: The hidden folder, inside the export folder, where an export is written before it is moved into place.
STAGING_PREFIX = ".export-"


def _write_all(con: duckdb.DuckDBPyConnection, staging: Path, tables: list[str], core: list[str],
               versioned: list) -> list[str]:
    """Write every relation's Parquet file and the dictionary into ``staging``; returns the Parquet file names."""
    written: list[str] = []
    docs: list[dictionary.RelationDoc] = []
    comments = dictionary.read_comments(con)
    fallback = None if comments.columns else dictionary.schema_comments()
    base = {"contract_version": CONTRACT_VERSION, "schema_version": SCHEMA_VERSION}
    for name, kind in [(t, "table") for t in tables] + [(v, "view") for v in core]:
        columns = _columns(con, name)
        rows = _write(con, name, columns, staging / f"{name}.parquet", {**base, "relation": name})
        written.append(f"{name}.parquet")
        docs.append(dictionary.table_doc(name, kind, columns, rows, comments, fallback))
    for view, vv, relation in versioned:
        columns = _columns(con, relation)
        rows = _write(con, relation, columns, staging / f"{relation}.parquet",
                      {**base, "relation": relation, "view_version": str(vv.version)})
        written.append(f"{relation}.parquet")
        docs.append(dictionary.view_doc(view, vv, relation, columns, rows))
    (staging / "data_dictionary.json").write_text(dictionary.to_json(docs, base), encoding="utf-8")
    (staging / "data_dictionary.md").write_text(dictionary.to_markdown(docs, base), encoding="utf-8")
    return written
