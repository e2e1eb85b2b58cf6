"""ClinicalTrials.gov CSV parser (SearchResults and ctg-studies): golden values read by hand from fixtures/ctgov_csv."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.dispatch import detect, parse_document
from ingest.errors import ParseError
from ingest.formats.ctgov_csv import CtgovCsvParser, _ages, _site, parse_csv_date
from ingest.formats.ctgov_xml import CtgovXmlParser
from ingest.formats.euctr_text import EuctrTextParser
from ingest.formats.ictrp_xml import IctrpXmlParser
from ingest.model import Identifier, Outcome, Site, Sponsor

FIXTURES = Path(__file__).parent / "fixtures" / "ctgov_csv"
NUROWN = "SearchResults_mesenchymal_NurOwn_MSC-NTF_cells.csv"
REMESTEMCEL = "SearchResults_mesenchymal_remestemcel-L.csv"
CTG = "ctg-studies_hypertension_india_172studies.csv"


def _text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8-sig")


def _parse(name: str):
    return CtgovCsvParser.parse(_text(name), name)


@pytest.mark.parametrize("name, layout, rows", [
    (NUROWN, "search_results", 3), (REMESTEMCEL, "search_results", 14), (CTG, "ctg_studies", 172)])
def test_detect_layout_and_row_count(name: str, layout: str, rows: int) -> None:
    text = _text(name)
    assert CtgovCsvParser.detect(text, name) >= 0.9
    for other in (CtgovXmlParser, IctrpXmlParser, EuctrTextParser):
        assert other.detect(text, name) == 0.0
    assert detect(text, name)[0] is CtgovCsvParser
    assert CtgovCsvParser.layout_of(text) == layout
    records = _parse(name)
    assert len(records) == rows
    assert len({r.trial_id for r in records}) == rows
    assert all(r.registry == "ClinicalTrials.gov" and r.problems() == [] for r in records)


def test_search_results_row() -> None:
    rec = _parse(NUROWN)[0]
    assert rec.trial_id == "NCT03799718"
    assert rec.brief_title == ("Safety and Efficacy of Repeated Administration of NurOwn (MSC-NTF Cells) in "
                               "Participants With Progressive MS")
    assert (rec.acronym, rec.overall_status, rec.has_results) == (None, "COMPLETED", False)
    assert rec.conditions == ["Multiple Sclerosis, Chronic Progressive"]
    assert [(i.name, i.intervention_type) for i in rec.interventions] == [("NurOwn (MSC-NTF cells)", "BIOLOGICAL")]
    assert rec.outcomes == []  # the single Outcome Measures column does not say primary or secondary
    assert (rec.lead_sponsor, rec.lead_sponsor_class) == ("Brainstorm-Cell Therapeutics", "INDUSTRY")
    assert rec.sponsors == [Sponsor("Brainstorm-Cell Therapeutics", "lead", "INDUSTRY")]
    assert (rec.sex, rec.min_age_years, rec.max_age_years) == ("ALL", 18.0, 65.0)
    assert (rec.phase, rec.enrollment, rec.enrollment_type, rec.study_type) == ("PHASE2", 20, None, "INTERVENTIONAL")
    assert (rec.allocation, rec.intervention_model, rec.masking, rec.primary_purpose) == (
        "NA", "SINGLE_GROUP", "NONE", "TREATMENT")
    assert rec.identifiers == [Identifier("BCT-101-US", "other_id")]
    # dates re-saved by a spreadsheet: 13-Mar-19 etc.
    assert (rec.start_date, rec.primary_completion_date, rec.completion_date) == (
        dt.date(2019, 3, 13), dt.date(2021, 3, 11), dt.date(2021, 3, 30))
    assert (rec.first_posted_date, rec.results_first_posted_date, rec.last_update_date) == (
        dt.date(2019, 1, 10), None, dt.date(2021, 9, 1))
    assert rec.sites == [
        Site("University of Southern California", "Los Angeles", "California", None, "United States"),
        Site("Stanford University School of Medicine", "Redwood City", "California", None, "United States"),
        Site("The Mount Sinai Hospital", "New York", "New York", None, "United States"),
        Site("Cleveland Clinic", "Cleveland", "Ohio", None, "United States"),
    ]
    assert rec.countries == ["United States"]
    assert rec.source_url == "https://ClinicalTrials.gov/show/NCT03799718"


def test_search_results_collaborators_and_month_dates() -> None:
    second, third = _parse(NUROWN)[1:]
    assert second.trial_id == "NCT03280056"
    assert second.sponsors == [
        Sponsor("Brainstorm-Cell Therapeutics", "lead", None),
        Sponsor("California Institute for Regenerative Medicine (CIRM)", "collaborator", None),
    ]
    assert second.lead_sponsor_class is None  # Funded Bys "Industry|Other": whose is whose is not said
    assert (second.min_age_years, second.max_age_years) == (18.0, 60.0)
    assert third.trial_id == "NCT02017912"
    assert (third.start_date, third.primary_completion_date, third.completion_date) == (
        dt.date(2014, 5, 1), dt.date(2016, 3, 1), dt.date(2016, 7, 1))  # "May-14", "Mar-16", "Jul-16"


def test_search_results_with_results() -> None:
    rec = next(r for r in _parse(REMESTEMCEL) if r.trial_id == "NCT02336230")
    assert (rec.has_results, rec.results_first_posted_date) == (True, dt.date(2022, 3, 17))
    assert rec.conditions == ["Grade B aGVHD", "Grade C aGVHD", "Grade D aGVHD"]
    assert [s.name for s in rec.sponsors] == ["Mesoblast, Inc.", "Quintiles, Inc.", "Mesoblast, Ltd."]
    assert rec.lead_sponsor_class == "INDUSTRY"
    assert (rec.min_age_years, rec.max_age_years) == (round(2 / 12, 4), 17.0)  # "2 Months to 17 Years"
    assert (rec.phase, rec.enrollment) == ("PHASE3", 55)
    assert rec.start_date == dt.date(2015, 6, 4)
    assert len(rec.sites) == 20
    assert rec.sites[6] == Site("Ann & Robert H. Lurie Children's Hospital of Chicago", "Chicago", "Illinois", None,
                                "United States")


def test_ctg_studies_row() -> None:
    rec = _parse(CTG)[0]
    assert rec.trial_id == "NCT03555344"
    assert (rec.brief_title, rec.acronym) == ("Effect of Mantra on Hypertensive Patients", None)
    assert rec.source_url == "https://clinicaltrials.gov/study/NCT03555344"
    assert (rec.overall_status, rec.has_results) == ("COMPLETED", False)
    assert rec.brief_summary.startswith("Mantras are specialized energized sound or words")
    assert rec.conditions == ["High Blood Pressure"]
    assert [(i.name, i.intervention_type) for i in rec.interventions] == [("Mantra Chikitsa", "OTHER")]
    assert rec.outcomes == [
        Outcome("primary", "Systolic Blood Pressure, Change from baseline to half an hour"),
        Outcome("primary", "Diastolic Blood Pressure, Change from baseline to half an hour"),
        Outcome("secondary", "Supine heart rate (HR), Change from baseline to half an hour"),
    ]
    assert rec.sponsors == [
        Sponsor("NMP Medical Research Institute", "lead", "OTHER"),
        Sponsor("Warwick Research Services", "collaborator"),
        Sponsor("Swamigal Trust for Vedic Science, India", "collaborator"),
    ]
    assert (rec.sex, rec.min_age_years, rec.max_age_years) == ("ALL", None, None)  # Age is "ADULT" only
    assert (rec.phase, rec.enrollment, rec.study_type) == ("NA", 96, "INTERVENTIONAL")
    assert (rec.allocation, rec.intervention_model, rec.masking, rec.primary_purpose) == (
        "RANDOMIZED", "PARALLEL", "NONE", "SUPPORTIVE_CARE")
    assert rec.identifiers == [Identifier("NMP/10164", "other_id")]
    assert (rec.start_date, rec.primary_completion_date, rec.completion_date) == (
        dt.date(2017, 10, 28), dt.date(2018, 5, 15), dt.date(2018, 5, 30))
    assert (rec.first_posted_date, rec.last_update_date) == (dt.date(2018, 6, 13), dt.date(2018, 7, 17))
    assert rec.sites == [Site(None, None, None, "302019", "India")]


def test_ctg_studies_masking_ids_and_us_sites() -> None:
    records = {r.trial_id: r for r in _parse(CTG)}
    griphon = records["NCT01106014"]
    assert (griphon.acronym, griphon.has_results, griphon.enrollment) == ("GRIPHON", True, 1156)
    assert (griphon.masking, griphon.who_masked) == ("QUADRUPLE", "PARTICIPANT|CARE_PROVIDER|INVESTIGATOR|"
                                                                  "OUTCOMES_ASSESSOR")
    assert [(i.name, i.intervention_type) for i in griphon.interventions] == [
        ("Selexipag", "DRUG"), ("Placebo", "DRUG")]
    assert [o.outcome_type for o in griphon.outcomes] == ["primary", "secondary", "secondary"]
    assert griphon.sites[0] == Site("University of South Alabama", "Mobile", "Alabama", "36617", "United States")
    assert griphon.sites[1] == Site("The University of Arizona, Clinical and Translational Science (CATS) Research "
                                    "Center", "Tucson", "Arizona", "85704", "United States")
    assert griphon.sites[-1] == Site(None, None, None, "W12 0HS", "United Kingdom")
    assert "Turkey (Türkiye)" in griphon.countries
    assert griphon.last_update_date == dt.date(2025, 10, 27)
    assert records["NCT01112306"].identifiers == [Identifier("AC-065A303", "other_id"),
                                                 Identifier("2009-014992-31", "other_id", "EudraCT")]


def test_dispatch_reads_csv() -> None:
    doc = parse_document(NUROWN, (FIXTURES / NUROWN).read_bytes())
    assert (doc.format, doc.layout, doc.error, len(doc.records)) == ("ctgov_csv", "search_results", None, 3)


def test_helpers() -> None:
    assert _ages("18 Years and older \u00a0 (Adult, Older Adult)") == (18.0, None)
    assert _ages("up to 18 Years \u00a0 (Child)") == (None, 18.0)
    assert _ages("Child, Adult, Older Adult") == (None, None)
    assert _ages("6 Months to 5 Years   (Child)") == (0.5, 5.0)
    assert _site("Seoul National University Hospital, Seoul, Korea, Republic of") == Site(
        None, None, None, None, "Korea, Republic of")
    assert _site("Leiden University Medical Center, Leiden, Netherlands") == Site(country="Netherlands")
    assert _site("Mobile, Alabama, United States") == Site(None, "Mobile", "Alabama", None, "United States")
    assert parse_csv_date("") is None and parse_csv_date("31-Feb-19") is None and parse_csv_date("Foo-19") is None


@pytest.mark.parametrize("text, reason", [
    ("Rank,Title\n1,x\n", "not a ClinicalTrials.gov CSV"),
    ("NCT Number,Title,Status\n", "no row with an NCT number"),
    ("NCT Number,Title,Status\n,,\nabc,def,ghi\n", "no row with an NCT number"),
    ("", "not a ClinicalTrials.gov CSV"),
])
def test_bad_documents(text: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        CtgovCsvParser.parse(text, "bad.csv")


def test_truncated_last_row() -> None:
    text = _text(NUROWN)
    cut = text[: text.index("NCT02017912") + 40]
    records = CtgovCsvParser.parse(cut, "cut.csv")
    assert [r.trial_id for r in records] == ["NCT03799718", "NCT03280056", "NCT02017912"]
    assert records[2].brief_title.startswith("Phase 2")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_fuzz_any_text(text: str) -> None:
    for candidate in (text, "NCT Number,Title,Status,Phases,Locations,Age\n" + text):
        try:
            CtgovCsvParser.parse(candidate, "fuzz.csv")
        except ParseError:
            pass
        CtgovCsvParser.detect(candidate, "fuzz.csv")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=4053))
def test_fuzz_truncated_fixture(cut: int) -> None:
    try:
        CtgovCsvParser.parse(_text(NUROWN)[:cut], "cut.csv")
    except ParseError:
        pass


_CELLS = st.sampled_from([
    "NCT01234567", "Phase 1|Phase 2", "13-Mar-19", "May-14", "Drug: X|Biological: Y", "18 Years to 65 Years (Adult)",
    "Allocation: Randomized|Masking: Double (Participant)", "A, B, C, United States", "Korea, Republic of",
    "", '"quoted, cell"', "Industry|Other", "up to", "ÿ", "|||", ":", "-Jan-", "99-Xyz-99",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_CELLS, max_size=12), max_size=6))
def test_fuzz_structured_rows(rows: list[list[str]]) -> None:
    header = "NCT Number,Title,Status,Phases,Start Date,Interventions,Age,Study Designs,Locations,Funded Bys,Other IDs"
    text = header + "\n" + "\n".join(",".join(row) for row in rows)
    try:
        records = CtgovCsvParser.parse(text, "fuzz.csv")
    except ParseError:
        return
    assert all(r.trial_id == "NCT01234567" for r in records)
