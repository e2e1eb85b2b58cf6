"""End to end: build a small warehouse from real records (tests/fixtures/msc/) and check the MSC profile.

Expected values were written by reading each record (intervention, arm, title and summary texts).
"""

from pathlib import Path

import duckdb
import pytest

from warehouse.build import build

FIXTURES = Path(__file__).parent / "fixtures" / "msc"
N = None

# trial: (cell_source, donor, product_type, route, dose_per_kg, dose_per_kg_max, dose_total_cells,
#         dose_total_cells_max, n_administrations)
EXPECTED = {
    # "0.5*10E6 UC-MSCs /kg body weight ... intravenously at Day1, Day3, Day5, Day7"
    "NCT04293692": ("umbilical_cord", "allogeneic", "cells", "intravenous", 5e5, N, N, N, 4),
    # ucMSC, "1 million mesenchymal cells per Kg weight injected intravenously"; "will receive a sole injection"
    "NCT01739777": ("umbilical_cord", "allogeneic", "cells", "intravenous", 1e6, N, N, N, 1),
    # allogenic MSC-derived exosome (miR-124), "via Stereotaxis/Intraparanchymal"; 200 µg not stated in cells
    "NCT03384433": ("unspecified", "allogeneic", "exosomes", "other", N, N, N, N, N),
    # adipose-derived MSC, "Intra-arterial infusion of the single-dose MSC"; donor only as "a person's own fat"
    "NCT02266394": ("adipose", "autologous", "cells", "intra_arterial", N, N, N, N, 1),
    # autologous marrow MSCs "transfused into the liver through the proper hepatic artery", single transplantation
    "NCT00956891": ("bone_marrow", "autologous", "cells", "intra_arterial", N, N, N, N, 1),
    # "Direct injection of allogeneic bone marrow derived MSCs at a dose of 75 million cells into the ileal pouch
    # fistula(s) ... with a possible repeat injection at 3 months"
    "NCT04519684": ("bone_marrow", "allogeneic", "cells", "local_injection", N, N, 7.5e7, N, 2),
    # dental pulp MSCs "on day 1, 3 and 7"; "Injection dose: 1.0x106 cells /kg"; no route word in the record
    "NCT04302519": ("dental_pulp", N, "cells", N, 1e6, N, N, N, 3),
    # SBI-101 device with allogeneic MSCs: arms 250 and 750 million MSCs (extracorporeal circuit); the trade name
    # SBI-101 is a bone-marrow MSC product (vocabulary)
    "NCT04445220": ("bone_marrow", "allogeneic", "cells", N, N, N, 2.5e8, 7.5e8, N),
    # arms: 10 million vs 100 million BM-MSC, single intraarticular injection; summary: autologous
    "NCT02123368": ("bone_marrow", "autologous", "cells", "intra_articular", N, N, 1e7, 1e8, 1),
    # groups 1x10^7, 5x10^7, 1x10^8 intrathecal; "Groups 1, 2 and 4 will receive a single dose"
    "NCT01609283": ("unspecified", "autologous", "cells", "intrathecal", N, N, 1e7, 1e8, 1),
    # aerosol inhalation of exosomes from allogenic adipose MSCs, "Once"; counts are nano vesicles, not cells
    "NCT04313647": ("adipose", "allogeneic", "exosomes", "inhaled", N, N, N, N, 1),
    # WJ-MSC conditioned medium gel applied to the wound (donor by the perinatal rule)
    "NCT04134676": ("wharton_jelly", "allogeneic", "conditioned_medium", "topical", N, N, N, N, N),
    # "Intravenous Allogeneic human menstrual blood stem cell (MenSC) secretome injection"
    "NCT05019287": ("menstrual_blood", "allogeneic", "secretome", "intravenous", N, N, N, N, N),
    # POSEIDON-DCM: autologous vs allogeneic hMSCs, transendocardial, "0.5 ml per injection x 10 injections for a
    # total of 1 x 108 (100 million)"; "20 million cells/ml" is a concentration; the 10 injections are the sites of
    # one catheterisation, one administration
    "NCT01392625": ("unspecified", "both", "cells", "intramyocardial", N, N, 1e8, N, 1),
    # NurOwn: intramuscular + "a single intrathechal injection"; doses 94x106 to 188x106 cells
    "NCT01777646": ("bone_marrow", "autologous", "cells", "intramuscular|intrathecal", N, N, 9.4e7, 1.88e8, 1),
    # UC-MSC dose escalation "3 infusions of 1x106 / 2x106 / 3x106 cells /kg"
    "NCT02032446": ("umbilical_cord", "allogeneic", "cells", "intravenous", 1e6, 3e6, N, N, 3),
    # "two doses of MSCs 100×10e6 ... plus two doses of EVs"
    "NCT04366063": ("unspecified", N, "cells|extracellular_vesicles", "intravenous", N, N, 1e8, N, 2),
    # hESC-derived MSC (borderline: source other), "Submucosal injection of 2.0 x 10,000,000/5ml"
    "NCT04610359": ("other", N, "cells", "local_injection", N, N, 2e7, N, N),
    # UC-MSC from Wharton's jelly, "Four times of MSC infusion (1.5x10E6 cells/kg) via peripheral vein"
    "NCT03529136": ("wharton_jelly", "allogeneic", "cells", "intravenous", 1.5e6, N, N, N, 4),
    "NCT04313322": ("wharton_jelly", "allogeneic", "cells", "intravenous", 1e6, N, N, N, 3),
    "NCT02444455": ("umbilical_cord", "allogeneic", "cells", "intravenous", 5e5, N, N, N, 3),
    # Rituximab "a total of 4 times" then MSCs "10^6/kg/time every 2 weeks ... a total of 2 times"; no route word, the
    # MSCs are infused (rule route_default); the background naming umbilical cord and bone marrow MSCs is skipped
    "NCT02966717": ("unspecified", N, "cells", "intravenous", 1e6, N, N, N, 2),
    # intervention description lists where MSCs "can be derived from" (background); summary: "obtained from umbilical
    # cords"; official title: allogeneic; "a single IV infusion of ... 1 x 10^6 cells/kg"
    "NCT03171194": ("umbilical_cord", "allogeneic", "cells", "intravenous", 1e6, N, N, N, 1),
    # summary: BM-MSCs; description: "All subjects will undergo bone marrow aspiration ... cultured and transplanted
    # back to the knee joint" (autologous); intra-articular
    "NCT01504464": ("bone_marrow", "autologous", "cells", "intra_articular", N, N, N, N, N),
    # intervention description defines MSCs ("cells in bone marrow called MPCs"): not the source; the title says
    # autologous adipose MSCs; "100 million MSC cells every two months for three injections"
    "NCT02749448": ("adipose", "autologous", "cells", "intravenous", N, N, 1e8, N, 3),
    # UCB transplant with co-infusion of third-party MSCs (the MSCs' tissue is not named)
    "NCT01092026": ("unspecified", "allogeneic", "cells", N, N, N, N, N, 2),
}
NOT_MSC = {
    "NCT01931007": "bone marrow aspirate concentrate",
    "NCT01926327": "platelet-rich plasma",
    "NCT00836732": "bone marrow sampled to study MSCs in the laboratory",
    "NCT04749758": "stromal vascular fraction (uncultured)",
    "NCT01172548": "imatinib for gastrointestinal stromal tumour",
}
COLUMNS = ("cell_source", "donor", "product_type", "route", "dose_per_kg", "dose_per_kg_max", "dose_total_cells",
           "dose_total_cells_max", "n_administrations")


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db = tmp_path_factory.mktemp("msc") / "msc.duckdb"
    build([str(FIXTURES)], str(db), quiet=True)
    c = duckdb.connect(str(db), read_only=True)
    yield c
    c.close()


