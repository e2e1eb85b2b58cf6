"""Legacy ClinicalTrials.gov XML parser: golden values read by hand from the real files in fixtures/ctgov_xml."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.dispatch import detect, parse_document
from ingest.errors import ParseError
from ingest.formats.ctgov_csv import CtgovCsvParser
from ingest.formats.ctgov_xml import (
    CtgovXmlParser,
    dedent_block,
    safe_root,
    split_wrapped_criteria,
    study_to_record,
)
from ingest.formats.euctr_text import EuctrTextParser
from ingest.formats.ictrp_xml import IctrpXmlParser
from ingest.model import Contact, Identifier, MeshTerm, Official, Reference, Site, Sponsor

FIXTURES = Path(__file__).parent / "fixtures" / "ctgov_xml"
FILES = sorted(p.name for p in FIXTURES.glob("*.xml"))


def _text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _one(name: str):
    (rec,) = CtgovXmlParser.parse(_text(name), name)
    return rec


def test_fixtures_present() -> None:
    assert FILES == ["NCT00002475.xml", "NCT00081588.xml", "NCT01065844.xml", "NCT02513394.xml",
                     "NCT02970669.xml", "NCT03182660.xml"]


@pytest.mark.parametrize("name", FILES)
def test_detect_and_layout(name: str) -> None:
    text = _text(name)
    assert CtgovXmlParser.detect(text, name) >= 0.9
    for other in (IctrpXmlParser, CtgovCsvParser, EuctrTextParser):
        assert other.detect(text, name) == 0.0
    assert detect(text, name)[0] is CtgovXmlParser
    assert CtgovXmlParser.layout_of(text) == "single"


def test_detect_ignores_other_documents() -> None:
    assert CtgovXmlParser.detect('{"protocolSection": {}}', "x.json") == 0.0
    assert CtgovXmlParser.detect("<trials><trial><main></main></trial></trials>", "x.xml") == 0.0
    assert CtgovXmlParser.detect("NCT Number,Title\n", "x.csv") == 0.0


def test_pallas_identification_and_status() -> None:
    rec = _one("NCT02513394.xml")
    assert (rec.trial_id, rec.registry) == ("NCT02513394", "ClinicalTrials.gov")
    assert rec.brief_title == "PALbociclib CoLlaborative Adjuvant Study"
    assert rec.acronym == "PALLAS"
    assert rec.official_title.startswith("PALbociclib CoLlaborative Adjuvant Study: A Randomized Phase III Trial")
    assert rec.identifiers == [
        Identifier("AFT-05", "org_study_id"), Identifier("ABCSG 42", "secondary_id"),
        Identifier("BIG 14-03", "secondary_id"), Identifier("2014-005181-30", "secondary_id", "EudraCT"),
    ]
    assert rec.source_url == "https://clinicaltrials.gov/show/NCT02513394"
    assert (rec.overall_status, rec.last_known_status, rec.why_stopped) == ("ACTIVE_NOT_RECRUITING", None, None)
    assert (rec.start_date, rec.start_date_type) == (dt.date(2015, 8, 1), None)  # "August 2015", no type
    assert (rec.completion_date, rec.completion_date_type) == (dt.date(2025, 9, 1), "ESTIMATED")
    assert (rec.primary_completion_date, rec.primary_completion_date_type) == (dt.date(2020, 9, 1), "ESTIMATED")
    assert rec.first_posted_date == dt.date(2015, 7, 31)
    assert rec.results_first_posted_date is None
    assert rec.last_update_date == dt.date(2020, 3, 9)
    assert rec.verified_date == dt.date(2019, 12, 1)


def test_pallas_design_and_eligibility() -> None:
    rec = _one("NCT02513394.xml")
    assert (rec.phase, rec.study_type) == ("PHASE3", "INTERVENTIONAL")
    assert (rec.allocation, rec.intervention_model, rec.primary_purpose) == ("RANDOMIZED", "PARALLEL", "TREATMENT")
    assert (rec.masking, rec.who_masked) == ("NONE", None)
    assert (rec.enrollment, rec.enrollment_type) == (5796, "ACTUAL")
    assert (rec.sex, rec.min_age_years, rec.max_age_years, rec.healthy_volunteers) == ("ALL", 18.0, None, False)
    assert (rec.has_dmc, rec.has_results, rec.responsible_party) == (True, False, "SPONSOR")
    assert rec.eligibility_criteria.startswith(
        "Inclusion Criteria:\n\n  -  Signed informed consent prior to study specific procedures.\n\n")
    inclusion = [c for c in rec.criteria if c.criterion_type == "inclusion"]
    exclusion = [c for c in rec.criteria if c.criterion_type == "exclusion"]
    assert (len(inclusion), len(exclusion)) == (21, 13)
    assert inclusion[0].text == "Signed informed consent prior to study specific procedures."
    assert inclusion[2].text == ("Pre- and postmenopausal women or men with Stage II (Stage IIA limited to max. 1000 "
                                 "patients) or Stage III early invasive breast cancer")
    assert inclusion[6].text == ("FFPE tumor tissue block must be confirmed to be received at the central sample "
                                 "repository prior to randomization.")
    assert exclusion[-1].text == ("Patients receiving concurrent exogenous hormone therapy (topical vaginal estrogen "
                                  "therapy is allowable).")


def test_pallas_text_blocks_lose_legacy_indentation() -> None:
    rec = _one("NCT02513394.xml")
    assert rec.brief_summary.startswith(
        "This is a prospective, two arm, international, multicenter, randomized, open-label Phase III\n"
        "study evaluating the addition of 2 years of palbociclib to standard adjuvant endocrine\n")
    assert "\n\nThe purpose of the PALLAS study" in rec.brief_summary
    assert rec.detailed_description is None


def test_pallas_arms_interventions_outcomes() -> None:
    rec = _one("NCT02513394.xml")
    assert [(a.label, a.arm_type) for a in rec.arms] == [("Arm A", "EXPERIMENTAL"), ("Arm B", "OTHER")]
    assert rec.arms[0].intervention_names == ["Palbociclib", "Standard Adjuvant Endocrine Therapy"]
    assert rec.arms[1].intervention_names == ["Standard Adjuvant Endocrine Therapy"]
    assert [(i.name, i.intervention_type, i.arm_labels) for i in rec.interventions] == [
        ("Palbociclib", "DRUG", ["Arm A"]),
        ("Standard Adjuvant Endocrine Therapy", "DRUG", ["Arm A", "Arm B"]),
    ]
    assert [o.outcome_type for o in rec.outcomes] == ["primary", "secondary"]
    assert rec.outcomes[0].measure == "Invasive Disease Free Survival (iDFS)"
    assert rec.outcomes[0].time_frame == "The expected study duration to primary analysis of iDFS is 5.4 years"
    assert rec.conditions == ["Breast Cancer"]
    assert rec.keywords == ["HR+/HER2- breast cancer", "Palbociclib"]
    assert rec.mesh_terms == [MeshTerm("condition", "Breast Neoplasms"), MeshTerm("intervention", "Palbociclib")]


def test_pallas_sponsors_people_places() -> None:
    rec = _one("NCT02513394.xml")
    assert (rec.lead_sponsor, rec.lead_sponsor_class) == ("Alliance Foundation Trials, LLC.", "OTHER")
    assert rec.sponsors[0] == Sponsor("Alliance Foundation Trials, LLC.", "lead", "OTHER")
    assert rec.sponsors[1] == Sponsor("Austrian Breast & Colorectal Cancer Study Group", "collaborator", "OTHER")
    assert rec.sponsors[-1] == Sponsor("Pfizer", "collaborator", "INDUSTRY")
    assert len(rec.sponsors) == 6
    assert rec.officials[0] == Official("Monica Bertagnolli, MD", "PRINCIPAL_INVESTIGATOR",
                                        "Alliance Foundation Trials, LLC.")
    assert len(rec.officials) == 4
    assert len(rec.sites) == 233
    assert rec.sites[0] == Site("University of South Alabama Mitchell Cancer Institute", "Mobile", "Alabama", "36604",
                                "United States", None)
    assert rec.sites[-1] == Site("Taipei Veterans General Hospital", "Taipei", None, "112", "Taiwan", None)
    assert rec.countries == ["Australia", "Canada", "Israel", "Japan", "Korea, Republic of", "Mexico", "Switzerland",
                             "Taiwan", "United States"]
    assert rec.contacts == []
    assert rec.references == []


def test_withheld_record() -> None:
    rec = _one("NCT03182660.xml")
    assert (rec.trial_id, rec.overall_status) == ("NCT03182660", "WITHHELD")
    assert rec.brief_title == "[Trial of device that is not approved or cleared by the U.S. FDA]"
    assert rec.official_title == rec.brief_title
    assert rec.study_type is None  # "N/A"
    assert rec.lead_sponsor is None and rec.sponsors == []  # "[Redacted]"
    assert rec.identifiers == [Identifier("LUM-ABU-AP-17-02", "org_study_id")]
    assert rec.first_posted_date == dt.date(2017, 6, 9)
    assert rec.last_update_date == dt.date(2017, 6, 22)
    assert (rec.phase, rec.enrollment, rec.eligibility_criteria, rec.criteria) == (None, None, None, None)
    assert (rec.has_results, rec.responsible_party, rec.sites, rec.conditions) == (False, None, [], [])
    assert rec.problems() == []


def test_results_record() -> None:
    rec = _one("NCT01065844.xml")
    assert rec.brief_title == "Nelfinavir in Recurrent Adenoid Cystic Cancer of the Head and Neck"
    assert (rec.has_results, rec.results_first_posted_date) == (True, dt.date(2016, 12, 19))
    assert (rec.overall_status, rec.phase, rec.enrollment, rec.enrollment_type) == ("COMPLETED", "PHASE2", 15, "ACTUAL")
    assert (rec.allocation, rec.intervention_model, rec.masking) == (None, "SINGLE_GROUP", "NONE")
    assert rec.conditions == ["Carcinoma, Adenoid Cystic", "Head and Neck Neoplasms"]
    assert rec.responsible_party == "John M. Buatti"
    assert rec.references == [
        Reference(rec.references[0].citation, "19729990", None),
        Reference(rec.references[1].citation, "24596143", "RESULT"),
    ]
    assert rec.references[1].citation.startswith("Hoover AC, Milhem MM, Anderson CM")
    assert rec.sponsors[1] == Sponsor("Holden Comprehensive Cancer Center", "collaborator", "OTHER")
    organ = next(c for c in rec.criteria if c.text.startswith("Patients must have normal organ"))
    assert organ.text.split("\n")[:3] == ["Patients must have normal organ and marrow function as defined below:",
                                          "leukocytes ≥ 3,000/mm3", "absolute neutrophil count ≥ 1,500/mm3"]
    assert "total bilirubin < 1.5 mg/dl OR a stable or a decreasing bilirubin in patients who have undergone " \
           "placement of an intrabiliary stent" in organ.text
    assert [c.criterion_type for c in rec.criteria].count("exclusion") == 6


def test_alias_and_nameless_sites() -> None:
    rec = _one("NCT00081588.xml")
    assert Identifier("NCT00980226", "nct_alias") in rec.identifiers
    assert Identifier("TMC114-C215", "secondary_id") in rec.identifiers
    assert rec.allocation == "NON_RANDOMIZED"
    assert rec.sites[0] == Site(None, "Birmingham", "Alabama", None, "United States", None)


def test_masking_contacts_and_dates() -> None:
    rec = _one("NCT02970669.xml")
    assert (rec.acronym, rec.masking, rec.who_masked) == ("AWAKE-HF", "DOUBLE", "PARTICIPANT|INVESTIGATOR")
    assert (rec.primary_purpose, rec.phase) == ("OTHER", "PHASE4")
    assert (rec.start_date, rec.start_date_type) == (dt.date(2016, 12, 16), "ACTUAL")
    assert (rec.completion_date, rec.completion_date_type) == (dt.date(2018, 10, 1), "ESTIMATED")
    assert (rec.enrollment, rec.enrollment_type) == (136, "ESTIMATED")
    assert (rec.min_age_years, rec.max_age_years) == (18.0, 80.0)
    assert rec.contacts[:2] == [
        Contact("CONTACT", "Novartis Pharmaceuticals", "1-888-669-6682", "novartis.email@novartis.com"),
        Contact("CONTACT", "Novartis Pharmaceuticals", None, None),
    ]
    assert [i.name for i in rec.interventions] == [
        "sacubitril/valsartan (LCZ696)", "enalapril", "matching placebo sacubitril/valsartan (LCZ696)",
        "matching placebo enalapril"]
    assert rec.arms[1].intervention_names == ["enalapril", "matching placebo sacubitril/valsartan (LCZ696)"]
    assert len(rec.sites) == 25
    assert len(rec.keywords) >= 12


def test_old_record_date_fallbacks_and_sub_items() -> None:
    rec = _one("NCT00002475.xml")
    assert rec.first_posted_date == dt.date(1999, 11, 1)  # firstreceived_date
    assert rec.last_update_date == dt.date(2013, 7, 9)  # lastchanged_date
    assert (rec.start_date, rec.enrollment, rec.enrollment_type) == (dt.date(1991, 4, 1), 40, "ESTIMATED")
    assert rec.identifiers[1:] == [Identifier("CDR0000076913", "secondary_id"),
                                   Identifier("NCI-V91-0075", "secondary_id")]
    assert rec.lead_sponsor == "St. Vincent Medical Center - Los Angeles"
    texts = [c.text for c in rec.criteria]
    assert "Age:\n18 and over" in texts
    assert "Performance status:\nECOG 0-2 OR\nKarnofsky 70-100%" in texts
    assert rec.detailed_description.startswith("OBJECTIVES:\n\n  -  Determine the safety and clinical effects")


def test_dispatch_keeps_parser_criteria() -> None:
    doc = parse_document(str(FIXTURES / "NCT02513394.xml"), (FIXTURES / "NCT02513394.xml").read_bytes())
    assert (doc.format, doc.layout, doc.error) == ("ctgov_xml", "single", None)
    assert len(doc.records[0].criteria) == 34
    withheld = parse_document("w.xml", (FIXTURES / "NCT03182660.xml").read_bytes())
    assert withheld.records[0].criteria == []


def test_helpers() -> None:
    assert dedent_block("\n      a\n        b\n\n\n\n      c\n   ") == "a\n  b\n\nc"
    assert dedent_block("   ") is None
    assert split_wrapped_criteria(None) == []
    items = split_wrapped_criteria("-  INCLUSION CRITERIA:\n\nIntro:\n\n  -  one\n\nExclusion Criteria:\n\n  -  two")
    assert [(c.criterion_type, c.text) for c in items] == [("inclusion", "Intro:\none"), ("exclusion", "two")]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info><brief_title>&lol9;</brief_title></clinical_study>
"""


