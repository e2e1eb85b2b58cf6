"""Dose and schedule parsing (warehouse/msc_dose.py): every notation the registries use."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse.msc_dose import administrations_in, cell_doses, parse_administrations, parse_doses, split_sentences


def one(text):
    doses = cell_doses(text)
    assert len(doses) == 1, doses
    d = doses[0]
    return d.kind, d.value, d.value_max


@pytest.mark.parametrize("text, expected", [
    ("1×10^6/kg", ("per_kg", 1e6, None)),
    ("1 x 10(6) cells", ("total", 1e6, None)),
    ("10^6 cells/kg", ("per_kg", 1e6, None)),
    ("1.0E+6 MSC/kg", ("per_kg", 1e6, None)),
    ("0.5-1*10^6/kg", ("per_kg", 5e5, 1e6)),
    ("2 million cells per kg", ("per_kg", 2e6, None)),
    ("100 million", ("total", 1e8, None)),
    ("a dose of 1e8 cells", ("total", 1e8, None)),
    ("1 × 106/kg", ("per_kg", 1e6, None)),               # superscript lost: 106 after "× 10" is 10^6
    ("1.5 × 10⁸ cells", ("total", 1.5e8, None)),
    ("0.5*10E6 UC-MSCs /kg body weight", ("per_kg", 5e5, None)),   # NCT04293692
    ("1,5-3,0 x 10E6 MSC/Kg BW", ("per_kg", 1.5e6, 3e6)),        # decimal commas
    ("Dose: 12,5 million cells", ("total", 1.25e7, None)),
    ("2 x 1000000 cells/kg", ("per_kg", 2e6, None)),
    ("IV 0.3 million kg/bb UC-MSCs once", ("per_kg", 3e5, None)),
    ("5.0*108~5.0*109 MSCs", ("total", 5e8, 5e9)),
    ("100 x 10 ^ 6 cells", ("total", 1e8, None)),
    ("≈100 × 10 6 cells", ("total", 1e8, None)),
    ("1.0 ~ 2.5  × 105/kg", ("per_kg", 1e5, 2.5e5)),
    ("(1-2) × 10^6 cells/kg", ("per_kg", 1e6, 2e6)),
    ("5 x 10^5 to 1 x 10^6 cells/kg", ("per_kg", 5e5, 1e6)),
    ("at a dose of 150 or 300 million cells", ("total", 1.5e8, 3e8)),
    ("injected in a single dose of one hundred million.", ("total", 1e8, None)),
    ("Submucosal injection of 2.0 x 10,000,000/5ml", ("total", 2e7, None)),   # NCT04610359
])
def test_cell_dose_notations(text, expected):
    kind, value, value_max = one(text)
    assert kind == expected[0]
    assert value == pytest.approx(expected[1])
    assert (value_max is None) == (expected[2] is None)
    if expected[2] is not None:
        assert value_max == pytest.approx(expected[2])


@pytest.mark.parametrize("text, unit_text", [("40 mg", "40 mg"), ("1.5 cc", "1.5 cc"), ("2 mL", "2 mL")])
def test_non_cell_doses_are_kept_as_text(text, unit_text):
    doses = parse_doses(text)
    assert [(d.kind, d.text) for d in doses] == [("other", unit_text)]
    assert cell_doses(text) == []


@pytest.mark.parametrize("text", [
    "absolute neutrophil count (ANC) is > 2.5 x 109/L.",
    "Exosomes 3-5x10e11 particles/dose",
    "MSCs-derived exosomes (2.0*10^8 nano vesicles/3 ml)",
    "20 million cells/ml delivered in a dose of 0.5 ml",
    "platelet count of 100 x 10^9",
])
def test_not_cell_doses(text):
    assert cell_doses(text) == []


@pytest.mark.parametrize("text, n", [
    ("6 times", 6),
    ("two infusions", 2),
    ("on days 1, 3, 5 and 7", 4),
    ("once a week for 4 weeks then every two weeks twice", 6),
    ("repeated after three months", 2),
    ("single dose", 1),
    ("Once aerosol inhalation of MSCs-derived exosomes", 1),
    ("a single-dose injection", 1),
    ("3 doses", 3),
    ("4 times of 0.5*10E6 UC-MSCs /kg body weight intravenously at Day1, Day3, Day5, Day7)", 4),
    ("Peripheral intravenous infusion, dose 1×106/kg cells, once every month for three times", 3),
    ("5×10^5/kg/day (3 days)", 3),
    ("Three doses of 1 × 10^6/kg, 3 days apart", 3),
    ("two doses of MSCs 100×10e6 (±10%) at Day 0 and Day 2", 2),
    ("once a day,a total of three times", 3),
    ("every week for 2 weeks", 2),
    ("Dosage: 2 x 10^6 cells/kgBW, twice, with three months interval", 2),
])
def test_administrations(text, n):
    assert parse_administrations(text) == n


@pytest.mark.parametrize("text, n", [
    # NCT01739777: "the first group of 15 patients will receive a sole injection of ucMSC"
    ("the first group of 15 patients will receive a sole injection of ucMSC", 1),
    # NCT01392625: injection sites of one transendocardial procedure, not ten administrations
    ("20 million cells/ml delivered in a dose of 0.5 ml per injection x 10 injections for a total of 1 x 108", 1),
    # NCT02509156 / NCT03079401: sites again
    ("Allo-MSCs: 20 transendocardial injections of 0.5 mL", 1),
    ("A total dose of 20 million cells will be delivered, divided evenly into ~11 injections of 50 µL each.", 1),
    # NCT01540292: spaced in time, so administrations
    ("Patients with Crohn's disease will receive two injections of allogenic MSC 4 weeks apart (week 0 and 4)", 2),
    # NCT02805855
    ("Subjects in the M100 cohort will receive three injections of 100 million AMSCs at one-month intervals", 3),
])
def test_administrations_sites_and_single(text, n):
    assert parse_administrations(text) == n


@pytest.mark.parametrize("text", [
    "10 times higher than normal", "", "no schedule stated",
    # NCT02208713 / NCT03358654: follow-up visits are not repeated administrations
    "All the patients will be followed at 1,2,4,6 and 12 months after cell injection.",
    "inject mesenchymal stem cells from umbilical cord, and the patients will be followed up at 1, 2, 3, and 6 months",
])
def test_administrations_absent(text):
    assert parse_administrations(text) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789 .,-~x×*^()/E+e⁶⁸kgcellsmLmilonper;")), max_size=80))
def test_parsers_never_raise_on_dose_like_text(text):
    parse_doses(text)
    parse_administrations(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_parsers_never_raise_on_any_text(text):
    for d in parse_doses(text):
        assert d.kind in ("per_kg", "total", "other")
    n = parse_administrations(text)
    assert n is None or n > 0


def test_administrations_in_gives_the_phrase_position():
    text = "Rituximab, 100mg/time every one week, the infusion should be a total of 4 times"
    n, sentence, at = administrations_in(text)
    assert (n, sentence) == (4, text)
    assert text[at:].startswith("a total of 4 times")


@pytest.mark.parametrize("text", [
    "A. B. C", "x; y\n\nz", "one - Two", "1.5 ml. Then • item", "end.  (Next) part", "a \n- B", "no split here",
    "Mix.\tTab; ; semi", "e.g. the i.v. route. Next",
])
def test_split_sentences_matches_the_reference_rule(text):
    import re

    ref = re.split(r"(?<=[.!?])\s+(?=[A-Z(\[])|;\s*|\n+|\s+-\s+(?=[A-Z])|\u2022", text)
    assert split_sentences(text) == [c.strip() for c in ref if c and c.strip()]
