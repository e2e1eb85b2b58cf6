"""Versioned views: catalog ↔ files, check against a built warehouse, released contracts, lint, transpile goldens.

The fixture warehouse is built from real records in tests/fixtures/views/records/: three classic
ClinicalTrials.gov records (NCT00314483 UNKNOWN, NCT00603330 and NCT02012153 RECRUITING) and NCT02513394 in
both API v2 JSON (updated 2023-06-15) and legacy XML (updated 2020-03-09), which disagree on several fields.
"""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from warehouse import build as build_mod
from warehouse import derive, schema, views
from warehouse.views_cli import views as views_group

FIXTURES = Path(__file__).parent / "fixtures" / "views"
RECORDS = FIXTURES / "records"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built from the fixture records, with the views created by the build's view step."""
    db = tmp_path_factory.mktemp("views") / "warehouse.duckdb"
    build_mod.build([str(RECORDS)], str(db), workers=1, quiet=True)
    return db


@pytest.fixture()
def con(warehouse: Path):
    c = duckdb.connect(str(warehouse), read_only=True)
    yield c
    c.close()


@pytest.fixture()
def views_copy(tmp_path: Path) -> Path:
    target = tmp_path / "views"
    shutil.copytree(views.DEFAULT_VIEWS_DIR, target)
    return target


def _catalog(path: Path) -> dict:
    return yaml.safe_load((path / "catalog.yaml").read_text(encoding="utf-8"))


