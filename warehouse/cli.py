"""``mscwh``: the command line, a thin layer over the ``warehouse`` library.

A command imports the modules it needs when it runs, so a query does not pay for the parsers' start-up."""

from __future__ import annotations

import csv
import errno
import json
import os
import sys

import click
import duckdb

from warehouse import query as query_mod
from warehouse.parse_pool import DOC_TIMEOUT
from warehouse.schema import ValidationError
from warehouse.views import ViewError
from warehouse.views_cli import views

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="mscwh")
def cli() -> None:
    """A local SQL warehouse of mesenchymal stem/stromal cell (MSC) clinical trials."""


@cli.command()
@click.option("--input", "inputs", multiple=True, required=True, type=click.Path(),
              help="A file or folder of trial documents (repeatable; folders are read recursively).")
@click.option("--db", required=True, type=click.Path(dir_okay=False), help="The warehouse file to write.")
@click.option("--workers", type=int, default=None, help="Parser processes (default: one per core).")
@click.option("--cache/--no-cache", default=None,
              help="Reuse unchanged documents' parses from <db dir>/.mscwh-cache/ (default: for 64+ documents).")
@click.option("--doc-timeout", type=click.FloatRange(min=0), default=DOC_TIMEOUT, show_default=True,
              help="Seconds one document may take to parse before it is rejected, plus 2 per MB of it "
                   "(0: no limit).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
def build(inputs: tuple[str, ...], db: str, workers: int | None, cache: bool | None, doc_timeout: float,
          quiet: bool) -> None:
    """Parse every document under the inputs and write the warehouse atomically.

    Example: mscwh build --input data/inputs --db data/warehouse.duckdb
    """
    from warehouse import build as build_mod

    try:
        summary = build_mod.build(list(inputs), db, workers=workers, quiet=quiet, cache=cache,
                                  doc_timeout=doc_timeout)
    except (build_mod.BuildError, ValidationError, ViewError, OSError, duckdb.Error) as exc:
        why = _why(exc, os.path.dirname(os.path.abspath(db)), "the warehouse, its parse cache and its temporary files "
                   "are written there. The previous warehouse, if any, is as it was")
        raise click.ClickException(f"no warehouse was written: {why}") from None
    if not quiet:
        click.echo(summary.render())
        click.echo(f"warehouse: {db}")


def _why(exc: Exception, folder: str, kept: str) -> str:
    """What went wrong, a full disk said in so many words (DuckDB reports it inside its own messages): which
    folder's disk, and ``kept``: what is as it was (each command being all or nothing)."""
    if getattr(exc, "errno", None) == errno.ENOSPC or os.strerror(errno.ENOSPC) in str(exc):
        return f"the disk holding {os.path.abspath(folder)} is full: {kept}. Free some space and try again. ({exc})"
    return str(exc)


@cli.command()
@click.option("--db", required=True, type=click.Path(exists=True, dir_okay=False), help="The warehouse file.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.argument("sql")
def query(db: str, fmt: str, sql: str) -> None:
    """Run SQL against the warehouse, read-only.

    Example: mscwh query --db data/warehouse.duckdb "SELECT phase, count(*) FROM trials GROUP BY 1"
    """
    try:
        names, rows = query_mod.run(db, sql)
    except query_mod.QueryError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(names)
        writer.writerows(rows)
    elif fmt == "json":
        click.echo(json.dumps([dict(zip(names, r, strict=True)) for r in rows], default=str, indent=1,
                              ensure_ascii=False))
    else:
        click.echo(query_mod.render_table(names, rows))


@cli.command()
@click.option("--db", required=True, type=click.Path(exists=True, dir_okay=False), help="The warehouse file.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder for the Parquet files.")
@click.option("--include-contacts", is_flag=True,
              help="Also export personal contact details (names, emails, phone numbers).")
def export(db: str, out: str, include_contacts: bool) -> None:
    """Write every table and current view as zstd Parquet, with a data dictionary.

    Example: mscwh export --db data/warehouse.duckdb --out data/export
    """
    from warehouse import export as export_mod

    try:
        written = export_mod.export(db, out, include_contacts=include_contacts)
    except (export_mod.ExportError, ViewError, duckdb.Error, OSError) as exc:
        why = _why(exc, out, "the previous export, if any, is as it was")
        raise click.ClickException(f"export failed: {why}") from None
    click.echo(f"wrote {len(written)} Parquet files and the data dictionary to {out}")


@cli.command()
@click.option("--db", required=True, type=click.Path(exists=True, dir_okay=False), help="The warehouse file.")
@click.argument("trial_id")
def trial(db: str, trial_id: str) -> None:
    """Show one trial: merged values, then its sources and conflicts.

    Example: mscwh trial --db data/warehouse.duckdb NCT01420432
    """
    from warehouse import report

    try:
        click.echo(report.render(db, trial_id))
    except report.TrialNotFound as exc:
        raise click.ClickException(str(exc)) from None


cli.add_command(views)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
