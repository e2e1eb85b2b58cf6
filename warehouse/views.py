"""Versioned SQL views: load the catalog, create the views, check them against the live schema, transpile, lint.

Layout (dbt-style): ``sql/views/<name>/v<N>.sql`` holds one CTE pipeline per version and
``sql/views/catalog.yaml`` holds each view's question and, per version, its contract (columns with
``data_type`` and ``description``), ``status`` (current/deprecated), ``released``, ``portable`` and, for a
released version, the ``fingerprint`` of its output columns. Version N is created as ``<name>_v<N>`` and
``<name>`` selects * from the latest version. A released version's columns never change: a change of
columns is a new version.

The views folder is ``sql/views`` beside the package unless ``MSCWH_VIEWS_DIR`` or a ``views_dir``
argument names another one.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from warehouse import yaml_text
from warehouse.transaction import transaction

if TYPE_CHECKING:
    from sqlglot import exp
    from sqlglot.schema import MappingSchema

# sqlglot (~35 ms to import) is imported where a view's SQL is read, not with this module: a build that patches a
# warehouse, and `mscwh query` or `export`, never need it.

DEFAULT_VIEWS_DIR = Path(__file__).resolve().parent.parent / "sql" / "views"
CATALOG_FILE = "catalog.yaml"
#: Engines ``transpile`` writes for.
DIALECTS = ("postgres", "spark", "trino")
STATUSES = ("current", "deprecated")
#: A view answering slower than this (seconds) is reported by ``check``.
SLOW_SECONDS = 1.0


@functools.cache
def portable_types() -> frozenset:
    """Types a portable view may name in a CAST (everything else is engine-specific, e.g. HUGEINT, LIST, STRUCT)."""
    from sqlglot import exp

    t = exp.DataType.Type
    return frozenset({t.BIGINT, t.BOOLEAN, t.CHAR, t.DATE, t.DECIMAL, t.DOUBLE, t.FLOAT, t.INT, t.SMALLINT, t.TEXT,
                      t.TIMESTAMP, t.VARCHAR})


@functools.cache
def unportable_expressions() -> dict[type[exp.Expression], str]:
    """Expressions sqlglot parses from DuckDB but writes wrongly or not at all for some target engine."""
    from sqlglot import exp

    return {
        exp.Median: "median() is written as PERCENTILE_CONT(x, 0.5) for Trino, which it rejects: use "
                    "percentile_cont(0.5) within group (order by x)",
        exp.Qualify: "QUALIFY is DuckDB-specific: filter a window column in an outer query",
        exp.Pivot: "PIVOT/UNPIVOT differ per engine: use CASE or UNION ALL",
        exp.Columns: "COLUMNS(...) is DuckDB-specific: list the columns",
        exp.Lambda: "lambdas are DuckDB-specific",
    }


class ViewError(Exception):
    """Base class for view problems."""


class CatalogError(ViewError):
    """The catalog and the SQL files disagree, or the catalog is malformed."""


class MissingTableError(ViewError):
    """A view reads a table this warehouse lacks."""


class ViewContractError(ViewError):
    """A view's output does not match its catalog contract."""


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    data_type: str
    description: str


@dataclass(slots=True)
class ViewVersion:
    """One version of a view: its SQL and its contract."""

    name: str
    version: int
    sql: str
    path: Path
    columns: list[Column]
    status: str
    released: bool
    portable: bool
    fingerprint: str | None

    @property
    def relation(self) -> str:
        return f"{self.name}_v{self.version}"

    def contract(self) -> list[tuple[str, str]]:
        return [(c.name, c.data_type) for c in self.columns]


@dataclass(slots=True)
class View:
    name: str
    question: str
    grain: str
    latest_version: int
    versions: dict[int, ViewVersion] = field(default_factory=dict)

    @property
    def latest(self) -> ViewVersion:
        return self.versions[self.latest_version]


