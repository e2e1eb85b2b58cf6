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

import yaml

from ingest.model import Arm, Intervention
from warehouse import msc_dose

VOCAB_DIR = Path(__file__).resolve().parent.parent / "data" / "vocab"
EVIDENCE_CHARS = 300

SOURCES = ("umbilical_cord", "wharton_jelly", "bone_marrow", "adipose", "placenta", "amnion", "dental_pulp",
           "menstrual_blood", "cord_blood", "other", "unspecified")
PRODUCTS = ("cells", "secretome", "conditioned_medium", "exosomes", "extracellular_vesicles")
ROUTES = ("intravenous", "intra_articular", "intrathecal", "intramuscular", "intramyocardial", "intracoronary",
          "intradiscal", "intra_arterial", "subcutaneous", "intradermal", "topical", "local_injection", "intranasal",
          "inhaled", "other")


def _rx_words(pattern: str, flags: int = re.I) -> re.Pattern:
    """Compile a word list; kept as one pattern (short literals scan fast enough)."""
    return re.compile(pattern, flags)


_BACKGROUND = _rx_words(
    r"\b(?:studies|previous(?:ly)?|have\s+(?:been\s+)?(?:shown|demonstrated|reported|proven|used)|has\s+been|"
    r"literature|reported|pre-?clinical|animal|mice|murine|rats?|rabbits?|in\s+vitro|our\s+(?:team|group)\s+has|"
    r"were\s+found|can\s+be|may\s+be|is\s+a\s+kind|are\s+(?:a|multipotent|found|present|able)|is\s+known|"
    r"such\s+as|including|e\.g\.|for\s+example|known\s+to|approved|FDA|studied|investigated|been\s+used|"
    r"trials|recent(?:ly)?)\b", re.I)


#: Summary/description sentences worth reading (cheap pre-filter; the attribute rules are stricter).
_RELEVANT = _rx_words(
    r"mesench|MSC|stromal|\bcells?\b|stem|exosom|vesicle|secretome|conditioned|dose|infus|inject|administ|deliver|"
    r"transplant|transfus|inhal|nebuli|topical|intra|autolog|allogen|marrow|adipose|cord|placent|wharton",
    re.I)


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


@dataclass(slots=True)
class Segment:
    tier: int  # 0 intervention, 1 arm, 2 title, 3 brief summary, 4 detailed description
    field: str  # e.g. "intervention 'UC-MSCs' description"
    text: str
    arm_label: str | None = None
    sentences: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        sentences = msc_dose.split_sentences(self.text) or [self.text]
        if self.tier >= 3:
            sentences = [s for s in sentences if _RELEVANT.search(s) and not _BACKGROUND.search(s)]
        self.sentences = sentences


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

class Patterns:
    """Several case-insensitive patterns searched one by one: much faster in ``re`` than one big alternation."""

    __slots__ = ("compiled",)

    def __init__(self, patterns: list[str | re.Pattern]) -> None:
        self.compiled = [p if isinstance(p, re.Pattern) else re.compile(p, re.I) for p in patterns]

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match | None:
        end = len(text) if endpos is None else endpos
        for rx in self.compiled:
            m = rx.search(text, pos, end)
            if m:
                return m
        return None

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None):
        end = len(text) if endpos is None else endpos
        for rx in self.compiled:
            yield from rx.finditer(text, pos, end)

    def __add__(self, other: Patterns) -> Patterns:
        return Patterns(self.compiled + other.compiled)


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


@dataclass(slots=True)
class Vocab:
    msc: Patterns
    trade: list[tuple[re.Pattern, dict]]
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
            _merge(data, yaml.safe_load(fh) or {})
    trade = [(re.compile(t["pattern"], re.I), t) for t in data.get("trade_names", [])]
    trade_rx = [t["pattern"] for t in data.get("trade_names", [])]
    return Vocab(
        msc=_rx(list(data["msc_terms"]) + trade_rx + list(data["borderline"]["include"])),
        trade=trade,
        non_msc={k: _rx(v) for k, v in data["non_msc_products"].items()},
        include=_rx(data["borderline"]["include"]),
        exclude=_rx(data["borderline"]["exclude"]),
        lab=_rx(data["lab_study"]),
        follow_up=_rx(data["follow_up_study"]),
        generic=_rx(data["generic_cell_intervention"]),
        control=_rx(data["placebo_or_control"]),
        sources={k: _rx(v) for k, v in data["cell_sources"].items()},
        source_suppresses=data.get("source_suppresses", {}),
        donors={k: _rx(v) for k, v in data["donors"].items()},
        allogeneic_sources=frozenset(data.get("allogeneic_sources", [])),
        products={k: _rx(v) for k, v in data["product_types"].items()},
        product_suppresses=data.get("product_suppresses", {}),
        routes={k: _rx(v) for k, v in data["routes"].items()},
    )