def test_billion_laughs_refused() -> None:
    with pytest.raises(ParseError, match="entities"):
        CtgovXmlParser.parse(BILLION_LAUGHS, "lol.xml")
    doc = parse_document("lol.xml", BILLION_LAUGHS.encode())
    assert doc.status == "rejected" and "entities" in doc.error and doc.records == []


def test_external_entity_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    xxe = (f'<?xml version="1.0"?>\n<!DOCTYPE clinical_study [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
           "<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info>"
           "<brief_title>&xxe;</brief_title></clinical_study>")
    with pytest.raises(ParseError) as err:
        CtgovXmlParser.parse(xxe, "xxe.xml")
    assert "TOP-SECRET-VALUE" not in str(err.value)
    doc = parse_document("xxe.xml", xxe.encode())
    assert doc.status == "rejected" and "TOP-SECRET-VALUE" not in (doc.error or "")


def test_external_dtd_is_not_fetched() -> None:
    text = ('<?xml version="1.0"?>\n<!DOCTYPE clinical_study SYSTEM "http://127.0.0.1:9/never.dtd">\n'
            "<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info><brief_title>T</brief_title>"
            "</clinical_study>")
    try:
        records = CtgovXmlParser.parse(text, "dtd.xml")
    except ParseError:
        return
    assert records[0].trial_id == "NCT01234567"