def test_every_fixture_is_classified(con):
    flags = dict(con.execute("SELECT trial_id, is_msc FROM trials").fetchall())
    assert set(flags) == set(EXPECTED) | set(NOT_MSC)
    assert {t for t, f in flags.items() if f} == set(EXPECTED)
    assert {t for t, f in flags.items() if f is False} == set(NOT_MSC)


def test_one_profile_row_per_msc_trial(con):
    rows = con.execute("SELECT trial_id FROM msc_profile ORDER BY trial_id").fetchall()
    assert [r[0] for r in rows] == sorted(EXPECTED)


@pytest.mark.parametrize("trial_id", sorted(EXPECTED))
def test_profile_values(con, trial_id):
    got = con.execute(f"SELECT {', '.join(COLUMNS)} FROM msc_profile WHERE trial_id = ?", [trial_id]).fetchone()
    for column, want, value in zip(COLUMNS, EXPECTED[trial_id], got, strict=True):
        if isinstance(want, float):
            assert value == pytest.approx(want), (trial_id, column)
        else:
            assert value == want, (trial_id, column)


def test_evidence_names_field_and_sentence(con):
    for trial_id, evidence in con.execute("SELECT trial_id, evidence FROM msc_profile").fetchall():
        assert evidence, trial_id
        assert all(" ← " in line and ": " in line for line in evidence.splitlines()), trial_id
    ev = con.execute("SELECT evidence FROM msc_profile WHERE trial_id = 'NCT04293692'").fetchone()[0]
    assert "intervention 'UC-MSCs' description: 0.5*10E6 UC-MSCs /kg body weight" in ev


def test_doses_per_arm_where_arms_differ(con):
    rows = con.execute(
        "SELECT trial_id, arm_label, dose_per_kg, dose_total_cells, n_administrations, route FROM msc_doses "
        "ORDER BY trial_id, arm_label").fetchall()
    by_trial = {}
    for r in rows:
        by_trial.setdefault(r[0], []).append(r[1:])
    assert by_trial["NCT02123368"] == [
        ("Hyaluronic acid AND MSC 100", None, 1e8, 1, "intra_articular"),
        ("Hyaluronic acid and MSC 10", None, 1e7, 1, "intra_articular"),
    ]
    assert by_trial["NCT04445220"] == [("High dose cohort", None, 7.5e8, None, None),
                                       ("Low dose cohort", None, 2.5e8, None, None)]
    # same dose, different schedules: four vs two infusions
    sched = {label: n for label, _, _, n, _ in by_trial["NCT03529136"]}
    assert sched["MSC group 1"] == 4 and sched["MSC group 2"] == 2
    assert "NCT04293692" not in by_trial      # one MSC arm: no per-arm table


def test_values_stay_in_the_contract_sets(con):
    from warehouse.msc_classify import PRODUCTS, ROUTES, SOURCES

    for col, allowed in (("cell_source", SOURCES), ("product_type", PRODUCTS), ("route", ROUTES)):
        for (value,) in con.execute(f"SELECT DISTINCT {col} FROM msc_profile WHERE {col} IS NOT NULL").fetchall():
            parts = value.split("|")
            assert parts == sorted(parts) and set(parts) <= set(allowed), value
    donors = {r[0] for r in con.execute("SELECT DISTINCT donor FROM msc_profile WHERE donor IS NOT NULL").fetchall()}
    assert donors <= {"autologous", "allogeneic", "both"}
