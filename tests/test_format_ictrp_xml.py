"""WHO ICTRP XML parser: golden values read by hand from the real exports in fixtures/ictrp_xml."""

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
from ingest.formats.ictrp_xml import IctrpXmlParser, _age, _design, _target_size
from ingest.model import Contact, Identifier, Outcome, Sponsor

FIXTURES = Path(__file__).parent / "fixtures" / "ictrp_xml"
ISRCTN = "ISRCTN86750102_ICTRPTrials.xml"
ISRCTN_OLD = "ISRCTN86750102_ICTRPTrials_2009-08-31.xml"
IRCT = "IRCT138708271460N1.xml"
REBEC_24 = "REBEC_ecgovbr-ictrp-2011-03-24.xml"
REBEC_11 = "REBEC_ecgovbr-ictrp-2011-03-11.xml"


def _text(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8-sig")


def _parse(name: str):
    return IctrpXmlParser.parse(_text(name), name)


@pytest.mark.parametrize("name, layout, ids", [
    (ISRCTN, "dump", ["ISRCTN86750102"]),
    (ISRCTN_OLD, "dump", ["ISRCTN86750102"]),
    (IRCT, "registry_export", ["IRCT138708271460N1"]),
    (REBEC_24, "registry_export", ["RBR-4s7gh3", "RBR-7sw5hf", "RBR-74rr6s"]),
    (REBEC_11, "registry_export", ["RBR-5kz-yp8", "RBR-4s7gh3", "RBR-7sw5hf", "RBR-5kzyp8", "RBR-74rr6s"]),
])
def test_detect_layout_and_ids(name: str, layout: str, ids: list[str]) -> None:
    text = _text(name)
    assert IctrpXmlParser.detect(text, name) >= 0.9
    for other in (CtgovXmlParser, CtgovCsvParser, EuctrTextParser):
        assert other.detect(text, name) == 0.0
    assert detect(text, name)[0] is IctrpXmlParser
    assert IctrpXmlParser.layout_of(text) == layout
    records = _parse(name)
    assert [r.trial_id for r in records] == ids
    assert all(r.problems() == [] for r in records)


def test_isrctn_dump() -> None:
    (rec,) = _parse(ISRCTN)
    assert (rec.trial_id, rec.registry) == ("ISRCTN86750102", "ISRCTN")
    assert rec.brief_title.startswith("CRASH2 Trial, a large randomised placebo controlled trial among trauma")
    assert (rec.official_title, rec.acronym) == (None, "CRASH2")
    assert rec.first_posted_date == dt.date(2004, 9, 10)  # 10/09/2004, day first
    assert rec.last_update_date == dt.date(2009, 11, 3)
    assert rec.start_date == dt.date(2007, 4, 1)  # "Apr  1 2007"
    assert (rec.enrollment, rec.enrollment_type) == (20000, None)  # "20,000 (Target number … up to 1,000)"
    assert rec.overall_status == "RECRUITING"  # "Ongoing/Recruiting"
    assert (rec.study_type, rec.allocation, rec.masking, rec.intervention_model) == (
        "INTERVENTIONAL", "RANDOMIZED", None, None)  # "Randomised placebo controlled trial"
    assert rec.phase is None
    assert rec.source_url == "http://isrctn.org/ISRCTN86750102"
    assert rec.sponsors == [Sponsor("London School of Hygiene and Tropical Medicine (UK)", "lead")]
    assert rec.countries == []  # "International"
    assert rec.contacts == [Contact(None, "Ian Roberts", "+44 (0)207 958 8128", "ian.roberts@lshtm.ac.uk")]
    assert rec.conditions == ["Trauma"]
    assert rec.interventions[0].name == "Tranexamic acid 2 g intravenously over 8 hours versus placebo."
    assert rec.interventions[0].description.endswith("can be found at: http://www.crash2.lshtm.ac.uk")
    assert [o.outcome_type for o in rec.outcomes] == ["primary", "secondary"]
    assert rec.outcomes[0].measure.startswith("The primary outcome measure is death in hospital within four weeks")
    assert rec.identifiers == [
        Identifier("HTA 06/303/20", "secondary_id"), Identifier("HTA 09/102/01", "secondary_id"),
        Identifier("SLCTR/2007/008", "secondary_id"), Identifier("NCT00375258", "secondary_id", "ClinicalTrials.gov"),
    ]
    assert rec.eligibility_criteria.startswith("Inclusion Criteria:\nAll adult trauma patients who are considered")
    assert "\n\nExclusion Criteria:\nThe fundamental eligibility criterion is" in rec.eligibility_criteria
    assert [(c.criterion_type, c.ordinal) for c in rec.criteria] == [("inclusion", 1), ("exclusion", 1)]
    assert rec.criteria[1].text.endswith("There are no other pre-specified exclusion criteria.")
    assert (rec.sex, rec.min_age_years, rec.max_age_years) == (None, None, None)


def test_isrctn_older_dump() -> None:
    (rec,) = _parse(ISRCTN_OLD)
    assert rec.last_update_date == dt.date(2009, 8, 31)
    assert [i.id_value for i in rec.identifiers] == ["HTA 06/303/20", "SLCTR/2007/008", "NCT00375258"]


def test_irct_export() -> None:
    (rec,) = _parse(IRCT)
    assert (rec.trial_id, rec.registry) == ("IRCT138708271460N1", "IRCT")
    assert rec.brief_title == ("Comparison of Ascorbic Acid and Grape Seed Extract in Oxidative Stress Induced by on "
                               "Pump Heart Surgery")
    assert rec.official_title.startswith('Effect of Ascorbic Acid and Grape Seed Extract "Vitis Vinifera L."')
    assert rec.acronym is None
    assert (rec.first_posted_date, rec.start_date) == (dt.date(2009, 2, 16), dt.date(2008, 11, 1))
    assert (rec.enrollment, rec.enrollment_type) == (75, "ESTIMATED")
    assert (rec.overall_status, rec.study_type, rec.phase) == ("COMPLETED", "INTERVENTIONAL", "PHASE2/PHASE3")
    assert (rec.allocation, rec.masking, rec.intervention_model, rec.primary_purpose) == (
        "RANDOMIZED", "DOUBLE", "PARALLEL", "SUPPORTIVE_CARE")
    assert (rec.sex, rec.min_age_years, rec.max_age_years) == ("ALL", None, None)  # 0 and 150: no limits
    assert rec.conditions == ["Coronary Atrery Bypass Graft (CABG)", "Atherosclerotic heart disease",
                              "Ischaemic cardiomyopathy"]
    assert rec.keywords == ["Ischaemic heart diseases", "Atherosclerotic heart disease", "Ischaemic cardiomyopathy"]
    assert [i.name for i in rec.interventions] == ["Control Group: without intervention",
                                                   "Grape Seed Extract 100 mg/6h", "Vit C 25 mg/kg"]
    assert rec.outcomes == [
        Outcome("primary", "Left Ventricular Ejection Fraction (LVEF)", "Before and after CABG",
                "Method of measurement: Trans Thoracic Echocardiography (TTE)"),
        Outcome("secondary", "Total Antioxidant Capacity (TAC)", "Before, middle and after CABG",
                "Method of measurement: Biochemistry (blood sample)"),
    ]
    # inclusion and exclusion arrive in one field: split at "Exclusion Criteria:"
    assert rec.eligibility_criteria == (
        "Inclusion Criteria:\nCandidates for elective CABG surgery with pump for first time, 3 Vessel Disease (3VD)."
        "\n\nExclusion Criteria:\nHigh risk patients, Those who need another heart surgery beside CABG, Urgent "
        "patients Diabetics, Ischemic time more than 120 min.")
    assert [(c.criterion_type, c.ordinal) for c in rec.criteria] == [("inclusion", 1), ("exclusion", 1)]
    assert rec.identifiers == [Identifier("NCT00839085", "secondary_id", "ClinicalTrials.gov")]
    assert rec.sponsors == [Sponsor("Tabriz Univ Med Sci", "lead")]
    assert rec.countries == ["Iran, Islamic Republic Of"]
    assert [c.role for c in rec.contacts] == ["PUBLIC", "SCIENTIFIC"]
    assert rec.source_url == "http://www.irct.ir/searchresult.php?id=1460&number=1"


def test_rebec_export() -> None:
    prever2, laser, prever1 = _parse(REBEC_24)
    assert (prever2.registry, prever2.overall_status, prever2.phase) == ("ReBEC", "RECRUITING", "PHASE3")
    assert prever2.brief_title == ("PREVER Study: Efficacy of Chlorthalidone associated with Amiloride versus Losartan "
                                   "in reducing blood pressure of patients with hypertension Prever 2 Study")
    assert prever2.acronym == "PREVER: Prevention of Cardiovascular outcomes in patients with hypertension"
    assert (prever2.first_posted_date, prever2.start_date) == (dt.date(2011, 3, 2), dt.date(2011, 2, 1))
    assert (prever2.enrollment, prever2.enrollment_type) == (2400, "ACTUAL")
    assert (prever2.allocation, prever2.masking) == ("RANDOMIZED", "DOUBLE")  # "Double-blind Randomized Clinical Trial"
    assert (prever2.sex, prever2.min_age_years, prever2.max_age_years) == (None, 40.0, 70.0)  # gender "-"
    assert prever2.source_url is None  # http://127.0.0.1:8000/… is not a public address
    assert [(i.name, i.intervention_type, i.description) for i in prever2.interventions] == [
        ("Chlorthalidone 12,5 mg associated with Amiloride 2,5 mg once daily", "DRUG", None),
        ("Losartan 25 mg once daily", "DRUG", "During 18 months."),
    ]
    # item separators (";") may be trimmed by the shared splitter
    assert [(c.criterion_type, c.text.rstrip(";")) for c in prever2.criteria][:2] == [
        ("inclusion", "Individuals with 40 to 70 years, of both sexes"),
        ("inclusion", "Diagnosis of Hypertension in stage I, ie, systolic (SBP) between 140-159 mmHg or diastolic "
                      "blood pressure (DBP) between 90-99 mmHg"),
    ]
    assert [c.criterion_type for c in prever2.criteria].count("exclusion") == 5
    assert [o.measure for o in prever2.outcomes if o.outcome_type == "primary"] == [
        "Lowering blood pressure to less than 140/90 mmHg;", "Incidence of Adverse Events;",
        "Incidence of diabetes mellitus, microalbuminuria, hypokalemia, hiperuricemia and left ventricular "
        "hypertrophy on ECG."]
    assert prever2.identifiers == [
        Identifier("U1111-1119-5101", "utrn", "WHO UTN"),
        Identifier("08621", "secondary_id", "CEP- GPPG- Hospital de Clínicas de Porto Alegre"),
        Identifier("NCT00971165", "secondary_id", "ClinicalTrials.gov"),
    ]
    assert prever2.keywords == []  # I10 is a code
    assert prever2.contacts[0] == Contact("PUBLIC", "Flávio Danni Fuchs", "51 33598449", "ffuchs@hcpa.ufrgs.br")
    assert (laser.sex, laser.min_age_years, laser.max_age_years, laser.overall_status) == (
        "FEMALE", 20.0, 40.0, "NOT_YET_RECRUITING")
    assert laser.conditions == ["Temporomandibular disorder, stress"]
    assert [s.name for s in laser.sponsors][0] == "Luciano Ambrosio Ferreira"
    assert Identifier("ACTRN12611000088943", "secondary_id", "ANZCTR") in laser.identifiers
    assert prever1.conditions == ["Prehypertension"]


def test_rebec_older_export() -> None:
    records = _parse(REBEC_11)
    odd = records[0]
    assert (odd.trial_id, odd.registry) == ("RBR-5kz-yp8", "ReBEC")  # malformed id kept as given
    assert odd.first_posted_date is None
    assert (odd.sex, odd.min_age_years, odd.max_age_years) == ("FEMALE", 18.0, None)  # agemax "0"
    assert odd.conditions == ["HIV Infections", "Pregnancy"]
    assert odd.allocation is None and odd.masking is None  # Portuguese design text is not mapped
    assert [(i.name, i.intervention_type, i.other_names) for i in odd.interventions] == [
        ("Lopinavir / ritonavir", "DRUG", ["Kaletra"]), ("Lopinavir/ritonavir", "DRUG", ["Kaletra"])]
    assert odd.identifiers == [Identifier("NCT00605098", "secondary_id", "ClinicalTrials.gov")]  # utrn "None"


def test_dispatch_reads_ictrp() -> None:
    doc = parse_document(ISRCTN, (FIXTURES / ISRCTN).read_bytes())  # UTF-8 with BOM
    assert (doc.format, doc.layout, doc.error) == ("ictrp_xml", "dump", None)
    assert doc.records[0].trial_id == "ISRCTN86750102"


def test_portal_dialect() -> None:
    text = ("<Trials_downloaded_from_ICTRP><Trial><TrialID>ACTRN12607000279426</TrialID>"
            "<Public_title>Cells</Public_title><Recruitment_Status>Recruiting</Recruitment_Status>"
            "<Inclusion_agemin>18 Years</Inclusion_agemin><Inclusion_gender>Both</Inclusion_gender>"
            "<Countries>Australia;New Zealand</Countries><Condition>Stroke;Heart failure</Condition>"
            "<Date_enrollement>01/03/2008</Date_enrollement><web_address>http://x/1</web_address>"
            "</Trial></Trials_downloaded_from_ICTRP>")
    assert IctrpXmlParser.detect(text, "p.xml") >= 0.9 and IctrpXmlParser.layout_of(text) == "portal"
    (rec,) = IctrpXmlParser.parse(text, "p.xml")
    assert (rec.trial_id, rec.registry, rec.overall_status) == ("ACTRN12607000279426", "ANZCTR", "RECRUITING")
    assert (rec.min_age_years, rec.sex, rec.start_date) == (18.0, "ALL", dt.date(2008, 3, 1))
    assert (rec.countries, rec.conditions, rec.source_url) == (
        ["Australia", "New Zealand"], ["Stroke", "Heart failure"], "http://x/1")


def test_helpers() -> None:
    assert _age("40Y") == 40.0 and _age("18 Years") == 18.0 and _age(None) is None
    assert _target_size("20,000 (Target number of participants for the sub-group analyses: up to 1,000)") == 20000
    assert _target_size("about forty") is None
    assert _design("Randomized double-blind controlled study.")["masking"] == "DOUBLE"
    assert _design("Non-randomised, open label, single arm")["allocation"] == "NON_RANDOMIZED"
    assert _design("Non-randomised, open label, single arm")["masking"] == "NONE"
    assert _design("Non-randomised, open label, single arm")["model"] == "SINGLE_GROUP"
    assert _design("double blind or single blind")["masking"] is None  # contradictory: not guessed
    assert _design(None)["allocation"] is None


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE trials [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<trials><trial><main><trial_id>IRCT2012N1</trial_id><public_title>&d;</public_title></main></trial></trials>"""


def test_entities_refused(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="entities"):
        IctrpXmlParser.parse(BILLION_LAUGHS, "lol.xml")
    secret = tmp_path / "s.txt"
    secret.write_text("HIDDEN")
    xxe = (f'<!DOCTYPE trials [<!ENTITY x SYSTEM "file://{secret}">]><trials><trial><main>'
           "<trial_id>IRCT2012N1</trial_id><public_title>&x;</public_title></main></trial></trials>")
    with pytest.raises(ParseError) as err:
        IctrpXmlParser.parse(xxe, "xxe.xml")
    assert "HIDDEN" not in str(err.value)


@pytest.mark.parametrize("text, reason", [
    ("<trials><trial>", "not well-formed"),
    ("<trials></trials>", "no <trial>"),
    ("<trials><trial><main><reg_name>IRCT</reg_name></main></trial></trials>", "no <trial> holds"),
])
def test_bad_documents(text: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        IctrpXmlParser.parse(text, "bad.xml")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_fuzz_any_text(text: str) -> None:
    try:
        IctrpXmlParser.parse(text, "fuzz.xml")
    except ParseError:
        pass
    IctrpXmlParser.detect(text, "fuzz.xml")
    IctrpXmlParser.layout_of(text)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=24234))
def test_fuzz_truncated_fixture(cut: int) -> None:
    try:
        IctrpXmlParser.parse(_text(REBEC_24)[:cut], "cut.xml")
    except ParseError:
        pass


_TAGS = ["trial_id", "public_title", "study_design", "agemin", "agemax", "gender", "target_size", "phase",
         "inclusion_criteria", "exclusion_criteria", "i_freetext", "hc_freetext", "prim_outcome", "secondary_id",
         "sec_id", "contact", "firstname", "country2", "date_registration", "recruitment_status", "Outcome_Name"]


@st.composite
def _trial(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 10))):
        tag = draw(st.sampled_from(_TAGS))
        body = draw(st.text(alphabet="IRCT0123456789N Y/-:;.\nDrug: Timepoint Exclusion criteria", max_size=30))
        body = body.replace("<", "").replace("&", "")
        parts.append(f"<{tag}>{body}</{tag}>")
    return "<trials><trial><main>" + "".join(parts) + "</main></trial></trials>"


@settings(max_examples=200, deadline=None)
@given(_trial())
def test_fuzz_structured(text: str) -> None:
    try:
        IctrpXmlParser.parse(text, "fuzz.xml")
    except ParseError:
        pass
