"""One trial, many documents: rank each trial's documents and merge field by field (``data/policy/merge.yaml``).

* each ``trials`` field takes the value of the best document that states it, ranked by the policy's
  ``precedence`` (source tier, actual over estimated, newer last update, path); a silent document never wins;
* a typed field's ACTUAL/ESTIMATED type comes from the document whose value won;
* child sections (arms, interventions, outcomes, criteria, sites, …) come whole from the best-ranked document
  that has the section, never as a union of near-duplicates; identifiers are the union of all documents;
* every document's value of every field is kept for ``field_sources``, with the reason the winner won.
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
    """The merge policy (tiers, precedence, typed fields, id preference)."""
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


class Ranker:
    """Orders the documents of a trial per field, and says why the first one won."""

    def __init__(self, policy: dict) -> None:
        self.tiers = policy.get("source_tiers", {})
        self.precedence = policy.get("precedence", ["tier", "actual", "newer", "path"])
        self.typed = policy.get("typed_fields", {})
        self.type_of = {v: k for k, v in self.typed.items()}

    def tier(self, source: Source) -> int:
        if source.format in self.tiers:
            return int(self.tiers[source.format])
        return int(self.tiers.get("page" if source.format == "page" else "default", 9))

    def _criteria(self, source: Source, name: str | None) -> dict[str, object]:
        updated = source.record.last_update_date or dt.date.min
        type_field = self.typed.get(name) if name else None
        estimated = type_field is not None and getattr(source.record, type_field) != "ACTUAL"
        return {"tier": self.tier(source), "actual": estimated, "newer": -updated.toordinal(),
                "path": (source.path, source.doc_id)}

    def key(self, source: Source, name: str | None = None) -> tuple:
        crit = self._criteria(source, name)
        return tuple(crit[c] for c in self.precedence)

    def reason(self, best: Source, runner_up: Source, name: str) -> str:
        a, b = self._criteria(best, name), self._criteria(runner_up, name)
        for rule in self.precedence:
            if a[rule] != b[rule]:
                if rule == "tier":
                    return f"source tier: {best.format} ({a['tier']}) over {runner_up.format} ({b['tier']})"
                if rule == "actual":
                    return "actual value over estimated"
                if rule == "newer":
                    return (f"newer last update ({best.record.last_update_date} over "
                            f"{runner_up.record.last_update_date or 'none'})")
                return "tie: first by path"
        return "tie: first by path"


def merge(groups: dict[str, list[Source]], policy: dict) -> list[MergedTrial]:
    """Merge each trial's sources; returns trials sorted by id."""
    ranker = Ranker(policy)
    merged: list[MergedTrial] = []
    for trial_id in sorted(groups):
        sources = sorted(groups[trial_id], key=ranker.key)
        trial = MergedTrial(trial_id=trial_id, sources=sources)
        for name in TRIAL_FIELDS:
            if name == "trial_id" or name in ranker.type_of:
                continue
            stating = [s for s in sources if getattr(s.record, name) is not None]
            if not stating:
                continue
            if name in ranker.typed:
                stating.sort(key=lambda s, n=name: ranker.key(s, n))
            best = stating[0]
            value = getattr(best.record, name)
            trial.values[name] = value
            trial.chosen_doc[name] = best.doc_id
            differing = [s for s in stating[1:] if getattr(s.record, name) != value]
            if differing:
                trial.reasons[name] = ranker.reason(best, differing[0], name)
            elif len(stating) > 1:
                trial.reasons[name] = "all stating documents agree"
            else:
                trial.reasons[name] = "only document stating it"
            type_field = ranker.typed.get(name)
            if type_field and getattr(best.record, type_field) is not None:
                trial.values[type_field] = getattr(best.record, type_field)
                trial.chosen_doc[type_field] = best.doc_id
                trial.reasons[type_field] = f"travels with {name}"
        for section in SECTIONS:
            for source in sources:
                if getattr(source.record, section):
                    trial.section_doc[section] = source
                    break
        merged.append(trial)
    return merged