@pytest.mark.parametrize("text, reason", [
    ("<clinical_study><brief_title>x", "not well-formed"),
    ("<other><thing/></other>", "no <clinical_study>"),
    ("<clinical_study><overall_status>Completed</overall_status></clinical_study>", "neither an NCT id"),
    ("", "not well-formed"),
])
def test_bad_documents(text: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        CtgovXmlParser.parse(text, "bad.xml")


def test_truncated_fixture_is_rejected() -> None:
    text = _text("NCT02513394.xml")[:5000]
    with pytest.raises(ParseError, match="not well-formed"):
        CtgovXmlParser.parse(text, "cut.xml")


def test_absurd_values_do_not_crash() -> None:
    text = ("<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info>"
            "<start_date>March 5, 99999999999999999999</start_date><enrollment>many</enrollment>"
            "<phase>Phase 9</phase><eligibility><minimum_age>999999 Years</minimum_age></eligibility>"
            "</clinical_study>")
    (rec,) = CtgovXmlParser.parse(text, "odd.xml")
    assert (rec.start_date, rec.enrollment, rec.phase) == (None, None, None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_fuzz_any_text(text: str) -> None:
    try:
        CtgovXmlParser.parse(text, "fuzz.xml")
    except ParseError:
        pass
    CtgovXmlParser.detect(text, "fuzz.xml")
    CtgovXmlParser.layout_of(text)



@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=77124))
def test_fuzz_truncated_fixture(cut: int) -> None:
    text = _text("NCT02513394.xml")[:cut]
    try:
        CtgovXmlParser.parse(text, "cut.xml")
    except ParseError:
        pass


