"""is_msc and the categorical MSC attributes (warehouse/msc_classify.py) on short texts taken from real records."""

import pytest

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
