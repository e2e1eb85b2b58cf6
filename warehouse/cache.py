"""The parse cache and staging store: every parsed document as compact rows in a DuckDB file.

A build streams each document's rows (its manifest, its records' scalar fields, each child section) into the
staging tables defined here; the merge then runs in SQL over them. The same tables are the parse cache: they
live in ``<db dir>/.mscwh-cache/<db name>.duckdb`` and the next build parses only documents whose entry is
missing. An entry is keyed by the content sha256 (machine formats) or by the content, path and sidecar files
(pages read trial ids and URLs from file names and ``.url``/``.meta.json`` sidecars). The whole cache is
discarded when the parser registry (``name@version``), the ``ingest`` source code or the staging layout
changes. A bad entry (its rows do not add up to its manifest) is dropped and re-parsed; a file that cannot be
opened is replaced by an empty cache.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest.model import TRIAL_FIELDS, ParsedDocument
from warehouse.discover import InputFile
from warehouse.record_derive import DERIVED_COLUMNS, derived_rows
from warehouse.tables import CHILD_TABLES, _rows, arm_links, as_text

#: Bump when the staging tables change shape: older caches are discarded.
STAGE_VERSION = "2"
CACHE_DIR_NAME = ".mscwh-cache"
#: DuckDB's buffer limit for the build's connections (it spills to disk beyond): memory stays flat as inputs grow.
MEMORY_LIMIT = "512MB"
#: Modules of ``warehouse/`` whose code shapes the derived rows kept per record.
DERIVATION_MODULES = ("record_derive", "msc_classify", "msc_dose", "criteria_patterns", "tables")

_DATE = {n for n in TRIAL_FIELDS if n.endswith("_date")}
_FLOAT = {"min_age_years", "max_age_years"}
_INT = {"enrollment"}
_BOOL = {"healthy_volunteers", "has_results", "has_dmc"}
FLOAT_FIELDS = tuple(n for n in TRIAL_FIELDS if n in _FLOAT)


def _types(name: str) -> tuple[pa.DataType, str]:
    if name in _DATE:
        return pa.date32(), "DATE"
    if name in _FLOAT:
        return pa.float64(), "DOUBLE"
    if name in _INT:
        return pa.int32(), "INTEGER"
    if name in _BOOL:
        return pa.bool_(), "BOOLEAN"
    if name in ("rec", "idx", "ordinal", "n_trials", "fact_no", "n_administrations"):
        return pa.int32(), "INTEGER"
    if name in ("low", "high") or name.startswith("dose_") and name != "dose_text":
        return pa.float64(), "DOUBLE"
    if name in ("low_inclusive", "high_inclusive", "is_msc"):
        return pa.bool_(), "BOOLEAN"
    if name in ("size_bytes", "n_rows"):
        return pa.int64(), "BIGINT"
    if name == "path_bound":
        return pa.bool_(), "BOOLEAN"
    return pa.string(), "VARCHAR"


#: Staging table → its columns. ``docs`` is the manifest (one row per entry); the others are keyed (ck, rec).
STAGE_COLUMNS: dict[str, list[str]] = {
    "docs": ["ck", "sha256", "size_bytes", "format", "layout", "error", "warnings", "n_trials", "path_bound",
             "n_rows"],
    "records": ["ck", "rec", *TRIAL_FIELDS, *(f"{n}_text" for n in FLOAT_FIELDS)],
    **{f"s_{table}": ["ck", "rec", "idx", *cols] for table, (_, cols) in CHILD_TABLES.items()},
    "s_arm_links": ["ck", "rec", "idx", "arm_label", "intervention_name"],
    **{table: ["ck", "rec", "idx", *cols] for table, cols in DERIVED_COLUMNS.items()},
}
ROW_TABLES = [t for t in STAGE_COLUMNS if t != "docs"]
ARROW_SCHEMAS = {t: pa.schema([(c, _types(c)[0]) for c in cols]) for t, cols in STAGE_COLUMNS.items()}


def _ddl() -> list[str]:
    out = []
    for table, cols in STAGE_COLUMNS.items():
        out.append(f'CREATE TABLE IF NOT EXISTS "{table}" (' + ", ".join(f'"{c}" {_types(c)[1]}' for c in cols) + ")")
    out.append("CREATE TABLE IF NOT EXISTS stat (path VARCHAR, signature VARCHAR, sha256 VARCHAR)")
    out.append("CREATE TABLE IF NOT EXISTS trial_sigs (trial_id VARCHAR, sig VARCHAR)")
    out.append("CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR)")
    return out


# --- keys -------------------------------------------------------------------------------------------------------

def fingerprint() -> str:
    """What every cache entry depends on: staging layout, parser names and versions, the source code of ``ingest``
    and of the derivations run per record, and their vocabularies."""
    from ingest.base import registered

    h = hashlib.sha256(f"stage={STAGE_VERSION};duckdb={duckdb.__version__}\n".encode())
    for name, parser in sorted(registered().items()):
        h.update(f"{name}@{parser.version}\n".encode())
    repo = Path(__file__).resolve().parent.parent
    files = [p for p in (repo / "ingest").rglob("*") if p.is_file() and p.suffix in (".py", ".yaml", ".json", ".txt")]
    files += [repo / "warehouse" / f"{name}.py" for name in DERIVATION_MODULES]
    files += [p for p in (repo / "data" / "vocab").glob("*.yaml")]
    for path in sorted(files):
        h.update(str(path.relative_to(repo)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def code_fingerprint() -> str:
    """What a whole warehouse depends on besides its inputs: the cache fingerprint plus every module, SQL file,
    policy and vocabulary of the build. A warehouse may only be patched by a build with the same value."""
    repo = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(fingerprint().encode())
    files = [*(repo / "warehouse").glob("*.py"), *(repo / "sql").rglob("*.sql"), *(repo / "sql").rglob("*.yaml"),
             *(repo / "data" / "policy").glob("*.yaml")]
    for path in sorted(files):
        h.update(str(path.relative_to(repo)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def sidecars(path: str) -> list[str]:
    """Files a page parser may read beside ``path`` (see ``ingest.layouts._kit.url_of``)."""
    base, _ = os.path.splitext(path)
    return [s for s in (path + ".url", base + ".url", path + ".meta.json", base + ".meta.json") if s != path]


def path_key(sha: str, item: InputFile) -> str:
    """The key of an entry whose parse depends on where the document lies (pages, rejections)."""
    h = hashlib.sha256(sha.encode() + b"\0" + item.path.encode("utf-8", "surrogateescape"))
    if item.archive is None:
        for side in sidecars(item.path):
            try:
                if os.path.isfile(side) and os.path.getsize(side) < 65536:
                    h.update(b"\0" + side.encode("utf-8", "surrogateescape") + b"\0" + Path(side).read_bytes())
            except OSError:
                continue
    return "p:" + h.hexdigest()


def signature(item: InputFile) -> str | None:
    """Size, times and inode of the file holding ``item``: unchanged signature → unchanged bytes."""
    try:
        st = os.stat(item.archive or item.path)
    except OSError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


def is_path_bound(doc: ParsedDocument) -> bool:
    """Machine-format results depend on the bytes only; pages and rejections may depend on the path too."""
    return not doc.format or doc.format == "page"


# --- rows -------------------------------------------------------------------------------------------------------

def entry_rows(ck: str, doc: ParsedDocument, path_bound: bool) -> dict[str, list[tuple]]:
    """One parsed document as staging rows (its manifest row last)."""
    out: dict[str, list[tuple]] = {t: [] for t in STAGE_COLUMNS}
    for rec, record in enumerate(doc.records):
        values = [getattr(record, n) for n in TRIAL_FIELDS]
        texts = [None if getattr(record, n) is None else as_text(getattr(record, n)) for n in FLOAT_FIELDS]
        out["records"].append((ck, rec, *values, *texts))
        for table, (section, _) in CHILD_TABLES.items():
            items = getattr(record, section) or []
            out[f"s_{table}"].extend((ck, rec, i, *row) for i, row in enumerate(_rows(section, items)))
        out["s_arm_links"].extend((ck, rec, i, a, b) for i, (a, b) in enumerate(arm_links(record)))
        try:
            derived = derived_rows(record)
        except Exception as exc:  # noqa: BLE001 - the trial is derived again after the merge
            doc.warnings.append(f"derived data of {record.trial_id} not computed: {type(exc).__name__}: {exc}")
            continue
        for table, rows in derived.items():
            out[table].extend((ck, rec, *row) for row in rows)
    n_rows = sum(len(v) for v in out.values())
    out["docs"].append((ck, doc.sha256, doc.size, doc.format, doc.layout, doc.error,
                        "\n".join(doc.warnings) or None, len(doc.records), path_bound, n_rows))
    return out


def to_arrow(rows: dict[str, list[tuple]]) -> dict[str, pa.Table]:
    """Column-oriented Arrow tables of staging rows (raises on values of the wrong type)."""
    tables = {}
    for table, schema in ARROW_SCHEMAS.items():
        data = rows.get(table) or []
        cols = list(zip(*data, strict=True)) if data else [[] for _ in schema]
        tables[table] = pa.Table.from_arrays([pa.array(list(c), type=f.type) for c, f in zip(cols, schema,
                                                                                          strict=True)],
                                             schema=schema)
    return tables


def _clean(value: object) -> object:
    if isinstance(value, str):
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return value


def chunk_tables(entries: list[tuple[str, ParsedDocument, bool, dict[str, list[tuple]]]]) -> dict[str, pa.Table]:
    """The staging rows of many entries (ck, document, path bound, rows) as Arrow tables, converted at once; when
    some rows do not convert, each entry is made safe on its own (:func:`safe_entry`)."""
    try:
        return to_arrow(merge_rows(rows for _, _, _, rows in entries))
    except (pa.ArrowException, UnicodeError, TypeError, ValueError, OverflowError):
        return to_arrow(merge_rows(safe_entry(ck, doc, bound, rows) for ck, doc, bound, rows in entries))


def safe_entry(ck: str, doc: ParsedDocument, path_bound: bool,
               rows: dict[str, list[tuple]] | None = None) -> dict[str, list[tuple]]:
    """Rows that convert to Arrow: unpaired surrogates replaced (with a warning), else the document rejected."""
    rows = entry_rows(ck, doc, path_bound) if rows is None else rows
    try:
        to_arrow(rows)
        return rows
    except (pa.ArrowException, UnicodeError, TypeError, ValueError, OverflowError):
        pass
    cleaned = {t: [tuple(_clean(v) for v in row) for row in data] for t, data in rows.items()}
    try:
        to_arrow(cleaned)
        doc.warnings.append("unpaired surrogate characters replaced with U+FFFD")
        m = list(cleaned["docs"][0])
        m[6] = "\n".join(doc.warnings)
        cleaned["docs"][0] = tuple(m)
        return cleaned
    except (pa.ArrowException, UnicodeError, TypeError, ValueError, OverflowError) as exc:
        doc.error = f"parser failure (invalid values): {type(exc).__name__}: {str(exc)[:200]}"
        doc.records = []
        return entry_rows(ck, doc, path_bound)


def merge_rows(parts: Iterable[dict[str, list[tuple]]]) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {t: [] for t in STAGE_COLUMNS}
    for part in parts:
        for t, data in part.items():
            out[t].extend(data)
    return out


# --- the store --------------------------------------------------------------------------------------------------

def location(db_path: Path) -> Path:
    """Where the cache of the warehouse at ``db_path`` lives."""
    return db_path.parent / CACHE_DIR_NAME / f"{db_path.name}.duckdb"


class Stage:
    """A staging database (the parse cache when ``persistent``); one connection, opened and closed around forks."""

    def __init__(self, path: Path, persistent: bool) -> None:
        self.path = path
        self.persistent = persistent
        self.con: duckdb.DuckDBPyConnection | None = None
        self.note: str | None = None

    @classmethod
    def open(cls, cache_path: Path | None, scratch_path: Path) -> Stage:
        """The cache at ``cache_path`` (validated, repaired or recreated), else a scratch file."""
        if cache_path is not None:
            stage = cls(cache_path, persistent=True)
            try:
                cache_path.parent.mkdir(parents=True, exist_ok=True)
                stage._open_checked()
                return stage
            except duckdb.IOException as exc:
                if "lock" in str(exc).lower():
                    note = "parse cache in use by another build: parsing everything"
                else:
                    note = stage._recreate(exc)
            except (duckdb.Error, OSError) as exc:
                note = stage._recreate(exc)
            if stage.con is not None:
                stage.note = note
                return stage
            scratch = cls(scratch_path, persistent=False)
            scratch.note = note
            scratch._create()
            return scratch
        scratch = cls(scratch_path, persistent=False)
        scratch._create()
        return scratch

    def _recreate(self, exc: BaseException) -> str:
        self.close()
        remove_db(self.path)
        try:
            self._create()
        except (duckdb.Error, OSError):
            self.close()
            return f"parse cache unusable ({type(exc).__name__}); parsing everything without it"
        return f"parse cache was unreadable ({type(exc).__name__}) and was reset"

    def _create(self) -> None:
        remove_db(self.path)
        self.connect()
        for stmt in _ddl():
            self.con.execute(stmt)
        self.con.executemany("INSERT INTO meta VALUES (?, ?)", [("fingerprint", fingerprint())])

    def _open_checked(self) -> None:
        if not self.path.exists():
            self._create()
            return
        self.connect()
        tables = {t for (t,) in self.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        found = None
        if "meta" in tables:
            row = self.con.execute("SELECT max(value) FROM meta WHERE key = 'fingerprint'").fetchone()
            found = row[0] if row else None
        if found != fingerprint() or not set(STAGE_COLUMNS) <= tables or "stat" not in tables:
            self.close()
            self._create()
            return
        self._drop_bad_entries()

    def _drop_bad_entries(self) -> None:
        """Entries whose rows do not add up to their manifest, and rows of no entry, are removed."""
        union = " UNION ALL ".join(f'SELECT ck FROM "{t}"' for t in ROW_TABLES)
        self.con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _bad AS
            SELECT coalesce(d.ck, c.ck) AS ck FROM docs d
            FULL JOIN (SELECT ck, count(*) AS n FROM ({union}) GROUP BY ck) c USING (ck)
            WHERE d.ck IS NULL OR coalesce(c.n, 0) <> d.n_rows
            UNION ALL SELECT ck FROM docs GROUP BY ck HAVING count(*) > 1""")
        if self.con.execute("SELECT count(*) FROM _bad").fetchone()[0]:
            self._delete("SELECT ck FROM _bad")
        self.con.execute("DROP TABLE _bad")

    def _delete(self, keys_sql: str) -> None:
        self.con.execute("BEGIN")
        for t in STAGE_COLUMNS:
            self.con.execute(f'DELETE FROM "{t}" WHERE ck IN ({keys_sql})')
        self.con.execute("COMMIT")

    def connect(self) -> duckdb.DuckDBPyConnection:
        if self.con is None:
            self.con = duckdb.connect(str(self.path))
            self.con.execute("SET preserve_insertion_order = true")
            self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        return self.con

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def keys(self) -> set[str]:
        return {ck for (ck,) in self.con.execute("SELECT ck FROM docs").fetchall()}

    def stat_index(self) -> dict[str, tuple[str, str]]:
        rows = self.con.execute("SELECT path, signature, sha256 FROM stat").fetchall()
        return {p: (sig, sha) for p, sig, sha in rows}

    def insert(self, tables: dict[str, pa.Table]) -> None:
        """Insert one batch of entries atomically (the manifest with its rows)."""
        con = self.connect()
        con.execute("BEGIN")
        try:
            for t in STAGE_COLUMNS:
                table = tables.get(t)
                if table is None or table.num_rows == 0:
                    continue
                con.register("_batch", table)
                con.execute(f'INSERT INTO "{t}" SELECT * FROM _batch')
                con.unregister("_batch")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def last_build(self) -> tuple[str | None, str | None]:
        """(build id, code fingerprint) of the warehouse the last successful build with this cache installed."""
        rows = dict(self.connect().execute(
            "SELECT key, value FROM meta WHERE key IN ('build_id', 'code_fingerprint')").fetchall())
        return rows.get("build_id"), rows.get("code_fingerprint")

    def finish(self, keep_keys: list[str], stat_rows: list[tuple[str, str, str]],
               build: tuple[str, str] | None = None) -> None:
        """After a successful build: drop entries the build did not use, record the file signatures and, with
        ``build`` = (build id, code fingerprint), the trial signatures in ``_sigs`` that a later build may patch
        from."""
        con = self.connect()
        con.execute("BEGIN")
        con.execute("DELETE FROM meta WHERE key IN ('build_id', 'code_fingerprint')")
        con.execute("DELETE FROM trial_sigs")
        if build is not None:
            con.execute("INSERT INTO trial_sigs SELECT trial_id, sig FROM _sigs ORDER BY trial_id")
            con.executemany("INSERT INTO meta VALUES (?, ?)", [("build_id", build[0]), ("code_fingerprint", build[1])])
        con.execute("COMMIT")
        con.register("_keep", pa.table({"ck": pa.array(sorted(set(keep_keys)), pa.string())}))
        con.execute("CREATE OR REPLACE TEMP TABLE _gone AS SELECT ck FROM docs ANTI JOIN _keep USING (ck)")
        con.unregister("_keep")
        if con.execute("SELECT count(*) FROM _gone").fetchone()[0]:
            self._delete("SELECT ck FROM _gone")
        con.execute("DROP TABLE _gone")
        stat = pa.table({"path": pa.array([r[0] for r in stat_rows], pa.string()),
                         "signature": pa.array([r[1] for r in stat_rows], pa.string()),
                         "sha256": pa.array([r[2] for r in stat_rows], pa.string())})
        con.execute("BEGIN")
        con.execute("DELETE FROM stat")
        con.register("_stat", stat)
        con.execute("INSERT INTO stat SELECT * FROM _stat")
        con.unregister("_stat")
        con.execute("COMMIT")
        con.execute("CHECKPOINT")


def remove_db(path: Path) -> None:
    """Remove a DuckDB file and its write-ahead log."""
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass
