"""Is a trial an MSC trial, and what does it give: cell source, donor, product, route, dose, schedule.

Pure functions over a :class:`TrialText` (no database). Text is read field by field, most specific first:
the MSC interventions (name, other names, description), then the arms that give them, then the titles, the brief
summary and the detailed description; an attribute is taken from the first tier that states it, and every value
keeps the sentence it came from as evidence ("field: sentence"). Vocabularies live in ``data/vocab/msc*.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ingest.model import Arm, Intervention
from warehouse import msc_dose, yaml_text

try:  # CPython's parser of regular expressions (private): used only to find each pattern's anchor, an optimisation
    import re._constants as _rc
    import re._parser as _rp
except ImportError:  # pragma: no cover - a Python without it runs every pattern on every text
    _rc = _rp = None

VOCAB_DIR = Path(__file__).resolve().parent.parent / "data" / "vocab"
EVIDENCE_CHARS = 300

SOURCES = ("umbilical_cord", "wharton_jelly", "bone_marrow", "adipose", "placenta", "amnion", "dental_pulp",
           "menstrual_blood", "cord_blood", "other", "unspecified")
PRODUCTS = ("cells", "secretome", "conditioned_medium", "exosomes", "extracellular_vesicles")
ROUTES = ("intravenous", "intra_articular", "intrathecal", "intramuscular", "intramyocardial", "intracoronary",
          "intradiscal", "intra_arterial", "subcutaneous", "intradermal", "topical", "local_injection", "intranasal",
          "inhaled", "other")


@dataclass(slots=True)
class TrialText:
    trial_id: str
    brief_title: str | None = None
    official_title: str | None = None
    brief_summary: str | None = None
    detailed_description: str | None = None
    study_type: str | None = None
    interventions: list[Intervention] = field(default_factory=list)
    arms: list[Arm] = field(default_factory=list)


class Segment:
    """One field to read: tier 0 intervention, 1 arm, 2 title, 3 brief summary, 4 detailed description."""

    __slots__ = ("tier", "field", "text", "arm_label", "_sentences")

    def __init__(self, tier: int, field: str, text: str, arm_label: str | None = None) -> None:
        self.tier, self.field, self.text, self.arm_label = tier, field, text, arm_label
        self._sentences: list[str] | None = None

    @property
    def sentences(self) -> list[str]:
        """Its sentences (in the summary and description only those worth reading), split on first use."""
        if self._sentences is None:
            key = (self.tier >= 3, self.text)
            got = _SENTENCES.get(key)
            if got is None:
                if len(_SENTENCES) > 20_000:
                    _SENTENCES.clear()
                got = msc_dose.split_sentences(self.text) or [self.text]
                if self.tier >= 3:
                    got = [s for s in got if _worth_reading(s)]
                _SENTENCES[key] = got
            self._sentences = got
        return self._sentences


_SENTENCES: dict[tuple[bool, str], list[str]] = {}


@dataclass(slots=True)
class Finding:
    value: object
    evidence: str


@dataclass(slots=True)
class ArmDose:
    arm_label: str
    dose_per_kg: float | None = None
    dose_per_kg_max: float | None = None
    dose_total_cells: float | None = None
    dose_total_cells_max: float | None = None
    dose_text: str | None = None
    n_administrations: int | None = None
    route: str | None = None
    evidence: str | None = None


@dataclass(slots=True)
class Profile:
    trial_id: str
    is_msc: bool
    is_msc_evidence: str
    cell_source: str | None = None
    donor: str | None = None
    product_type: str | None = None
    route: str | None = None
    dose_per_kg: float | None = None
    dose_per_kg_max: float | None = None
    dose_total_cells: float | None = None
    dose_total_cells_max: float | None = None
    dose_text: str | None = None
    n_administrations: int | None = None
    evidence: str | None = None
    arm_doses: list[ArmDose] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------ vocabulary

#: Characters that ``re.IGNORECASE`` matches to an ASCII letter (İ ı → i, ſ → s, Kelvin sign → k): folded first so
#: that a plain substring test on the folded, lower-cased text never misses what the regex would match.
_FOLD = str.maketrans("\u0130\u0131\u017f\u212a", "iisk")
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_REPEATS = tuple(op for op in (getattr(_rc, n, None) for n in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")) if op)


_SPECIAL = re.compile("[\u0130\u0131\u017f\u212a]")


def _fold_special(text: str) -> str:
    return text if text.isascii() or not _SPECIAL.search(text) else text.translate(_FOLD)


def fold(text: str) -> str:
    """Lower-cased text in which every substring a case-insensitive pattern can match is found by ``in``."""
    return _fold_special(text).lower()


Anchor = tuple[frozenset[str], bool]  # (alternatives, one of which the text must contain; case-sensitive?)


def _anchor(items, ci: bool) -> Anchor | None:
    """The most selective literal a match of the parsed ``items`` must contain (alphanumeric runs only)."""
    cands: list[Anchor] = []
    run, run_ci = "", ci

    def flush() -> None:
        nonlocal run
        if run:
            cands.append((frozenset([run.lower() if run_ci else run]), not run_ci))
        run = ""

    for op, av in items:
        if op is _rc.LITERAL and chr(av).isascii() and chr(av).isalnum():
            if run and run_ci != ci:
                flush()
            run, run_ci = run + chr(av), ci
            continue
        flush()
        found = None
        if op is _rc.SUBPATTERN:
            sub_ci = (ci or bool(av[1] & re.I)) and not av[2] & re.I
            found = _anchor(av[3], sub_ci)
        elif op in _REPEATS and av[0] >= 1:
            found = _anchor(av[2], ci)
        elif op is _rc.BRANCH:
            alts = [_anchor(a, ci) for a in av[1]]
            if all(alts):
                cs = all(a[1] for a in alts)
                found = (frozenset(x if cs else x.lower() for a in alts for x in a[0]), cs)
        if found:
            cands.append(found)
    flush()
    cands = [c for c in cands if min(map(len, c[0])) >= 2]
    if not cands:
        return None
    return max(cands, key=lambda c: (min(map(len, c[0])) + 2 * c[1], -len(c[0])))


def anchor_of(rx: re.Pattern) -> Anchor | None:
    """A literal every match of ``rx`` contains (None when the pattern has none worth testing)."""
    try:
        return _anchor(_rp.parse(rx.pattern, rx.flags & ~re.UNICODE).data, bool(rx.flags & re.I))
    except Exception:  # noqa: BLE001 - an anchor is only an optimisation; without one the pattern always runs
        return None


class Present:
    """Which anchors occur in a text: folded and case-sensitive alphanumeric substrings, found through its words.

    Every anchor is alphanumeric, so an occurrence lies inside one word; words are looked up in a memo (per
    process) that maps a word to the anchors it contains, so a text costs one tokenisation and a few dict hits.
    """

    __slots__ = ("ci", "cs")

    _memo: dict[str, tuple[frozenset, frozenset]] = {}  # word → anchors in it (words with some)
    _none: set[str] = set()  # words known to hold no anchor
    _ci_all: frozenset = frozenset()
    _cs_all: frozenset = frozenset()
    _by_head: dict[str, tuple[str, ...]] = {}

    def __init__(self, text: str) -> None:
        ci: set[str] = set()
        cs: set[str] = set()
        memo, none = Present._memo, Present._none
        for tok in set(_TOKEN.findall(_fold_special(text))) - none:
            hit = memo.get(tok)
            if hit is None:
                hit = self._contains(tok)
                if len(memo) + len(none) > 500_000:
                    memo.clear()
                    none.clear()
                if hit is None:
                    none.add(tok)
                    continue
                memo[tok] = hit
            ci |= hit[0]
            cs |= hit[1]
        self.ci, self.cs = ci, cs

    @classmethod
    def register(cls, anchors: list[Anchor | None]) -> None:
        ci = {x for a in anchors if a and not a[1] for x in a[0]}
        cs = {x for a in anchors if a and a[1] for x in a[0]}
        if not (ci <= cls._ci_all and cs <= cls._cs_all):
            cls._ci_all, cls._cs_all = cls._ci_all | ci, cls._cs_all | cs
            heads: dict[str, list[str]] = {}
            for w in cls._ci_all | cls._cs_all:
                heads.setdefault(w[:3].lower(), []).append(w)
            cls._by_head = {k: tuple(v) for k, v in heads.items()}
            cls._memo, cls._none = {}, set()
            _PRESENT.clear()

    @classmethod
    def _contains(cls, tok: str) -> tuple[frozenset, frozenset] | None:
        """(folded anchors, case-sensitive anchors) inside one word, found by their first three letters."""
        low, by_head, ci_all, cs_all = tok.lower(), cls._by_head, cls._ci_all, cls._cs_all
        ci: set[str] = set()
        cs: set[str] = set()
        for i in range(len(tok) - 1):
            for key in (low[i:i + 3], low[i:i + 2]) if i + 2 < len(tok) else (low[i:i + 2],):
                for w in by_head.get(key, ()):
                    if w in ci_all and low.startswith(w, i):
                        ci.add(w)
                    if w in cs_all and tok.startswith(w, i):
                        cs.add(w)
        return (frozenset(ci), frozenset(cs)) if ci or cs else None

    def has(self, anchor: Anchor | None) -> bool:
        return anchor is None or not (anchor[0].isdisjoint(self.cs if anchor[1] else self.ci))


_PRESENT: dict[str, Present] = {}


def present(text: str) -> Present:
    """:class:`Present` of ``text``, memoised (the memo is emptied for every trial)."""
    p = _PRESENT.get(text)
    if p is None:
        if len(_PRESENT) > 20_000:
            _PRESENT.clear()
        p = _PRESENT[text] = Present(text)
    return p


def _is_literal(rx: re.Pattern) -> bool:
    """Is the pattern one alphanumeric word (so finding its anchor is finding a match)?"""
    try:
        items = _rp.parse(rx.pattern, rx.flags & ~re.UNICODE).data
    except Exception:  # noqa: BLE001
        return False
    return bool(items) and all(op is _rc.LITERAL and chr(av).isascii() and chr(av).isalnum() for op, av in items)


class Patterns:
    """Several case-insensitive patterns searched one by one: much faster in ``re`` than one big alternation.

    Each pattern carries an anchor (a literal every match contains, see :func:`anchor_of`); only the patterns whose
    anchor the text contains are run, found through an index from anchor to patterns. ``labels`` name the family
    of each pattern when several families are searched together (:meth:`labelled`).
    """

    __slots__ = ("compiled", "anchors", "literal", "labels", "_ci", "_cs", "_always")

    def __init__(self, patterns: list[str | re.Pattern], anchors: list[Anchor | None] | None = None,
                 literal: list[bool] | None = None, labels: list[str] | None = None) -> None:
        self.compiled = [p if isinstance(p, re.Pattern) else re.compile(p, re.I) for p in patterns]
        self.anchors = anchors if anchors is not None else [anchor_of(rx) for rx in self.compiled]
        self.literal = literal if literal is not None else [_is_literal(rx) for rx in self.compiled]
        self.labels = labels if labels is not None else [""] * len(self.compiled)
        Present.register(self.anchors)
        self._ci: dict[str, list[int]] = {}
        self._cs: dict[str, list[int]] = {}
        self._always = [i for i, a in enumerate(self.anchors) if a is None]
        for i, a in enumerate(self.anchors):
            if a is not None:
                for w in a[0]:
                    (self._cs if a[1] else self._ci).setdefault(w, []).append(i)

    @classmethod
    def families(cls, groups: dict[str, Patterns]) -> Patterns:
        """All patterns of several families, labelled with the family name, in family order."""
        items = [(k, rx, a, lit) for k, ps in groups.items()
                 for rx, a, lit in zip(ps.compiled, ps.anchors, ps.literal, strict=True)]
        return cls([x[1] for x in items], [x[2] for x in items], [x[3] for x in items], [x[0] for x in items])

    def indices(self, text: str) -> list[int]:
        """Positions (in order) of the patterns whose anchor ``text`` contains (or any text that contains it)."""
        p = present(text)
        hits = self._always
        ci, cs = self._ci, self._cs
        extra = [i for w in p.ci if w in ci for i in ci[w]]
        if cs and p.cs:
            extra += [i for w in p.cs if w in cs for i in cs[w]]
        if not extra:
            return hits
        return sorted(set(hits).union(extra))

    def _gated(self, text: str) -> list[re.Pattern]:
        compiled = self.compiled
        return [compiled[i] for i in self.indices(text)]

    def labelled(self, text: str) -> list[tuple[str, re.Pattern]]:
        """(family, pattern) for the patterns whose anchor ``text`` contains, in order."""
        return [(self.labels[i], self.compiled[i]) for i in self.indices(text)]

    def test(self, text: str) -> bool:
        """Does any pattern match ``text``? (A one-word pattern whose word is there needs no regex.)"""
        for i in self.indices(text):
            if self.literal[i] or self.compiled[i].search(text):
                return True
        return False

    def search(self, text: str, pos: int = 0, endpos: int | None = None, within: str | None = None) \
            -> re.Match | None:
        """First match of the first pattern that matches; ``within``: a text containing ``text`` (gates for it)."""
        end = len(text) if endpos is None else endpos
        for rx in self._gated(within or text):
            m = rx.search(text, pos, end)
            if m:
                return m
        return None

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None):
        end = len(text) if endpos is None else endpos
        for rx in self._gated(text):
            yield from rx.finditer(text, pos, end)

    def __add__(self, other: Patterns) -> Patterns:
        return Patterns(self.compiled + other.compiled, self.anchors + other.anchors, self.literal + other.literal,
                        self.labels + other.labels)


def split_alternatives(pattern: str) -> list[str]:
    """Split a regex at its top-level ``|`` (outside groups and classes).

    >>> split_alternatives(r"a(b|c)|[|]d|e")
    ['a(b|c)', '[|]d', 'e']
    """
    parts, depth, in_class, escaped, start = [], 0, False, False, 0
    for i, ch in enumerate(pattern):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return [p for p in parts if p]


def _rx(patterns: str | list[str]) -> Patterns:
    if isinstance(patterns, str):
        patterns = [patterns]
    return Patterns([piece for p in patterns for piece in split_alternatives(p)])


def _rx_words(words: str, bounded: bool = False) -> Patterns:
    """A word list as one pattern per word (each skipped unless its anchor is in the text)."""
    alts = split_alternatives(words)
    return Patterns([rf"\b(?:{w})\b" if bounded else w for w in alts])


#: Summary/description sentences that read as background (literature, animals, "such as" …) are skipped;
#: matched on folded lower-case text.
_BACKGROUND = re.compile(
    r"\b(?:studies|previous(?:ly)?|have\s+(?:been\s+)?(?:shown|demonstrated|reported|proven|used)|has\s+been|"
    r"literature|reported|pre-?clinical|animal|mice|murine|rats?|rabbits?|in\s+vitro|our\s+(?:team|group)\s+has|"
    r"were\s+found|can\s+be|may\s+be|is\s+a\s+kind|are\s+(?:a|multipotent|found|present|able)|is\s+known|"
    r"such\s+as|including|e\.g\.|for\s+example|known\s+to|approved|fda|studied|investigated|been\s+used|"
    r"trials|recent(?:ly)?)\b")

#: Summary/description sentences worth reading name one of these (cheap pre-filter; the attribute rules are
#: stricter), or a whole word "cell(s)".
_RELEVANT = ("mesench", "msc", "stromal", "stem", "exosom", "vesicle", "secretome", "conditioned", "dose", "infus",
             "inject", "administ", "deliver", "transplant", "transfus", "inhal", "nebuli", "topical", "intra",
             "autolog", "allogen", "marrow", "adipose", "cord", "placent", "wharton")
_CELL_WORD = re.compile(r"\bcells?\b")


def _worth_reading(sentence: str) -> bool:
    low = fold(sentence)
    return (any(w in low for w in _RELEVANT) or _CELL_WORD.search(low) is not None) \
        and _BACKGROUND.search(low) is None


@dataclass(slots=True)
class Vocab:
    msc: Patterns
    trade: list[tuple[re.Pattern, dict, Anchor | None]]
    non_msc: dict[str, Patterns]
    include: Patterns
    exclude: Patterns
    lab: Patterns
    follow_up: Patterns
    generic: Patterns
    control: Patterns
    sources: dict[str, Patterns]
    source_suppresses: dict[str, list[str]]
    donors: dict[str, Patterns]
    allogeneic_sources: frozenset[str]
    products: dict[str, Patterns]
    product_suppresses: dict[str, list[str]]
    routes: dict[str, Patterns]
    cellish: Patterns
    source_all: Patterns
    donor_all: Patterns
    route_all: Patterns
    trade_rx: Patterns
    non_msc_all: Patterns
    product_all: Patterns
    source_lists: Patterns
    donor_statements: Patterns
    route_default: Patterns
    cache: dict = field(default_factory=dict)


def _merge(into: dict, extra: dict) -> dict:
    for key, value in extra.items():
        if isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = into[key] + value
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


@lru_cache(maxsize=4)
def load_vocab(vocab_dir: Path = VOCAB_DIR) -> Vocab:
    """Read ``msc.yaml`` and any ``msc_*.yaml`` beside it (lists are appended, mappings merged)."""
    data: dict = {}
    for path in sorted(vocab_dir.glob("msc*.yaml")):
        with path.open(encoding="utf-8") as fh:
            _merge(data, yaml_text.safe_load(fh) or {})
    trade = []
    for t in data.get("trade_names", []):
        rx = re.compile(t["pattern"], re.I)
        trade.append((rx, t, anchor_of(rx)))
    Present.register([a for _, _, a in trade])
    trade_rx = [t["pattern"] for t in data.get("trade_names", [])]
    sources = {k: _rx(v) for k, v in data["cell_sources"].items()}
    donors = {k: _rx(v) for k, v in data["donors"].items()}
    routes = {k: _rx(v) for k, v in data["routes"].items()}
    non_msc = {k: _rx(v) for k, v in data["non_msc_products"].items()}
    products = {k: _rx(v) for k, v in data["product_types"].items()}
    msc = _rx(list(data["msc_terms"]) + trade_rx + list(data["borderline"]["include"]))
    return Vocab(
        msc=msc,
        trade=trade,
        non_msc=non_msc,
        include=_rx(data["borderline"]["include"]),
        exclude=_rx(data["borderline"]["exclude"]),
        lab=_rx(data["lab_study"]),
        follow_up=_rx(data["follow_up_study"]),
        generic=_rx(data["generic_cell_intervention"]),
        control=_rx(data["placebo_or_control"]),
        sources=sources,
        source_suppresses=data.get("source_suppresses", {}),
        donors=donors,
        allogeneic_sources=frozenset(data.get("allogeneic_sources", [])),
        products=products,
        product_suppresses=data.get("product_suppresses", {}),
        routes=routes,
        cellish=msc + _CELL_WORDS,
        source_all=Patterns.families(sources), donor_all=Patterns.families(donors),
        route_all=Patterns.families(routes), non_msc_all=Patterns.families(non_msc),
        product_all=Patterns.families(products),
        source_lists=_rx(data.get("source_lists", [])),
        donor_statements=Patterns.families({k: _rx(v) for k, v in data.get("donor_statements", {}).items()}),
        route_default=Patterns.families({k: _rx(v) for k, v in data.get("route_default", {}).items()}),
        trade_rx=Patterns([rx for rx, _, _ in trade], [a for _, _, a in trade],
                          labels=[str(i) for i in range(len(trade))]),
    )


# ------------------------------------------------------------------------------------------------ helpers

_SPACES = re.compile(r"\s+")
_TYPE_PREFIX = re.compile(r"^\s*[A-Za-z ]+:\s*")
_EXPLICIT_MSC = re.compile(r"MSC|mesench", re.I)
_CULTURED = re.compile(r"cultur|expan|passage", re.I)
_CUMULATIVE = re.compile(r"cumulative|total\s+(?:dose\s+)?(?:of\s+)?up\s+to|up\s+to\s+a\s+total")


def _clean(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def _evidence(seg: Segment, sentence: str) -> str:
    s = _clean(sentence)
    if len(s) > EVIDENCE_CHARS:
        s = s[:EVIDENCE_CHARS - 1] + "…"
    return f"{seg.field}: {s}"


def _sentences(seg: Segment) -> list[str]:
    return seg.sentences


def _norm_name(name: str) -> str:
    return _TYPE_PREFIX.sub("", name or "").strip().lower()


def _non_msc_hit(v: Vocab, text: str) -> str | None:
    for label, rx in v.non_msc_all.labelled(text):
        if rx.search(text):
            return label
    return None


def _is_msc_text(v: Vocab, text: str) -> bool:
    """An MSC term that is not only part of an excluded borderline product (SVF, BMAC); memoised per text."""
    key = ("msc", text)
    if key not in v.cache:
        v.cache[key] = _msc_scan(v, text)
    return v.cache[key]


def _msc_scan(v: Vocab, text: str) -> bool:
    for m in v.msc.finditer(text):
        window = text[max(0, m.start() - 40):m.end() + 40]
        explicit = _EXPLICIT_MSC.search(m.group(0))
        if not explicit and v.exclude.search(window, within=text) and \
                not _CULTURED.search(window):
            continue
        return True
    return False


def msc_interventions(trial: TrialText, v: Vocab | None = None) -> list[Intervention]:
    """The interventions that are MSC products (by name/other names, else by description)."""
    v = v or load_vocab()
    out = []
    for iv in trial.interventions:
        name_text = " ".join([iv.name or "", *iv.other_names])
        if _is_msc_text(v, name_text):
            out.append(iv)
        elif not _non_msc_hit(v, name_text) and not v.control.search(name_text) and \
                _is_msc_text(v, iv.description or ""):
            out.append(iv)
    return out


def _generic_interventions(trial: TrialText, v: Vocab) -> list[Intervention]:
    out = []
    for iv in trial.interventions:
        text = " ".join([iv.name or "", *iv.other_names])
        if _non_msc_hit(v, text + " " + (iv.description or "")) or v.lab.search(text):
            continue
        if v.control.search(text) and not re.search(r"\bstem\s*cells?\b|\bcells\b", text, re.I):
            continue
        if (iv.intervention_type or "").upper() in ("BIOLOGICAL", "GENETIC", "COMBINATION_PRODUCT") or \
                v.generic.search(text):
            out.append(iv)
    return out


def classify_is_msc(trial: TrialText, v: Vocab | None = None) -> tuple[bool, str, list[Intervention]]:
    """(is_msc, evidence, MSC interventions). See docs/msc_rules.md for the rules."""
    v = v or load_vocab()
    ivs = msc_interventions(trial, v)
    if ivs:
        iv = ivs[0]
        where = "name" if _is_msc_text(v, " ".join([iv.name, *iv.other_names])) else "description"
        text = iv.name if where == "name" else _first_sentence(v.msc, iv.description or "")
        return True, f"intervention '{iv.name}' {where}: {_clean(text)[:EVIDENCE_CHARS]}", ivs
    for arm in trial.arms:
        text = f"{arm.label}. {arm.description or ''}"
        if (arm.arm_type or "").upper() in ("PLACEBO_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION"):
            continue
        if _is_msc_text(v, text):
            linked = {_norm_name(n) for n in arm.intervention_names}
            linked_ivs = [iv for iv in trial.interventions if _norm_name(iv.name) in linked]
            names = " ".join(iv.name for iv in linked_ivs)
            sentence = _first_sentence(v.msc, text)
            if _non_msc_hit(v, names) and not _is_msc_text(v, names) and not re.search(
                    r"\b(?:cultur|expan)\w*", sentence, re.I):
                continue
            if _non_msc_hit(v, sentence) and not re.search(r"\b(?:cultur|expan)\w*", sentence, re.I):
                continue
            return True, f"arm '{arm.label}' description: {_clean(sentence)[:EVIDENCE_CHARS]}", linked_ivs
    title = " ".join(filter(None, [trial.brief_title, trial.official_title]))
    summary = " ".join(filter(None, [trial.brief_summary, trial.detailed_description]))
    generic = _generic_interventions(trial, v)
    named_other = [iv for iv in trial.interventions if _non_msc_hit(v, iv.name + " " + (iv.description or ""))]
    has_ivs = bool(trial.interventions)
    for label, text in (("title", title), ("summary", summary)):
        if not _is_msc_text(v, text):
            continue
        sentence = _first_sentence(v.msc, text)
        if named_other and not generic and not (label == "title" and _administers(text)):
            continue
        if named_other and not generic:
            return True, f"title names MSCs given with '{named_other[0].name}': {_clean(sentence)[:EVIDENCE_CHARS]}", []
        if generic and (label == "title" or _administers(text)):
            return True, f"{label} (intervention '{generic[0].name}' unnamed): {_clean(sentence)[:EVIDENCE_CHARS]}", \
                generic
        if label == "title" and _TITLE_GIVES.search(trial.brief_title or "") and not re.search(
                r"pre-?clinical|in\s+vitro|\bmodels?\b", text, re.I):
            return True, f"title names MSCs given to patients: {_clean(sentence)[:EVIDENCE_CHARS]}", generic
        if not has_ivs and v.follow_up.search(title) and _administers(text):
            return True, f"{label} (follow-up of an MSC trial): {_clean(sentence)[:EVIDENCE_CHARS]}", []
    if trial.interventions:
        reason = "interventions name no MSC product: " + "; ".join(iv.name for iv in trial.interventions)[:200]
    else:
        reason = "no intervention named; MSCs are only studied or mentioned"
    return False, reason, []


_TITLE_GIVES = re.compile(
    r"(?:infusion|injection|transplantation|administration|implantation|delivery|instillation)\s+of\s+"
    r"(?:[\w'-]+\s+){0,4}?(?:mesench|MSC|stromal)|(?:mesenchymal\s+(?:stem|stromal)\s+cells?|MSCs?)\s+"
    r"(?:infusion|injection|transplantation|implantation|therapy|treatment|administration)", re.I)


def _administers(text: str) -> bool:
    return bool(re.search(
        r"(?:infus|inject|transplant|administ|implant|receiv|treat(?:ed|ment)\s+with|deliver|given|instill|"
        r"inhal)\w*[^.]{0,80}(?:mesench|MSC|stromal|stem\s+cell)|(?:mesench|MSC|stromal|stem\s+cell)\w*[^.]{0,80}"
        r"(?:infus|inject|transplant|administ|implant|deliver|given)", text, re.I))


def _first_sentence(rx: Patterns, text: str) -> str:
    for s in msc_dose.split_sentences(text):
        if rx.search(s):
            return s
    return text


# ------------------------------------------------------------------------------------------------ segments

def _all_text(trial: TrialText) -> str:
    parts = [trial.brief_title, trial.official_title, trial.brief_summary, trial.detailed_description]
    for iv in trial.interventions:
        parts += [iv.name, iv.description, *iv.other_names]
    for arm in trial.arms:
        parts += [arm.label, arm.description, *arm.intervention_names]
    return "\n".join(p for p in parts if p)


def segments(trial: TrialText, ivs: list[Intervention], v: Vocab | None = None) -> list[Segment]:
    """The texts to read, most specific first (tiers 0–4)."""
    segs: list[Segment] = []
    for iv in ivs:
        segs.append(Segment(0, f"intervention '{iv.name}' name", iv.name))
        for other in iv.other_names:
            segs.append(Segment(0, f"intervention '{iv.name}' other name", other))
        if iv.description:
            segs.append(Segment(0, f"intervention '{iv.name}' description", iv.description))
    for arm in msc_arms(trial, ivs, v):
        if arm.description:
            segs.append(Segment(1, f"arm '{arm.label}' description", arm.description, arm.label))
    for name, text in (("brief_title", trial.brief_title), ("official_title", trial.official_title)):
        if text:
            segs.append(Segment(2, name, text))
    if trial.brief_summary:
        segs.append(Segment(3, "brief_summary", trial.brief_summary))
    if trial.detailed_description:
        segs.append(Segment(4, "detailed_description", trial.detailed_description))
    return segs


def msc_arms(trial: TrialText, ivs: list[Intervention], v: Vocab | None = None) -> list[Arm]:
    """Arms that give an MSC intervention (by link, else by naming MSCs), comparators excluded."""
    v = v or load_vocab()
    names = {_norm_name(iv.name) for iv in ivs}
    out = []
    for arm in trial.arms:
        if (arm.arm_type or "").upper() in ("PLACEBO_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION"):
            continue
        linked = {_norm_name(n) for n in arm.intervention_names}
        if linked & names or (not linked and _is_msc_text(v, f"{arm.label} {arm.description or ''}")):
            out.append(arm)
    return out


def _near(text: str, start: int, end: int, rx: Patterns, before: int, after: int) -> bool:
    """Does ``rx`` match within ``before`` chars before or ``after`` chars after the span?"""
    lo, hi = max(0, start - before), min(len(text), end + after)
    for m in rx.finditer(text, lo, hi):
        if m.end() <= start or m.start() >= end:
            return True
    return False


def _tiered(segs: list[Segment], find) -> tuple[set, list[str]]:
    """Values ``find(seg, sentence)`` returns from the first tier that yields any, with evidence."""
    for tier in range(5):
        values: set = set()
        evidence: list[str] = []
        for seg in segs:
            if seg.tier != tier:
                continue
            for sentence in _sentences(seg):
                found = find(seg, sentence)
                new = [x for x in found if x not in values]
                if new:
                    values.update(new)
                    evidence.append(_evidence(seg, sentence))
        if values:
            return values, evidence
    return set(), []


# ------------------------------------------------------------------------------------------------ attributes

def _trade_hits(v: Vocab, text: str) -> list[dict]:
    """Trade names in ``text`` (memoised per text)."""
    key = ("trade", text)
    if key not in v.cache:
        hits = [v.trade[int(i)][1] for i, rx in v.trade_rx.labelled(text) if rx.search(text)]
        v.cache[key] = hits
    return v.cache[key]


#: Words of a sentence about this trial (not a definition such as "MSCs are multipotent cells found in …").
_TRIAL_WORDS = _rx_words(r"\bwill\b|\bwere\b|\bwas\b|receiv|\bgiven\b|administ|inject|infus|transplant|implant|"
                         r"patient|participant|subject|\bdoses?\b|\bgroups?\b|\barms?\b|\bstudy\b|\btrial\b|"
                         r"\bused\b|\bprepared\b|\bmanufactur|\bproduct\b")
_DEFINITION = _rx_words(r"^there\s+(?:are|is)\b|\bis\s+a\s+kind\b|\bare\s+(?:a|multipotent|found|present|able)\b|"
                        r"\bcan\s+be\b|\bhave\s+(?:been\s+)?(?:shown|demonstrated|reported)\b|\bstudies\b|"
                        r"\bknown\s+(?:as|to)\b|\bcalled\b")


def _definition(seg: Segment, sentence: str) -> bool:
    """A sentence of an intervention or arm description that defines MSCs in general, not this trial's product."""
    return seg.tier <= 1 and not seg.field.endswith("name") and _DEFINITION.test(sentence) \
        and not _TRIAL_WORDS.test(sentence)


def find_sources(v: Vocab, seg: Segment, sentence: str) -> set[str]:
    found: set[str] = set()
    if _definition(seg, sentence):
        return found
    if seg.tier >= 2 and not _is_msc_text(v, sentence):
        return {t["cell_source"] for t in _trade_hits(v, sentence) if t.get("cell_source")}
    for name, rx in v.source_all.labelled(sentence):
        if name in found:
            continue
        for m in rx.finditer(sentence):
            if seg.tier >= 2 and not _near(sentence, m.start(), m.end(), v.msc, 60, 60):
                continue
            if name in ("bone_marrow", "cord_blood", "umbilical_cord"):
                window = sentence[max(0, m.start() - 20):m.end() + 25]
                if (v.non_msc["hematopoietic"].search(window, within=sentence)
                        or v.non_msc["cord_blood_unit"].search(window, within=sentence)) \
                        and not _near(sentence, m.start(), m.end(), v.msc, 0, 12):
                    continue
            found.add(name)
            break
    if len(found) >= 2 and v.source_lists.test(sentence):
        found = set()  # "MSCs can be derived from umbilical cord, bone marrow, adipose tissue …": background
    for t in _trade_hits(v, sentence):
        if t.get("cell_source"):
            found.add(t["cell_source"])
    for keep, drop in v.source_suppresses.items():
        if keep in found:
            found.difference_update(drop)
    return found