def _save_catalog(path: Path, data: dict) -> None:
    (path / "catalog.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


# --- catalog ↔ files -------------------------------------------------------------------------------------------


def test_catalog_matches_files() -> None:
    catalog = views.load_catalog()
    names = {v.name for v in catalog}
    folders = {p.name for p in views.DEFAULT_VIEWS_DIR.iterdir() if p.is_dir()}
    assert names == folders
    assert len(names) >= 12
    assert {"trial_overview", "msc_trials_by_condition_source", "source_product_by_start_year", "dose_distribution",
            "administrations_by_condition", "design_quality", "enrollment_by_phase_status",
            "countries_sponsors_over_time", "primary_outcomes_by_condition", "age_windows_exclusion_themes",
            "stale_status", "source_conflicts", "data_quality"} <= names
    for view in catalog:
        assert view.question.endswith("?"), view.name
        files = sorted(p.name for p in (views.DEFAULT_VIEWS_DIR / view.name).glob("v*.sql"))
        assert files == [f"v{v}.sql" for v in sorted(view.versions)]
        for vv in view.versions.values():
            assert vv.status in views.STATUSES
            if vv.released:
                assert vv.fingerprint == views.fingerprint(vv.contract())


def test_catalog_reports_orphans(views_copy: Path) -> None:
    (views_copy / "orphan").mkdir()
    (views_copy / "orphan" / "v1.sql").write_text("select 1 as x\n")
    (views_copy / "stale_status" / "v2.sql").write_text("select 1 as x\n")
    with pytest.raises(views.CatalogError) as err:
        views.load_catalog(views_copy)
    assert "orphan: folder" in str(err.value)
    assert "stale_status: v2.sql is not in the catalog" in str(err.value)


# --- check on a built warehouse ------------------------------------------------------------------------------------


def test_build_created_every_view(con: duckdb.DuckDBPyConnection) -> None:
    present = set(views.live_schema(con))
    for view in views.load_catalog():
        assert view.name in present
        assert all(vv.relation in present for vv in view.versions.values())


def test_check_passes_and_every_view_is_fast(con: duckdb.DuckDBPyConnection) -> None:
    results = views.check(con)
    assert [r.errors for r in results if r.errors] == []
    assert all(r.seconds is not None and r.seconds < 1.0 for r in results)
    top = next(r for r in results if r.relation == "top_exclusion_themes_v1")
    assert top.seconds < 1.0


def test_top_exclusion_themes_answers_under_a_second(con: duckdb.DuckDBPyConnection) -> None:
    started = time.perf_counter()
    rows = con.execute("SELECT theme, share_of_trials FROM top_exclusion_themes ORDER BY theme_rank").fetchall()
    assert time.perf_counter() - started < 1.0
    assert len(rows) <= 10


def test_stale_status_is_relative_to_the_newest_update(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT trial_id, overall_status, last_known_status, expected_end_date, reference_date, stale_reason, "
        "days_past_end, days_since_update FROM stale_status ORDER BY trial_id"
    ).fetchall()
    ref = date(2023, 6, 15)  # NCT02513394's v2 record, the newest last update of the five documents
    assert rows == [
        # "Unknown status", last known "Recruiting", completion June 2008, updated July 6, 2007
        ("NCT00314483", "UNKNOWN", "RECRUITING", date(2008, 6, 1), ref, "status unknown", 5492, 5823),
        # "Recruiting", completion March 2023, updated November 26, 2021
        ("NCT02012153", "RECRUITING", None, date(2023, 3, 1), ref, "end date passed, still recruiting", 106, 566),
    ]
    # NCT00603330 still recruits and ends August 2024: after the reference date, so it is not stale (today it is)


def test_source_conflicts_names_the_winner(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "SELECT value, n_documents, is_chosen, chosen_reason, n_distinct_values FROM source_conflicts "
        "WHERE trial_id = 'NCT02513394' AND field = 'last_update_date' ORDER BY value"
    ).fetchall()
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [("2020-03-09", 1, False, 2), ("2023-06-15", 1, True, 2)]
    assert rows[0][3] is None and "newer last update" in rows[1][3]
    fields = {r[0] for r in con.execute("SELECT field FROM source_conflicts WHERE trial_id = 'NCT02513394'").fetchall()}
    assert {"last_update_date", "primary_completion_date", "has_results"} <= fields
    assert "brief_title" not in fields  # both documents give the same title


def test_trial_overview_lists_conditions_and_countries(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        "SELECT brief_title, phase, overall_status, start_year, sponsor_type, conditions, n_conditions, countries, "
        "n_countries FROM trial_overview WHERE trial_id = 'NCT00603330'"
    ).fetchone()
    assert row == (
        "Mesenchymal Stem Cell Infusion as Treatment for Steroid-Resistant Acute Graft Versus Host Disease (GVHD) "
        "or Poor Graft Function",
        "PHASE2", "RECRUITING", 2008, "academic_other",
        "Graft-versus-host Disease; Low Donor T-cell Chimerism; Poor Graft Function", 3,
        "Belgium; Netherlands", 2,
    )
    assert con.execute("SELECT count(*) FROM trial_overview").fetchone()[0] == 4


def test_data_quality_covers_trials_fields(con: duckdb.DuckDBPyConnection) -> None:
    rows = dict(con.execute(
        "SELECT item, n FROM data_quality WHERE measure = 'field_coverage' AND of_total = 4"
    ).fetchall())
    assert rows["brief_title"] == 4
    assert rows["last_known_status"] == 1  # only NCT00314483 ("Unknown status") states one
    trial_columns = {c for c in views.live_schema(con)["trials"] if c != "trial_id"}
    assert set(rows) == trial_columns


def test_cli_check_list_and_transpile(warehouse: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(views_group, ["check", "--db", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert "14 of 14 view versions ok" in result.output
    listed = runner.invoke(views_group, ["list", "--db", str(warehouse)])
    assert listed.exit_code == 0
    assert "top_exclusion_themes" in listed.output and "v1 (latest)" in listed.output
    script = runner.invoke(views_group, ["transpile", "--dialect", "trino", "--db", str(warehouse)])
    assert script.exit_code == 0
    assert "CREATE VIEW stale_status_v1 AS" in script.output
    assert runner.invoke(views_group, ["transpile", "--dialect", "oracle"]).exit_code != 0


# --- contracts and versions ------------------------------------------------------------------------------------------


def test_changed_released_view_fails_check(warehouse: Path, views_copy: Path) -> None:
    sql_path = views_copy / "stale_status" / "v1.sql"
    sql_path.write_text(sql_path.read_text().replace("        trial_id,\n        brief_title,",
                                                     "        trial_id,"), encoding="utf-8")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        result = next(r for r in views.check(con, views_copy) if r.relation == "stale_status_v1")
    finally:
        con.close()
    assert not result.ok
    assert any("missing brief_title" in e for e in result.errors)
    assert any("released version's output changed" in e for e in result.errors)
    runner = CliRunner()
    cli = runner.invoke(views_group, ["check", "--db", str(warehouse), "--views-dir", str(views_copy)])
    assert cli.exit_code != 0 and "FAIL  stale_status_v1" in cli.output


def test_released_catalog_columns_are_frozen(views_copy: Path) -> None:
    data = _catalog(views_copy)
    data["views"]["stale_status"]["versions"][1]["columns"].pop(1)
    _save_catalog(views_copy, data)
    with pytest.raises(views.CatalogError, match="stale_status v1: the catalog columns of a released version"):
        views.load_catalog(views_copy)


def test_new_version_moves_the_pointer(warehouse: Path, views_copy: Path, tmp_path: Path) -> None:
    v1 = (views_copy / "stale_status" / "v1.sql").read_text()
    (views_copy / "stale_status" / "v2.sql").write_text(
        v1.replace("        reference_date,\n", "        reference_date,\n        phase_of_record,\n")
          .replace("        t.overall_status,\n", "        t.overall_status,\n        t.phase as phase_of_record,\n"),
        encoding="utf-8")
    data = _catalog(views_copy)
    entry = data["views"]["stale_status"]
    columns = list(entry["versions"][1]["columns"])
    at = [c["name"] for c in columns].index("reference_date") + 1
    columns.insert(at, {"name": "phase_of_record", "data_type": "VARCHAR", "description": "the trial's phase"})
    entry["versions"][2] = {"status": "current", "released": False, "portable": True, "columns": columns}
    entry["versions"][1]["status"] = "deprecated"
    entry["latest_version"] = 2
    _save_catalog(views_copy, data)

    copy_db = tmp_path / "w.duckdb"
    shutil.copy(warehouse, copy_db)
    con = duckdb.connect(str(copy_db))
    try:
        created = views.create_views(con, views_copy)
        assert {"stale_status_v1", "stale_status_v2", "stale_status"} <= set(created)
        pointer = [r[0] for r in con.execute("DESCRIBE stale_status").fetchall()]
        assert "phase_of_record" in pointer
        assert "phase_of_record" not in [r[0] for r in con.execute("DESCRIBE stale_status_v1").fetchall()]
        assert all(r.ok for r in views.check(con, views_copy))
    finally:
        con.close()


def test_unknown_column_is_caught_before_running(con: duckdb.DuckDBPyConnection, views_copy: Path) -> None:
    path = views_copy / "stale_status" / "v1.sql"
    path.write_text(path.read_text().replace("t.brief_title", "t.brief_titel"), encoding="utf-8")
    result = next(r for r in views.check(con, views_copy) if r.relation == "stale_status_v1")
    assert result.errors and "does not qualify" in result.errors[0] and "brief_titel" in result.errors[0]
    assert result.seconds is None  # never ran


def test_missing_table_fails_loudly(views_copy: Path) -> None:
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE trials (trial_id VARCHAR, is_msc BOOLEAN)")
        with pytest.raises(views.MissingTableError) as err:
            views.create_views(con, views_copy)
        message = str(err.value)
        assert "top_exclusion_themes_v1 reads criteria, criteria_themes" in message
        assert "trial_overview_v1 reads conditions, countries, msc_profile" in message
        assert not views.live_schema(con).keys() - {"trials"}  # nothing was created
    finally:
        con.close()


def test_views_are_created_without_parsing_their_sql_when_every_table_is_there(warehouse: Path, tmp_path: Path,
                                                                               monkeypatch) -> None:
    copy_db = tmp_path / "w.duckdb"
    shutil.copy(warehouse, copy_db)
    monkeypatch.setattr(views, "parse", lambda vv: pytest.fail(f"{vv.relation} parsed by sqlglot"))
    con = duckdb.connect(str(copy_db))
    try:
        created = views.create_views(con)
        assert "trial_overview_v1" in created and "trial_overview" in created
    finally:
        con.close()


def test_a_view_duckdb_refuses_for_another_reason_creates_nothing_and_says_why(views_copy: Path) -> None:
    path = views_copy / "stale_status" / "v1.sql"
    path.write_text(path.read_text().replace("select", "select no_such_function(1) as x,", 1), encoding="utf-8")
    con = duckdb.connect()
    try:
        schema.create(con)
        before = set(views.live_schema(con))
        with pytest.raises(duckdb.CatalogException, match="no_such_function"):
            views.create_views(con, views_copy)
        assert set(views.live_schema(con)) == before  # the views created before it were rolled back
    finally:
        con.close()


def test_view_step_is_registered_last() -> None:
    assert derive.STEPS[-1] == "view_step"


# --- lint and transpile ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sql", "problem"), [
    ("select list_aggregate([1, 2], 'sum') as x", "engine-specific function list_aggregate()"),
    ("select phase, count(*) as n from trials group by all", "GROUP BY ALL"),
    ("select quantile_cont(enrollment, 0.5) as m from trials", "quantile_cont"),
    ("select median(enrollment) as m from trials", "median()"),
    ("select trial_id from trials qualify row_number() over (order by trial_id) = 1", "QUALIFY"),
    ("select cast(enrollment as hugeint) as n from trials", "DuckDB-specific type"),
])
def test_lint_flags_unportable_sql(sql: str, problem: str) -> None:
    import sqlglot

    problems = views.lint(sqlglot.parse_one(sql, read="duckdb"))
    assert any(problem in p for p in problems), problems


def test_every_catalog_view_is_lint_clean() -> None:
    for vv in views.all_versions(views.load_catalog()):
        if vv.portable:
            assert views.lint(views.parse(vv)) == [], vv.relation


@pytest.mark.parametrize("dialect", views.DIALECTS)
def test_transpile_matches_golden_files(dialect: str) -> None:
    """Regenerate with: mscwh views transpile --dialect D --out tests/fixtures/views/D (after review)."""
    golden_dir = FIXTURES / dialect
    produced = dict(views.transpile(dialect))
    assert sorted(produced) == sorted(p.stem for p in golden_dir.glob("*.sql"))
    for relation, sql in produced.items():
        assert sql == (golden_dir / f"{relation}.sql").read_text(encoding="utf-8"), f"{dialect}/{relation}.sql"


def test_non_portable_view_is_skipped_in_transpile(views_copy: Path) -> None:
    data = _catalog(views_copy)
    data["views"]["data_quality"]["versions"][1]["portable"] = False
    _save_catalog(views_copy, data)
    produced = dict(views.transpile("postgres", views_copy))
    assert produced["data_quality_v1"] == "-- data_quality_v1: skipped, not portable (DuckDB only)\n"
    assert produced["data_quality"].startswith("-- data_quality: skipped")
    assert produced["stale_status_v1"].startswith("CREATE VIEW stale_status_v1 AS")
