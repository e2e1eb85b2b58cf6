"""The data dictionary of an export: every relation, its columns (type, meaning, source) and row count.

Table and core-view meanings are the SQL comments of ``sql/schema/099_comments.sql``, read back from the
warehouse (``duckdb_tables()``, ``duckdb_views()``, ``duckdb_columns()``); a warehouse built before those comments
existed gets them from the schema files instead. A column comment is ``<meaning> Source: <source fields>``.
Versioned views take their meanings from ``sql/views/catalog.yaml``. Output is deterministic (no timestamps).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import duckdb

from warehouse import schema
from warehouse.views import View, ViewVersion

#: Source abbreviations used in the column comments (as in the header of sql/schema/099_comments.sql).
SOURCE_LEGEND = (
    "v2 = ClinicalTrials.gov API v2 JSON; XML = legacy ClinicalTrials.gov XML; classic = classic ClinicalTrials.gov "
    "API JSON (study_fields / full_studies); CSV = ClinicalTrials.gov CSV downloads (SearchResults.csv, "
    "ctg-studies.csv); ICTRP = WHO ICTRP XML (and the portal CSV, whose columns are read as the XML's tags); EUCTR = "
    "EU Clinical Trials Register text download; pages = saved web pages, by label; derived = computed in the "
    "warehouse from other tables."
)
SOURCE_MARK = "Source: "


@dataclass(frozen=True, slots=True)
class ColumnDoc:
    name: str
    type: str
    meaning: str
    source: str


@dataclass(slots=True)
class RelationDoc:
    """One exported table or view."""

    name: str
    kind: str  # 'table' | 'view'
    file: str
    rows: int
    description: str
    columns: list[ColumnDoc] = field(default_factory=list)
    view_version: int | None = None
    version_of: str | None = None  # the catalog view a versioned relation belongs to
    grain: str | None = None


@dataclass(slots=True)
class Comments:
    """SQL comments of a database: relation → comment, and (relation, column) → comment."""

    relations: dict[str, str] = field(default_factory=dict)
    columns: dict[tuple[str, str], str] = field(default_factory=dict)

    def relation(self, name: str, fallback: Comments | None = None) -> str:
        found = self.relations.get(name)
        if not found and fallback is not None:
            found = fallback.relations.get(name)
        return found or ""

    def column(self, table: str, column: str, fallback: Comments | None = None) -> str:
        found = self.columns.get((table, column))
        if not found and fallback is not None:
            found = fallback.columns.get((table, column))
        return found or ""


def read_comments(con: duckdb.DuckDBPyConnection) -> Comments:
    """The comments on the tables, views and columns of the ``main`` schema of ``con``'s database."""
    out = Comments()
    for name, comment in con.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'main' AND database_name = "
        "current_database() AND comment IS NOT NULL UNION ALL "
        "SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'main' AND database_name = "
        "current_database() AND NOT internal AND comment IS NOT NULL"
    ).fetchall():
        out.relations[name] = comment
    for table, column, comment in con.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'main' AND "
        "database_name = current_database() AND comment IS NOT NULL"
    ).fetchall():
        out.columns[(table, column)] = comment
    return out


def schema_comments() -> Comments:
    """The comments the current ``sql/schema`` files give (for warehouses built before they existed)."""
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        schema.create(con)
        return read_comments(con)
    finally:
        con.close()


def split_comment(comment: str) -> tuple[str, str]:
    """(meaning, source) of a column comment.

    >>> split_comment("Trial phases joined by '/'. Source: v2 designModule.phases; XML phase.")
    ("Trial phases joined by '/'.", 'v2 designModule.phases; XML phase.')
    >>> split_comment("No source given.")
    ('No source given.', '')
    """
    meaning, mark, source = comment.partition(SOURCE_MARK)
    if not mark:
        return comment.strip(), ""
    return meaning.strip(), source.strip()


def table_doc(name: str, kind: str, columns: list[tuple[str, str]], rows: int, comments: Comments,
              fallback: Comments | None = None) -> RelationDoc:
    """A table's or core view's entry, from its SQL comments."""
    docs = []
    for column, dtype in columns:
        meaning, source = split_comment(comments.column(name, column, fallback))
        docs.append(ColumnDoc(column, dtype, meaning, source))
    return RelationDoc(name=name, kind=kind, file=f"{name}.parquet", rows=rows,
                       description=comments.relation(name, fallback), columns=docs)


def view_doc(view: View, vv: ViewVersion, relation: str, columns: list[tuple[str, str]], rows: int) -> RelationDoc:
    """A versioned view's entry (``relation`` is ``vv.relation`` or the view's latest pointer), from the catalog."""
    meanings = {c.name: c.description for c in vv.columns}
    source = f"sql/views/{view.name}/v{vv.version}.sql"
    pointer = relation == view.name
    description = view.question + (f" (latest version: {vv.relation})" if pointer else "")
    return RelationDoc(
        name=relation, kind="view", file=f"{relation}.parquet", rows=rows, description=description,
        columns=[ColumnDoc(c, t, meanings.get(c, ""), source) for c, t in columns],
        view_version=vv.version, version_of=view.name, grain=view.grain,
    )


def to_json(relations: list[RelationDoc], header: dict[str, str]) -> str:
    """The dictionary as JSON (keys in a fixed order, no timestamps)."""
    body = {**header, "source_abbreviations": SOURCE_LEGEND, "relations": [asdict(r) for r in relations]}
    return json.dumps(body, indent=1, ensure_ascii=False) + "\n"


def _cell(text: object) -> str:
    return "" if text is None else str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(relations: list[RelationDoc], header: dict[str, str]) -> str:
    """The dictionary as Markdown: an index of the relations, then one column table per relation."""
    lines = [
        "# MSC trial warehouse: data dictionary",
        "",
        f"Contract {header['contract_version']}, schema version {header['schema_version']}. One zstd Parquet file "
        "per relation, rows sorted by all columns; each file's key-value metadata holds contract_version, "
        "schema_version and relation (and view_version for a view).",
        "",
        f"Source abbreviations: {SOURCE_LEGEND}",
        "",
        "| relation | kind | rows | file | description |",
        "|---|---|---:|---|---|",
    ]
    for r in relations:
        lines.append(f"| [{r.name}](#{r.name}) | {r.kind} | {r.rows} | {r.file} | {_cell(r.description)} |")
    for r in relations:
        lines += ["", f"## {r.name}", ""]
        facts = [f"{r.kind}", f"{r.rows} rows", f"file `{r.file}`"]
        if r.view_version is not None:
            facts.insert(1, f"version {r.view_version} of `{r.version_of}`")
        if r.grain:
            facts.append(f"grain: {r.grain}")
        lines += [_cell(r.description), "", "; ".join(facts) + ".", "",
                  "| column | type | meaning | source |", "|---|---|---|---|"]
        lines += [f"| {_cell(c.name)} | {_cell(c.type)} | {_cell(c.meaning)} | {_cell(c.source)} |"
                  for c in r.columns]
    return "\n".join(lines) + "\n"