_CELL_WORDS = Patterns([r"\bcells?\b|\bstem\b|\bproduct\b"])


def find_donors(v: Vocab, seg: Segment, sentence: str) -> set[str]:
    found: set[str] = set()
    cellish = v.cellish
    for name, rx in v.donor_all.labelled(sentence):
        if name in found:
            continue
        for m in rx.finditer(sentence):
            short = seg.field.endswith(" name") or seg.field.endswith(" other name")
            if short or _near(sentence, m.start(), m.end(), cellish, 45, 60):
                window = sentence[m.start():m.end() + 40]
                if name == "autologous" and re.match(
                        r"\w+\s+(?:serum|plasma|PRP|platelet|blood\s+(?:stem|progenitor)|h(?:a)?ematopoietic|"
                        r"peripheral|stem\s+cell\s+transplant|HSCT|fat\s+graft|chondrocyte|bone\s+graft)", window,
                        re.I):
                    continue
                if name == "allogeneic" and re.match(
                        r"\w+\s+(?:h(?:a)?ematopoietic|stem\s+cell\s+transplant|HSCT|bone\s+marrow\s+transplant|"
                        r"AB\s+plasma|plasma|serum|donor\s+(?:lymph|T))", window, re.I):
                    continue
                found.add(name)
                break
    for name, rx in v.donor_statements.labelled(sentence):
        if rx.search(sentence):
            found.add(name)
    if not found:
        for t in _trade_hits(v, sentence):
            if t.get("donor"):
                found.add(t["donor"])
    return found


