"""Derived rows of one parsed record, computed in the parse workers and kept in the parse cache.

A trial told by one record alone (most trials) gets exactly the MSC profile and criteria facts that the derive
steps would compute from the merged tables, so the workers compute them right after parsing, once per
document, and the build copies them instead of deriving again (see :func:`warehouse.merge.sql_derived`).
Trials told by several records are derived again from their merged rows (:mod:`warehouse.msc`); criteria facts
always follow the record whose criteria the merge chose.

:func:`trial_text` must read a record exactly as :func:`warehouse.msc.read_trials` reads a merged trial of one
record from the tables; ``tests/test_record_derive.py`` compares the two on the default data.
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator

from ingest.model import Arm, Intervention, TrialRecord
from warehouse.criteria_patterns import extract_facts, load_themes, tag_themes
from warehouse.msc_classify import Profile, TrialText, load_vocab, profile
from warehouse.tables import DERIVED_COLUMNS, arm_links


def warm_up() -> None:
    """Load and compile the vocabularies (a worker does it once, before its first document)."""
    load_themes()
    load_vocab()


def trial_text(record: TrialRecord) -> TrialText:
    """The record as the MSC classifier reads a merged trial (see :func:`warehouse.msc.read_trials`)."""
    text = TrialText(record.trial_id, record.brief_title, record.official_title, record.brief_summary,
                     record.detailed_description, record.study_type)
    for iv in record.interventions:
        joined = "|".join(iv.other_names) or None
        others = [o.strip() for o in (joined or "").split("|") if o.strip()]
        text.interventions.append(Intervention(iv.name or "", iv.intervention_type, iv.description,
                                               other_names=others))
    links: dict[str, list[str]] = {}
    for label, name in sorted(arm_links(record)):
        links.setdefault(label, []).append(name)
    for arm in record.arms:
        text.arms.append(Arm(arm.label, arm.arm_type, arm.description, list(links.get(arm.label, []))))
    return text


#: Results remembered per worker process (the same criterion text, or the same trial text under another id, is
#: read once); each memo is emptied when it reaches its size, so memory stays bounded.
MEMO_ITEMS = 50_000
_criterion_memo: dict[tuple[str, str | None], tuple[tuple, tuple]] = {}
_profile_memo: dict[bytes, Profile] = {}


def criterion_results(criterion_type: str, text: str | None) -> tuple[tuple, tuple]:
    """((fact number, Fact) for every fact whose evidence is a substring of ``text``, (theme, matched) pairs)."""
    key = (criterion_type, text)
    hit = _criterion_memo.get(key)
    if hit is None:
        facts = tuple((n, f) for n, f in enumerate(extract_facts(text), start=1)
                      if text is not None and f.evidence in text)  # evidence must be a substring of its criterion
        hit = (facts, tuple(tag_themes(text, load_themes(), criterion_type)))
        if len(_criterion_memo) >= MEMO_ITEMS:
            _criterion_memo.clear()
        _criterion_memo[key] = hit
    return hit


#: Every field of the objects a profile reads (all of them go into the key, as their repr used to).
_INTERVENTION_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(Intervention)))
_ARM_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(Arm)))


def _profile_key(text: TrialText) -> bytes:
    """A digest of everything :func:`warehouse.msc_classify.profile` reads (the trial id excepted), over an
    unambiguous encoding: the numbers of interventions and arms, then each value as a type tag, its length and
    its content (so no two different texts share an encoding)."""
    values = [text.brief_title, text.official_title, text.brief_summary, text.detailed_description, text.study_type]
    for iv in text.interventions:
        values.extend(_INTERVENTION_FIELDS(iv))
    for arm in text.arms:
        values.extend(_ARM_FIELDS(arm))
    parts = [f"i{len(text.interventions)}a{len(text.arms)}:"]
    _encode(parts, values)
    return hashlib.sha256("".join(parts).encode("utf-8", "surrogatepass")).digest()


def _encode(parts: list[str], values: list) -> None:
    """Append a prefix-free encoding of every value: ``s<len>:<str>``, ``n`` (None), ``l<len>:<items>``."""
    for value in values:
        if type(value) is str:
            parts.append(f"s{len(value)}:")
            parts.append(value)
        elif value is None:
            parts.append("n")
        elif type(value) is list:
            parts.append(f"l{len(value)}:")
            _encode(parts, value)
        else:  # not expected in a TrialText; kept apart from every str by its tag
            r = repr(value)
            parts.append(f"r{len(r)}:")
            parts.append(r)


def trial_profile(text: TrialText) -> Profile:
    """:func:`warehouse.msc_classify.profile` of ``text``, remembered by content (the trial id plays no part)."""
    return dataclasses.replace(_shared_profile(text), trial_id=text.trial_id)


def _shared_profile(text: TrialText) -> Profile:
    """The remembered profile of ``text`` itself (shared between calls, so read only; its trial id is the one of
    the first trial that had this text)."""
    key = _profile_key(text)
    hit = _profile_memo.get(key)
    if hit is None:
        hit = profile(text, load_vocab())
        if len(_profile_memo) >= MEMO_ITEMS:
            _profile_memo.clear()
        _profile_memo[key] = hit
    return hit


def derived_rows(record: TrialRecord) -> dict[str, list[tuple]]:
    """Rows (without the ck, rec prefix) of every derived staging table for one record."""
    out: dict[str, list[tuple]] = {t: [] for t in DERIVED_COLUMNS}
    facts, tagged = out["s_criteria_facts"], out["s_criteria_themes"]
    for c in record.criteria or []:
        found, themes = criterion_results(c.criterion_type, c.text)
        for n, f in found:
            facts.append((len(facts), c.criterion_type, c.ordinal, n, f.fact, f.low, f.high, f.low_inclusive,
                          f.high_inclusive, f.unit, f.evidence))
        for theme, matched in themes:
            tagged.append((len(tagged), c.criterion_type, c.ordinal, theme, matched))
    p = _shared_profile(trial_text(record))  # read only: no copy needed
    if p.is_msc:
        out["s_msc"].append((0, True, p.cell_source, p.donor, p.product_type, p.route, p.dose_per_kg,
                             p.dose_per_kg_max, p.dose_total_cells, p.dose_total_cells_max, p.dose_text,
                             p.n_administrations, p.evidence))
        for i, a in enumerate(p.arm_doses):
            out["s_msc_doses"].append((i, a.arm_label, a.dose_per_kg, a.dose_per_kg_max, a.dose_total_cells,
                                       a.dose_total_cells_max, a.dose_text, a.n_administrations, a.route,
                                       a.evidence))
    else:
        out["s_msc"].append((0, False, *([None] * (len(DERIVED_COLUMNS["s_msc"]) - 1))))
    return out
