"""Criteria splitting: real texts from the ClinicalTrials.gov corpus (expected items written by hand) + properties."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.criteria import split_criteria

FIX = Path(__file__).parent / "fixtures" / "criteria"


def _split(name: str) -> tuple[list[str], list[str]]:
    items = split_criteria((FIX / f"{name}.txt").read_text(encoding="utf-8"))
    inc = [c.text for c in items if c.criterion_type == "inclusion"]
    exc = [c.text for c in items if c.criterion_type == "exclusion"]
    for kind in ("inclusion", "exclusion"):
        assert [c.ordinal for c in items if c.criterion_type == kind] == list(
            range(1, 1 + sum(c.criterion_type == kind for c in items)))
    return inc, exc


def test_circled_numbers_run_together() -> None:
    inc, exc = _split("NCT03357770")
    assert inc == ["K / L score of 2-3", "chronic knee pain", "no local or systemic infection",
                   "without obvious contraindication of the joint puncture from hematology and biochemical tests",
                   "informed consent."]
    assert len(exc) == 10
    assert exc[0] == "older than 75 years old or less than 18 years old, or without full capacity for civil conduct"
    assert exc[5] == "tumor patients"
    assert exc[9].startswith("other patients who researchers believe are not eligible")
    assert exc[9].endswith("other concomitant diseases.")


def test_numbers_run_together_on_one_line() -> None:
    inc, exc = _split("NCT04738981")
    assert inc == ["Confirmed diagnosed steroid-resistant aGVHD after allo-HSCT.",
                   "Neutrophile granulocyte (ANC) ≥ 0.5 x 10^9/L.",
                   "Creatinine below 2 times normal upper limit .",
                   "Willing and able to sign written informed consent."]
    assert exc == ["Untoleratation of the treatment.",
                   "Primary disease are not effectively controlled or are progressing.",
                   "Active infection (Bacteria, fungi, viruses ).",
                   "Combined with dysfunction of multiple organ.",
                   "Female patients who are nursing or pregnant, or who contemplate pregnancy during the study period.",
                   "Patients who are deemed unsuitable for the study by the investigator."]


def test_bullet_dot_mixed_with_plain_lines() -> None:
    inc, exc = _split("NCT02557724")
    assert inc == ["Patients 21-80 capable of providing informed consent", "ASA rating between 1-4",
                   "Patients undergoing liver transplant or liver surgery for the first time."]
    assert exc == ["Patient less than 21 years of age", "Patients unwilling to consent",
                   "If donor liver was obtained after cardiac death"]


def test_dash_bullets() -> None:
    inc, exc = _split("NCT01759797")
    assert inc == ["Age:18-65", "both gender", "duration of disease<2 years", "FVC>40% ALS-FRS>26"]
    assert exc == ["neurological and psychiatric concomitant disease", "concomitant systemic disease",
                   "treatment with corticosteroid,Ig,immunosuppressive during 12 months."]


def test_parenthesised_and_paren_numbers() -> None:
    inc, exc = _split("NCT04130100")
    assert len(inc) == 5 and len(exc) == 10
    assert inc[1] == ("For patients with mild to moderate knee arthritis, the WOMAC score of knee joint "
                      "was less than 120.")
    assert exc[0].startswith("Those with other diseases that may affect the knee joint")
    assert exc[2] == ("Patients with systemic cancer tendency or cancer and patients with systemic infection "
                      "in active stage.")
    assert exc[9] == "Researchers consider it inappropriate for patients to participate in this clinical study."


def test_letter_sub_items_stay_with_parent() -> None:
    inc, exc = _split("NCT01730547")
    assert len(inc) == 4 and len(exc) == 14
    parent = inc[0].split("\n")
    assert parent[0] == "Diagnosis of MS"
    assert len(parent) == 4
    assert parent[1].startswith("Relapsing remitting MS (RRMS) not responding")
    assert parent[3].startswith("Primary progressive MS (PPMS) patients with all the following features")
    assert inc[1:] == ["Age 18 to 50 years", "Disease duration 2 to 10 years (included)", "EDSS 3.0 to 6.5"]
    assert exc[0] == "RRMS not fulfilling inclusion criteria"


def test_roman_sub_items_and_qualified_headers() -> None:
    inc, exc = _split("NCT00749164")
    assert inc[0] == "Informed consent."
    assert inc[1].startswith("Any patient that has undergone allogeneic stem cell transplantation")
    parent = inc[2].split("\n")
    assert parent[0].startswith("Patient received best known therapy for GvHD including: i. Patients must receive")
    assert len(parent) == 5
    assert parent[4] == ("Termination of all GvHD medications other than cyclosporine/tacrolimus/MMF and "
                         "prednisolone is strongly encouraged.")
    assert inc[3:] == ["MSC donor must be HIV, HB-s antigen, anti HBc and anti HCV negative.",
                       "First choice original HSC donor HLA-identical sibling donor.",
                       "Second choice mismatched related or unrelated donor (for instance MSC frozen and left over "
                       "from another patient).",
                       "Third choice or emergency pre-expanded third party umbilical cord/placenta derived MSC."]
    assert exc == ["Patients with poor performance, not expected to survive 5 days.",
                   "Patients with a history of hypersensitivity to penicillin and/or gentamycine",
                   "Poor compliance.",
                   "Donor more than 65 years of age, or unhealthy.",
                   "Donor who is positive for HIV, hepatitis Bs antigen, HB-s, anti-HBc and anti HCV negative."]


def test_star_sub_bullet_and_prefixed_headers() -> None:
    inc, exc = _split("NCT00136903")
    assert len(inc) == 7 and len(exc) == 9
    assert inc[0] == "Participant must be 18 to 70 years of age inclusive."
    assert inc[4] == ("Participant must have minimal renal and hepatic function as defined by:\n"
                      "Calculated creatinine clearance (CLcr) of > 30 mL/min using the Cockroft-Gault equation.")
    assert exc[-1] == "Participant had received transplant for a solid tumor disease."


def test_header_variants() -> None:
    text = "**Key Inclusion Criteria:**\n- a\n- b\n\nEXCLUSION CRITERIA\n1) c\n2) d"
    assert [(c.criterion_type, c.text) for c in split_criteria(text)] == [
        ("inclusion", "a"), ("inclusion", "b"), ("exclusion", "c"), ("exclusion", "d")]
    text = "入选标准：\n① 年龄18-65岁\n② 签署知情同意书\n排除标准：\n① 妊娠"
    assert [(c.criterion_type, c.text) for c in split_criteria(text)] == [
        ("inclusion", "年龄18-65岁"), ("inclusion", "签署知情同意书"), ("exclusion", "妊娠")]


def test_preamble_dropped_unless_criteria_like() -> None:
    text = "Patients must meet all of the following:\nInclusion Criteria:\n- Adult\nExclusion Criteria:\n- Pregnant"
    assert [c.text for c in split_criteria(text)] == ["Adult", "Pregnant"]
    assert [(c.criterion_type, c.text) for c in split_criteria("- Adult\n- Consent\nExclusion Criteria:\n- HIV")] == [
        ("inclusion", "Adult"), ("inclusion", "Consent"), ("exclusion", "HIV")]


def test_hard_wrapped_lines_joined() -> None:
    text = ("Inclusion Criteria:\n"
            "- Patients aged 18 to 65 years with a confirmed diagnosis of knee osteoarthritis\n"
            "  according to the criteria of the American College of Rheumatology and with\n"
            "  Kellgren-Lawrence grade II or III on standing radiographs of the target knee\n"
            "- Written informed consent obtained before any study procedure is performed here\n")
    items = split_criteria(text)
    assert len(items) == 2
    assert items[0].text.endswith("standing radiographs of the target knee")
    assert "\n" not in items[0].text


def test_empty_inputs() -> None:
    assert split_criteria(None) == []
    assert split_criteria("") == []
    assert split_criteria("Inclusion Criteria:\n\nExclusion Criteria:\n\n-") == []


_LINE = st.one_of(
    st.sampled_from(["Inclusion Criteria:", "Exclusion Criteria:", "**Inclusion Criteria:**", "Key Exclusion Criteria",
                     "", "  ", "-", "1.", "•", "①", "a)", "(2)", "Criteria", "INCLUSION CRITERIA"]),
    st.builds(lambda m, t: f"{m} {t}", st.sampled_from(["-", "*", "•", "1.", "2)", "(3)", "a.", "ii.", "①", ""]),
              st.text(min_size=0, max_size=30)),
)


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(_LINE, max_size=25))
def test_property_no_empty_or_bare_header_items(lines: list[str]) -> None:
    items = split_criteria("\n".join(lines))
    for kind in ("inclusion", "exclusion"):
        ordinals = [c.ordinal for c in items if c.criterion_type == kind]
        assert ordinals == list(range(1, len(ordinals) + 1))
    for c in items:
        assert c.text.strip()
        assert c.text.strip().rstrip(":").lower() not in ("inclusion criteria", "exclusion criteria", "criteria")


@settings(max_examples=100, deadline=None)
@given(inc=st.lists(st.text(alphabet="abcdefghij klm", min_size=3, max_size=20).filter(lambda s: s.strip()),
                    min_size=1, max_size=6),
       exc=st.lists(st.text(alphabet="nopqrstuv wxyz", min_size=3, max_size=20).filter(lambda s: s.strip()),
                    min_size=1, max_size=6),
       marker=st.sampled_from(["- ", "* ", "• ", "{n}. ", "{n}) ", "({n}) ", ""]))
def test_property_both_sections_found(inc: list[str], exc: list[str], marker: str) -> None:
    def block(items: list[str]) -> str:
        return "\n".join(marker.format(n=n) + "X" + t.strip() for n, t in enumerate(items, 1))

    out = split_criteria(f"Inclusion Criteria:\n\n{block(inc)}\n\nExclusion Criteria:\n\n{block(exc)}")
    assert [c.text for c in out if c.criterion_type == "inclusion"] == ["X" + t.strip() for t in inc]
    assert [c.text for c in out if c.criterion_type == "exclusion"] == ["X" + t.strip() for t in exc]