def find_products(v: Vocab, seg: Segment, sentence: str) -> set[str]:
    found = {name for name, rx in v.product_all.labelled(sentence) if rx.search(sentence)}
    for t in _trade_hits(v, sentence):
        if t.get("product_type") and t["product_type"] != "cells":
            found.add(t["product_type"])
    for keep, drop in v.product_suppresses.items():
        if keep in found:
            found.difference_update(drop)
    if not found and _is_msc_text(v, sentence):
        found.add("cells")
    return found


_CONTROL_WORDS = _rx_words("placebo|saline|control|vehicle")
_AFTER_CONTROL = re.compile(r"(?:placebo|saline|control|vehicle)\W+(?:\w+\W+){0,3}$", re.I)
_ADMIN_WORDS = _rx_words(r"\bcells?|\bdose|\binfus|\binject|\badminist|\bdeliver|\btransplant|\btransfus")


def find_routes(v: Vocab, seg: Segment, sentence: str) -> set[str]:
    found: set[str] = set()
    if seg.tier >= 3 and not (_ADMIN_WORDS.test(sentence) or _is_msc_text(v, sentence)):
        return found
    for name, rx in v.route_all.labelled(sentence):
        if name in found:
            continue
        for m in rx.finditer(sentence):
            ctx = sentence[max(0, m.start() - 60):m.end() + 60]
            if _CONTROL_WORDS.test(sentence) and _AFTER_CONTROL.search(sentence[:m.start()]) \
                    and not v.msc.search(ctx, within=sentence):
                continue
            found.add(name)
            break
    if len(found) > 1:
        found.discard("other")
    if "intra_arterial" in found and "intracoronary" in found and not re.search(
            r"intra-?\s?arterial|hepatic|carotid|femoral|renal|vertebral", sentence, re.I):
        found.discard("intra_arterial")
    return found


