"""Export tables (and current views) as zstd Parquet, sorted for reproducible bytes, with a data dictionary."""

from __future__ import annotations

import json
from pathlib import Path

from warehouse.contract import CONTRACT_VERSION
from warehouse.query import connect_read_only
from warehouse.schema import SCHEMA_VERSION

#: Tables holding personal contact details, exported only on request.
PERSONAL_TABLES = {"contacts"}


def export(db: str, out: str, *, include_contacts: bool = False) -> list[Path]:
    """Write one Parquet file per table and view into ``out``; returns the files written."""
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = connect_read_only(db, files=True)
    written: list[Path] = []
    dictionary: dict[str, dict] = {}
    try:
        relations = con.execute(
            "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main' "
            "ORDER BY table_name"
        ).fetchall()
        for name, kind in relations:
            if name in PERSONAL_TABLES and not include_contacts:
                continue
            cols = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position", [name]
            ).fetchall()
            order = ", ".join(f'"{c}"' for c, _ in cols)
            target = out_dir / f"{name}.parquet"
            con.execute(
                f"COPY (SELECT * FROM \"{name}\" ORDER BY {order}) TO '{target}' "
                f"(FORMAT parquet, COMPRESSION zstd, KV_METADATA {{contract_version: '{CONTRACT_VERSION}', "
                f"schema_version: '{SCHEMA_VERSION}', relation: '{name}'}})"
            )
            written.append(target)
            dictionary[name] = {"kind": "view" if kind == "VIEW" else "table",
                                "columns": [{"name": c, "type": t} for c, t in cols]}
    finally:
        con.close()
    (out_dir / "data_dictionary.json").write_text(json.dumps(dictionary, indent=1) + "\n", encoding="utf-8")
    return written
