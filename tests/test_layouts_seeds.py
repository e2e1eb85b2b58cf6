"""Golden tests: the five seed pages, expected values written by hand from reading each page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ingest.dispatch import parse_document
from ingest.layouts import _kit as kit
from ingest.layouts.ctgov_plain import CtgovPlain
from ingest.layouts.ignite import Ignite
from ingest.layouts.meddatax import MedDataX
from ingest.layouts.veeva import Veeva

PAGES = Path(__file__).parent / "fixtures" / "pages"
SEED = {
    "000": PAGES / "000_17473492e1e285d7.txt",
    "001": PAGES / "001_c180e44e06a1421d.txt",
    "002": PAGES / "002_2daa943672722da7.txt",
    "003": PAGES / "003_a088c8f5c9a0d108.txt",
    "004": PAGES / "004_27d5ec4c92961e48.txt",
}


def _text(key: str) -> str:
    return SEED[key].read_text(encoding="utf-8")


def _one(parser, key: str):
    records = parser.parse(_text(key), str(SEED[key]))
    assert len(records) == 1
    return records[0]


def _scalars(record, expected: dict) -> None:
    for field, value in expected.items():
        assert getattr(record, field) == value, field


@pytest.mark.parametrize(("key", "layout"), [("000", "veeva"), ("001", "ctgov_plain"), ("002", "ignite"),
                                             ("003", "veeva"), ("004", "meddatax")])
def test_dispatch_picks_the_family(key: str, layout: str) -> None:
    doc = parse_document(str(SEED[key]), SEED[key].read_bytes())
    assert doc.error is None
    assert doc.layout == layout
    assert doc.warnings == []


def test_001_ctgov_plain() -> None:
    rec = _one(CtgovPlain, "001")
    _scalars(rec, {
        "trial_id": "NCT05921058",
        "brief_title": "The Effects of Mesenchymal Stem Cell Secretome in Lupus Patients",
        "official_title": "The Effects of Mesenchymal Stem Cell Secretome in Lupus Patients",
        "acronym": None,
        "overall_status": "COMPLETED",
        "phase": "PHASE1/PHASE2",
        "study_type": "INTERVENTIONAL",
        "allocation": "RANDOMIZED",
        "intervention_model": "PARALLEL",
        "masking": "QUADRUPLE",
        "who_masked": "PARTICIPANT|CARE_PROVIDER|INVESTIGATOR|OUTCOMES_ASSESSOR",
        "primary_purpose": "TREATMENT",
        "enrollment": 15,
        "enrollment_type": "ACTUAL",
        "start_date": dt.date(2022, 8, 1),
        "start_date_type": "ACTUAL",
        "primary_completion_date": dt.date(2022, 12, 30),
        "primary_completion_date_type": "ACTUAL",
        "completion_date": dt.date(2023, 3, 9),
        "completion_date_type": "ACTUAL",
        "first_posted_date": dt.date(2023, 6, 27),
        "last_update_date": dt.date(2023, 6, 27),
        "verified_date": dt.date(2023, 6, 1),
        "lead_sponsor": "Universitas Sebelas Maret",
        "responsible_party": "Arief Nurudhin, Universitas Sebelas Maret",
        "brief_summary": "This research is a clinical trial of administering mesenchymal stem cell secretome to "
                         "lupus patients.",
        "sex": "ALL",
        "min_age_years": 18.0,
        "max_age_years": 60.0,
        "healthy_volunteers": False,
        "truncated": False,
    })
    assert rec.detailed_description.startswith("This research is experimental. The study was conducted on 30 SLE")
    assert rec.detailed_description.endswith("paired difference test with p < 0.05")
    assert rec.conditions == ["Lupus Erythematosus"]
    assert [(a.label, a.arm_type, a.intervention_names) for a in rec.arms] == [
        ("Messenchymal stem cell secretome", "EXPERIMENTAL", ["Secretome"]),
        ("Placebo", "PLACEBO_COMPARATOR", ["Placebo"]),
    ]
    assert rec.arms[0].description.startswith("The hypoxic mesenchymal stem cell secretome has been developed")
    assert rec.arms[1].description == "Nacl 0,9% infusion"
    assert [(i.name, i.intervention_type, i.description, i.other_names) for i in rec.interventions] == [
        ("Secretome", "DRUG", "Mesenchymal stem cell secretome obtained from Kalbe Pharma Company",
         ["Messenchymal stem cell Concitioned Media"]),
        ("Placebo", "DRUG", "NaCl 0,9% infusion", ["NaCl 0,9% infusion"]),
    ]
    assert [(o.outcome_type, o.measure, o.time_frame, o.description) for o in rec.outcomes] == [
        ("primary", "Lupus Disease activity", "Change of Lupus Disease Activity at 1 months",
         "The data collected were MEX SLEDAI score (range 0-32) before and after therapy."),
    ]
    assert rec.eligibility_criteria.startswith("Inclusion Criteria:")
    assert [(c.criterion_type, c.ordinal, c.text) for c in rec.criteria] == [
        ("inclusion", 1, "Lupus paatients"), ("exclusion", 1, "Pregnancy"),
    ]
    assert [(s.facility, s.city, s.state, s.country) for s in rec.sites] == [
        ("Moewardi General Hospital", "Surakarta", "Middle Java", "Indonesia"),
    ]
    assert [(s.name, s.lead_or_collaborator) for s in rec.sponsors] == [("Universitas Sebelas Maret", "lead")]
    assert [(i.id_value, i.id_type) for i in rec.identifiers] == [("NAP05", "org_study_id")]
    assert rec.keywords == ["Messenchymal Stem Cell Secretome", "Lupus"]


def test_003_veeva_full() -> None:
    rec = _one(Veeva, "003")
    _scalars(rec, {
        "trial_id": "NCT01420432",
        "brief_title": "Safety and Efficacy Study of Umbilical Cord/Placenta-Derived Mesenchymal Stem Cells to "
                       "Treat Ankylosing Spondylitis (AS)",
        "overall_status": "UNKNOWN",
        "phase": "PHASE1",
        "study_type": "INTERVENTIONAL",
        "lead_sponsor": "Shandong University",
        "lead_sponsor_class": "OTHER",
        "enrollment": 10,
        "enrollment_type": "ESTIMATED",
        "sex": "ALL",
        "min_age_years": 18.0,
        "max_age_years": 60.0,
        "healthy_volunteers": False,
        "primary_purpose": "TREATMENT",
        "allocation": "RANDOMIZED",
        "intervention_model": "PARALLEL",
        "masking": "SINGLE",
        "start_date": None,
        "truncated": False,
    })
    assert rec.brief_summary.startswith("The purpose of this study is to evaluate the safety and efficacy")
    assert rec.detailed_description.startswith("Ankylosing spondylitis (AS) is a chronic, progressive")
    assert rec.detailed_description.endswith("patients will be evaluated.")
    assert rec.conditions == ["Ankylosing Spondylitis"]
    assert [(i.name, i.intervention_type, i.arm_labels) for i in rec.interventions] == [
        ("Human umbilical cord-derived MSCs", "BIOLOGICAL", ["Human umbilical cord-derived MSCs and DMARDs"]),
    ]
    assert [(a.label, a.arm_type, a.intervention_names) for a in rec.arms] == [
        ("Human umbilical cord-derived MSCs and DMARDs", "EXPERIMENTAL", ["Human umbilical cord-derived MSCs"]),
        ("DMARDs", "NO_INTERVENTION", []),
    ]
    assert rec.arms[1].description == "DMARDs such as sulfasalazine,methotrexate,thalidomide po for 12 months"
    assert [(i.id_value, i.id_type) for i in rec.identifiers] == [("Zhangni", "org_study_id")]
    inclusion = [c.text for c in rec.criteria if c.criterion_type == "inclusion"]
    exclusion = [c.text for c in rec.criteria if c.criterion_type == "exclusion"]
    assert len(inclusion) == 7 and len(exclusion) == 6
    assert inclusion[0] == "Patient age 18~60 years old with plan to infuse MSCs."
    assert inclusion[6] == "Each patient must sign written informed consent."
    assert exclusion[5] == "Contraindications to MSC"
    assert [c.name for c in rec.contacts] == ["chengyun zheng, Ph. D"]


def test_000_veeva_label_only() -> None:
    rec = _one(Veeva, "000")
    assert Veeva.layout_of(_text("000")) == "label_only"
    _scalars(rec, {
        "trial_id": None, "brief_title": None, "overall_status": None, "phase": None, "study_type": None,
        "enrollment": 11, "enrollment_type": None, "sex": None, "min_age_years": None, "max_age_years": None,
        "healthy_volunteers": None, "primary_purpose": None, "allocation": None, "intervention_model": None,
        "masking": None, "eligibility_criteria": None, "lead_sponsor": None,
    })
    assert rec.brief_summary.startswith("Osteoarthritis (OA) is a joint disorder")
    assert rec.detailed_description.startswith("The research was conducted as a clinical trial")
    assert rec.detailed_description.count("\n") == 1
    assert rec.conditions == [] and rec.arms == [] and rec.interventions == []
    doc = parse_document(str(SEED["000"]), SEED["000"].read_bytes())
    assert doc.records[0].trial_id.startswith("DOC-")


def test_002_ignite() -> None:
    rec = _one(Ignite, "002")
    _scalars(rec, {
        "trial_id": "NCT05871463",
        "brief_title": "Effect of Mesenchymal Stem Cells-derived Exosomes in Decompensated Liver Cirrhosis",
        "official_title": "Clinical Trial Phase IIa on Amelioration of Decompensated Liver Cirrhosis With "
                          "Mesenchymal Stem Cells-derived Exosomes",
        "acronym": None,
        "overall_status": "RECRUITING",
        "last_known_status": None,
        "why_stopped": None,
        "phase": None,
        "first_posted_date": dt.date(2023, 4, 7),
        "last_update_date": dt.date(2023, 5, 23),
        "verified_date": dt.date(2023, 5, 1),
        "lead_sponsor": "Research Institute for Gastroenterology and Liver Diseases RIGLD",
        "has_dmc": None,
    })
    assert rec.brief_summary.startswith("Decompensated liver cirrhosis LC a life-threatening complication")
    assert rec.brief_summary.endswith("in patients with decompensated LC")
    assert rec.detailed_description.endswith("at a final dose of 40mg in three weeks")


def test_004_meddatax_compact() -> None:
    rec = _one(MedDataX, "004")
    assert MedDataX.layout_of(_text("004")) == "compact"
    _scalars(rec, {
        "trial_id": "NCT02491658",
        "brief_title": "Safety and Efficacy of UC-MSCs in Patients With Psoriasis Vulgaris",
        "last_update_date": dt.date(2015, 7, 8),
        "overall_status": "UNKNOWN",
        "phase": "PHASE1/PHASE2",
        "enrollment": 30,
        "study_type": "INTERVENTIONAL",
        "start_date": dt.date(2015, 4, 30),
        "completion_date": dt.date(2016, 12, 31),
        "brief_summary": None,
        "allocation": "NA",
        "intervention_model": "SINGLE_GROUP",
        "primary_purpose": "TREATMENT",
        "masking": "NONE",
        "min_age_years": 18.0,
        "max_age_years": 65.0,
        "sex": "ALL",
        "healthy_volunteers": False,
        "lead_sponsor": "Affiliated Hospital to Academy of Military Medical Sciences",
        "lead_sponsor_class": "OTHER",
    })
    assert rec.detailed_description.startswith("Mesenchymal stem cells (MSCs) are a heterogeneous population")
    assert rec.conditions == []
    assert [(a.label, a.intervention_names) for a in rec.arms] == [
        ("Treat Psoriasis Vulgaris with UC-MSCs", ["UC-MSCs"]),
    ]
    assert rec.arms[0].description == ("Subjects in this arm will receive 6 times UC-MSCs infusions "
                                       "(each time 1×10^6/kg) within 8 weeks.")
    assert [i.name for i in rec.interventions] == ["UC-MSCs"]
    assert rec.interventions[0].description.startswith("Psoriasis Vulgaris patients will receive 6 times")
    inclusion = [c.text for c in rec.criteria if c.criterion_type == "inclusion"]
    exclusion = [c.text for c in rec.criteria if c.criterion_type == "exclusion"]
    assert len(inclusion) == 4 and len(exclusion) == 9
    assert inclusion[0] == "Baseline Psoriasis Area and Severity Index (PASI) score >= 8"
    assert exclusion[-1] == "Any other situations not suitable for this study determined by the investigators"
    assert [(s.facility, s.city, s.state, s.country) for s in rec.sites] == [
        ("Affiliated Hospital to Academy of Military Medical Sciences", "Beijing", "Beijing Municipality", "China"),
    ]
    assert [(o.name, o.role) for o in rec.officials] == [("Chen Hu, Ph.D", "PRINCIPAL_INVESTIGATOR")]
    assert [(i.id_value, i.id_type) for i in rec.identifiers] == [("307-PV-MSC", "org_study_id")]
    related = {"NCT03745417", "NCT03424629", "NCT03765957", "NCT03265613", "NCT00192517"}
    assert not related & {i.id_value for i in rec.identifiers}


def test_page_id_ignores_related_trials_block() -> None:
    text = _text("004").replace("NCT ID: NCT02491658\n", "")
    assert kit.page_id(text, "page.txt") is None
    assert kit.page_id(text, "https://example.org/trial/nct02491658") == "NCT02491658"


def test_capped_page_drops_last_line_value() -> None:
    text = _text("001")
    cut = text.encode("utf-8")[:2000].decode("utf-8", "ignore")
    rec = CtgovPlain.parse(cut, "page.txt")[0]
    assert rec.truncated is True
    assert rec.trial_id == "NCT05921058"
    assert rec.eligibility_criteria is None


# No seed page of the CT.gov pipe render exists: this page is written from PAGE_LAYOUTS §1/§1b (line order,
# ``Label : | value |`` rows, space-joined condition row, arm cells ending `` |``), not copied from a capture.
PIPE_PAGE = """Safety of MSC in Knee OA
![]() |
The safety and scientific validity of this study is the responsibility of the study sponsor and investigators. |
ClinicalTrials.gov Identifier: NCT01234567 |
Recruitment Status :
Completed
First Posted : March 5, 2019
|
- Study Details
- Tabular View
- No Results Posted
- Disclaimer
- How to Read a Study Record
This study tests cells in knee osteoarthritis.
---|---|---|
Condition or disease | Intervention/treatment | Phase |
Knee Osteoarthritis | Biological: MSC Drug: Saline | Phase 1 Phase 2 |
Study Type : | Interventional (Clinical Trial) |
Actual Enrollment : | 24 participants |
Masking: | None (Open Label) |
Arm | Intervention/treatment |
---|---|
Experimental: Cells
High dose |
Biological: MSC
Ten million cells
Other Name: AD-MSC |
Placebo Comparator: Saline |
Drug: Saline |
- Pain score [ Time Frame: 6 months ]
"""


def test_ctgov_pipe_render_from_field_guide() -> None:
    from ingest.layouts.ctgov_pipe import CtgovPipe

    assert CtgovPipe.detect(PIPE_PAGE, "p") > CtgovPlain.detect(PIPE_PAGE, "p")
    rec = CtgovPipe.parse(PIPE_PAGE, "p")[0]
    assert (rec.trial_id, rec.overall_status, rec.phase, rec.study_type) == (
        "NCT01234567", "COMPLETED", "PHASE1/PHASE2", "INTERVENTIONAL")
    assert (rec.enrollment, rec.enrollment_type, rec.masking) == (24, "ACTUAL", "NONE")
    assert rec.brief_summary == "This study tests cells in knee osteoarthritis."
    assert rec.conditions == ["Knee Osteoarthritis"]
    assert [(a.label, a.arm_type, a.description, a.intervention_names) for a in rec.arms] == [
        ("Cells", "EXPERIMENTAL", "High dose", ["MSC"]), ("Saline", "PLACEBO_COMPARATOR", None, ["Saline"])]
    assert [(i.name, i.intervention_type, i.description, i.other_names) for i in rec.interventions] == [
        ("MSC", "BIOLOGICAL", "Ten million cells", ["AD-MSC"]), ("Saline", "DRUG", None, [])]
    assert [(o.outcome_type, o.measure, o.time_frame) for o in rec.outcomes] == [("other", "Pain score", "6 months")]