# ------------------------------------------------------------------------------------------------ helpers

def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _evidence(seg: Segment, sentence: str) -> str:
    s = _clean(sentence)
    if len(s) > EVIDENCE_CHARS:
        s = s[:EVIDENCE_CHARS - 1] + "…"
    return f"{seg.field}: {s}"


def _sentences(seg: Segment) -> list[str]:
    return seg.sentences


def _norm_name(name: str) -> str:
    return re.sub(r"^\s*[A-Za-z ]+:\s*", "", name or "").strip().lower()


def _non_msc_hit(v: Vocab, text: str) -> str | None:
    for label, rx in v.non_msc.items():
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
        explicit = re.search(r"MSC|mesench", m.group(0), re.I)
        if not explicit and v.exclude.search(window) and not re.search(r"cultur|expan|passage", window, re.I):
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

def segments(trial: TrialText, ivs: list[Intervention]) -> list[Segment]:
    """The texts to read, most specific first (tiers 0–4)."""
    segs: list[Segment] = []
    for iv in ivs:
        segs.append(Segment(0, f"intervention '{iv.name}' name", iv.name))
        for other in iv.other_names:
            segs.append(Segment(0, f"intervention '{iv.name}' other name", other))
        if iv.description:
            segs.append(Segment(0, f"intervention '{iv.name}' description", iv.description))
    for arm in msc_arms(trial, ivs):
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
        v.cache[key] = [t for rx, t in v.trade if rx.search(text)]
    return v.cache[key]


def find_sources(v: Vocab, seg: Segment, sentence: str) -> set[str]:
    found: set[str] = set()
    if seg.tier >= 2 and not _is_msc_text(v, sentence):
        return {t["cell_source"] for t in _trade_hits(v, sentence) if t.get("cell_source")}
    for name, rx in v.sources.items():
        for m in rx.finditer(sentence):
            if seg.tier >= 2 and not _near(sentence, m.start(), m.end(), v.msc, 60, 60):
                continue
            if name in ("bone_marrow", "cord_blood", "umbilical_cord"):
                window = sentence[max(0, m.start() - 20):m.end() + 25]
                if (v.non_msc["hematopoietic"].search(window) or v.non_msc["cord_blood_unit"].search(window)) \
                        and not _near(sentence, m.start(), m.end(), v.msc, 0, 12):
                    continue
            found.add(name)
            break
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
    cellish = v.msc + _CELL_WORDS
    for name, rx in v.donors.items():
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
    if not found:
        for t in _trade_hits(v, sentence):
            if t.get("donor"):
                found.add(t["donor"])
    return found


def find_products(v: Vocab, seg: Segment, sentence: str) -> set[str]:
    found = {name for name, rx in v.products.items() if rx.search(sentence)}
    for t in _trade_hits(v, sentence):
        if t.get("product_type") and t["product_type"] != "cells":
            found.add(t["product_type"])
    for keep, drop in v.product_suppresses.items():
        if keep in found:
            found.difference_update(drop)
    if not found and _is_msc_text(v, sentence):
        found.add("cells")
    return found


_ADMIN_WORDS = re.compile(r"\b(?:cells?|dose|infus|inject|administ|deliver|transplant|transfus)", re.I)


def find_routes(v: Vocab, seg: Segment, sentence: str) -> set[str]:
    found: set[str] = set()
    if seg.tier >= 3 and not (_ADMIN_WORDS.search(sentence) or _is_msc_text(v, sentence)):
        return found
    for name, rx in v.routes.items():
        for m in rx.finditer(sentence):
            ctx = sentence[max(0, m.start() - 60):m.end() + 60]
            if re.search(r"(?:placebo|saline|control|vehicle)\W+(?:\w+\W+){0,3}$", sentence[:m.start()], re.I) \
                    and not v.msc.search(ctx):
                continue
            found.add(name)
            break
    if len(found) > 1:
        found.discard("other")
    if "intra_arterial" in found and "intracoronary" in found and not re.search(
            r"intra-?\s?arterial|hepatic|carotid|femoral|renal|vertebral", sentence, re.I):
        found.discard("intra_arterial")
    return found


