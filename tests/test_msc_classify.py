"""is_msc and the categorical MSC attributes (warehouse/msc_classify.py) on short texts taken from real records."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse.msc_classify import Arm, Intervention, TrialText, load_vocab, profile, split_alternatives


def trial(name, description=None, title="", summary=None, arms=(), itype="BIOLOGICAL", other_names=()):
    return TrialText(
        "NCT00000000", brief_title=title, brief_summary=summary,
        interventions=[Intervention(name, itype, description, other_names=list(other_names))],
        arms=[Arm(label, "EXPERIMENTAL", desc, [name]) for label, desc in arms],
    )


def test_vocab_loads_and_splits():
    v = load_vocab()
    assert "umbilical_cord" in v.sources and "intravenous" in v.routes
    assert split_alternatives(r"a(b|c)|[|]d|e") == ["a(b|c)", "[|]d", "e"]


@pytest.mark.parametrize("name, description, title, is_msc", [
    # NCT01931007: bone marrow aspirate concentrate, no culture
    ("Autologous Bone Marrow Aspirate Concentrate", "BMAC injection", "BMAC in Knee Osteoarthritis", False),
    # NCT01926327: PRP
    ("PRP injection", "Platelet-rich plasma", "The Effect of Platelet-rich Plasma in Osteoarthritis", False),
    # NCT04749758: adipose stromal vascular fraction (borderline rule: excluded)
    ("SVF treatment", "Autologous stromal vascular fraction injection", "SVF Treatment for Knee OA", False),
    # NCT00629018: CD34+ HSC
    ("CD34+ autologous stem cell transplantation", None, "Stem Cell Transplantation in Cardiomyopathy", False),
    # NCT01460901: CAR-T
    ("GD2 CAR modified Tri-virus specific cytotoxic t-cells", None, "Multi-virus-specific CTLs", False),
    # NCT00836732: MSCs only studied in the laboratory
    ("harvest of a small bone marrow sample", None, "Mesenchymal Stem Cells: Alterations in Genome", False),
    ("UC-MSCs", "0.5*10E6 UC-MSCs /kg body weight intravenously", "Therapy for Pneumonia", True),
    # NurOwn (engineered MSC) and hESC-derived MSC: borderline rule, included
    ("NurOwn", "MSC-NTF cells", "NurOwn in ALS", True),
    ("MR-MC-01", "Submucosal injection", "hESC-Derived Mesenchymal Stem Cells in Interstitial Cystitis", True),
    # generic intervention name, MSC named in the title
    ("stem cell transplantation", None, "Umbilical Cord Mesenchymal Stem Cells in ALS", True),
])
def test_is_msc(name, description, title, is_msc):
    p = profile(trial(name, description, title))
    assert p.is_msc is is_msc, p.is_msc_evidence
    assert p.is_msc_evidence


def test_trade_names_give_source_donor_and_product():
    p = profile(trial("Prochymal", "ex vivo cultured adult human mesenchymal stem cells, IV infusion"))
    assert (p.cell_source, p.donor, p.product_type, p.route) == ("bone_marrow", "allogeneic", "cells", "intravenous")
    p = profile(trial("Cx601", "darvadstrocel intralesional injection in the fistula tract"))
    assert (p.cell_source, p.donor) == ("adipose", "allogeneic")
    assert p.route == "local_injection"
    p = profile(trial("ExoFlo", "bone marrow MSC derived extracellular vesicles, intravenous"))
    assert p.product_type == "extracellular_vesicles"
    p = profile(trial("Rexlemestrocel-L", "mesenchymal precursor cells, transendocardial injection"))
    assert (p.cell_source, p.route) == ("bone_marrow", "intramyocardial")


def test_donor_rule_for_perinatal_sources_names_the_rule():
    p = profile(trial("hUC-MSC", "umbilical cord MSCs infused intravenously"))
    assert p.donor == "allogeneic"
    assert "rule allogeneic_sources" in p.evidence
    p = profile(trial("Autologous UC-MSC", "autologous umbilical cord MSCs infused intravenously"))
    assert p.donor == "autologous"


def test_no_donor_guess_without_text_or_rule():
    p = profile(trial("Mesenchymal stem cells", "MSCs by intrathecal injection"))
    assert p.donor is None
    assert p.cell_source == "unspecified"
    assert p.route == "intrathecal"


@pytest.mark.parametrize("text, source", [
    ("Wharton's jelly derived MSC", "wharton_jelly"),
    ("umbilical cord Wharton's jelly MSC", "wharton_jelly"),
    ("human umbilical cord blood-derived MSC", "cord_blood"),
    ("BM-MSC", "bone_marrow"),
    ("ADSCs", "adipose"),
    ("placenta-derived mesenchymal stromal cells", "placenta"),
    ("human amniotic mesenchymal stem cells", "amnion"),
    ("dental pulp stem cells (DPSC)", "dental_pulp"),
    ("menstrual blood-derived stem cells (MenSCs)", "menstrual_blood"),
    ("ABCB5+ mesenchymal stromal cells", "other"),
])
def test_sources(text, source):
    assert profile(trial(text, "intravenous infusion of " + text)).cell_source == source


@pytest.mark.parametrize("text, route", [
    ("intra-articular injection into the knee", "intra_articular"),
    ("infused via the proper hepatic artery", "intra_arterial"),
    ("intracoronary infusion", "intracoronary"),
    ("aerosol inhalation", "inhaled"),
    ("gel applied topically to the wound", "topical"),
    ("intradiscal injection", "intradiscal"),
    ("intramuscular injections at 24 sites", "intramuscular"),
    ("subcutaneous injection", "subcutaneous"),
    ("intranasal drops", "intranasal"),
    ("via stereotaxis, intraparenchymal", "other"),
])
def test_routes(text, route):
    assert profile(trial("MSC", f"MSCs given by {text}")).route == route


def test_product_types():
    assert profile(trial("MSC secretome", "secretome of menstrual blood stem cells IV")).product_type == "secretome"
    assert profile(trial("Conditioned Media", "WJ-MSC conditioned medium gel")).product_type == "conditioned_medium"
    assert profile(trial("MSC-Exo", "MSC-derived exosomes, nebulized")).product_type == "exosomes"


@pytest.mark.parametrize("text, route", [
    # NCT03356821: the stroke is "in the middle cerebral artery"; the cells go "via the nasal route"
    ("50x10^6 MSCs via the nasal route after confirmation of the stroke (in the middle cerebral artery)", "intranasal"),
    # NCT01221454: "via portal vein or hepatic artery" (portal vein is 'other', dropped beside a specific route)
    ("bone marrow MSCs were infused using interventional method via portal vein or hepatic artery", "intra_arterial"),
    # NCT04519684: direct injection into the fistula
    ("Direct injection of allogeneic bone marrow derived MSCs into the ileal pouch fistula(s)", "local_injection"),
    # NCT01643681
    ("Into lumbar intervertebral disc infusion of Autologous Adipose Derived MSCs", "intradiscal"),
])
def test_more_route_phrases(text, route):
    assert profile(trial("MSC", text)).route == route


def test_infused_product_without_route_is_intravenous_by_rule():
    # NCT00749164-like: "Allogeneic Mesenchymal Stem Cell Infusion", no route word anywhere
    p = profile(trial("Mesenchymal stem cell infusion", "Infusion of mesenchymal stem cells on day 0"))
    assert p.route == "intravenous"
    assert "rule route_default" in p.evidence
    # an islet infusion is not the MSC's route (NCT02384018)
    p = profile(trial("autologous MSC", "Patients will receive autologous MSCs following islets infusion"))
    assert p.route is None


def test_background_sentences_give_no_source():
    # NCT03171194: the intervention description lists where MSCs can come from; the summary names the product's
    p = profile(trial("Low Dose Mesenchymal Stem Cells (MSCs)",
                      "Mesenchymal stromal/stem cells (MSCs) are cells that can be derived from umbilical cords, bone "
                      "marrow, adipose tissue, and dental pulp, among other sites.",
                      summary="The safety of mesenchymal stromal cells (MSCs) obtained from umbilical cords in SLE."))
    assert p.cell_source == "umbilical_cord"
    # NCT02749448: a definition in the intervention description; the title names the product's tissue
    p = profile(trial("mesenchymal stem cell",
                      "There are complex sets of non-hematopoietic cells in bone marrow called mesenchymal progenitor "
                      "cells (MPCs).", title="The Effect of Autologous Adipose Mesenchymal Stem Cells in Lung Injury"))
    assert p.cell_source == "adipose"


def test_cells_given_back_are_autologous():
    # NCT01504464
    p = profile(trial("mesenchymal stem cell", "intra articular injection of mesenchymal stem cell",
                      summary="Mesenchymal stem cells will be isolated from bone marrow, cultured and transplanted "
                              "back to the knee joint."))
    assert p.donor == "autologous"


def test_count_of_a_co_administered_drug_is_not_the_msc_count():
    # NCT02966717: rituximab 4 times, MSCs 2 times
    t = TrialText(
        "NCT00000000", brief_title="Rituximab Combined With MSCs",
        interventions=[Intervention("Rituximab", "DRUG", "monoclonal antibody"),
                       Intervention("Mesenchymal stem cells", "DRUG", None)],
        arms=[Arm("experimental group", "EXPERIMENTAL",
                  "Rituximab combined with mesenchymal stem cells group: as follows, Rituximab, 100mg/time every one "
                  "week, the infusion should be a total of 4 times; and then the dosage of mesenchymal stem cells "
                  "tends to be 10^6/kg/time every 2 weeks, while the infusion should be a total of 2 times.",
                  ["Mesenchymal stem cells", "Rituximab"])])
    assert profile(t).n_administrations == 2


def _fixture_sentences():
    import json
    from pathlib import Path

    from warehouse.msc_dose import split_sentences

    out = []
    for path in sorted((Path(__file__).parent / "fixtures" / "msc").glob("*.json")):
        for value in json.loads(path.read_text(encoding="utf-8")).values():
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str):
                    out += split_sentences(text)
    return out


def test_anchors_never_hide_a_match():
    """Every vocabulary pattern that matches a real sentence has its anchor found in it (the skip is exact)."""
    from warehouse.msc_classify import Present

    v = load_vocab()
    families = (v.msc, v.source_all, v.donor_all, v.route_all, v.product_all, v.non_msc_all, v.trade_rx, v.control,
                v.generic, v.exclude)
    patterns = [p for ps in families for p in zip(ps.compiled, ps.anchors, strict=True)]
    sentences = _fixture_sentences()
    assert len(sentences) > 500
    for sentence in sentences:
        present = Present(sentence)
        for rx, anchor in patterns:
            if rx.search(sentence):
                assert present.has(anchor), (rx.pattern, sentence)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("MSCmscUCIVivAİıſKk -/()wharton'sJELLYboneMarrow")), max_size=60))
def test_gated_search_equals_plain_search(text):
    v = load_vocab()
    for ps in (v.msc, v.source_all, v.route_all, v.donor_all):
        plain = next((m for rx in ps.compiled for m in [rx.search(text)] if m), None)
        gated = ps.search(text)
        assert (plain.span() if plain else None) == (gated.span() if gated else None)


def test_patterns_without_the_private_regex_parser_find_the_same_matches(monkeypatch):
    """Anchors come from CPython's private ``re._parser``; a Python without it runs every pattern: same results."""
    from warehouse import msc_classify

    sources = [r"\bumbilical\s+cord\b", r"wharton'?s?\s+jelly", r"\bbone[- ]marrow\b", r"\badipose", "placenta",
               r"\b(?:UC|WJ)-?MSCs?\b", r"intra-?articular(?:ly)?", r"(?i:intravenous(?:ly)?)"]
    texts = ["Allogeneic umbilical cord MSCs given intravenously", "Autologous bone-marrow cells, intra-articular",
             "Wharton jelly UC-MSC infusion", "adipose-derived stromal vascular fraction", "placebo", ""]
    anchored = msc_classify.Patterns(sources)
    monkeypatch.setattr(msc_classify, "_rp", None)
    plain = msc_classify.Patterns(sources)
    assert all(a is None for a in plain.anchors) and not any(plain.literal)
    assert any(a is not None for a in anchored.anchors)
    for text in texts:
        assert plain.test(text) == anchored.test(text)
        assert [m.group(0) for m in plain.finditer(text)] == [m.group(0) for m in anchored.finditer(text)]