def _default_route(segs: list[Segment], v: Vocab) -> tuple[set[str], list[str]]:
    """Rule ``route_default``: no route named anywhere, but the product is infused (tiers 0–2) → intravenous."""
    for seg in segs:
        if seg.tier > 2:
            break
        for sentence in _sentences(seg):
            for name, rx in v.route_default.labelled(sentence):
                for m in rx.finditer(sentence):
                    if _near(sentence, m.start(), m.end(), v.cellish, 50, 50) and \
                            not _near(sentence, m.start(), m.end(), v.non_msc_all, 25, 25):
                        return {name}, [f"rule route_default (no route named; the product is infused): "
                                        f"{_evidence(seg, sentence)}"]
    return set(), []


def _join(values: set[str], order: tuple[str, ...]) -> str | None:
    if not values:
        return None
    return "|".join(sorted(v for v in values if v in order))


def _dose_find(seg: Segment, sentence: str) -> list[msc_dose.Dose]:
    out = []
    for d in msc_dose.cell_doses(sentence):
        before = sentence[max(0, d.start - 30):d.start].lower() if d.start < len(sentence) else ""
        if _CUMULATIVE.search(before):
            continue
        out.append(d)
    return out


def _summarise_doses(doses: list[msc_dose.Dose]) -> dict:
    out: dict = {}
    for kind, key in (("per_kg", "dose_per_kg"), ("total", "dose_total_cells")):
        ds = [d for d in doses if d.kind == kind]
        if not ds:
            continue
        lows = [d.value for d in ds if d.value is not None]
        highs = [x for d in ds for x in (d.value, d.value_max) if x is not None]
        out[key] = min(lows)
        hi = max(highs)
        if hi != out[key]:
            out[key + "_max"] = hi
    return out


