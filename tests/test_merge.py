"""Merging the documents of one trial: a saved page and its registry record (seeds 003 and 004)."""

from __future__ import annotations

import duckdb
import pytest


@pytest.fixture()
def con(built_db):
    c = duckdb.connect(str(built_db), read_only=True)
    yield c
    c.close()


@pytest.mark.parametrize("trial_id", ["NCT01420432", "NCT02491658"])
def test_page_and_record_are_one_trial_with_two_documents(con, trial_id):
    formats = sorted(f for (f,) in con.execute(
        "SELECT d.format FROM document_trials dt JOIN documents d USING (doc_id) WHERE dt.trial_id = ?",
        [trial_id]).fetchall())
    assert formats == ["ctgov_classic_json", "page"]
    assert con.execute("SELECT n_documents FROM trials WHERE trial_id = ?", [trial_id]).fetchone() == (2,)


def test_related_trials_listed_on_a_page_do_not_become_trials(con):
    # Seed 004 lists related trials; only NCT02491658 is its own.
    (page_trials,) = con.execute(
        "SELECT list(DISTINCT dt.source_trial_id) FROM document_trials dt JOIN documents d USING (doc_id) "
        "WHERE d.path LIKE '%004_27d5ec4c92961e48.txt'").fetchone()
    assert page_trials == ["NCT02491658"]


@pytest.mark.parametrize("trial_id", ["NCT01420432", "NCT02491658"])
def test_child_sections_come_from_the_registry_record(con, trial_id):
    for table in ("arms", "interventions", "criteria", "outcomes"):
        formats = {f for (f,) in con.execute(
            f"SELECT DISTINCT d.format FROM {table} JOIN documents d USING (doc_id) WHERE trial_id = ?",
            [trial_id]).fetchall()}
        assert formats <= {"ctgov_classic_json"}, table


def test_disagreements_are_visible_as_conflicts(con):
    rows = con.execute(
        "SELECT field, chosen_source, reason, len(documents) FROM conflicts WHERE trial_id = 'NCT02491658' "
        "ORDER BY field").fetchall()
    fields = {r[0] for r in rows}
    # The page shows an abridged criteria list and day-precision dates the registry gives by month.
    assert {"eligibility_criteria", "start_date"} <= fields
    for _field, source, reason, n_docs in rows:
        assert source == "study_fields"
        assert reason.startswith("source tier")
        assert n_docs == 2


def test_every_stated_value_is_kept_in_field_sources(con):
    (n_docs,) = con.execute(
        "SELECT count(DISTINCT doc_id) FROM field_sources WHERE trial_id = 'NCT02491658' AND field = 'enrollment'"
    ).fetchone()
    assert n_docs == 2
    chosen = con.execute("SELECT count(*) FROM field_sources WHERE trial_id = 'NCT02491658' AND field = 'enrollment' "
                         "AND is_chosen").fetchone()
    assert chosen == (1,)


def test_trial_report_shows_sources_and_conflicts(built_db):
    from warehouse.report import render

    text = render(str(built_db), "NCT02491658")
    assert "Sources:" in text and "page/meddatax" in text and "ctgov_classic_json" in text
    assert "Conflicts (" in text and "eligibility_criteria" in text