_TAGS = ["clinical_study", "id_info", "nct_id", "brief_title", "phase", "enrollment", "start_date", "location",
         "facility", "address", "country", "eligibility", "criteria", "textblock", "intervention", "arm_group",
         "arm_group_label", "intervention_name", "sponsors", "lead_sponsor", "agency", "overall_contact"]


@st.composite
def _xmlish(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 12))):
        tag = draw(st.sampled_from(_TAGS))
        body = draw(st.text(alphabet="NCT0123456789 abc<>&;/Phase Years", max_size=20))
        parts.append(draw(st.sampled_from([f"<{tag}>{body}</{tag}>", f"<{tag}>", f"</{tag}>", body])))
    return "<clinical_study>" + "".join(parts) + "</clinical_study>"


@settings(max_examples=200, deadline=None)
@given(_xmlish())
def test_fuzz_xml_like(text: str) -> None:
    try:
        records = CtgovXmlParser.parse(text, "fuzz.xml")
    except ParseError:
        return
    for rec in records:
        assert rec.trial_id or rec.brief_title


# ---- the fast reading paths give what the whole tree gives --------------------------------------------------------

def test_results_section_is_read_like_the_whole_tree() -> None:
    text = _text("NCT01065844.xml")
    (rec,) = CtgovXmlParser.parse(text, "r.xml")
    assert rec == study_to_record(safe_root(text))
    assert rec.has_results is True


