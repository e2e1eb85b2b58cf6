"""Derived rows computed per record in the parse workers equal what the derive steps compute from merged tables."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from warehouse import criteria_facts, msc
from warehouse.build import build

FIXTURES = Path(__file__).parent / "fixtures"
DERIVED = ("msc_profile", "msc_doses", "criteria_facts", "criteria_themes", "trial_age_window")


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, Path]:
    """A warehouse built from real records and pages (three trials told by two documents), and a copy of it
    derived from scratch."""
    root = tmp_path_factory.mktemp("derive_inputs")
    for folder in ("msc", "build", "criteria_facts/records"):
        shutil.copytree(FIXTURES / folder, root / folder.replace("/", "_"))
    shutil.copytree(FIXTURES.parent.parent / "data/inputs/seeds", root / "seeds")  # pages of two of the trials
    built = tmp_path_factory.mktemp("derive_wh") / "built.duckdb"
    build([str(root)], str(built), workers=1, quiet=True)
    scratch = built.with_name("scratch.duckdb")
    shutil.copy(built, scratch)
    con = duckdb.connect(str(scratch))
    for table in DERIVED:
        con.execute(f"DELETE FROM {table}")
    con.execute("UPDATE trials SET is_msc = NULL")
    msc.derive(con)
    criteria_facts.derive(con)
    con.close()
    return built, scratch


def test_single_and_multi_record_trials_are_both_present(pair):
    con = duckdb.connect(str(pair[0]), read_only=True)
    counts = con.execute("SELECT count(*) FILTER (n_documents = 1), count(*) FILTER (n_documents > 1) "
                         "FROM trials").fetchone()
    assert counts[0] >= 20 and counts[1] >= 3
    assert con.execute("SELECT count(*) FROM trials WHERE is_msc IS NULL").fetchone()[0] == 0


@pytest.mark.parametrize("table", DERIVED)
def test_worker_rows_equal_rows_derived_from_the_merged_tables(pair, table):
    con = duckdb.connect(str(pair[0]), read_only=True)
    con.execute(f"ATTACH '{pair[1]}' AS scratch (READ_ONLY)")
    n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    assert n > 0
    only_built = con.execute(f"SELECT * FROM {table} EXCEPT ALL SELECT * FROM scratch.{table}").fetchall()
    only_scratch = con.execute(f"SELECT * FROM scratch.{table} EXCEPT ALL SELECT * FROM {table}").fetchall()
    assert only_built == [] and only_scratch == []


def test_is_msc_is_the_same(pair):
    con = duckdb.connect(str(pair[0]), read_only=True)
    con.execute(f"ATTACH '{pair[1]}' AS scratch (READ_ONLY)")
    diff = con.execute("SELECT trial_id, is_msc FROM trials EXCEPT SELECT trial_id, is_msc FROM scratch.trials")
    assert diff.fetchall() == []
