"""ClinicalTrials.gov API v2 JSON parser: golden values read by hand from the real files in fixtures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.dispatch import parse_document
from ingest.errors import ParseError
from ingest.formats.ctgov_classic_json import CtgovClassicJson
from ingest.formats.ctgov_v2_json import CtgovV2Json
from ingest.model import Arm, Contact, Identifier, Intervention, MeshTerm, Official, Reference, Site, Sponsor

FIXTURES = Path(__file__).parent / "fixtures" / "ctgov_v2_json"


def _text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _parse(name: str):
    return CtgovV2Json.parse(_text(name), str(FIXTURES / name))


def test_detect_and_layout() -> None:
    expected = {
        "NCT03064438.json": "single", "NCT04207047.json": "single", "NCT02513394.json": "single",
        "NCT00465816_partial.json": "partial", "NCT03453554_partial.json": "partial",
        "NCT03281889.json": "list", "ctg-studies_asthma_10studies.json": "list",
    }
    for name, layout in expected.items():
        text = _text(name)
        assert CtgovV2Json.detect(text, name) >= 0.9, name
        assert CtgovClassicJson.detect(text, name) == 0.0, name
        assert CtgovV2Json.layout_of(text) == layout, name


def test_detect_is_by_content_not_extension() -> None:
    assert CtgovV2Json.detect(_text("NCT03064438.json"), "download.txt") >= 0.9
    assert CtgovV2Json.detect('{"studies": []}', "x.json") == 0.0
    assert CtgovV2Json.detect("<clinical_study/>", "NCT1.json") == 0.0


def test_full_record_with_results() -> None:
    (rec,) = _parse("NCT03064438.json")
    assert rec.trial_id == "NCT03064438"
    assert rec.registry == "ClinicalTrials.gov"
    assert rec.brief_title == "Safety and Efficacy of ACU-D1 in the Treatment of Acne Rosacea"
    assert rec.official_title.startswith("A RANDOMIZED, DOUBLE-BLIND, VEHICLE CONTROLLED")
    assert rec.acronym is None
    assert (rec.overall_status, rec.last_known_status, rec.why_stopped) == ("COMPLETED", None, None)
    assert (rec.phase, rec.study_type) == ("PHASE2", "INTERVENTIONAL")
    assert (rec.allocation, rec.intervention_model, rec.primary_purpose) == ("RANDOMIZED", "PARALLEL", "TREATMENT")
    assert (rec.masking, rec.who_masked) == ("DOUBLE", "PARTICIPANT|INVESTIGATOR")
    assert (rec.enrollment, rec.enrollment_type) == (40, "ACTUAL")
    assert (rec.start_date, rec.start_date_type) == (dt.date(2017, 11, 28), "ACTUAL")
    assert (rec.primary_completion_date, rec.primary_completion_date_type) == (dt.date(2018, 6, 5), "ACTUAL")
    assert (rec.completion_date, rec.completion_date_type) == (dt.date(2018, 6, 18), "ACTUAL")
    assert rec.first_posted_date == dt.date(2017, 2, 27)
    assert rec.results_first_posted_date == dt.date(2021, 8, 23)
    assert rec.last_update_date == dt.date(2021, 8, 23)
    assert rec.verified_date == dt.date(2021, 8, 1)
    assert (rec.lead_sponsor, rec.lead_sponsor_class) == ("Accuitis, Inc.", "INDUSTRY")
    assert rec.sponsors == [Sponsor("Accuitis, Inc.", "lead", "INDUSTRY")]
    assert rec.responsible_party == "SPONSOR"
    assert rec.brief_summary.startswith("The study evaluated the safety, tolerability, and efficacy of ACCU-D1")
    assert rec.detailed_description is None
    assert rec.eligibility_criteria.startswith("Inclusion Criteria:\n\n* Participant is male or non-pregnant")
    assert rec.eligibility_criteria.endswith("occurred within 30 days prior to Visit 1")
    assert rec.criteria is None
    assert (rec.sex, rec.min_age_years, rec.max_age_years, rec.healthy_volunteers) == ("ALL", 18.0, None, False)
    assert (rec.has_results, rec.has_dmc, rec.ipd_sharing) == (True, False, "NO")
    assert rec.conditions == ["Acne Rosacea"]
    assert rec.keywords == []
    assert rec.arms == [
        Arm("ACU-D1 Ointment", "EXPERIMENTAL", "Twice-daily application of ACU-D1 ointment to the face for 12 weeks.",
            ["ACCU-D1"]),
        Arm("ACU-D1 Ointment Vehicle", "PLACEBO_COMPARATOR",
            "Twice-daily application of ACU-D1 ointment vehicle to the face for 12 weeks.", ["Vehicle"]),
    ]
    assert rec.interventions == [
        Intervention("ACCU-D1", "DRUG", "ACCU-D1", ["ACU-D1 Ointment"]),
        Intervention("Vehicle", "DRUG", "Placebo Comparator", ["ACU-D1 Ointment Vehicle"]),
    ]
    kinds = [o.outcome_type for o in rec.outcomes]
    assert (kinds.count("primary"), kinds.count("secondary"), kinds.count("other")) == (1, 7, 2)
    assert rec.outcomes[0].measure == "Change From Baseline in Total Lesion Count at Week 12"
    assert rec.outcomes[0].time_frame == "Baseline, Week 12"
    assert rec.outcomes[-1].time_frame == "Day 1 (Post-application) and Weeks 2, 4, 8, and 14"
    assert rec.sites == [Site("DS Research", "Louisville", "Kentucky", "40421", "United States"),
                         Site("DermResearch", "Austin", "Texas", "78759", "United States")]
    assert rec.countries == ["United States"]
    assert rec.references == [Reference(
        "Jackson JM, Coulon R, Arbiser JL. Evaluation of a First-in-Class Proteasome Inhibitor in Patients With "
        "Moderate to Severe Rosacea. J Drugs Dermatol. 2021 Jun 1;20(6):660-664. doi: 10.36849/JDD.2021.5925.",
        "34076401", "DERIVED")]
    assert rec.mesh_terms == [MeshTerm("condition", "Rosacea", "D000012393")]
    assert rec.identifiers == [Identifier("ACU-D1", "org_study_id")]
    assert rec.officials == [] and rec.contacts == []
    assert rec.problems() == []


def test_partial_dates_and_prefixed_intervention_names() -> None:
    (rec,) = _parse("NCT04207047.json")
    assert rec.verified_date == dt.date(2019, 12, 1)  # "2019-12"
    assert (rec.overall_status, rec.last_known_status) == ("UNKNOWN", "ACTIVE_NOT_RECRUITING")
    assert (rec.phase, rec.allocation, rec.intervention_model, rec.masking) == ("NA", "NON_RANDOMIZED",
                                                                                 "SINGLE_GROUP", "NONE")
    assert (rec.completion_date, rec.completion_date_type) == (dt.date(2020, 3, 31), "ESTIMATED")
    assert [a.label for a in rec.arms] == ["Group A", "Group B", "Group C", "Group D"]
    assert rec.arms[0].intervention_names == ["Genius"]
    assert rec.arms[3].intervention_names == ["Genius", "eC02", "PicoPlus", "LaseMD", "LaseMD Flex"]
    assert rec.has_results is False
    assert rec.sites == [Site("William LoVerme, MD", "Billerica", "Massachusetts", "01821", "United States")]


def test_studies_wrapper_ids_contacts_and_collaborators() -> None:
    (rec,) = _parse("NCT03281889.json")
    assert rec.trial_id == "NCT03281889"
    assert rec.identifiers == [Identifier("17-283", "org_study_id"), Identifier("U19CA021239-37", "nih")]
    assert rec.sponsors == [Sponsor("Massachusetts General Hospital", "lead", "OTHER"),
                            Sponsor("National Cancer Institute (NCI)", "collaborator", "NIH")]
    assert rec.responsible_party == "Shannon MacDonald, MD"
    assert rec.officials == [Official("Shannon MacDonald, MD", "PRINCIPAL_INVESTIGATOR",
                                      "Massachusetts General Hospital")]
    assert rec.contacts == [
        Contact("CONTACT", "Shannon MacDonald, MD", "617-643-7250", "smacdonald@mgh.harvard.edu"),
        Contact("CONTACT", "Shannon MacDonald, MD", "617-643-7250", "smacdonald@mgh.harvard.edu"),
        Contact("PRINCIPAL_INVESTIGATOR", "Shannon MacDonald, MD"),
        Contact("CONTACT", "Susan McGovern, MD", None, "slmcgove@mdanderson.org"),
        Contact("PRINCIPAL_INVESTIGATOR", "Susan McGovern, MD"),
    ]
    assert rec.sites[1] == Site("MD Anderson Cancer Center", "Houston", "Texas", "77030", "United States",
                                "RECRUITING")
    assert (rec.enrollment, rec.enrollment_type) == (20, "ESTIMATED")
    assert rec.interventions == [Intervention(
        "Proton Beam", "RADIATION", "precision radiation that reduce the negative effects radiation has on the "
        "surrounding non-cancerous growing and developing tissue", ["Proton Radiotherapy"])]
    assert rec.arms[0].intervention_names == ["Proton Beam"]
    assert rec.arms[0].description == ("* Patients will be treated with Proton Beam once daily 5 days per week.\n"
                                       "* Doses will be prescribed such that maximum possible coverage is achieved")


def test_partial_records_do_not_crash() -> None:
    (rec,) = _parse("NCT00465816_partial.json")
    assert rec.trial_id == "NCT00465816"
    assert (rec.brief_title, rec.official_title) == ("Primary Study to Demonstrate...",
                                                      "Non-inferiority of GSK Biologicals...")
    assert rec.identifiers == [Identifier("109063", "org_study_id")]
    assert rec.references == [Reference("Ostergaard L, Silfverdal SA...", "22107850", "BACKGROUND"),
                              Reference("Ostergaard L et al...", None, "BACKGROUND")]
    assert rec.has_results is True
    assert (rec.overall_status, rec.phase, rec.start_date, rec.lead_sponsor, rec.eligibility_criteria) == (
        None, None, None, None, None)
    assert rec.arms == [] and rec.interventions == [] and rec.sites == [] and rec.sponsors == []

    (rec,) = _parse("NCT03453554_partial.json")
    assert (rec.trial_id, rec.brief_title, rec.has_results) == ("NCT03453554", "Evaluating a Digital...", False)
    assert rec.identifiers == [Identifier("AZ150096", "org_study_id")]


def test_list_download() -> None:
    records = _parse("ctg-studies_asthma_10studies.json")
    assert [r.trial_id for r in records] == [
        "NCT00410098", "NCT06751550", "NCT02753764", "NCT06133985", "NCT04650464",
        "NCT00712335", "NCT02967393", "NCT05915845", "NCT01738087", "NCT06863285",
    ]
    first = records[0]
    assert first.brief_title == "Bikram Yoga and Asthma"
    assert (first.overall_status, first.last_known_status) == ("UNKNOWN", "NOT_YET_RECRUITING")
    assert first.verified_date == dt.date(2006, 12, 1)
    assert first.identifiers == [Identifier("bikramasthma-HMO-CTIL", "org_study_id")]
    assert all(r.problems() == [] for r in records)


def test_cross_format_record() -> None:
    (rec,) = _parse("NCT02513394.json")
    assert (rec.trial_id, rec.acronym, rec.brief_title) == (
        "NCT02513394", "PALLAS", "PALbociclib CoLlaborative Adjuvant Study")
    assert (rec.overall_status, rec.phase, rec.study_type) == ("ACTIVE_NOT_RECRUITING", "PHASE3", "INTERVENTIONAL")
    assert (rec.allocation, rec.intervention_model, rec.masking, rec.who_masked) == (
        "RANDOMIZED", "PARALLEL", "NONE", None)
    assert (rec.enrollment, rec.enrollment_type) == (5796, "ACTUAL")
    assert (rec.start_date, rec.start_date_type) == (dt.date(2015, 8, 1), None)
    assert (rec.primary_completion_date, rec.primary_completion_date_type) == (dt.date(2020, 11, 1), "ACTUAL")
    assert (rec.completion_date, rec.completion_date_type) == (dt.date(2025, 9, 1), "ESTIMATED")
    assert rec.first_posted_date == dt.date(2015, 7, 31)
    assert rec.results_first_posted_date == dt.date(2022, 4, 13)
    assert rec.last_update_date == dt.date(2023, 6, 15)
    assert rec.verified_date == dt.date(2023, 4, 1)
    assert (rec.has_results, rec.has_dmc, rec.ipd_sharing) == (True, True, None)
    assert rec.identifiers == [
        Identifier("AFT-05", "org_study_id"), Identifier("ABCSG 42", "other", "ABCSG GmbH"),
        Identifier("BIG 14-03", "other", "Breast International Group"),
        Identifier("2014-005181-30", "eudract_number"),
    ]
    assert [s.name for s in rec.sponsors] == [
        "Alliance Foundation Trials, LLC.", "Austrian Breast & Colorectal Cancer Study Group",
        "NSABP Foundation Inc", "PrECOG, LLC.", "Breast International Group", "Pfizer"]
    assert rec.sponsors[1] == Sponsor("Austrian Breast & Colorectal Cancer Study Group", "collaborator", "NETWORK")
    assert rec.conditions == ["Breast Cancer"]
    assert rec.keywords == ["HR+/HER2- breast cancer", "Palbociclib"]
    assert rec.arms[0].intervention_names == ["Palbociclib", "Standard Adjuvant Endocrine Therapy"]
    assert rec.arms[1] == Arm("Arm B", "OTHER", "Standard adjuvant endocrine therapy for a duration of at least "
                              "5 years.", ["Standard Adjuvant Endocrine Therapy"])
    assert rec.interventions[1] == Intervention("Standard Adjuvant Endocrine Therapy", "DRUG", None,
                                                ["Arm A", "Arm B"])
    assert len(rec.sites) == 437  # the duplicate non-standard "locations_nested" list is ignored
    assert rec.sites[0] == Site("University of South Alabama Mitchell Cancer Institute", "Mobile", "Alabama",
                                "36604", "United States")
    assert rec.sites[-1] == Site("Royal Cornwall Hospitals NHS Trust, Oncology Trials, Sunrise Centre", "Truro",
                                 None, "TR1 3LQ", "United Kingdom")
    assert rec.countries == [
        "United States", "Australia", "Austria", "Belgium", "Canada", "Germany", "Hungary", "Ireland", "Israel",
        "Italy", "Japan", "Korea, Republic of", "Mexico", "Netherlands", "Poland", "Portugal", "Spain", "Sweden",
        "Switzerland", "Taiwan", "United Kingdom"]
    assert rec.officials[0] == Official("Suzanne George, MD", "PRINCIPAL_INVESTIGATOR",
                                        "Alliance Foundation Trials, LLC.")
    assert len(rec.officials) == 4
    assert len(rec.references) == 4 and rec.references[0].pmid == "34995105"
    assert rec.mesh_terms == [MeshTerm("condition", "Breast Neoplasms", "D000001943"),
                              MeshTerm("intervention", "Palbociclib", "C000500026")]
    kinds = [o.outcome_type for o in rec.outcomes]
    assert (kinds.count("primary"), kinds.count("secondary")) == (1, 4)
    assert rec.outcomes[0].measure == "Invasive Disease Free Survival (iDFS)"
    assert (rec.sex, rec.min_age_years, rec.healthy_volunteers) == ("ALL", 18.0, False)


def test_dispatch_picks_this_parser() -> None:
    path = FIXTURES / "NCT03281889.json"
    doc = parse_document(str(path), path.read_bytes())
    assert doc.error is None
    assert (doc.format, doc.layout) == ("ctgov_v2_json", "list")
    assert [r.trial_id for r in doc.records] == ["NCT03281889"]


@pytest.mark.parametrize("text", [
    "", "   ", "{", "[]", "{}", "null", "42", '"protocolSection"', '{"protocolSection": 3}',
    '[{"protocolSection": []}]', '{"studies": [1, 2]}', '{"protocolSection": {}',
])
def test_bad_input_raises_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        CtgovV2Json.parse(text, "bad.json")
    assert CtgovV2Json.layout_of(text) in (None, "single", "partial", "list")


def test_wrong_types_inside_modules_are_ignored() -> None:
    text = json.dumps({"protocolSection": {
        "identificationModule": {"nctId": ["NCT1"], "briefTitle": 5},
        "statusModule": {"startDateStruct": "2019", "overallStatus": {"x": 1}},
        "armsInterventionsModule": {"armGroups": [None, {"label": "A", "interventionNames": "Drug: x"}]},
        "designModule": {"phases": "PHASE1", "enrollmentInfo": {"count": "many"}},
    }})
    (rec,) = CtgovV2Json.parse(text, "odd.json")
    assert (rec.trial_id, rec.brief_title, rec.start_date, rec.overall_status, rec.phase) == (
        None, "5", None, None, None)
    assert rec.arms == [Arm("A")]
    assert rec.enrollment is None


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["protocolSection", "studies", "identificationModule", "nctId", "statusModule",
                         "armGroups", "armsInterventionsModule", "label", "interventions", "designModule",
                         "phases", "hasResults", "resultsSection", "locations", "contactsLocationsModule", "x"]),
        children, max_size=5),
    max_leaves=30,
)
_SAMPLE = (FIXTURES / "NCT03281889.json").read_text(encoding="utf-8")


def _safe(text: str) -> None:
    try:
        records = CtgovV2Json.parse(text, "fuzz.json")
    except ParseError:
        return
    assert records
    CtgovV2Json.layout_of(text)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text_only_raises_parse_error(text: str) -> None:
    _safe(text)


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=len(_SAMPLE)))
def test_truncated_file_only_raises_parse_error(cut: int) -> None:
    _safe(_SAMPLE[:cut])


@settings(max_examples=300)
@given(_JSON)
def test_random_json_only_raises_parse_error(value: object) -> None:
    _safe(json.dumps(value))
    _safe(json.dumps({"protocolSection": value}))
    _safe(json.dumps([{"protocolSection": {"identificationModule": value, "armsInterventionsModule": value,
                                           "contactsLocationsModule": value}}]))


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


@given(_JSON_VALUES, st.booleans())
def test_fast_json_reads_what_the_standard_reader_reads(value, ascii_only) -> None:
    from ingest.formats.ctgov_v2_json import _parse_json

    raw = json.dumps(value, ensure_ascii=ascii_only)
    assert _parse_json(raw) == json.loads(raw)


@pytest.mark.parametrize("raw", ['{"a": NaN}', "[Infinity, -Infinity]", '"\\ud800"', "[1e400]",
                                 '{"a": 1, "a": 2}', "[-0.0, 1.0000000000000002]"])
def test_fast_json_falls_back_to_the_standard_reader(raw) -> None:
    from ingest.formats.ctgov_v2_json import _parse_json

    assert repr(_parse_json(raw)) == repr(json.loads(raw))


def test_fast_json_errors_are_the_standard_readers() -> None:
    from ingest.formats.ctgov_v2_json import _parse_json

    with pytest.raises(json.JSONDecodeError, match="Expecting"):
        _parse_json('{"a": ')
