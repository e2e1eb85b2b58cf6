"""``mscwh views``: list, check and transpile the versioned views (a thin layer over :mod:`warehouse.views`)."""

from __future__ import annotations

from pathlib import Path

import click

from warehouse import views as views_mod
from warehouse.query import connect_read_only, render_table

DB_OPTION = click.option("--db", type=click.Path(exists=True, dir_okay=False), help="The warehouse file.")
VIEWS_DIR_OPTION = click.option(
    "--views-dir", type=click.Path(exists=True, file_okay=False), default=None,
    help="Folder of view SQL and catalog.yaml (default: sql/views, or $MSCWH_VIEWS_DIR).",
)


def _catalog(views_dir: str | None) -> list[views_mod.View]:
    try:
        return views_mod.load_catalog(views_dir)
    except views_mod.CatalogError as exc:
        raise click.ClickException(f"{exc}\nFix the catalog or the view folders, then retry.") from None


@click.group("views")
def views() -> None:
    """The versioned SQL views: list them, check them against a warehouse, print them for another engine."""


@views.command("list")
@DB_OPTION
@VIEWS_DIR_OPTION
def list_views(db: str | None, views_dir: str | None) -> None:
    """Print each view version: name, version, status, released, portable and its question.

    With --db, also whether the warehouse holds it. Example: mscwh views list --db data/warehouse.duckdb
    """
    catalog = _catalog(views_dir)
    present: set[str] | None = None
    if db:
        con = connect_read_only(db)
        try:
            present = set(views_mod.live_schema(con))
        finally:
            con.close()
    names = ["name", "version", "status", "released", "portable", "question"] + (["in_db"] if db else [])
    rows = []
    for view in catalog:
        for v, vv in sorted(view.versions.items()):
            row = [view.name, f"v{v}" + (" (latest)" if v == view.latest_version else ""), vv.status,
                   "yes" if vv.released else "no", "yes" if vv.portable else "no", view.question]
            if present is not None:
                row.append("yes" if vv.relation in present else "no")
            rows.append(row)
    click.echo(render_table(names, rows, max_width=100))


@views.command("check")
@click.option("--db", required=True, type=click.Path(exists=True, dir_okay=False), help="The warehouse file.")
@VIEWS_DIR_OPTION
@click.option("--slow", type=float, default=views_mod.SLOW_SECONDS, show_default=True,
              help="Report views answering slower than this many seconds.")
def check(db: str, views_dir: str | None, slow: float) -> None:
    """Check every view against the warehouse: parses, qualifies, lint (portable ones), contract, runs in time.

    Exits non-zero when any view fails. Example: mscwh views check --db data/warehouse.duckdb
    """
    _catalog(views_dir)
    con = connect_read_only(db)
    try:
        results = views_mod.check(con, views_dir, slow_seconds=slow)
    finally:
        con.close()
    failed = 0
    for r in results:
        timing = f"{r.rows} rows  {r.seconds:.3f} s" if r.seconds is not None else ""
        click.echo(f"{'ok  ' if r.ok else 'FAIL'}  {r.relation:<40} {timing}".rstrip())
        for message in r.errors:
            click.echo(f"      error: {message}")
        for message in r.warnings:
            click.echo(f"      warning: {message}")
        failed += not r.ok
    total = sum(r.seconds or 0 for r in results)
    click.echo(f"{len(results) - failed} of {len(results)} view versions ok; all ran in {total:.2f} s")
    if failed:
        raise click.ClickException(f"{failed} view version(s) failed the check")


@views.command("transpile")
@click.option("--dialect", required=True, type=click.Choice(views_mod.DIALECTS), help="The target engine.")
@DB_OPTION
@VIEWS_DIR_OPTION
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Write one <relation>.sql file per view into this folder instead of printing a script.")
def transpile(dialect: str, db: str | None, views_dir: str | None, out: str | None) -> None:
    """Print the portable views as CREATE VIEW statements for another engine (non-portable ones are skipped
    with a comment). With --db, the views are first checked against that warehouse.

    Example: mscwh views transpile --dialect trino
    """
    _catalog(views_dir)
    if db:
        con = connect_read_only(db)
        try:
            failed = [r for r in views_mod.check(con, views_dir) if not r.ok]
        finally:
            con.close()
        if failed:
            raise click.ClickException("these views fail `mscwh views check`: "
                                       + ", ".join(r.relation for r in failed))
    if out:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        parts = views_mod.transpile(dialect, views_dir)
        for relation, sql in parts:
            (folder / f"{relation}.sql").write_text(sql, encoding="utf-8")
        click.echo(f"wrote {len(parts)} files to {folder}")
    else:
        click.echo(views_mod.transpile_script(dialect, views_dir), nl=False)