def test_broken_results_section_is_rejected_at_its_place_in_the_document() -> None:
    text = _text("NCT01065844.xml")
    at = text.index("</title>", text.index("<clinical_results>"))  # line 251: <title>Nelfinavir</title>
    broken = text[:at] + "</titel>" + text[at + len("</title>"):]
    with pytest.raises(ParseError, match=r"^not well-formed XML: mismatched tag: line 251, column 29$"):
        CtgovXmlParser.parse(broken, "r.xml")
    unbound = text.replace("<participant_flow>", "<participant_flow><x:y/>", 1)
    with pytest.raises(ParseError, match="unbound prefix"):
        CtgovXmlParser.parse(unbound, "r.xml")


@pytest.mark.parametrize("text, conditions, has_results", [
    ("<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info><condition>Asthma<clinical_results> (in "
     "results)</clinical_results></condition></clinical_study>", ["Asthma (in results)"], False),
    ("<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info><!-- <clinical_results> -->"
     "<condition>Asthma</condition><!-- </clinical_results> --></clinical_study>", ["Asthma"], False),
    ("<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info><clinical_results><![CDATA[ <x> ]]>"
     "</clinical_results><condition>Asthma</condition></clinical_study>", ["Asthma"], True),
    ('<clinical_study xmlns:r="urn:r"><id_info><nct_id>NCT01234567</nct_id></id_info><clinical_results><r:a/>'
     "</clinical_results><condition>Asthma</condition></clinical_study>", ["Asthma"], True),
])
def test_odd_results_sections(text: str, conditions: list[str], has_results: bool) -> None:
    (rec,) = CtgovXmlParser.parse(text, "odd.xml")
    assert (rec.trial_id, rec.conditions, rec.has_results) == ("NCT01234567", conditions, has_results)


def test_doctype_without_declarations_is_read() -> None:
    text = ('<?xml version="1.0"?>\n<!DOCTYPE clinical_study>\n<clinical_study><id_info><nct_id>NCT01234567</nct_id>'
            "</id_info><brief_title>A &amp; B</brief_title><clinical_results><x/></clinical_results></clinical_study>")
    (rec,) = CtgovXmlParser.parse(text, "d.xml")
    assert (rec.trial_id, rec.brief_title, rec.has_results) == ("NCT01234567", "A & B", True)


def _textwrap_dedent_block(raw: str | None) -> str | None:
    """The reference reading of a text block: textwrap.dedent of the trimmed, right-stripped lines."""
    if raw is None:
        return None
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ").replace("\u00a0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    text = re.sub(r"\n{3,}", "\n\n", textwrap.dedent("\n".join(lines)))
    return text.strip() or None


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=[" ", "\t", "\n", "\r", "\u00a0", "\u2003", "\x0b", "a", "-", "."], max_size=60))
def test_dedent_block_matches_textwrap(raw: str) -> None:
    assert dedent_block(raw) == _textwrap_dedent_block(raw)
