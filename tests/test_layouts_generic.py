"""The generic fallback: lexicon-driven reading of pages of unknown layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ingest.errors import ParseError
from ingest.layouts.generic import Generic

PAGES = Path(__file__).parent / "fixtures" / "pages"

# A trial-finder style page written for this test in the shapes PAGE_LAYOUTS §4 lists for unknown sites.
LABELLED_PAGE = """Stem cell trial finder
Mesenchymal Stromal Cells for Knee Osteoarthritis
Trial ID: NCT01234567
Status: Active, not recruiting
Phase: Phase 1/Phase 2
Study Type : | Interventional (Clinical Trial) |
Estimated Enrollment: 40 participants
Allocation:  Randomized
Masking: Double (Participant, Investigator)
Start Date
March 2019
Primary Completion Date: December 2, 2021
Sponsor: Example University Hospital
Eligible Ages
18 Years - 65 Years
Gender: All
Accepts Healthy Volunteers: No
Conditions
Knee Osteoarthritis
Cartilage Injury
Interventions
Biological: Allogeneic MSC
Drug: Saline
Inclusion Criteria:
1. Adults with knee pain
2. Written consent
Exclusion Criteria:
- Pregnancy
"""


def test_detects_weakly_with_two_labels() -> None:
    assert Generic.detect(LABELLED_PAGE, "p.txt") == pytest.approx(0.31)
    assert Generic.detect("Nothing here\nat all", "p.txt") == 0.0
    assert Generic.detect("Status: Recruiting", "p.txt") == 0.0


def test_reads_labelled_fields() -> None:
    rec = Generic.parse(LABELLED_PAGE, "p.txt")[0]
    assert rec.trial_id == "NCT01234567"
    assert rec.overall_status == "ACTIVE_NOT_RECRUITING"
    assert rec.phase == "PHASE1/PHASE2"
    assert rec.study_type == "INTERVENTIONAL"
    assert (rec.enrollment, rec.enrollment_type) == (40, "ESTIMATED")
    assert rec.allocation == "RANDOMIZED"
    assert (rec.masking, rec.who_masked) == ("DOUBLE", "PARTICIPANT|INVESTIGATOR")
    assert rec.start_date == dt.date(2019, 3, 1)
    assert rec.primary_completion_date == dt.date(2021, 12, 2)
    assert rec.lead_sponsor == "Example University Hospital"
    assert (rec.min_age_years, rec.max_age_years) == (18.0, 65.0)
    assert rec.sex == "ALL"
    assert rec.healthy_volunteers is False
    assert rec.conditions == ["Knee Osteoarthritis", "Cartilage Injury"]
    assert [(i.name, i.intervention_type) for i in rec.interventions] == [
        ("Allogeneic MSC", "BIOLOGICAL"), ("Saline", "DRUG")]
    assert [(c.criterion_type, c.text) for c in rec.criteria] == [
        ("inclusion", "Adults with knee pain"), ("inclusion", "Written consent"), ("exclusion", "Pregnancy")]


def test_unmappable_values_stay_none() -> None:
    rec = Generic.parse("Status: Ongoing-ish\nPhase: some\nEnrollment: many\nStudy Type: Interventional", "p")[0]
    assert (rec.overall_status, rec.phase, rec.enrollment, rec.study_type) == (None, None, None, "INTERVENTIONAL")


def test_label_followed_by_label_is_empty() -> None:
    rec = Generic.parse("Status\nPhase\nPhase 2\nStudy Type\nInterventional", "p")[0]
    assert rec.overall_status is None
    assert rec.phase == "PHASE2"


def test_no_trial_fields_raises() -> None:
    with pytest.raises(ParseError, match="no trial fields found"):
        Generic.parse("Status\nPhase\nMenu\nLoading...", "p")
    with pytest.raises(ParseError):
        Generic.parse("", "p")


def test_reads_a_real_seed_page_without_its_family() -> None:
    text = (PAGES / "001_c180e44e06a1421d.txt").read_text(encoding="utf-8")
    rec = Generic.parse(text, "page.txt")[0]
    assert rec.trial_id == "NCT05921058"
    assert rec.overall_status == "COMPLETED"
    assert rec.study_type == "INTERVENTIONAL"
    assert (rec.enrollment, rec.enrollment_type) == (15, "ACTUAL")
    assert rec.allocation == "RANDOMIZED"
    assert rec.first_posted_date == dt.date(2023, 6, 27)