def _join(values: set[str], order: tuple[str, ...]) -> str | None:
    if not values:
        return None
    return "|".join(sorted(v for v in values if v in order))


def _dose_find(seg: Segment, sentence: str) -> list[msc_dose.Dose]:
    out = []
    for d in msc_dose.cell_doses(sentence):
        before = sentence[max(0, d.start - 30):d.start].lower() if d.start < len(sentence) else ""
        if re.search(r"cumulative|total\s+(?:dose\s+)?(?:of\s+)?up\s+to|up\s+to\s+a\s+total", before):
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
                counts = re.findall(r"\d[\d.,]*\s*[x*×]\s*10\S*\s*(?:nano[\s-]*)?(?:vesicles|particles|nv|exosomes)",
                                    sentence, re.I)
                if counts:
                    return {"dose_text": "; ".join(dict.fromkeys(counts))[:500]}, [_evidence(seg, sentence)]
                strong = [d for d in other if re.search(r"mg|µg|ug|mcg|particle|nv|vial|unit|IU|U$", d.text, re.I)]
                pick = strong or other
                if pick:
                    return {"dose_text": "; ".join(dict.fromkeys(d.text for d in pick))[:500]}, \
                        [_evidence(seg, sentence)]
    return {}, []


_CELLISH = re.compile(r"mesench|MSC|stromal|\bcells?\b|stem|exosom|vesicle|secretome|conditioned", re.I)


def find_administrations(segs: list[Segment]) -> tuple[int | None, str | None]:
    for tier in range(5):
        for seg in segs:
            if seg.tier != tier:
                continue
            for sentence in _sentences(seg):
                n = msc_dose.parse_administrations(sentence)
                if n:
                    if tier >= 1 and not _CELLISH.search(sentence) and not seg.field.endswith("label"):
                        continue
                    return n, _evidence(seg, sentence)
    return None, None


# ------------------------------------------------------------------------------------------------ profile

def profile(trial: TrialText, v: Vocab | None = None) -> Profile:
    """The MSC profile of one trial (all attributes None when it is not an MSC trial)."""
    v = v or load_vocab()
    v.cache.clear()
    is_msc, why, ivs = classify_is_msc(trial, v)
    p = Profile(trial.trial_id, is_msc, why)
    if not is_msc:
        return p
    segs = segments(trial, ivs)
    ev: list[str] = []

    sources, sev = _tiered(segs, lambda s, t: find_sources(v, s, t))
    for keep, drop in v.source_suppresses.items():
        if keep in sources:
            sources.difference_update(drop)
    p.cell_source = _join(sources, SOURCES) or "unspecified"
    ev += [f"cell_source ← {e}" for e in sev[:3]] or ["cell_source ← no tissue named: unspecified"]

    donors, dev = _tiered(segs, lambda s, t: find_donors(v, s, t))
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
    p.route = _join(routes, ROUTES)
    ev += [f"route ← {e}" for e in rev[:3]]

    arm_doses = _arm_doses(trial, ivs, v)
    distinct = {(a.dose_per_kg, a.dose_per_kg_max, a.dose_total_cells, a.dose_total_cells_max, a.n_administrations)
                for a in arm_doses if a.dose_per_kg or a.dose_total_cells or a.n_administrations}
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

    n, nev = find_administrations(segs)
    p.n_administrations = n
    if nev:
        ev.append(f"n_administrations ← {nev}")
    p.evidence = "\n".join(ev)
    return p


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
    """Dose, schedule and route of each MSC arm (arm description, else its one linked MSC intervention)."""
    by_name = {_norm_name(iv.name): iv for iv in ivs}
    out = []
    for arm in msc_arms(trial, ivs, v):
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
        n, nev = find_administrations(segs)
        routes, _ = _tiered(segs, lambda s, t: find_routes(v, s, t))
        out.append(ArmDose(
            arm_label=arm.label, dose_per_kg=doses.get("dose_per_kg"), dose_per_kg_max=doses.get("dose_per_kg_max"),
            dose_total_cells=doses.get("dose_total_cells"), dose_total_cells_max=doses.get("dose_total_cells_max"),
            dose_text=doses.get("dose_text"), n_administrations=n, route=_join(routes, ROUTES),
            evidence="\n".join(dev[:2] + ([nev] if nev else [])) or None,
        ))
    return out
