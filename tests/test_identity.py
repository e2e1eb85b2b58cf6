"""Trial identity across documents and registries, and linking pages that show no id.

The ids below are real pairs from the shared corpus (e.g. NCT00752479 lists EudraCT 2009-012350-20 and
NCT00081588 lists the alias NCT00980226).
"""

from __future__ import annotations

import random
import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.model import Identifier, TrialRecord
from warehouse import identity
from warehouse.identity import link_provisional, normalize_title, resolve

PREFERENCE = ["ClinicalTrials.gov", "EudraCT", "ISRCTN", "ChiCTR"]


def test_secondary_id_joins_registries_under_the_preferred_id():
    nct = TrialRecord("NCT00752479", identifiers=[Identifier("2009-012350-20", "eudract_number")])
    eu = TrialRecord("2009-012350-20")
    assert resolve([eu, nct], PREFERENCE) == {"NCT00752479": "NCT00752479", "2009-012350-20": "NCT00752479"}


def test_reverse_link_from_the_other_registry():
    eu = TrialRecord("2009-012350-20", identifiers=[Identifier("NCT00752479", "registry")])
    nct = TrialRecord("NCT00752479")
    assert resolve([eu, nct], PREFERENCE)["2009-012350-20"] == "NCT00752479"


def test_alias_maps_to_the_current_id():
    current = TrialRecord("NCT00081588", identifiers=[Identifier("NCT00980226", "nct_alias")])
    old = TrialRecord("NCT00980226")
    mapping = resolve([old, current], PREFERENCE)
    assert mapping == {"NCT00081588": "NCT00081588", "NCT00980226": "NCT00081588"}


def test_two_registrations_in_one_registry_are_never_merged():
    # Two different ClinicalTrials.gov studies that both cite one EudraCT number stay two trials.
    a = TrialRecord("NCT01112306", identifiers=[Identifier("2009-014992-31", "other_id")])
    b = TrialRecord("NCT01137474", identifiers=[Identifier("2009-014992-31", "other_id")])
    mapping = resolve([a, b], PREFERENCE)
    assert mapping["NCT01112306"] != mapping["NCT01137474"]


def test_grant_numbers_do_not_link():
    a = TrialRecord("NCT00853112", identifiers=[Identifier("R01 HL123456", "nih")])
    assert resolve([a], PREFERENCE) == {"NCT00853112": "NCT00853112"}


def test_the_ids_a_record_names_are_staged_as_it_is_parsed():
    """Trial identity reads the other registries' ids a record names from its staging rows (``s_links``), found
    when the record was parsed: the same pairs :func:`identity.resolve` finds from the record."""
    from ingest.model import ParsedDocument
    from warehouse.cache import record_rows

    record = TrialRecord("NCT00081588", identifiers=[
        Identifier("NCT00980226", "nct_alias"), Identifier("R01 HL123456", "nih"),
        Identifier("EudraCT 2009-012350-20; ISRCTN12345678", "secondary_id"), Identifier("NCT00081588", "registry")])
    rows = record_rows("ck1", [TrialRecord("2009-012350-20"), record], 0, ParsedDocument(path="x", sha256="s"))
    assert rows["s_links"] == [("ck1", 1, 0, "NCT00980226", True), ("ck1", 1, 1, "2009-012350-20", False),
                               ("ck1", 1, 2, "ISRCTN12345678", False)]
    assert [(v, a) for *_, v, a in rows["s_links"]] == identity._linked_ids(record)


def test_page_without_id_links_by_title():
    known = {"NCT01420432": [TrialRecord(
        "NCT01420432", brief_title="Mesenchymal Stem Cell Transplantation in Patients With Liver Cirrhosis")]}
    page = TrialRecord("DOC-0123456789ab",
                       brief_title="Mesenchymal stem cell transplantation in patients with liver cirrhosis.")
    link = link_provisional([page], known)["DOC-0123456789ab"]
    assert link.linked and link.candidate == "NCT01420432" and link.method == "title"


def test_page_with_a_different_title_stays_separate_with_a_candidate():
    known = {"NCT01420432": [TrialRecord("NCT01420432", brief_title="Stem cells for liver cirrhosis patients")]}
    page = TrialRecord("DOC-0123456789ab", brief_title="Stem cells for knee osteoarthritis patients")
    link = link_provisional([page], known)["DOC-0123456789ab"]
    assert not link.linked
    assert link.candidate == "NCT01420432" and 0 < link.score < 1


def test_title_normalization():
    assert normalize_title("  Ésta: MSC—Therapy (Phase I/II)  ") == "esta msc therapy phase i ii"


# --- linking id-less pages: the indexed search gives the results of comparing with every known trial ----------

def _fold_reference(text):
    """The title folding as first written: decompose, drop combining marks, non-word runs, ASCII, lower case."""
    if not text:
        return ""
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = re.sub(r"[\W_]+", " ", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _shingles_reference(text, n=3):
    words = _fold_reference(text).split()
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))} if words else set()


