"""Portability proof: the default warehouse's export loaded into a throwaway PostgreSQL, the views created from
``mscwh views transpile --dialect postgres``, and every portable current view's rows compared with DuckDB's
(order-insensitive, floats rounded to 9 significant digits).

The cluster lives in a fresh folder under /tmp, listens on a unix socket only (no TCP) and is stopped at the end;
as root, the server runs as the ``postgres`` (else ``nobody``) user. Skipped when no PostgreSQL server binaries
(initdb, pg_ctl, postgres, psql) are installed, so a CI without PostgreSQL passes.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import pwd
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from warehouse import views as views_mod
from warehouse.cli import cli

REPO = Path(__file__).resolve().parent.parent
NULL = "\\N"
PORT = 54329
TOOLS = ("initdb", "pg_ctl", "postgres", "psql")


def find_bin() -> Path | None:
    """The folder holding initdb, pg_ctl, postgres and psql (PATH first, then Debian's layout), or None."""
    candidates = []
    if found := shutil.which("initdb"):
        candidates.append(Path(found).resolve().parent)
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for folder in candidates:
        if all((folder / tool).is_file() for tool in TOOLS):
            return folder
    return None


PG_BIN = find_bin()
pytestmark = pytest.mark.skipif(PG_BIN is None, reason="no PostgreSQL server binaries (initdb, pg_ctl, postgres)")

#: Arrow type → PostgreSQL column type for the loaded tables.
PG_TYPES = {
    pa.string(): "text", pa.large_string(): "text", pa.int16(): "smallint", pa.int32(): "integer",
    pa.int64(): "bigint", pa.float32(): "real", pa.float64(): "double precision", pa.bool_(): "boolean",
    pa.date32(): "date",
}


class Postgres:
    """A throwaway cluster on a unix socket in a fresh /tmp folder."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="mscwh-pg-", dir="/tmp"))
        self.data = self.root / "data"
        self.user: str | None = None
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            self.user = next(u for u in ("postgres", "nobody") if _user_exists(u))
            shutil.chown(self.root, user=self.user)

    def _server(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120)

    def start(self) -> None:
        self._server("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-locale",
                     "--encoding=UTF8", "--no-sync")
        options = f"-c listen_addresses='' -k {self.root} -p {PORT} -c fsync=off"
        self._server("pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._server("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(self.data))
        shutil.rmtree(self.root, ignore_errors=True)

    def psql(self, sql: str, stdin: bytes | None = None) -> str:
        """Run ``sql`` (one command, or a script on stdin when ``sql`` is empty); stops at the first error."""
        cmd = [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.root), "-p", str(PORT),
               "-U", "postgres", "-d", "postgres"]
        if sql:
            cmd += ["-c", sql]
        done = subprocess.run(cmd, input=stdin, capture_output=True, timeout=300)
        if done.returncode:
            raise RuntimeError(done.stderr.decode(errors="replace").strip())
        return done.stdout.decode()

    def rows(self, relation: str) -> list[list[str | None]]:
        text = self.psql(f"COPY (SELECT * FROM {relation}) TO STDOUT WITH (FORMAT csv, NULL '{NULL}')")
        return [[None if v == NULL else v for v in row] for row in csv.reader(io.StringIO(text))]


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def load_table(pg: Postgres, name: str, path: Path) -> None:
    """Create a table from a Parquet file's schema and COPY its rows in as CSV (NULL unquoted, text quoted)."""
    table = pq.read_table(path)
    cols = ", ".join(f'"{f.name}" {PG_TYPES[f.type]}' for f in table.schema)
    pg.psql(f'CREATE TABLE "{name}" ({cols})')
    buf = io.BytesIO()
    pa_csv.write_csv(table, buf, pa_csv.WriteOptions(include_header=True))
    pg.psql(f'COPY "{name}" FROM STDIN WITH (FORMAT csv, HEADER true)', stdin=buf.getvalue())


def canonical(value: object, data_type: str) -> object:
    """One cell as a comparable value: numbers parsed, floats to 9 significant digits, booleans and dates unified."""
    if value is None:
        return None
    if data_type in ("DOUBLE", "FLOAT", "DECIMAL"):
        return float(f"{float(value):.9g}")
    if data_type in ("BIGINT", "INTEGER", "SMALLINT", "HUGEINT"):
        return int(value)
    if data_type == "BOOLEAN":
        return value if isinstance(value, bool) else value == "t"
    return str(value)


def portable_relations() -> list[tuple[str, views_mod.ViewVersion]]:
    """(relation, version) of every current portable view version and of each pointer to one."""
    out = []
    for view in views_mod.load_catalog():
        for _, vv in sorted(view.versions.items()):
            if vv.status == "current" and vv.portable:
                out.append((vv.relation, vv))
        if view.latest.status == "current" and view.latest.portable:
            out.append((view.name, view.latest))
    return out


@pytest.fixture(scope="module")
def default_export(tmp_path_factory) -> tuple[Path, Path]:
    """The default warehouse (data/inputs) and its export."""
    from warehouse.build import build
    from warehouse.export import export

    root = tmp_path_factory.mktemp("pg")
    db, out = root / "warehouse.duckdb", root / "export"
    build([str(REPO / "data" / "inputs")], str(db), quiet=True, cache=False)
    export(str(db), str(out))
    return db, out


@pytest.fixture(scope="module")
def postgres(default_export):
    """A running cluster holding every exported table and the transpiled views."""
    _, out = default_export
    pg = Postgres(PG_BIN)
    try:
        pg.start()
        relations = json.loads((out / "data_dictionary.json").read_text(encoding="utf-8"))["relations"]
        for rel in relations:
            if rel["kind"] == "table":
                load_table(pg, rel["name"], out / rel["file"])
        script = CliRunner().invoke(cli, ["views", "transpile", "--dialect", "postgres"])
        assert script.exit_code == 0, script.output
        pg.psql("", stdin=script.output.encode())
        yield pg
    finally:
        pg.stop()


def test_tables_load_with_the_warehouse_row_counts(postgres, default_export):
    _, out = default_export
    relations = json.loads((out / "data_dictionary.json").read_text(encoding="utf-8"))["relations"]
    tables = {r["name"]: r["rows"] for r in relations if r["kind"] == "table"}
    assert "contacts" not in tables and tables["trials"] > 1000
    union = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in sorted(tables))
    loaded = {name: int(n) for name, n in csv.reader(io.StringIO(postgres.psql(
        f"COPY ({union}) TO STDOUT WITH (FORMAT csv)")))}
    assert loaded == tables


@pytest.mark.parametrize("relation, vv", portable_relations(), ids=[r for r, _ in portable_relations()])
def test_portable_view_matches_duckdb(postgres, default_export, relation, vv):
    db, _ = default_export
    types = [t for _, t in vv.contract()]
    con = duckdb.connect(str(db), read_only=True)
    try:
        duck = Counter(tuple(canonical(v, t) for v, t in zip(row, types, strict=True))
                       for row in con.execute(f'SELECT * FROM "{relation}"').fetchall())
    finally:
        con.close()
    pg = Counter(tuple(canonical(v, t) for v, t in zip(row, types, strict=True)) for row in postgres.rows(relation))
    only_duck, only_pg = duck - pg, pg - duck
    assert not only_duck and not only_pg, (
        f"{relation}: {sum(duck.values())} DuckDB rows, {sum(pg.values())} PostgreSQL rows; "
        f"only in DuckDB e.g. {list(only_duck)[:3]}; only in PostgreSQL e.g. {list(only_pg)[:3]}")
    assert sum(duck.values()) > 0, f"{relation} is empty: the comparison proves nothing"
