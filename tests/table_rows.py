"""Every table of a warehouse, row by row: what tests compare between builds."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse import cache as parse_cache


def all_tables(db: Path, leave_out: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every base table's rows (but ``leave_out``), sorted: a patched or streamed build may order them otherwise."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in names if t not in leave_out}
    finally:
        con.close()


def cache_rows(db: Path, tables: tuple[str, ...]) -> dict[str, list[tuple]]:
    """The rows of ``tables`` in the parse cache's manifest of the warehouse ``db`` (what the next build compares
    against), sorted."""
    con = duckdb.connect(str(parse_cache.location(db)), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
    finally:
        con.close()
