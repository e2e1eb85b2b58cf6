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

import heapq
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from ingest.ids import linked_ids, registry_of
from ingest.model import TrialRecord


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.ids: dict[str, dict[str, set[str]]] = {}  # root -> registry -> ids
        self.refused = 0  # unions refused: two ids of one registry (then the order of unions matters)

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
                    self.refused += 1
                    return False
        root, other = sorted((ra, rb))
        self.parent[other] = root
        for registry, values in self.ids.pop(other).items():
            self.ids[root].setdefault(registry, set()).update(values)
        return True


def _linked_ids(record: TrialRecord) -> list[tuple[str, bool]]:
    """Other registry ids this record names as its own: (id, is_alias)."""
    return linked_ids(record.trial_id, [(i.id_value, i.id_type) for i in record.identifiers])


def resolve(records: list[TrialRecord], preference: list[str]) -> dict[str, str]:
    """Map every record's ``trial_id`` (registry ids only) to the preferred id of its trial."""
    own = [r.trial_id for r in records if not r.trial_id.startswith("DOC-")]
    links = [(r.trial_id, _linked_ids(r)) for r in records if not r.trial_id.startswith("DOC-")]
    return resolve_ids(own, [(tid, found) for tid, found in links if found], preference)


def resolve_ids(own_ids: list[str], links: list[tuple[str, list[tuple[str, bool]]]],
                preference: list[str]) -> dict[str, str]:
    """:func:`resolve` from the records' own ids and, for the records that name other ids, (own id, [(other id,
    is alias)]). Ids that no link touches are trials of their own; only the others go through union-find."""
    return resolve_ids_counted(own_ids, links, preference)[0]


def resolve_ids_counted(own_ids: list[str], links: list[tuple[str, list[tuple[str, bool]]]],
                        preference: list[str]) -> tuple[dict[str, str], int]:
    """:func:`resolve_ids`, and how many links were refused (they would join two ids of one registry). With none,
    the trials are the connected ids, whatever the order of the links; otherwise that order matters, and it is the
    order of their content (own id, then the ids named, in the record's order), never that of the documents: the
    same records under other file names give the same trials."""
    uf = _UnionFind()
    for tid, _ in links:
        uf.add(tid)
    aliases: set[str] = set()
    for tid, found in sorted(links):
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
    return mapping, uf.refused


def normalize_title(text: str | None) -> str:
    """Fold a title for matching: accents, case, punctuation and spacing removed.

    >>> normalize_title("Mesenchymal Stem Cells (MSCs) for  Knee-OA!")
    'mesenchymal stem cells mscs for knee oa'
    """
    return " ".join(_words(text))


_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str | None) -> list[str]:
    """The words of :func:`normalize_title` (ASCII text, most of it, in one pass)."""
    if not text:
        return []
    if text.isascii():
        return _WORD.findall(text.lower())
    text = unicodedata.normalize("NFKD", text)
    marks = {ord(ch): None for ch in set(text) if unicodedata.combining(ch)}
    if marks:
        text = text.translate(marks)
    text = re.sub(r"[\W_]+", " ", text).encode("ascii", "ignore").decode().lower()
    return _WORD.findall(text)


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    """The word ``n``-grams of a text (a shorter text: its words as one)."""
    words = _words(text)
    if len(words) < n:
        return {tuple(words)} if words else set()
    return set(zip(*(words[i:] for i in range(n)), strict=False))  # (the shorter slices end it)


@dataclass(slots=True)
class DocLink:
    provisional_id: str
    candidate: str | None
    score: float
    method: str | None
    linked: bool


