"""EU Clinical Trials Register full-text parser: golden values read by hand from fixtures/euctr."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.dispatch import detect, parse_document
from ingest.errors import ParseError
from ingest.formats.ctgov_csv import CtgovCsvParser
from ingest.formats.ctgov_xml import CtgovXmlParser
from ingest.formats.euctr_text import EuctrTextParser
from ingest.formats.ictrp_xml import IctrpXmlParser
from ingest.model import Contact, Identifier, Site, Sponsor

NAME = "EUCTR_fulltext_2021-002179-21_2022-002568-62.txt"
PATH = Path(__file__).parent / "fixtures" / "euctr" / NAME
TEXT = PATH.read_text(encoding="utf-8")


def _records():
    return EuctrTextParser.parse(TEXT, NAME)


def test_detect_and_layout() -> None:
    assert EuctrTextParser.detect(TEXT, NAME) >= 0.9
    for other in (CtgovXmlParser, CtgovCsvParser, IctrpXmlParser):
        assert other.detect(TEXT, NAME) == 0.0
    assert detect(TEXT, NAME)[0] is EuctrTextParser
    assert EuctrTextParser.layout_of(TEXT) == "fulltext"


def test_one_record_per_member_state_block() -> None:
    records = _records()
    assert len(records) == 10
    assert [r.trial_id for r in records] == ["2022-002568-62"] * 3 + ["2021-002179-21"] * 7
    assert [r.identifiers[0].id_value[-2:] for r in records] == ["ES", "SE", "SE", "FR", "ES", "GR", "PL", "PL",
                                                                 "PT", "HU"]
    assert [r.sites[0].country for r in records] == ["Spain", "Sweden", "Sweden", "France", "Spain", "Greece",
                                                     "Poland", "Poland", "Portugal", "Hungary"]
    assert all(r.registry == "EudraCT" and not r.truncated and r.problems() == [] for r in records)
    assert [r.first_posted_date for r in records][:4] == [dt.date(2023, 1, 16), dt.date(2023, 1, 17),
                                                          dt.date(2023, 1, 17), dt.date(2022, 3, 10)]


def test_first_block_values() -> None:
    rec = _records()[0]
    assert rec.identifiers == [
        Identifier("2022-002568-62-ES", "euctr_member_state", "EudraCT"), Identifier("AVB-PGRN-001", "org_study_id")]
    assert rec.source_url == "https://www.clinicaltrialsregister.eu/ctr-search/trial/2022-002568-62/ES/"
    assert rec.official_title == (
        "A Phase 1/2 Open-Label, Ascending Dose, Multicenter Study to Evaluate the Safety and Preliminary Efficacy of "
        "AVB-101 Administered by Bilateral Intrathalamic Infusion in Subjects With Frontotemporal Dementia With "
        "Progranulin Mutations (FTD-GRN)")
    assert rec.brief_title == ("A study to test whether AVB-101 is both safe and efficacious in a sub-population of "
                               "genetically defined FTD patients that currently have no other treatment options")
    assert rec.acronym is None  # A.3.2 is a long abbreviated title, not an acronym
    assert rec.overall_status == "ACTIVE_NOT_RECRUITING"  # "Ongoing"
    assert (rec.phase, rec.study_type) == ("PHASE1/PHASE2", "INTERVENTIONAL")  # E.7.1 and E.7.2 Yes
    assert (rec.allocation, rec.masking, rec.intervention_model) == (None, "NONE", None)  # open, not randomised
    assert (rec.enrollment, rec.enrollment_type) == (15, "ESTIMATED")  # F.4.2.2
    assert (rec.sex, rec.min_age_years, rec.max_age_years) == ("ALL", None, None)
    assert (rec.healthy_volunteers, rec.has_dmc) == (False, True)
    assert (rec.lead_sponsor, rec.lead_sponsor_class) == ("AviadoBio Ltd", "INDUSTRY")
    assert rec.sponsors == [Sponsor("AviadoBio Ltd", "lead", "INDUSTRY")]
    assert rec.contacts == [Contact("CONTACT", "Clinical Trial Management", "390283413400", "S.Zambruno@Medpace.com")]
    assert rec.conditions == ["Frontotemporal Dementia With Progranulin Mutations (FTD-GRN)"]
    (imp,) = rec.interventions
    assert (imp.name, imp.intervention_type, imp.other_names) == (
        "Recombinant AAV-9 vector expressing the human progranulin protein", "BIOLOGICAL", ["AVB-101"])  # ATIMP
    assert imp.description == ("Pharmaceutical form: Solution for injection\nRoutes of administration: "
                               "Intracerebral use\nRole: Test")
    primary, secondary = rec.outcomes
    assert primary.outcome_type == "primary" and primary.time_frame == "26 weeks and 5 years"
    assert primary.measure.startswith("Over a 26-week initial and 5year total follow up period:\n• Number and "
                                      "incidence of AEs, SAEs")
    assert secondary.outcome_type == "secondary" and secondary.time_frame == "26 weeks and 5 years"
    assert rec.sites == [Site(country="Spain")]
    assert rec.countries == ["Spain", "United States", "United Kingdom"]
    inclusion = [c for c in rec.criteria if c.criterion_type == "inclusion"]
    exclusion = [c for c in rec.criteria if c.criterion_type == "exclusion"]
    assert (len(inclusion), len(exclusion)) == (6, 12)
    assert inclusion[0].text.rstrip(";") == "Male or female, 30 to 75 years of age, inclusive, at Screening"
    # the Spanish translation (E.3 … (es)) is not read
    assert all("Ser varón" not in c.text for c in rec.criteria)
    assert rec.eligibility_criteria.startswith("Inclusion Criteria:\n1. Male or female, 30 to 75 years of age")
    assert "\n\nExclusion Criteria:\n1. Classification of the mutation" in rec.eligibility_criteria


def test_wrapped_criteria_and_lead_in() -> None:
    sweden_2 = _records()[2]
    assert sweden_2.enrollment == 9
    inclusion = [c.text for c in sweden_2.criteria if c.criterion_type == "inclusion"]
    assert len(inclusion) == 10
    assert inclusion[0].rstrip(";") == "Are male or female, 30 to 75 years of age, inclusive, at Screening"
    sweden_1 = _records()[1]
    third = [c.text for c in sweden_1.criteria if c.criterion_type == "inclusion"][2]
    assert "at risk of conversion based on plasma neurofilament light chain \uf03e20 pg/mL" in third  # as in file


def test_masitinib_block() -> None:
    rec = _records()[3]
    assert (rec.trial_id, rec.identifiers[0].id_value) == ("2021-002179-21", "2021-002179-21-FR")
    assert rec.official_title.startswith("A multicenter, randomized, double-blind, placebo-controlled, parallel-group "
                                         "phase 3 study to evaluate the safety and efficacy of masitinib")
    assert rec.phase == "PHASE3"
    assert (rec.allocation, rec.masking, rec.intervention_model) == ("RANDOMIZED", "DOUBLE", "PARALLEL")
    assert (rec.enrollment, rec.lead_sponsor) == (600, "AB Science")
    assert rec.conditions == ["Alzheimer's disease"]  # E.1.1 is empty here: the lay wording E.1.1.1 is used
    (imp,) = rec.interventions  # IMP 1 and 2 are both Masitinib (100 mg and 200 mg)
    assert (imp.name, imp.intervention_type, imp.other_names) == ("Masitinib", "DRUG", ["Masitinib mesilate", "AB1010"])
    assert rec.outcomes[0].time_frame == "week 24"
    assert rec.outcomes[1].time_frame == "week 24, week 48"
    assert "Argentina" in rec.countries and rec.countries[0] == "France"


def test_greece_block_without_whole_trial_count() -> None:
    rec = _records()[5]
    assert rec.identifiers[0].id_value == "2021-002179-21-GR"
    assert (rec.enrollment, rec.enrollment_type) == (None, None)  # no F.4.2.2 line in this block
    assert rec.conditions == ["Patients with mild-to-moderate Alzheimer’s disease"]


def test_truncated_download() -> None:
    cut = TEXT[: TEXT.rindex("F. Population of Trial Subjects")]
    records = EuctrTextParser.parse(cut, "cut.txt")
    assert len(records) == 10
    assert records[-1].truncated and not records[-2].truncated
    assert records[-1].enrollment is None and records[-1].trial_id == "2021-002179-21"


def test_dispatch_reads_euctr() -> None:
    doc = parse_document(NAME, PATH.read_bytes())
    assert (doc.format, doc.layout, doc.error, len(doc.records)) == ("euctr_text", "fulltext", None, 10)


@pytest.mark.parametrize("text", ["", "Summary\nEudraCT Number: none\n", "hello world", "Summary\n" * 5])
def test_no_trial(text: str) -> None:
    with pytest.raises(ParseError, match="EudraCT number"):
        EuctrTextParser.parse(text, "bad.txt")


def test_criteria_lines_that_look_like_sections() -> None:
    text = ("Summary\nEudraCT Number: 2020-000001-11\nA.2 EudraCT number: 2020-000001-11\n"
            "E.3 Principal inclusion criteria: Patients with:\nA. condition one\nB. condition two\n"
            "E.4 Principal exclusion criteria: none\n")
    (rec,) = EuctrTextParser.parse(text, "x.txt")
    assert "A. condition one" in rec.eligibility_criteria
    assert rec.eligibility_criteria.endswith("Exclusion Criteria:\nnone")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_fuzz_any_text(text: str) -> None:
    for candidate in (text, "Summary\nEudraCT Number: 2021-002179-21\n" + text):
        try:
            EuctrTextParser.parse(candidate, "fuzz.txt")
        except ParseError:
            pass
        EuctrTextParser.detect(candidate, "fuzz.txt")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(TEXT)))
def test_fuzz_truncated_fixture(cut: int) -> None:
    try:
        EuctrTextParser.parse(TEXT[:cut], "cut.txt")
    except ParseError:
        pass


_LINES = st.sampled_from([
    "Summary", "EudraCT Number: 2021-002179-21", "A.2 EudraCT number: 2022-002568-62", "D.IMP: 1",
    "D.3.1 Product name: X", "D.3.11.3 Advanced Therapy IMP (ATIMP): Yes", "E.7.1 Human pharmacology (Phase I): Yes",
    "E.8.1.1 Randomised: No", "E.8.1.5 Parallel group: Yes", "F.2.1 Female: Yes", "F.4.2.2 In the whole clinical "
    "trial: 99999999999999999999999", "Sponsor 1", "B.1.1 Name of Sponsor: S", "E.3 Principal inclusion criteria: 1.",
    "continued text", "P. End of Trial Status: Completed", "Link: https://x/trial/2021-002179-21/XX/",
    "Date on which this record was first entered in the EudraCT database: 9999-99-99", "", "B.3.1 and B.3.2",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINES, max_size=30))
def test_fuzz_structured(lines: list[str]) -> None:
    try:
        records = EuctrTextParser.parse("\n".join(lines), "fuzz.txt")
    except ParseError:
        return
    assert all(r.trial_id in ("2021-002179-21", "2022-002568-62") for r in records)
