"""Property tests: no page text makes a registered page parser raise anything but ParseError."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.base import registered
from ingest.errors import ParseError
from ingest.model import TrialRecord

PAGES = sorted((Path(__file__).parent / "fixtures" / "pages").glob("*.txt"))
SEED_TEXTS = [p.read_text(encoding="utf-8") for p in PAGES]
PAGE_PARSERS = sorted(name for name, cls in registered().items() if cls.kind == "page")
LABELS = ["Status and phase", "Inclusion criteria", "Exclusion Criteria:", "NCT ID: NCT02491658", "Basic Information",
          "ClinicalTrials.gov Identifier: NCT05921058", "Recruitment Status : Completed", "Study Type : | x |",
          "Ages Eligible for Study:  18 Years", "Arm Intervention/treatment", "Experimental: A", "Drug: B",
          "Primary Outcome Measures :", "  1. m [ Time Frame: 1 y ]", "Viewing Study NCT05871463", "Status: X",
          "Enrollment", "10 participants in 2 patient groups", "Related Clinical Trials", "Locations", "Sponsors",
          "Criteria", "Condition or disease | Intervention/treatment | Phase |", "Phase 1 Phase 2 |", "|", ":"]


def _check(text: str, path: str = "page.txt") -> None:
    for name in PAGE_PARSERS:
        parser = registered()[name]
        score = parser.detect(text, path)
        assert 0.0 <= float(score) <= 1.0, (name, score)
        try:
            records = parser.parse(text, path)
        except ParseError:
            continue
        assert isinstance(records, list)
        assert all(isinstance(r, TrialRecord) for r in records)


def test_page_parsers_registered() -> None:
    for name in ("ctgov_plain", "ctgov_pipe", "veeva", "ignite", "meddatax", "generic"):
        assert name in PAGE_PARSERS


@pytest.mark.parametrize("text", ["", " ", "\n\n\n", "\x00\x01\x02", "|||", "NCT", "\ufeff", "Status:"])
def test_degenerate_pages(text: str) -> None:
    _check(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEED_TEXTS), cut=st.integers(min_value=0, max_value=7000))
def test_truncated_seeds(seed: str, cut: int) -> None:
    _check(seed[:cut])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEED_TEXTS), rnd=st.randoms(use_true_random=False))
def test_shuffled_seed_lines(seed: str, rnd: random.Random) -> None:
    lines = seed.splitlines()
    rnd.shuffle(lines)
    _check("\n".join(lines))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.one_of(st.sampled_from(LABELS), st.text(max_size=40)), max_size=40))
def test_label_soup(parts: list[str]) -> None:
    _check("\n".join(parts))


@settings(max_examples=40, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=600))
def test_random_text(text: str) -> None:
    _check(text)


@settings(max_examples=20, deadline=None)
@given(data=st.binary(max_size=600))
def test_binary_ish(data: bytes) -> None:
    _check(data.decode("latin-1"))


def test_huge_page() -> None:
    _check("\n".join(SEED_TEXTS) * 40)