def find_doses(segs: list[Segment], tiers: tuple[int, ...] = (0, 1, 2, 3, 4)) -> tuple[dict, list[str]]:
    """Cell doses from the first tier that states any (low end + max), else non-cell doses as text."""
    for tier in tiers:
        doses: list[msc_dose.Dose] = []
        evidence: list[str] = []
        for seg in segs:
            if seg.tier != tier:
                continue
            for sentence in _sentences(seg):
                found = _dose_find(seg, sentence)
                if found:
                    doses.extend(found)
                    evidence.append(_evidence(seg, sentence))
        if doses:
            out = _summarise_doses(doses)
            out["dose_text"] = "; ".join(dict.fromkeys(d.text for d in doses))[:500]
            return out, evidence
    for tier in (0, 1):
        for seg in segs:
            if seg.tier != tier:
                continue
            for sentence in _sentences(seg):
                other = [d for d in msc_dose.parse_doses(sentence) if d.kind == "other"]
                counts = _PARTICLE_COUNT.findall(sentence)
                if counts:
                    return {"dose_text": "; ".join(dict.fromkeys(counts))[:500]}, [_evidence(seg, sentence)]
                strong = [d for d in other if re.search(r"mg|µg|ug|mcg|particle|nv|vial|unit|IU|U$", d.text, re.I)]
                pick = strong or other
                if pick:
                    return {"dose_text": "; ".join(dict.fromkeys(d.text for d in pick))[:500]}, \
                        [_evidence(seg, sentence)]
    return {}, []