@dataclass(slots=True)
class CheckResult:
    """What ``check`` found for one view version."""

    relation: str
    rows: int | None = None
    seconds: float | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def views_dir(path: str | Path | None = None) -> Path:
    """The views folder: ``path``, else ``$MSCWH_VIEWS_DIR``, else ``sql/views``."""
    if path is not None:
        return Path(path)
    env = os.environ.get("MSCWH_VIEWS_DIR")
    return Path(env) if env else DEFAULT_VIEWS_DIR


def fingerprint(columns: list[tuple[str, str]]) -> str:
    """A short hash of output column names and types, in order.

    >>> fingerprint([("trial_id", "VARCHAR"), ("n_trials", "BIGINT")])
    'ddd81dd213af500d'
    """
    text = "".join(f"{name}\t{dtype}\n" for name, dtype in columns)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- catalog -----------------------------------------------------------------------------------------------


def load_catalog(path: str | Path | None = None) -> list[View]:
    """Every view in the catalog, sorted by name; :class:`CatalogError` lists every inconsistency."""
    root = views_dir(path)
    catalog_path = root / CATALOG_FILE
    try:
        raw = yaml_text.safe_load(catalog_path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise CatalogError(f"no catalog at {catalog_path}") from None
    entries = raw.get("views") or {}
    problems: list[str] = []
    views: list[View] = []
    folders = {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    for name in sorted(folders - set(entries)):
        problems.append(f"{name}: folder {root / name} has no catalog entry")
    for name in sorted(entries):
        view = _load_view(root, name, entries[name] or {}, problems)
        if view is not None:
            views.append(view)
    if problems:
        raise CatalogError(f"{catalog_path}:\n  " + "\n  ".join(problems))
    return views


def _load_view(root: Path, name: str, entry: dict, problems: list[str]) -> View | None:
    folder = root / name
    if not folder.is_dir():
        problems.append(f"{name}: in the catalog but {folder} does not exist")
        return None
    for key in ("question", "grain", "latest_version", "versions"):
        if key not in entry:
            problems.append(f"{name}: missing '{key}'")
    if any(key not in entry for key in ("latest_version", "versions")):
        return None
    view = View(name=name, question=str(entry.get("question", "")).strip(), grain=str(entry.get("grain", "")),
                latest_version=int(entry["latest_version"]))
    files = {int(p.stem[1:]): p for p in folder.glob("v*.sql") if p.stem[1:].isdigit()}
    declared = {int(v): spec or {} for v, spec in (entry["versions"] or {}).items()}
    for v in sorted(set(files) - set(declared)):
        problems.append(f"{name}: {files[v].name} is not in the catalog")
    for v in sorted(set(declared) - set(files)):
        problems.append(f"{name}: version {v} is in the catalog but {folder / f'v{v}.sql'} does not exist")
    if declared and view.latest_version != max(declared):
        problems.append(f"{name}: latest_version is {view.latest_version} but the newest version is {max(declared)}")
    for v in sorted(set(declared) & set(files)):
        spec = declared[v]
        columns = [Column(str(c.get("name")), str(c.get("data_type")).upper(), str(c.get("description", "")))
                   for c in spec.get("columns") or []]
        label = f"{name} v{v}"
        if not columns:
            problems.append(f"{label}: no columns (the contract)")
        for c in columns:
            if not c.description.strip():
                problems.append(f"{label}: column {c.name} has no description")
        if len({c.name for c in columns}) != len(columns):
            problems.append(f"{label}: duplicate column names")
        status = spec.get("status")
        if status not in STATUSES:
            problems.append(f"{label}: status must be one of {', '.join(STATUSES)}, not {status!r}")
        for key in ("released", "portable"):
            if not isinstance(spec.get(key), bool):
                problems.append(f"{label}: '{key}' must be true or false")
        released = bool(spec.get("released"))
        fp = spec.get("fingerprint")
        declared_fp = fingerprint([(c.name, c.data_type) for c in columns])
        if released and not fp:
            problems.append(f"{label}: released without a fingerprint (add fingerprint: {declared_fp})")
        elif released and fp != declared_fp:
            problems.append(f"{label}: the catalog columns of a released version changed (fingerprint {fp} "
                            f"≠ {declared_fp}): restore them and make the change a new version")
        view.versions[v] = ViewVersion(
            name=name, version=v, sql=files[v].read_text(encoding="utf-8"), path=files[v], columns=columns,
            status=str(status), released=released, portable=bool(spec.get("portable")),
            fingerprint=str(fp) if fp else None,
        )
    return view


def all_versions(views: list[View]) -> list[ViewVersion]:
    return [vv for view in views for _, vv in sorted(view.versions.items())]


# --- parsing, schema, lint -----------------------------------------------------------------------------------


def parse(vv: ViewVersion) -> exp.Expression:
    """The view's SQL as a sqlglot tree (DuckDB dialect)."""
    import sqlglot

    return sqlglot.parse_one(vv.sql, read="duckdb")


def referenced_tables(tree: exp.Expression) -> set[str]:
    """Tables and views the query reads (CTE names excluded)."""
    from sqlglot import exp

    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    return {t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes}


def live_schema(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Every table and view in the connection (temporary ones included) → {column: type}."""
    out: dict[str, dict[str, str]] = {}
    for table, column, dtype in con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "ORDER BY table_name, ordinal_position"
    ).fetchall():
        out.setdefault(table, {})[column] = dtype
    return out


def missing_tables(vv: ViewVersion, tables: set[str], tree: exp.Expression | None = None) -> list[str]:
    return sorted(referenced_tables(tree if tree is not None else parse(vv)) - tables)


def lint(tree: exp.Expression) -> list[str]:
    """Why a view is not portable: engine-specific functions, syntax or types ([] when portable)."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ErrorLevel, SqlglotError

    problems: list[str] = []
    for node in tree.find_all(exp.Anonymous):
        problems.append(f"engine-specific function {node.name}() (sqlglot passes it through unchanged)")
    for group in tree.find_all(exp.Group):
        if group.args.get("all"):
            problems.append("GROUP BY ALL (not written for Postgres/Trino): list the columns")
    for cls, why in unportable_expressions().items():
        if any(True for _ in tree.find_all(cls)):
            problems.append(why)
    for node in tree.find_all(exp.PercentileCont, exp.PercentileDisc):
        if not isinstance(node.parent, exp.WithinGroup):
            problems.append(f"{node.key}(x, q) (DuckDB's quantile_cont/quantile_disc) is written as "
                            "PERCENTILE_CONT(x, q) for Spark/Trino, which they reject: use "
                            "percentile_cont(q) within group (order by x)")
    for dtype in tree.find_all(exp.DataType):
        if dtype.this not in portable_types():
            problems.append(f"DuckDB-specific type {dtype.sql('duckdb')}")
    for dialect in DIALECTS:
        try:
            written = tree.sql(dialect=dialect, unsupported_level=ErrorLevel.RAISE)
            sqlglot.parse_one(written, read=dialect)
        except SqlglotError as exc:
            problems.append(f"does not transpile to {dialect}: {str(exc).splitlines()[0]}")
    return sorted(set(problems))


# --- create and check ------------------------------------------------------------------------------------------


def describe(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[str, str]]:
    """Output columns and types of a query, as DuckDB (the engine) sees them."""
    return [(row[0], row[1]) for row in con.execute(f"DESCRIBE {sql}").fetchall()]


def create_views(con: duckdb.DuckDBPyConnection, path: str | Path | None = None, *,
                 enforce_contracts: bool = True) -> list[str]:
    """Create every view version and each latest pointer in ``con``; returns the relations created.

    Raises :class:`MissingTableError` before creating anything when a view reads a table the warehouse lacks,
    and :class:`ViewContractError` when a view's output differs from its catalog contract.
    """
    views = load_catalog(path)
    try:
        with transaction(con):  # (all or nothing)
            created, mismatches = _create_all(con, views, enforce_contracts)
    except duckdb.CatalogException:
        _raise_missing_tables(con, views)
        raise
    if mismatches:
        raise ViewContractError("views do not match their catalog contracts (sql/views/catalog.yaml):\n  "
                                + "\n  ".join(mismatches))
    return created


def _raise_missing_tables(con: duckdb.DuckDBPyConnection, views: list[View]) -> None:
    """Raise :class:`MissingTableError` naming every view that reads a table ``con`` lacks (found by sqlglot:
    only once DuckDB has refused a view, so a build that creates them all never parses their SQL)."""
    tables = set(live_schema(con))
    missing = {vv.relation: missing_tables(vv, tables) for vv in all_versions(views)}
    missing = {rel: names for rel, names in missing.items() if names}
    if missing:
        lines = [f"{rel} reads {', '.join(names)}" for rel, names in sorted(missing.items())]
        raise MissingTableError(
            "views cannot be created, the warehouse lacks tables they read (is the step or the "
            "sql/schema file that makes them in place?):\n  " + "\n  ".join(lines)
        )


def _create_all(con: duckdb.DuckDBPyConnection, views: list[View],
                enforce_contracts: bool) -> tuple[list[str], list[str]]:
    """Create every version and latest pointer; (relations created, contract mismatches)."""
    created: list[str] = []
    mismatches: list[str] = []
    for vv in all_versions(views):
        con.execute(f'CREATE OR REPLACE VIEW "{vv.relation}" AS {vv.sql}')
        created.append(vv.relation)
        if enforce_contracts:
            actual = describe(con, f'SELECT * FROM "{vv.relation}"')
            if actual != vv.contract():
                mismatches.append(f"{vv.relation}: {contract_diff(vv.contract(), actual)}")
    for view in views:
        con.execute(f'CREATE OR REPLACE VIEW "{view.name}" AS SELECT * FROM "{view.latest.relation}"')
        created.append(view.name)
    return created, mismatches


def contract_diff(expected: list[tuple[str, str]], actual: list[tuple[str, str]]) -> str:
    """A one-line account of how an output differs from its contract."""
    exp_map, act_map = dict(expected), dict(actual)
    parts = []
    if removed := [n for n in exp_map if n not in act_map]:
        parts.append(f"missing {', '.join(removed)}")
    if added := [n for n in act_map if n not in exp_map]:
        parts.append(f"unexpected {', '.join(added)}")
    if retyped := [f"{n} {exp_map[n]}→{act_map[n]}" for n in exp_map if n in act_map and exp_map[n] != act_map[n]]:
        parts.append(f"retyped {', '.join(retyped)}")
    if not parts and expected != actual:
        parts.append(f"column order {[n for n, _ in actual]} ≠ {[n for n, _ in expected]}")
    return "; ".join(parts)


def check(con: duckdb.DuckDBPyConnection, path: str | Path | None = None, *,
          slow_seconds: float = SLOW_SECONDS) -> list[CheckResult]:
    """Check every view version against the live schema; nothing is created.

    Per version: parse (DuckDB), tables present, qualify (unknown columns), lint when portable, DESCRIBE equals
    the contract, a released version's fingerprint is unchanged, then run it and time it.
    """
    from sqlglot.schema import MappingSchema

    views = load_catalog(path)
    schema_map = live_schema(con)
    schema = MappingSchema(schema_map, dialect="duckdb")
    results = []
    for vv in all_versions(views):
        results.append(_check_version(con, vv, schema_map, schema, slow_seconds))
    return results


def _check_version(con: duckdb.DuckDBPyConnection, vv: ViewVersion, schema_map: dict[str, dict[str, str]],
                   schema: MappingSchema, slow_seconds: float) -> CheckResult:
    from sqlglot.errors import OptimizeError, ParseError, SqlglotError
    from sqlglot.optimizer.qualify import qualify

    result = CheckResult(relation=vv.relation)
    try:
        tree = parse(vv)
    except ParseError as exc:
        result.errors.append(f"does not parse (duckdb): {str(exc).splitlines()[0]}")
        return result
    if names := missing_tables(vv, set(schema_map), tree):
        result.errors.append(f"reads missing table(s): {', '.join(names)}")
        return result
    try:
        qualify(tree.copy(), schema=schema, dialect="duckdb")
    except (OptimizeError, SqlglotError) as exc:
        result.errors.append(f"does not qualify against the warehouse schema: {str(exc).splitlines()[0]}")
        return result
    if vv.portable:
        result.errors.extend(f"marked portable but: {p}" for p in lint(tree))
    try:
        actual = describe(con, vv.sql)
    except duckdb.Error as exc:
        result.errors.append(f"DuckDB rejects it: {str(exc).splitlines()[0]}")
        return result
    if actual != vv.contract():
        result.errors.append(f"output differs from the catalog contract: {contract_diff(vv.contract(), actual)}")
    if vv.released and vv.fingerprint != fingerprint(actual):
        result.errors.append(f"released version's output changed (fingerprint {vv.fingerprint} → "
                             f"{fingerprint(actual)}): restore it and make the change a new version")
    started = time.perf_counter()
    try:
        result.rows = len(con.execute(vv.sql).fetchall())
    except duckdb.Error as exc:
        result.errors.append(f"fails when run: {str(exc).splitlines()[0]}")
        return result
    result.seconds = time.perf_counter() - started
    if result.seconds > slow_seconds:
        result.warnings.append(f"slow: {result.seconds:.2f} s (> {slow_seconds:g} s)")
    return result


# --- transpile ---------------------------------------------------------------------------------------------------


def transpile_version(vv: ViewVersion, dialect: str) -> str:
    """The view version as a CREATE VIEW statement for ``dialect`` (comments dropped)."""
    import sqlglot
    from sqlglot.errors import ErrorLevel

    body = sqlglot.transpile(vv.sql, read="duckdb", write=dialect, pretty=True, comments=False,
                             unsupported_level=ErrorLevel.RAISE)[0]
    return f"CREATE VIEW {vv.relation} AS\n{body};\n"


def transpile(dialect: str, path: str | Path | None = None) -> list[tuple[str, str]]:
    """(relation, SQL) for ``dialect``: every version, then the latest pointers. Non-portable ones become a
    comment saying they were skipped."""
    if dialect not in DIALECTS:
        import sqlglot

        sqlglot.Dialect.get_or_raise(dialect)
        raise ViewError(f"unsupported dialect {dialect!r}: choose one of {', '.join(DIALECTS)}")
    views = load_catalog(path)
    out: list[tuple[str, str]] = []
    for vv in all_versions(views):
        if vv.portable:
            out.append((vv.relation, transpile_version(vv, dialect)))
        else:
            out.append((vv.relation, f"-- {vv.relation}: skipped, not portable (DuckDB only)\n"))
    for view in views:
        latest = view.latest
        if latest.portable:
            out.append((view.name, f"CREATE VIEW {view.name} AS\nSELECT\n  *\nFROM {latest.relation};\n"))
        else:
            out.append((view.name, f"-- {view.name}: skipped, its latest version {latest.relation} is not portable\n"))
    return out


def transpile_script(dialect: str, path: str | Path | None = None) -> str:
    """One script creating every portable view for ``dialect`` (versions first, then the pointers)."""
    header = f"-- MSC warehouse views for {dialect}, transpiled from the DuckDB SQL in sql/views by sqlglot\n"
    return header + "\n".join(sql for _, sql in transpile(dialect, path))
