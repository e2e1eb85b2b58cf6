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

from ingest.model import Arm, Intervention, TrialRecord
from warehouse.criteria_patterns import extract_facts, load_themes, tag_themes
from warehouse.msc_classify import TrialText, load_vocab, profile
from warehouse.tables import arm_links

#: Staging tables of derived rows → their columns after (ck, rec, idx).
DERIVED_COLUMNS: dict[str, list[str]] = {
    "s_criteria_facts": ["criterion_type", "ordinal", "fact_no", "fact", "low", "high", "low_inclusive",
                         "high_inclusive", "unit", "evidence"],
    "s_criteria_themes": ["criterion_type", "ordinal", "theme", "matched"],
    "s_msc": ["is_msc", "cell_source", "donor", "product_type", "route", "dose_per_kg", "dose_per_kg_max",
              "dose_total_cells", "dose_total_cells_max", "dose_text", "n_administrations", "evidence"],
    "s_msc_doses": ["arm_label", "dose_per_kg", "dose_per_kg_max", "dose_total_cells", "dose_total_cells_max",
                    "dose_text", "n_administrations", "route", "evidence"],
}


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


def derived_rows(record: TrialRecord) -> dict[str, list[tuple]]:
    """Rows (without the ck, rec prefix) of every derived staging table for one record."""
    out: dict[str, list[tuple]] = {t: [] for t in DERIVED_COLUMNS}
    themes = load_themes()
    facts, tagged = out["s_criteria_facts"], out["s_criteria_themes"]
    for c in record.criteria or []:
        text = c.text
        for n, f in enumerate(extract_facts(text), start=1):
            if text is None or f.evidence not in text:
                continue  # evidence must be a substring of its criterion
            facts.append((len(facts), c.criterion_type, c.ordinal, n, f.fact, f.low, f.high, f.low_inclusive,
                          f.high_inclusive, f.unit, f.evidence))
        for theme, matched in tag_themes(text, themes, c.criterion_type):
            tagged.append((len(tagged), c.criterion_type, c.ordinal, theme, matched))
    p = profile(trial_text(record), load_vocab())
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
