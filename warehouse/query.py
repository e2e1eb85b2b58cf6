"""Read-only SQL against the warehouse."""

from __future__ import annotations

import duckdb


class QueryError(Exception):
    """The query failed (bad SQL, or an attempt to write)."""


def connect_read_only(db: str, *, files: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection that cannot write the warehouse and never fetches extensions.

    Without ``files`` it cannot read or write other files either (no ``COPY … TO``, no ``ATTACH``).
    """
    config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    if not files:
        config["enable_external_access"] = False
    return duckdb.connect(db, read_only=True, config=config)


def run(db: str, sql: str) -> tuple[list[str], list[tuple]]:
    """Column names and rows of ``sql``; the database is opened read-only."""
    try:
        con = connect_read_only(db)
    except duckdb.Error as exc:
        raise QueryError(f"cannot open {db} read-only: {exc}") from None
    try:
        cur = con.execute(sql)
        if cur.description is None:
            return [], []
        names = [d[0] for d in cur.description]
        return names, cur.fetchall()
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    finally:
        con.close()


def render_table(names: list[str], rows: list[tuple], max_width: int = 60) -> str:
    """A plain-text table."""

    def cell(v: object) -> str:
        text = "NULL" if v is None else str(v).replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    line = "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join([line, rule, *body, f"({len(rows)} row{'s' if len(rows) != 1 else ''})"])
