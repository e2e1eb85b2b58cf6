"""One trial, many documents: group records by trial, rank the documents, merge field by field.

Rules (see ``data/policy/merge.yaml``):

* documents are ranked per trial by source tier (registry machine formats before aggregator pages), then by
  last-update date (newer first), then by path (a stable tie-break);
* each ``trials`` field takes the value of the best-ranked document that states it, so a newer record wins
  and an older one fills only what the newer one leaves unsaid;
* child sections (arms, interventions, outcomes, criteria, sites, …) come whole from the best-ranked document
  that has that section, never as a union of near-duplicates;
* every document's value of every field is kept for ``field_sources``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.model import TRIAL_FIELDS, TrialRecord

POLICY_PATH = Path(__file__).resolve().parent.parent / "data" / "policy" / "merge.yaml"


@dataclass(slots=True)
class Source:
    """One record of a trial and the document it came from."""

    doc_id: str
    path: str
    format: str
    layout: str | None
    record: TrialRecord


@dataclass(slots=True)
class MergedTrial:
    trial_id: str
    sources: list[Source]  # best first
    values: dict[str, object] = field(default_factory=dict)
    chosen_doc: dict[str, str] = field(default_factory=dict)  # field -> doc_id
    reasons: dict[str, str] = field(default_factory=dict)  # field -> why that document won
    section_doc: dict[str, Source] = field(default_factory=dict)  # section -> source


SECTIONS = (
    "conditions", "keywords", "arms", "interventions", "outcomes", "criteria", "sites", "countries",
    "sponsors", "identifiers", "officials", "references", "mesh_terms", "contacts",
)

#: Sections gathered from every document (their union loses nothing and duplicates nothing).
UNION_SECTIONS = ("identifiers",)


def load_policy(path: Path = POLICY_PATH) -> dict:
    """The merge policy: source tiers by format/layout."""
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _tier(source: Source, policy: dict) -> int:
    tiers = policy.get("source_tiers", {})
    if source.format in tiers:
        return int(tiers[source.format])
    if source.format == "page":
        return int(tiers.get("page", 9))
    return int(tiers.get("default", 5))


def _rank_key(source: Source, policy: dict) -> tuple:
    updated = source.record.last_update_date or dt.date.min
    return (_tier(source, policy), -updated.toordinal(), source.path, source.doc_id)


def _reason(best: Source, other: Source | None, policy: dict) -> str:
    if other is None:
        return "only source"
    if _tier(best, policy) != _tier(other, policy):
        return f"source tier: {best.format} outranks {other.format}"
    if (best.record.last_update_date or dt.date.min) != (other.record.last_update_date or dt.date.min):
        return f"newer last update ({best.record.last_update_date})"
    return "same rank: first by path"


def merge(groups: dict[str, list[Source]], policy: dict) -> list[MergedTrial]:
    """Merge each trial's sources; returns trials sorted by id."""
    merged: list[MergedTrial] = []
    for trial_id in sorted(groups):
        sources = sorted(groups[trial_id], key=lambda s: _rank_key(s, policy))
        trial = MergedTrial(trial_id=trial_id, sources=sources)
        for name in TRIAL_FIELDS:
            if name == "trial_id":
                continue
            for source in sources:
                value = getattr(source.record, name)
                if value is not None:
                    trial.values[name] = value
                    trial.chosen_doc[name] = source.doc_id
                    others = [s for s in sources if s is not source and getattr(s.record, name) is not None
                              and getattr(s.record, name) != value]
                    trial.reasons[name] = _reason(source, others[0] if others else None, policy) if others \
                        else ("only source" if len(sources) == 1 else "all sources agree or are silent")
                    break
        for section in SECTIONS:
            for source in sources:
                if getattr(source.record, section):
                    trial.section_doc[section] = source
                    break
        merged.append(trial)
    return merged
