"""Facts read from eligibility criteria: hand-checked real items, robustness, and the derived tables end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse import schema
from warehouse.criteria_facts import age_agreement, derive
from warehouse.criteria_patterns import extract_facts

FIXTURES = Path(__file__).parent / "fixtures" / "criteria_facts"
ITEMS = yaml.safe_load((FIXTURES / "fact_items.yaml").read_text(encoding="utf-8"))
FIELDS = ("fact", "low", "high", "low_inclusive", "high_inclusive", "unit", "evidence")


def _as_rows(facts):
    return [tuple(getattr(f, k) for k in FIELDS) for f in facts]


@pytest.mark.parametrize("item", ITEMS, ids=[f"{i['trial_id']}-{i['criterion_type']}-{i['ordinal']}" for i in ITEMS])
def test_real_items(item):
    got = extract_facts(item["text"])
    want = [tuple(f[k] for k in FIELDS) for f in item["facts"]]
    assert len(got) == len(want), _as_rows(got)
    for g, w in zip(_as_rows(got), want, strict=True):
        assert g[0] == w[0] and g[3:] == w[3:], (g, w)
        for a, b in zip(g[1:3], w[1:3], strict=True):
            assert (a is None and b is None) or a == pytest.approx(b, abs=1e-4), (g, w)


def test_every_fixture_evidence_is_a_substring():
    for item in ITEMS:
        for f in extract_facts(item["text"]):
            assert f.evidence and f.evidence in item["text"]


def test_fixtures_cover_every_fact():
    names = {f["fact"] for item in ITEMS for f in item["facts"]}
    assert names == {"age", "bmi", "ecog", "karnofsky", "kellgren_lawrence", "pasi", "sledai", "edss", "nyha",
                     "ejection_fraction", "creatinine", "egfr", "hba1c", "alt_ast", "platelets", "hemoglobin",
                     "disease_duration", "washout"}


def test_no_facts_from_durations_or_prose():
    assert extract_facts("Life expectancy of <1 year") == []
    assert extract_facts("Have a history of malignancies within the past 5 years") == []
    assert extract_facts("Signed informed consent") == []
    assert extract_facts("") == [] and extract_facts(None) == []


_PIECES = [t["text"] for t in ITEMS] + ["≥", "≤", "?", "=", "<", ">", "~", "-", " ", "years", "months", "old",
                                        "age", "aged", "between", "and", "to", "%", "x ULN", "(", ")", "\n",
                                        "II", "IV", "10^9/L", "mg/dL", "within", "weeks", "."]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=12), max_size=12).map("".join))
def test_extractors_never_raise_and_evidence_is_a_substring(text):
    for f in extract_facts(text):
        assert f.evidence and f.evidence in text
        assert f.low is not None or f.high is not None


def _derived(trials_sql: str, criteria_sql: str):
    """An empty warehouse with these trials and criteria, derived."""
    con = duckdb.connect()
    schema.create(con)
    con.execute(trials_sql)
    con.execute(criteria_sql)
    derive(con)
    return con


def _window(con, trial_id):
    return con.execute(
        "SELECT min_age_years, max_age_years, min_inclusive, max_inclusive, age_source, evidence, "
        "criteria_min_age_years, criteria_max_age_years, criteria_agrees FROM trial_age_window WHERE trial_id = ?",
        [trial_id],
    ).fetchone()


def test_window_reads_exclusion_bounds_inverted():
    # real exclusion items (ages as written); NCT01892514 also has a real inclusion item without ages
    con = _derived("INSERT INTO trials (trial_id) VALUES ('NCT01183728'), ('NCT01892514')",
                   """INSERT INTO criteria VALUES
        ('NCT01183728', 'exclusion', 1, 'Age over 75 or under 18 years or legally dependent', 'd1'),
        ('NCT01892514', 'exclusion', 1, 'Patients under the age of 18 years or more than 60 years.', 'd2'),
        ('NCT01892514', 'inclusion', 1, 'Parent or sibling greater than or equal to 18 years of age', 'd2')""")
    assert _window(con, "NCT01183728") == (18.0, 75.0, True, True, "criteria",
                                           "exclusion 1: Age over 75 | exclusion 1: under 18 years", 18.0, 75.0, None)
    # the parent's age does not bound the participants' window
    assert _window(con, "NCT01892514")[:5] == (18.0, 60.0, True, True, "criteria")


def test_derive_drops_facts_whose_evidence_is_not_in_the_text(monkeypatch):
    from warehouse import criteria_facts, criteria_patterns
    from warehouse.criteria_patterns import Fact

    con = duckdb.connect()
    schema.create(con)
    con.execute("INSERT INTO trials (trial_id) VALUES ('T1')")
    con.execute("INSERT INTO criteria VALUES ('T1', 'inclusion', 1, 'Age 18-70', 'd')")
    monkeypatch.setattr(criteria_patterns, "extract_facts", lambda text: [
        Fact("age", 18.0, 70.0, True, True, "years", "Age 18-70"),
        Fact("age", 18.0, 70.0, True, True, "years", "Age 18 - 70"),
    ])
    criteria_facts.derive(con)
    assert con.execute("SELECT evidence FROM criteria_facts").fetchall() == [("Age 18-70",)]


def test_build_end_to_end(tmp_path):
    from warehouse.build import build

    records = tmp_path / "records"
    shutil.copytree(FIXTURES / "records", records)
    db = tmp_path / "criteria.duckdb"
    build([str(records)], str(db), workers=1, quiet=True)
    con = duckdb.connect(str(db), read_only=True)
    facts = con.execute(
        "SELECT trial_id, criterion_type, ordinal, fact, low, high, low_inclusive, high_inclusive, unit, evidence "
        "FROM criteria_facts WHERE fact IN ('age', 'pasi', 'kellgren_lawrence', 'bmi') ORDER BY ALL"
    ).fetchall()
    assert facts == [
        ("NCT01183728", "exclusion", 1, "age", 75.0, None, False, None, "years", "Age over 75"),
        ("NCT01183728", "exclusion", 1, "age", None, 18.0, None, False, "years", "under 18 years"),
        ("NCT01183728", "exclusion", 5, "bmi", 30.5, None, False, None, None,
         "body mass index (BMI) greater than 30.5"),
        ("NCT01183728", "inclusion", 1, "kellgren_lawrence", 2.0, 4.0, True, True, None, "grade II, III and IV"),
        ("NCT03676569", "inclusion", 2, "age", 3.0, 18.0, True, True, "years", "between 3 and 18 years old"),
        ("NCT04785027", "inclusion", 1, "age", 18.0, 65.0, True, True, "years", "18 to 65 years old"),
        ("NCT04785027", "inclusion", 1, "pasi", 7.0, None, False, None, None, "PASI > 7"),
    ]
    washout = con.execute(
        "SELECT high, unit, evidence FROM criteria_facts WHERE trial_id = 'NCT04785027' AND fact = 'washout' "
        "ORDER BY fact_no").fetchall()
    assert washout == [(2.0, "weeks", "within 2 weeks"), (4.0, "weeks", "within 4 weeks"),
                       (12.0, "weeks", "within 12 weeks")]
    # every evidence is a substring of its criterion
    assert con.execute(
        "SELECT count(*) FROM criteria_facts f JOIN criteria c USING (trial_id, criterion_type, ordinal) "
        "WHERE strpos(c.criterion_text, f.evidence) = 0").fetchone()[0] == 0
    themes = con.execute(
        "SELECT trial_id, criterion_type, ordinal, theme FROM criteria_themes "
        "WHERE trial_id IN ('NCT00186914', 'NCT03676569') ORDER BY ALL").fetchall()
    assert themes == [
        ("NCT00186914", "exclusion", 3, "other_trial"),
        ("NCT00186914", "inclusion", 1, "prior_cell_therapy"),
        ("NCT03676569", "exclusion", 2, "malignancy"),
        ("NCT03676569", "exclusion", 4, "bleeding_coagulation"),
        ("NCT03676569", "exclusion", 6, "other_trial"),
        ("NCT03676569", "exclusion", 7, "consent"),
        ("NCT03676569", "inclusion", 5, "active_infection"),
        ("NCT03676569", "inclusion", 6, "consent"),
    ]
    matched = con.execute("SELECT matched FROM criteria_themes WHERE trial_id = 'NCT01183728' "
                          "AND theme = 'hiv_hepatitis'").fetchone()[0]
    assert matched == "anti-hcv|hbsag|hepatitis b|hepatitis c|hiv|syphilis"
    assert _window(con, "NCT00186914") == (None, None, None, None, "none", None, None, None, None)
    assert _window(con, "NCT01183728") == (18.0, 76.0, True, True, "structured", None, 18.0, 75.0, False)
    assert _window(con, "NCT03676569") == (3.0, 18.0, True, True, "criteria",
                                           "inclusion 2: between 3 and 18 years old", 3.0, 18.0, None)
    assert _window(con, "NCT04785027") == (18.0, 65.0, True, True, "structured", None, 18.0, 65.0, True)
    assert age_agreement(con) == (1, 2)


def test_two_bounds_joined_by_and():
    # NCT01624779 exclusion 1: not "19 years and over"
    assert [(f.low, f.high, f.low_inclusive, f.high_inclusive, f.evidence)
            for f in extract_facts("Patient who is under 19 years and over 70years")] == [
        (None, 19.0, None, False, "under 19 years"), (70.0, None, False, None, "over 70years")]
    # NCT05061030 inclusion 3 (excerpt): a second range joined by "and" keeps its unit
    assert [(f.low, f.high) for f in extract_facts("stratified by age (12-21 and 7-11 years, respectively)")] == [
        (12.0, 21.0), (7.0, 11.0)]


def test_window_ignores_subgroup_ages():
    # real items: the exclusion's "children older than 6 years" qualifies a lung function test
    con = _derived(
        "INSERT INTO trials (trial_id, min_age_years, max_age_years) VALUES ('NCT02957552', 0.1533, 18.0)",
        """INSERT INTO criteria VALUES
        ('NCT02957552', 'inclusion', 2, 'age ≥ 8 weeks and ≤ 18 years', 'd'),
        ('NCT02957552', 'exclusion', 9, 'Reduced pulmonary function (lung function test in children older '
         || 'than 6 years: FEV1 and FVC < 70% of age-appropriate norm)', 'd')""")
    assert _window(con, "NCT02957552")[6:] == (0.1533, 18.0, True)


def _key(f):
    row = f if isinstance(f, dict) else {k: getattr(f, k) for k in FIELDS}
    low, high = (None if row[k] is None else round(float(row[k]), 3) for k in ("low", "high"))
    return (row["fact"], low, high, row["low_inclusive"] if low is not None else None,
            row["high_inclusive"] if high is not None else None)


@pytest.mark.parametrize("name", ["labelled_sample.yaml", "blind_sample.yaml", "blind_sample_2.yaml"])
def test_precision_and_recall_on_a_labelled_sample(name):
    # facts scored by bounds and inclusivity, as the held-out check does
    tp = fp = fn = 0
    for item in yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8")):
        want = [_key(f) for f in item["facts"]]
        got = [_key(f) for f in extract_facts(item["text"])]
        hit = sum(min(want.count(k), got.count(k)) for k in set(want))
        tp, fp, fn = tp + hit, fp + len(got) - hit, fn + len(want) - hit
    assert tp / max(1, tp + fp) >= 0.9 and tp / max(1, tp + fn) >= 0.85, (tp, fp, fn)
