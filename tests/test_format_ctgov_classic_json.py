"""Classic ClinicalTrials.gov API JSON parser: golden values read by hand from the real files in fixtures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.errors import ParseError
from ingest.formats.ctgov_classic_json import (
    CtgovClassicJson,
    _flatten,
    _from_fields,
    _from_full,
    _record,
    rebuild_links,
)
from ingest.formats.ctgov_v2_json import CtgovV2Json
from ingest.model import Arm, Contact, Identifier, Intervention, MeshTerm, Official, Outcome, Site, Sponsor

FIXTURES = Path(__file__).parent / "fixtures" / "ctgov_classic_json"
PROCHYMAL_2 = "Prochymal® - 2 Million cells/kg"
PROCHYMAL_8 = "Prochymal® - 8 Million cells/kg"


def _text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _parse(name: str):
    return CtgovClassicJson.parse(_text(name), str(FIXTURES / name))


def test_detect_and_layout() -> None:
    expected = {
        "NCT00136903.json": "study_fields", "NCT01585857.json": "study_fields", "NCT05008588.json": "study_fields",
        "ctgov-classic-studyfieldsresponse_remestemcel-L_015.json": "study_fields",
        "ctgov-classic-json_NCT04780763.json": "full_studies",
        "ctgov-classic-json_fullstudies_results_2.json": "full_studies",
    }
    for name, layout in expected.items():
        text = _text(name)
        assert CtgovClassicJson.detect(text, name) >= 0.9, name
        assert CtgovV2Json.detect(text, name) == 0.0, name
        assert CtgovClassicJson.layout_of(text) == layout, name


def test_study_fields_record() -> None:
    (rec,) = _parse("NCT00136903.json")
    assert (rec.trial_id, rec.registry) == ("NCT00136903", "ClinicalTrials.gov")
    assert rec.brief_title == ("Safety and Efficacy Study of Adult Human Mesenchymal Stem Cells to Treat Acute "
                               "Graft Versus Host Disease (GVHD)")
    assert rec.official_title.startswith("A Phase II, Randomized Study to Evaluate the Safety and Efficacy of")
    assert (rec.overall_status, rec.phase, rec.study_type) == ("COMPLETED", "PHASE2", "INTERVENTIONAL")
    assert (rec.allocation, rec.intervention_model, rec.masking, rec.who_masked) == (
        "RANDOMIZED", "PARALLEL", "NONE", None)
    assert rec.primary_purpose == "TREATMENT"
    assert (rec.enrollment, rec.enrollment_type) == (32, "ACTUAL")
    assert (rec.start_date, rec.start_date_type) == (dt.date(2005, 4, 27), "ACTUAL")
    assert (rec.primary_completion_date, rec.primary_completion_date_type) == (dt.date(2006, 7, 28), "ACTUAL")
    assert (rec.completion_date, rec.completion_date_type) == (dt.date(2008, 7, 14), "ACTUAL")
    assert rec.first_posted_date == dt.date(2005, 8, 29)
    assert rec.results_first_posted_date is None
    assert rec.last_update_date == dt.date(2022, 1, 31)
    assert rec.verified_date == dt.date(2022, 1, 1)  # "January 2022"
    assert (rec.lead_sponsor, rec.lead_sponsor_class) == ("Mesoblast, Inc.", "INDUSTRY")
    assert rec.sponsors == [Sponsor("Mesoblast, Inc.", "lead", "INDUSTRY")]
    assert rec.responsible_party == "SPONSOR"
    assert (rec.sex, rec.min_age_years, rec.max_age_years, rec.healthy_volunteers) == ("ALL", 18.0, 70.0, False)
    assert rec.eligibility_criteria.startswith("Protocol 260 Inclusion Criteria:\n\nParticipant must be 18 to 70")
    assert (rec.has_results, rec.has_dmc, rec.ipd_sharing) == (False, False, None)
    assert rec.conditions == ["Graft Vs Host Disease"]
    assert rec.keywords[:3] == ["Graft vs Host Disease", "(GVHD)", "Graft Versus Host Disease"]
    assert len(rec.keywords) == 9
    assert rec.identifiers == [Identifier("NCT00476762", "nct_alias"), Identifier("260-261", "org_study_id")]
    assert [(a.label, a.arm_type) for a in rec.arms] == [(PROCHYMAL_2, "ACTIVE_COMPARATOR"),
                                                         (PROCHYMAL_8, "ACTIVE_COMPARATOR")]
    assert rec.arms[0].description.startswith("Participants will receive Prochymal® consisting of 2 million")
    # links rebuilt from the flattened ArmGroupInterventionName / InterventionArmGroupLabel arrays
    standard = ["Methylprednisolone", "Prednisone", "Cyclosporine", "Tacrolimus", "Mycophenolate Mofetil"]
    assert rec.arms[0].intervention_names == [PROCHYMAL_2, *standard]
    assert rec.arms[1].intervention_names == ["Prochymal®- 8 Million cells/kg", *standard]
    assert rec.interventions[0] == Intervention(
        PROCHYMAL_2, "DRUG", "2 million hMSCs/kg actual body weight, IV on study Days 1 and 4", [PROCHYMAL_2])
    assert rec.interventions[1].arm_labels == [PROCHYMAL_8]
    assert all(iv.arm_labels == [PROCHYMAL_2, PROCHYMAL_8] for iv in rec.interventions[2:])
    # other names have no boundaries in this shape: with 7 interventions they are not attached
    assert all(iv.other_names == [] for iv in rec.interventions)
    kinds = [o.outcome_type for o in rec.outcomes]
    assert (kinds.count("primary"), kinds.count("secondary")) == (2, 4)
    assert rec.outcomes[0].time_frame == "28 Days" and rec.outcomes[0].description is None
    assert rec.outcomes[1].time_frame == "2 Years"
    assert len(rec.sites) == 9
    assert rec.sites[0] == Site("St. Francis Hospital", "Indianapolis", "Indiana", "46237", "United States")
    assert rec.sites[-1] == Site("Medical College of Wisconsin, FEC", "Milwaukee", "Wisconsin", "53226",
                                 "United States")
    assert rec.countries == ["United States"]
    assert rec.officials == [Official("Christopher James, PA", "STUDY_DIRECTOR", "Mesoblast, Inc.")]
    assert len(rec.references) == 6
    assert rec.references[0].pmid == "11823036" and rec.references[0].reference_type == "BACKGROUND"
    assert rec.references[5].pmid == "19539211" and rec.references[5].reference_type == "RESULT"
    assert rec.references[5].citation.startswith("Kebriaei P, Isola L, Bahceci E")
    assert rec.mesh_terms[0] == MeshTerm("condition", "Graft vs Host Disease", "D000006086")
    assert rec.mesh_terms[1:3] == [MeshTerm("intervention", "Cyclosporine", "D000016572"),
                                   MeshTerm("intervention", "Mycophenolic Acid", "D000009173")]
    assert len(rec.mesh_terms) == 8
    assert rec.contacts == []
    assert rec.problems() == []


def test_unequal_parallel_arrays_are_not_misaligned() -> None:
    (rec,) = _parse("NCT05008588.json")
    assert (rec.overall_status, rec.phase) == ("RECRUITING", "PHASE1/PHASE2")
    # LocationState/LocationZip hold one value for two sites: which site they belong to is unknown
    assert rec.sites == [
        Site("Gatot Soebroto Hospital", "Jakarta Pusat", None, None, "Indonesia", "RECRUITING"),
        Site("PT Prodia StemCell Indonesia", "Jakarta", None, None, "Indonesia", "RECRUITING"),
    ]
    assert rec.countries == ["Indonesia"]
    assert rec.contacts == [
        Contact("CONTACT", "Muhammad Agus Aulia", "+6281283606327", "asct.prostem@gmail.com"),
        Contact("CONTACT", "Muhammad Agus Aulia, dr"),
        Contact("PRINCIPAL_INVESTIGATOR", "Muhammad Agus Aulia, dr"),
    ]
    combined = "Conditioned medium combined with Umbilical cord mesenchymal stem cells treatment"
    single = "Umbilical cord mesenchymal stem cells treatment"
    assert rec.arms[0].intervention_names == ["Conditioned Medium", "Umbilical Cord Mesenchymal Stem Cells"]
    assert rec.arms[1].intervention_names == ["Umbilical Cord Mesenchymal Stem Cells"]
    assert rec.arms[2].intervention_names == ["Neurologic and Neutrophic Drugs"]
    assert [iv.arm_labels for iv in rec.interventions] == [[combined], [combined, single],
                                                           ["Standard treatment (control)"]]
    assert rec.interventions[2].intervention_type == "PROCEDURE"


def test_partial_links_keep_only_certain_ones() -> None:
    (rec,) = _parse("NCT01585857.json")
    name = "Autologous adipose derived stem cells administrated for intra-articular use"
    # InterventionArmGroupLabel = [Group 2, Group 3, Group 1] over two same-named interventions:
    # Group 2 belongs to the first and Group 1 to the second; Group 3 could belong to either.
    assert [iv.arm_labels for iv in rec.interventions] == [["Group 2"], ["Group 1"]]
    assert [a.intervention_names for a in rec.arms] == [[name], [name], []]
    assert (rec.phase, rec.allocation, rec.intervention_model) == ("PHASE1", "NON_RANDOMIZED", "PARALLEL")
    assert (rec.start_date, rec.start_date_type) == (dt.date(2012, 4, 1), None)
    assert (rec.completion_date, rec.completion_date_type) == (dt.date(2014, 12, 1), "ACTUAL")
    assert rec.sites == [Site("UH Montpellier", "Montpellier", None, "34295", "France"),
                         Site("Orthopädische Klinik", "Würzburg", None, "97074", "Germany")]
    assert rec.countries == ["France", "Germany"]
    assert (rec.min_age_years, rec.max_age_years, rec.has_dmc) == (50.0, 75.0, True)
    assert rec.outcomes[0] == Outcome(
        "primary", "Recording of Serious Adverse Events", "during 365 days following injection",
        "Adverse events will be described with respect to seriousness, intensity, relationship to treatment, "
        "action taken and outcome of the adverse event.")
    assert rec.references[0].pmid == "27217345" and rec.references[0].reference_type == "DERIVED"


def test_links_found_by_search() -> None:
    (rec,) = _parse("NCT01290367.json")
    assert [iv.name for iv in rec.interventions] == [
        "Single Dose MPCs Injection", "Single injection of saline solution", "Single injection of hyaluronic acid",
        "Single Dose MPCs Injection"]
    assert [iv.arm_labels for iv in rec.interventions] == [
        ["High Dose MPCs", "Low Dose MPCs"], ["Saline injection"], ["Hyaluronic acid injection"],
        ["High Dose MPCs", "Low Dose MPCs"]]
    assert rec.arms[0].intervention_names == ["Single Dose MPCs Injection"]

    (rec,) = _parse("NCT00555828.json")
    assert [iv.arm_labels for iv in rec.interventions] == [["A1"], ["A2"], ["B1"], ["B2"], ["C1"], ["C2"]]
    assert rec.contacts[0] == Contact("CONTACT", "Donna Skerrett, MD", "1-888-369-2123",
                                      "donna.skerrett@angioblast.com")


def test_rebuild_links_rules() -> None:
    # degrees from both arrays agree → full
    assert rebuild_links(["A", "B"], ["x", "y"], ["Drug", "Drug"], ["Drug: x", "Drug: y", "Drug: y"],
                         ["A", "A", "B"]) == ({(0, 0), (0, 1), (1, 1)}, "full")
    # one label per intervention: forced even without AGIN
    assert rebuild_links(["A", "B"], ["x", "y"], ["Drug", "Drug"], [], ["B", "A"]) == ({(1, 0), (0, 1)}, "full")
    # ambiguous cut and no AGIN: [A],[B,A] or [A,B],[A] share only (A, x) and (A, y)
    assert rebuild_links(["A", "B"], ["x", "y"], ["Drug", "Drug"], [], ["A", "B", "A"]) == (
        {(0, 0), (0, 1)}, "partial")
    # single arm, no IAGL
    assert rebuild_links(["A"], ["x", "y"], ["Drug", "Drug"], ["Drug: x", "Drug: y"], []) == (
        {(0, 0), (0, 1)}, "full")
    # nothing to link
    assert rebuild_links([], ["x"], ["Drug"], [], []) == (set(), "n/a")
    assert rebuild_links(["A"], ["x"], ["Drug"], [], []) == (set(), "n/a")
    # labels that are not arms are never linked
    assert rebuild_links(["A", "B"], ["x", "y"], ["Drug", "Drug"], [], ["C", "D"]) == (set(), "none")


def test_full_studies_single() -> None:
    (rec,) = _parse("ctgov-classic-json_NCT04780763.json")
    assert (rec.trial_id, rec.acronym) == ("NCT04780763", "Tara")
    assert (rec.overall_status, rec.phase, rec.study_type) == ("NOT_YET_RECRUITING", "NA", "INTERVENTIONAL")
    assert (rec.allocation, rec.intervention_model, rec.primary_purpose) == (
        "RANDOMIZED", "PARALLEL", "SUPPORTIVE_CARE")
    assert (rec.masking, rec.who_masked) == ("QUADRUPLE", "PARTICIPANT|CARE_PROVIDER|INVESTIGATOR|OUTCOMES_ASSESSOR")
    assert (rec.enrollment, rec.enrollment_type) == (168, "ESTIMATED")
    assert (rec.start_date, rec.start_date_type) == (dt.date(2021, 3, 4), "ESTIMATED")
    assert (rec.completion_date, rec.completion_date_type) == (dt.date(2021, 7, 31), "ESTIMATED")
    assert (rec.first_posted_date, rec.last_update_date, rec.verified_date) == (
        dt.date(2021, 3, 3), dt.date(2021, 3, 3), dt.date(2021, 2, 1))
    assert (rec.sex, rec.min_age_years, rec.max_age_years, rec.healthy_volunteers) == ("FEMALE", 20.0, 30.0, True)
    assert (rec.has_results, rec.has_dmc, rec.ipd_sharing) == (False, False, None)
    assert rec.identifiers == [Identifier("NU391", "org_study_id"),
                               Identifier("S64737", "other", "Ethische Commissie Onderzoek UZ/KU Leuven")]
    assert rec.sponsors == [Sponsor("Danone Research", "lead", "INDUSTRY")]
    assert rec.conditions == ["Anxious Healthy Subjects"]
    milk = "Milk product fermented by lactic bacteria or not fermented"
    arm1 = "Arm 1, Test: Fermented milk product containing probiotics L. rhamnosus CNCM I-3690"
    arm2 = "Arm 2, Control: Milk-based non-fermented dairy product"
    assert rec.arms == [Arm(arm1, "ACTIVE_COMPARATOR", None, [milk]), Arm(arm2, "PLACEBO_COMPARATOR", None, [milk])]
    assert rec.interventions == [Intervention(milk, "OTHER", "2 bottles of 100g consumed daily during 28 days",
                                              [arm1, arm2])]
    kinds = [o.outcome_type for o in rec.outcomes]
    assert (kinds.count("primary"), kinds.count("secondary")) == (1, 4)
    assert rec.contacts == [
        Contact("CONTACT", "Silvia MIRET-CATALAN", "+33 (0)6 15 37 21 02", "silvia.miret-catalan@danone.com"),
        Contact("CONTACT", "Jennifer LOURENCO", "+33 (0)6 29 22 03 68", "Jennifer.lourenco@danone.com"),
        Contact("CONTACT", "Karlien Geboers", "+32 16 34 52 82", "karlien.geboers@uzleuven.be"),
        Contact("PRINCIPAL_INVESTIGATOR", "Tim Vanuytsel, MD Prof."),
    ]
    assert rec.officials == [Official("Rim HASSOUNA, PhD", "STUDY_CHAIR", "DANONE RESEARCH, PALAISEAU, FRANCE")]
    assert rec.sites == [Site("UZ/KU Leuven", "Leuven", None, "3000", "Belgium")]
    assert rec.mesh_terms == [MeshTerm("condition", "Anxiety Disorders", "D000001008")]


def test_full_studies_list_and_link_rebuild_round_trip() -> None:
    records = _parse("ctgov-classic-json_fullstudies_results_2.json")
    assert [r.trial_id for r in records] == ["NCT04779463", "NCT04779450", "NCT04779437"]
    assert records[0].arms[0].intervention_names == ["Parasternal intercostal muscles thickness ultrasound indicies"]
    # Flattening each full study into the study-fields shape and rebuilding the links gives the explicit links.
    data = json.loads(_text("ctgov-classic-json_fullstudies_results_2.json"))
    for entry in data["FullStudiesResponse"]["FullStudies"]:
        fields: dict[str, list] = {}
        _flatten(entry["Study"]["ProtocolSection"], fields)
        explicit, rebuilt_study = _record(_from_full(entry["Study"])), _from_fields(fields)
        rebuilt = _record(rebuilt_study)
        assert rebuilt_study.links == "full"
        assert [iv.arm_labels for iv in rebuilt.interventions] == [iv.arm_labels for iv in explicit.interventions]
        assert [a.intervention_names for a in rebuilt.arms] == [a.intervention_names for a in explicit.arms]


def test_study_fields_response_page() -> None:
    records = _parse("ctgov-classic-studyfieldsresponse_remestemcel-L_015.json")
    assert len(records) == 20
    assert records[0].trial_id == "NCT00294112"
    assert records[1].acronym == "UC"
    assert [(a.label, a.arm_type, a.description) for a in records[0].arms] == [
        ("High dose", "EXPERIMENTAL", "High dose (8 million cells per kg of body weight)"),
        ("Low dose", "EXPERIMENTAL", "Low dose: 2 million cells per kg body weight")]
    # this page carries 16 fields only: everything else is unknown
    assert (records[0].overall_status, records[0].brief_title, records[0].interventions) == (None, None, [])
    assert records[0].has_results is None


@pytest.mark.parametrize("text", [
    "", "{", "[]", "{}", "null", '{"NCTId": "NCT00000001"}', '{"FullStudiesResponse": {"FullStudies": [1]}}',
    '{"StudyFieldsResponse": {"StudyFields": []}}', '{"NCTId": [], "Rank": 1}', '[{"Study": 3}]',
])
def test_bad_input_raises_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        CtgovClassicJson.parse(text, "bad.json")
    assert CtgovClassicJson.layout_of(text) in (None, "full_studies", "study_fields")


_KEYS = ["FullStudiesResponse", "FullStudies", "Study", "ProtocolSection", "IdentificationModule", "NCTId",
         "StudyFieldsResponse", "StudyFields", "ArmGroupLabel", "ArmGroupInterventionName", "InterventionName",
         "InterventionType", "InterventionArmGroupLabel", "LocationFacility", "LocationCity", "Phase", "x"]
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=6) | st.sampled_from(["A", "B", "Drug: x", "x"]),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.sampled_from(_KEYS), children, max_size=6),
    max_leaves=40,
)
_SAMPLE = (FIXTURES / "ctgov-classic-json_NCT04780763.json").read_text(encoding="utf-8")


def _safe(text: str) -> None:
    try:
        records = CtgovClassicJson.parse(text, "fuzz.json")
    except ParseError:
        return
    assert records
    CtgovClassicJson.layout_of(text)


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
    _safe(json.dumps({"NCTId": ["NCT00000001"], "ArmGroupLabel": value, "InterventionArmGroupLabel": value,
                      "InterventionName": value, "ArmGroupInterventionName": value}))
    _safe(json.dumps({"FullStudiesResponse": {"FullStudies": [{"Study": {"ProtocolSection": value}}]}}))


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["A", "B", "C"]), max_size=8), st.lists(st.sampled_from(["x", "y"]), max_size=4),
       st.lists(st.sampled_from(["Drug: x", "Drug: y", "Drug: z"]), max_size=8),
       st.lists(st.sampled_from(["A", "B", "C", "D"]), max_size=10))
def test_rebuilt_links_are_always_known_pairs(labels, names, agin, iagl) -> None:
    links, how = rebuild_links(labels, names, ["Drug"] * len(names), agin, iagl)
    assert how in ("full", "partial", "none", "n/a")
    assert all(0 <= i < len(labels) and 0 <= j < len(names) for i, j in links)
    assert all(labels[i] in iagl or len(labels) == 1 for i, _ in links)


def test_nan_and_infinity_state_nothing() -> None:
    """Python's JSON reader accepts NaN and Infinity; as values they are missing, never the text "nan"."""
    raw = ('{"StudyFieldsResponse": {"StudyFields": [{"NCTId": ["NCT01234568"], "BriefTitle": [NaN], '
           '"OfficialTitle": ["A real title"], "EnrollmentCount": [Infinity], "Phase": [-Infinity]}]}}')
    (rec,) = CtgovClassicJson.parse(raw, "x.json")
    assert (rec.brief_title, rec.official_title, rec.enrollment, rec.phase) == (None, "A real title", None, None)