#: "2 x 10^9 vesicles": a count of particles (starting where a number starts, so a long run of digits is not
#: scanned again from each of its digits)
_PARTICLE_COUNT = re.compile(r"(?<![\d.,])\d[\d.,]*+\s*[x*×]\s*10\S*\s*"
                             r"(?:nano[\s-]*)?(?:vesicles|particles|nv|exosomes)", re.I)
_CELLISH = _rx_words(r"mesench|MSC|stromal|\bcells?\b|stem|exosom|vesicle|secretome|conditioned")


def find_administrations(segs: list[Segment], names: tuple[list[str], list[str]] = ([], [])) \
        -> tuple[int | None, str | None]:
    """First count of administrations by tier; ``names`` = (MSC product names, other intervention names)."""
    for tier in range(5):
        for seg in segs:
            if seg.tier != tier:
                continue
            for sentence in _sentences(seg):
                found = msc_dose.administrations_in(sentence)
                if found:
                    if tier >= 1 and not _CELLISH.test(sentence) and not seg.field.endswith("label"):
                        continue
                    if _count_of_other(found[1], found[2], names):
                        continue
                    return found[0], _evidence(seg, sentence)
    return None, None


_CELLISH_LOW = re.compile(r"mesench|msc|stromal|\bcells?\b|stem|exosom|vesicle|secretome|conditioned")


def _count_of_other(sentence: str, at: int, names: tuple[list[str], list[str]]) -> bool:
    """Is the count at ``at`` about another intervention (named after the MSC product, none following)?

    "Rituximab combined with MSCs: Rituximab, 100 mg every week, a total of 4 times" counts rituximab infusions.
    Placebo and controls share the MSC schedule and are not other interventions (see ``_intervention_names``).
    """
    if not names[1]:
        return False
    low = fold(sentence)
    before, after = low[:at], low[at:at + 60]
    last_other = max((i for n in names[1] for i in _occurrences(before, n)
                      if not _ALONGSIDE.search(before, max(0, i - 30), i)), default=-1)
    if last_other < 0:
        return False
    last_msc = max([m.start() for m in _CELLISH_LOW.finditer(before)] + [before.rfind(n) for n in names[0]])
    if last_msc > last_other:
        return False
    return not (_CELLISH_LOW.search(after) or any(n in after for n in names[0]))


# "on the basis of routine treatment", "in addition to", "plus", "combined with": an add-on, not the subject
_ALONGSIDE = re.compile(r"(?:on\s+the\s+basis\s+of|in\s+addition\s+to|plus|combined\s+with|together\s+with|"
                        r"along\s+with|besides|as\s+well\s+as|and)\s+(?:the\s+)?$")


def _occurrences(text: str, word: str) -> list[int]:
    out, i = [], text.find(word)
    while i >= 0:
        out.append(i)
        i = text.find(word, i + 1)
    return out


def _intervention_names(trial: TrialText, ivs: list[Intervention], v: Vocab) -> tuple[list[str], list[str]]:
    """(folded names of the MSC interventions, of the other active interventions), 4+ characters each."""
    msc_ids = {id(iv) for iv in ivs}
    msc_ids |= {id(iv) for iv in trial.interventions if v.control.search(" ".join([iv.name, *iv.other_names]))}

    def names(iv: Intervention) -> list[str]:
        out = []
        for name in (_norm_name(iv.name), *(fold(o) for o in iv.other_names)):
            name = re.sub(r"\s*\([^)]*\)", "", name).strip()
            if len(name) >= 4:
                out.append(name)
        return out

    return ([n for iv in ivs for n in names(iv)],
            [n for iv in trial.interventions if id(iv) not in msc_ids for n in names(iv)])


# ------------------------------------------------------------------------------------------------ profile