def link_provisional(provisional: list[TrialRecord], known: dict[str, list[TrialRecord]],
                     summary_threshold: float = 0.9) -> dict[str, DocLink]:
    """Link each ``DOC-`` record to a known trial when its title or summary matches strongly.

    Per page, in order: a normalized title (20+ characters) that exactly one known trial has links it; else the
    known summary with the highest Jaccard similarity of word 3-grams (ties: the greater trial id) is its
    candidate (a known trial's summary: the first of its records' summaries in text order), linked at
    ``summary_threshold`` unless the runner-up reaches it too; else the known title with the most words in common
    is its (unlinked) candidate. After the first pages (:class:`_SetIndex`), scores are computed only for the
    known texts that share a 3-gram or word with the page, through inverted indexes."""
    by_title: dict[str, set[str]] = {}
    summaries: _SetIndex | None = None
    titles: _SetIndex | None = None
    links: dict[str, DocLink] = {}
    for tid, recs in known.items():
        for r in recs:
            for title in (r.brief_title, r.official_title):
                key = normalize_title(title)
                if len(key) >= 20:
                    by_title.setdefault(key, set()).add(tid)
    for record in provisional:
        best: DocLink = DocLink(record.trial_id, None, 0.0, None, False)
        for title in (record.brief_title, record.official_title):
            hits = by_title.get(normalize_title(title), set())
            if len(hits) == 1:
                best = DocLink(record.trial_id, next(iter(hits)), 1.0, "title", True)
                break
        if not best.linked and record.brief_summary:
            if summaries is None:
                summaries = _SetIndex({tid: _shingles(r.brief_summary)
                                       for tid, r in _first_with_summary(known)})
            scored = summaries.best(_shingles(record.brief_summary), 2, zeros=True)
            if scored:
                score, tid = scored[0]
                runner_up = scored[1][0] if len(scored) > 1 else 0.0
                linked = score >= summary_threshold and runner_up < summary_threshold
                best = DocLink(record.trial_id, tid, round(score, 3), "summary", linked)
        if not best.linked and best.candidate is None:
            title = normalize_title(record.brief_title or record.official_title)
            if title:
                if titles is None:
                    titles = _SetIndex({k: set(k.split()) for k in by_title})
                top = max(((score, min(by_title[k])) for score, k in titles.best(set(title.split()), None)),
                          default=None)
                if top is not None:
                    best = DocLink(record.trial_id, top[1], round(top[0], 3), "title_words", False)
        links[record.trial_id] = best
    return links


def _first_with_summary(known: dict[str, list[TrialRecord]]) -> Iterator[tuple[str, TrialRecord]]:
    """Per known trial, its record with the first summary in text order (not the documents' order: the same
    records under other file names give the same links)."""
    for tid, recs in known.items():
        summaries = [r for r in recs if r.brief_summary]
        if summaries:
            yield tid, min(summaries, key=lambda r: r.brief_summary)


class _SetIndex:
    """Sets by key, for exact Jaccard top-k queries: the first queries compare with every set; after
    :data:`INDEX_AFTER` queries an inverted index (element → keys) is built and only the sets that share an
    element are scored."""

    INDEX_AFTER = 16

    def __init__(self, sets: dict[str, set]) -> None:
        self.sets = sets
        self.keys_desc = sorted(sets, reverse=True)
        self.queries = 0
        self.postings: defaultdict[object, list[str]] | None = None

    def _shared(self, mine: set) -> dict[str, int]:
        """Key → number of elements shared with ``mine``, for every key sharing one."""
        self.queries += 1
        if self.postings is None and self.queries <= self.INDEX_AFTER:
            return {key: inter for key, items in self.sets.items() if (inter := len(mine & items))}
        if self.postings is None:
            self.postings = defaultdict(list)
            for key, items in self.sets.items():
                for item in items:
                    self.postings[item].append(key)
        shared: Counter[str] = Counter()
        for item in mine:
            keys = self.postings.get(item)
            if keys:
                shared.update(keys)
        return shared

    def best(self, mine: set, k: int | None, zeros: bool = False) -> list[tuple[float, str]]:
        """The ``k`` greatest (Jaccard similarity, key) pairs with ``mine`` (all that share an element when ``k``
        is None), in descending order; ``zeros``: filled up to ``k`` with the greatest keys sharing nothing (the
        order of a full sort of every key's similarity)."""
        shared = self._shared(mine)
        n = len(mine)
        scored = [(inter / (n + len(self.sets[key]) - inter), key) for key, inter in shared.items()]
        top = heapq.nlargest(k, scored) if k is not None else scored
        if zeros and k is not None and len(top) < k:
            for key in self.keys_desc:
                if key not in shared:
                    top.append((0.0, key))
                    if len(top) == k:
                        break
        return top