def _jaccard(a, b):
    return len(a & b) / len(a | b) if a and b else 0.0


def _link_reference(provisional, known, summary_threshold=0.9):
    """Every page compared with every known trial (the quadratic definition of the result)."""
    by_title, summaries, links = {}, {}, {}
    for tid, recs in known.items():
        for r in recs:
            for title in (r.brief_title, r.official_title):
                key = _fold_reference(title)
                if len(key) >= 20:
                    by_title.setdefault(key, set()).add(tid)
        texts = sorted(r.brief_summary for r in recs if r.brief_summary)  # (a trial's first summary in text order)
        if texts:
            summaries[tid] = _shingles_reference(texts[0])
    for record in provisional:
        best = (None, 0.0, None, False)
        for title in (record.brief_title, record.official_title):
            hits = by_title.get(_fold_reference(title), set())
            if len(hits) == 1:
                best = (next(iter(hits)), 1.0, "title", True)
                break
        if not best[3] and record.brief_summary:
            mine = _shingles_reference(record.brief_summary)
            scored = sorted(((_jaccard(mine, s), tid) for tid, s in summaries.items()), reverse=True)[:2]
            if scored:
                score, tid = scored[0]
                runner_up = scored[1][0] if len(scored) > 1 else 0.0
                best = (tid, round(score, 3), "summary", score >= summary_threshold and runner_up < summary_threshold)
        if not best[3] and best[0] is None:
            title = _fold_reference(record.brief_title or record.official_title)
            if title:
                mine = set(title.split())
                scored = sorted(((_jaccard(mine, set(k.split())), sorted(v)[0]) for k, v in by_title.items()),
                                reverse=True)[:1]
                if scored and scored[0][0] > 0:
                    best = (scored[0][1], round(scored[0][0], 3), "title_words", False)
        links[record.trial_id] = best
    return links


_WORDS = st.sampled_from(["mesenchymal", "stem", "cells", "knee", "osteoarthritis", "Crohn's", "fistula",
                          "Ésta", "naïve", "MSC—therapy", "phase", "I/II", "of", "the", "in", "²", "ﬁbrosis"])
_TEXT = st.one_of(st.none(), st.lists(_WORDS, max_size=12).map(" ".join), st.text(max_size=30))


@st.composite
def _records(draw, prefix, n):
    return [TrialRecord(f"{prefix}{i:03d}", brief_title=draw(_TEXT), official_title=draw(_TEXT),
                        brief_summary=draw(_TEXT)) for i in range(draw(st.integers(0, n)))]


@settings(max_examples=300, deadline=None)
@given(known=_records("NCT00000", 12), pages=_records("DOC-", 24), index_after=st.integers(0, 3))
def test_linking_pages_equals_comparing_with_every_trial(known, pages, index_after):
    grouped = {}
    for r in known:  # some trials told by two records
        grouped.setdefault(r.trial_id[:-1], []).append(r)
    before, identity._SetIndex.INDEX_AFTER = identity._SetIndex.INDEX_AFTER, index_after  # (the index from query n)
    try:
        links = link_provisional(pages, grouped)
    finally:
        identity._SetIndex.INDEX_AFTER = before
    got = {k: (v.candidate, v.score, v.method, v.linked) for k, v in links.items()}
    assert got == _link_reference(pages, grouped)


@given(st.text())
def test_title_folding_equals_the_reference(text):
    assert normalize_title(text) == _fold_reference(text)


# --- what identity depends on: the own ids, and per id the lists of links its records name ------------------------

_IDS = ["NCT00000101", "NCT00000102", "NCT00000103", "2009-000001-01", "2009-000002-02", "ISRCTN00000001"]


@settings(max_examples=300, deadline=None)
@given(records=st.lists(st.tuples(st.sampled_from(_IDS[:3]),
                                  st.lists(st.tuples(st.sampled_from(_IDS), st.booleans()), max_size=3)),
                        min_size=1, max_size=6),
       seed=st.integers(0, 2**16), copies=st.lists(st.integers(0, 5), max_size=4))
def test_records_in_any_order_or_repeated_give_the_same_trials(records, seed, copies):
    """Identity is decided by the own ids and, per id, the distinct lists of links its records name (the rebuild
    that keeps identity relies on it, :mod:`warehouse.scope`), never by the order the records come in (their
    files' names): records shuffled, or some of them told again by other files, give the same trials and refuse
    links alike, whether or not a link is refused."""
    records = [(tid, [(o, a) for o, a in found if o != tid]) for tid, found in records]
    own = sorted({tid for tid, _ in records})
    first, first_refused = identity.resolve_ids_counted(own, [r for r in records if r[1]], [])
    again = records + [records[k % len(records)] for k in copies]
    random.Random(seed).shuffle(again)
    second, second_refused = identity.resolve_ids_counted(own, [r for r in again if r[1]], [])
    assert second == first
    assert (second_refused > 0) == (first_refused > 0)  # (a link told again is refused again: counted twice)