def profile(trial: TrialText, v: Vocab | None = None) -> Profile:
    """The MSC profile of one trial (all attributes None when it is not an MSC trial)."""
    v = v or load_vocab()
    v.cache.clear()
    _PRESENT.clear()
    _SENTENCES.clear()
    is_msc, why, ivs = classify_is_msc(trial, v)
    p = Profile(trial.trial_id, is_msc, why)
    if not is_msc:
        return p
    segs = segments(trial, ivs, v)
    ev: list[str] = []

    sources, sev = _tiered(segs, lambda s, t: find_sources(v, s, t))
    for keep, drop in v.source_suppresses.items():
        if keep in sources:
            sources.difference_update(drop)
    p.cell_source = _join(sources, SOURCES) or "unspecified"
    ev += [f"cell_source ← {e}" for e in sev[:3]] or ["cell_source ← no tissue named: unspecified"]

    donors, dev = _tiered(segs, lambda s, t: find_donors(v, s, t))
    if donors and len(ivs) > 1 and all(e.startswith("intervention '") for e in dev):
        dev += _perinatal_without_donor(ivs, donors, v)
    if donors:
        p.donor = "both" if len(donors) > 1 else next(iter(donors))
        ev += [f"donor ← {e}" for e in dev[:3]]
    elif sources and sources <= v.allogeneic_sources:
        p.donor = "allogeneic"
        ev.append(f"donor ← rule allogeneic_sources (perinatal tissue, no donor stated): {p.cell_source}")

    products, pev = _intervention_products(ivs, v)
    if not products:
        products, pev = _tiered(segs, lambda s, t: find_products(v, s, t))
    p.product_type = _join(products, PRODUCTS) or "cells"
    ev += [f"product_type ← {e}" for e in pev[:2]]

    routes, rev = _tiered(segs, lambda s, t: find_routes(v, s, t))
    if not routes:
        routes, rev = _default_route(segs, v)
    p.route = _join(routes, ROUTES)
    ev += [f"route ← {e}" for e in rev[:3]]

    arm_doses = _arm_doses(trial, ivs, v)
    distinct = _distinct_doses(arm_doses)
    doses, dsev = find_doses(segs)
    if len(arm_doses) >= 2 and len(distinct) >= 2:
        p.arm_doses = arm_doses
        lo_kg = [a.dose_per_kg for a in arm_doses if a.dose_per_kg]
        lo_tot = [a.dose_total_cells for a in arm_doses if a.dose_total_cells]
        if lo_kg or lo_tot:
            doses = {}
            dsev = [f"arms differ (see msc_doses): {a.evidence.splitlines()[0]}" for a in arm_doses if a.evidence][:3]
            for lows, key in ((lo_kg, "dose_per_kg"), (lo_tot, "dose_total_cells")):
                if lows:
                    highs = [x for a in arm_doses for x in (getattr(a, key), getattr(a, key + "_max")) if x]
                    doses[key] = min(lows)
                    if max(highs) != doses[key]:
                        doses[key + "_max"] = max(highs)
            doses["dose_text"] = "; ".join(f"{a.arm_label}: {a.dose_text}" for a in arm_doses if a.dose_text)[:500]
    if "cells" not in products and any(k != "dose_text" for k in doses):
        # a cell-free product: counts are particles or vesicles, not cells; keep them as text only
        doses = {"dose_text": doses.get("dose_text")}
        p.arm_doses = [ArmDose(a.arm_label, dose_text=a.dose_text, n_administrations=a.n_administrations,
                               route=a.route, evidence=a.evidence) for a in p.arm_doses]
    for key, value in doses.items():
        setattr(p, key, value)
    ev += [f"dose ← {e}" for e in dsev[:3]]

    n, nev = find_administrations(segs, _intervention_names(trial, ivs, v))
    p.n_administrations = n
    if nev:
        ev.append(f"n_administrations ← {nev}")
    p.evidence = "\n".join(ev)
    return p


def _perinatal_without_donor(ivs: list[Intervention], donors: set[str], v: Vocab) -> list[str]:
    """Rule ``allogeneic_sources`` for each MSC intervention whose own text names a perinatal tissue and no donor
    while another intervention states its donor (adds 'allogeneic' to ``donors``; returns the evidence)."""
    evidence = []
    for iv in ivs:
        segs = [Segment(0, f"intervention '{iv.name}' name", iv.name)]
        segs += [Segment(0, f"intervention '{iv.name}' other name", o) for o in iv.other_names]
        if iv.description:
            segs.append(Segment(0, f"intervention '{iv.name}' description", iv.description))
        if _tiered(segs, lambda s, t: find_donors(v, s, t))[0]:
            continue
        sources = _tiered(segs, lambda s, t: find_sources(v, s, t))[0]
        if sources and sources <= v.allogeneic_sources and "allogeneic" not in donors:
            donors.add("allogeneic")
            evidence.append(f"rule allogeneic_sources (perinatal tissue, no donor stated) for intervention "
                            f"'{iv.name}': {_join(sources, SOURCES)}")
    return evidence


def _intervention_products(ivs: list[Intervention], v: Vocab) -> tuple[set[str], list[str]]:
    """Product type of each MSC intervention (a cell-free product named in it wins over 'cells')."""
    values: set[str] = set()
    evidence: list[str] = []
    for iv in ivs:
        text = " ".join([iv.name, *iv.other_names, iv.description or ""])
        seg = Segment(0, f"intervention '{iv.name}'", text)
        found = find_products(v, seg, text) - {"cells"}
        if not found:
            found = {"cells"}
        sentence = next((s for s in seg.sentences if find_products(v, seg, s) & found), iv.name)
        if found - values:
            evidence.append(_evidence(seg, sentence))
        values |= found
    return values, evidence


def _arm_doses(trial: TrialText, ivs: list[Intervention], v: Vocab) -> list[ArmDose]:
    """Dose, schedule and route of each MSC arm (arm description, else its one linked MSC intervention).

    Empty unless at least two MSC arms differ in dose or schedule (only then is the table filled)."""
    arms = msc_arms(trial, ivs, v)
    if len(arms) < 2:
        return []
    by_name = {_norm_name(iv.name): iv for iv in ivs}
    names = _intervention_names(trial, ivs, v)
    out = []
    arm_segs = []
    for arm in arms:
        linked = [by_name[n] for n in (_norm_name(x) for x in arm.intervention_names) if n in by_name]
        segs = []
        if arm.description:
            segs.append(Segment(0, f"arm '{arm.label}' description", arm.description, arm.label))
        segs.append(Segment(0, f"arm '{arm.label}' label", arm.label, arm.label))
        if len(linked) == 1:
            iv = linked[0]
            segs.append(Segment(1, f"intervention '{iv.name}' name", iv.name))
            if iv.description:
                segs.append(Segment(1, f"intervention '{iv.name}' description", iv.description))
        doses, dev = find_doses(segs, tiers=(0, 1))
        n, nev = find_administrations(segs, names)
        arm_segs.append(segs)
        out.append(ArmDose(
            arm_label=arm.label, dose_per_kg=doses.get("dose_per_kg"), dose_per_kg_max=doses.get("dose_per_kg_max"),
            dose_total_cells=doses.get("dose_total_cells"), dose_total_cells_max=doses.get("dose_total_cells_max"),
            dose_text=doses.get("dose_text"), n_administrations=n,
            evidence="\n".join(dev[:2] + ([nev] if nev else [])) or None,
        ))
    if len(_distinct_doses(out)) < 2:
        return []
    for a, segs in zip(out, arm_segs, strict=True):
        routes, _ = _tiered(segs, lambda s, t: find_routes(v, s, t))
        a.route = _join(routes, ROUTES)
    return out


def _distinct_doses(arm_doses: list[ArmDose]) -> set[tuple]:
    return {(a.dose_per_kg, a.dose_per_kg_max, a.dose_total_cells, a.dose_total_cells_max, a.n_administrations)
            for a in arm_doses if a.dose_per_kg or a.dose_total_cells or a.n_administrations}
