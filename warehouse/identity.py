"""Trial identity across documents and registries.

* Records naming the same registry id are one trial.
* A record's aliases (``nct_alias``) and the secondary ids that name another registry (an NCT record listing
  its EudraCT or ChiCTR number, and the reverse) join their trials — unless that would put two different ids
  of the same registry into one trial (two registrations of one registry are two studies: never merged).
* The preferred id of a trial follows ``id_preference`` in ``data/policy/merge.yaml`` (ClinicalTrials.gov first).
* Pages that show no id (``DOC-…``) are linked to a known trial when the evidence is strong (same normalized
  title, or near-identical summary); otherwise they stay separate, with their best candidate and its score.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ingest.ids import find_ids, registry_of
from ingest.model import TrialRecord

#: Identifier types that state the trial's own id in another registry (not grant or sponsor numbers).
LINKING_ID_TYPES = {"nct_alias", "registry", "eudract_number", "secondary_id", "other", "other_id", "ctgov", "euctr",
                    "isrctn", "chictr", "irct", "ctri", "anzctr", "drks", "jrct"}


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.ids: dict[str, dict[str, set[str]]] = {}  # root -> registry -> ids

    def add(self, x: str) -> None:
        if x not in self.parent:
            self.parent[x] = x
            self.ids[x] = {registry_of(x) or "?": {x}}

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str, *, alias: bool = False) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ia, ib = self.ids[ra], self.ids[rb]
        if not alias:
            for registry in set(ia) & set(ib):
                if registry != "?" and ia[registry] != ib[registry]:
                    return False
        root, other = sorted((ra, rb))
        self.parent[other] = root
        for registry, values in self.ids.pop(other).items():
            self.ids[root].setdefault(registry, set()).update(values)
        return True


def _linked_ids(record: TrialRecord) -> list[tuple[str, bool]]:
    """Other registry ids this record names as its own: (id, is_alias)."""
    return linked_ids(record.trial_id, [(i.id_value, i.id_type) for i in record.identifiers])


def linked_ids(trial_id: str, identifiers: list[tuple[str, str]]) -> list[tuple[str, bool]]:
    """Other registry ids a record of ``trial_id`` names as its own, from its (id value, id type) pairs."""
    out: list[tuple[str, bool]] = []
    for value_text, id_type in identifiers:
        if id_type not in LINKING_ID_TYPES and not id_type.startswith("registry"):
            continue
        for registry, value in find_ids(value_text):
            if value != trial_id and registry is not None:
                out.append((value, id_type == "nct_alias"))
    return out


def resolve(records: list[TrialRecord], preference: list[str]) -> dict[str, str]:
    """Map every record's ``trial_id`` (registry ids only) to the preferred id of its trial."""
    own = [r.trial_id for r in records if not r.trial_id.startswith("DOC-")]
    links = [(r.trial_id, _linked_ids(r)) for r in records if not r.trial_id.startswith("DOC-")]
    return resolve_ids(own, [(tid, found) for tid, found in links if found], preference)


def resolve_ids(own_ids: list[str], links: list[tuple[str, list[tuple[str, bool]]]],
                preference: list[str]) -> dict[str, str]:
    """:func:`resolve` from the records' own ids and, for the records that name other ids, (own id, [(other id,
    is alias)]). Ids that no link touches are trials of their own; only the others go through union-find."""
    uf = _UnionFind()
    for tid, _ in links:
        uf.add(tid)
    aliases: set[str] = set()
    for tid, found in sorted(links, key=lambda link: link[0]):
        for other, is_alias in found:
            uf.add(other)
            if is_alias:
                aliases.add(other)
            uf.union(tid, other, alias=is_alias)
    rank = {name: i for i, name in enumerate(preference)}
    members: dict[str, list[str]] = {}
    mapping: dict[str, str] = {}
    for tid in sorted(set(own_ids)):
        if tid in uf.parent:
            members.setdefault(uf.find(tid), []).append(tid)
        else:
            mapping[tid] = tid
    for ids in members.values():
        candidates = [i for i in ids if i not in aliases] or ids
        best = min(candidates, key=lambda i: (rank.get(registry_of(i) or "", len(rank)), i))
        for tid in ids:
            mapping[tid] = best
    return mapping


def normalize_title(text: str | None) -> str:
    """Fold a title for matching: accents, case, punctuation and spacing removed.

    >>> normalize_title("Mesenchymal Stem Cells (MSCs) for  Knee-OA!")
    'mesenchymal stem cells mscs for knee oa'
    """
    if not text:
        return ""
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = re.sub(r"[\W_]+", " ", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = normalize_title(text).split()
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))} if words else set()


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass(slots=True)
class DocLink:
    provisional_id: str
    candidate: str | None
    score: float
    method: str | None
    linked: bool


def link_provisional(provisional: list[TrialRecord], known: dict[str, list[TrialRecord]],
                     summary_threshold: float = 0.9) -> dict[str, DocLink]:
    """Link each ``DOC-`` record to a known trial when its title or summary matches strongly."""
    by_title: dict[str, set[str]] = {}
    summaries: dict[str, set] = {}
    for tid, recs in known.items():
        for r in recs:
            for title in (r.brief_title, r.official_title):
                key = normalize_title(title)
                if len(key) >= 20:
                    by_title.setdefault(key, set()).add(tid)
            if r.brief_summary and tid not in summaries:
                summaries[tid] = _shingles(r.brief_summary)
    links: dict[str, DocLink] = {}
    for record in provisional:
        best: DocLink = DocLink(record.trial_id, None, 0.0, None, False)
        for title in (record.brief_title, record.official_title):
            hits = by_title.get(normalize_title(title), set())
            if len(hits) == 1:
                best = DocLink(record.trial_id, next(iter(hits)), 1.0, "title", True)
                break
        if not best.linked and record.brief_summary:
            mine = _shingles(record.brief_summary)
            scored = sorted(((_jaccard(mine, s), tid) for tid, s in summaries.items()), reverse=True)[:2]
            if scored:
                score, tid = scored[0]
                runner_up = scored[1][0] if len(scored) > 1 else 0.0
                linked = score >= summary_threshold and runner_up < summary_threshold
                best = DocLink(record.trial_id, tid, round(score, 3), "summary", linked)
        if not best.linked and best.candidate is None:
            title = normalize_title(record.brief_title or record.official_title)
            if title:
                mine = set(title.split())
                scored = sorted(((_jaccard(mine, set(k.split())), sorted(v)[0]) for k, v in by_title.items()),
                                reverse=True)[:1]
                if scored and scored[0][0] > 0:
                    best = DocLink(record.trial_id, scored[0][1], round(scored[0][0], 3), "title_words", False)
        links[record.trial_id] = best
    return links
