"""Dose and schedule parsing for MSC interventions: pure functions over text, no I/O.

``parse_doses(text)`` finds cell doses (``1×10^6/kg``, ``1 x 10(6)``, ``1.0E+6 MSC/kg``, ``0.5-1*10^6/kg``,
``2 million cells per kg``, ``100 million``, ``1e8``, ``1 × 106/kg`` with a lost superscript, ``1.5 × 10⁸``) and
non-cell doses (``40 mg``, ``1.5 cc``, ``2 mL``); ``parse_administrations(text)`` reads how many times the product
is given ("6 times", "two infusions", "on days 1, 3, 5 and 7", "once a week for 4 weeks then every two weeks
twice", "repeated after three months", "single dose", "3 doses"). Neither ever raises on any string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Plausible cell counts; values outside are not cell doses (lab values, particle counts, typos).
PER_KG_RANGE = (1e3, 1e10)
TOTAL_RANGE = (1e4, 1e12)

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")
_WORDS = {
    "one": 1, "single": 1, "once": 1, "two": 2, "twice": 2, "double": 2, "three": 3, "thrice": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a": 1, "an": 1, "another": 1, "a second": 1,
}
_NUMWORD = r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"


@dataclass(frozen=True, slots=True)
class Dose:
    """One dose found in text: cells per kg, total cells, or a non-cell amount (``kind='other'``)."""

    kind: str  # 'per_kg' | 'total' | 'other'
    value: float | None
    value_max: float | None
    text: str  # the dose as written
    start: int = 0


def normalize(text: str) -> str:
    """Spell multiplication, exponents and dashes one way (same length is not kept)."""
    t = text.translate(_SUPERSCRIPTS)
    t = t.replace("×", "x").replace("∗", "*").replace("–", "-").replace("—", "-").replace("～", "~")
    t = t.replace("\u00a0", " ").replace("μ", "µ").replace("ｘ", "x").replace("／", "/").replace("，", ",")
    return t


def _num(s: str) -> float | None:
    """'12,5' → 12.5 (decimal comma), '1,000,000' → 1e6, '0.5' → 0.5."""
    s = s.strip()
    if not s:
        return None
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", s):
        s = s.replace(",", "")
    else:
        s = s.replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return None


_NUMBER = r"\d+(?:[.,]\d+)*"
_RANGE_SEP = r"\s*(?:-|~|to|or|and|/)\s*"
_TIMES = r"\s*(?:x|\*|times|·)\s*"
# exponent after a "× 10": 10^6, 10(6), 10E6, 10e+6, 10 6, 106 (lost superscript), 10 ^ 6, 10**6
_EXP_AFTER_TEN = r"10\s*(?:\^\s*|\*\*\s*|\(\s*(?=[+-]?\d{1,2}\s*\))|[eE]\s*\+?\s*|\s)?(?P<G>[+]?\d{1,2})(?:\s*\))?"


def _exp(group: str) -> str:
    return _EXP_AFTER_TEN.replace("<G>", f"<{group}>")


_SCI = re.compile(
    r"(?<![\w.,])(?P<m1>" + _NUMBER + r")(?:" + _RANGE_SEP + r"(?P<m2>" + _NUMBER + r"))?"
    + _TIMES + _exp("e1") + r"(?!\d)"
    + r"(?:" + _RANGE_SEP + r"(?P<m3>" + _NUMBER + r")" + _TIMES + _exp("e2") + r"(?!\d))?",
    re.I,
)
_PAREN_RANGE = re.compile(
    r"\(\s*(?P<m1>" + _NUMBER + r")\s*(?:-|~|to)\s*(?P<m2>" + _NUMBER + r")\s*\)" + _TIMES
    + _exp("e1") + r"(?!\d)", re.I)
_ENOTATION = re.compile(r"(?<![\w.])(?P<m1>\d+(?:\.\d+)?)\s*[eE]\s*\+?(?P<e1>\d{1,2})(?!\d)")
_BARE_POWER = re.compile(r"(?<![\w.^*x])10\s*(?:\^\s*|\(\s*)(?P<e1>\d{1,2})\s*\)?(?!\d)", re.I)
_WORDS_SCALE = re.compile(
    r"(?<![\w.,])(?P<m1>" + _NUMBER + r"|one|two|three|five|ten|one hundred|a hundred|hundred)"
    r"(?:" + _RANGE_SEP + r"(?P<m2>" + _NUMBER + r"))?\s*(?:-\s*)?(?P<scale>million|millions|mill?ion|mio|"
    r"billion|billions|bn|lakh|M\b)",
    re.I,
)
_MULT_INT = re.compile(r"(?<![\w.,])(?P<m1>\d+(?:[.,]\d+)?)\s*[x*]\s*(?P<big>10{3,12}|10{0,2}(?:,000){2,4})(?![\d,])")
_BIG_INT = re.compile(r"(?<![\w.,])(?P<m1>\d{1,3}(?:,\d{3}){2,}|\d{6,12})(?![\d,.])")
_OTHER = re.compile(
    r"(?<![\w.,])(?P<m1>" + _NUMBER + r")(?:\s*(?:-|~|to)\s*(?P<m2>" + _NUMBER + r"))?\s*"
    r"(?P<unit>mg|µg|ug|mcg|ng|g|ml|cc|µl|ul|units?|IU|U|vials?|particles|nv)(?![\w/])",
    re.I,
)
_WORD_NUMS = {"one": 1, "two": 2, "three": 3, "five": 5, "ten": 10, "one hundred": 100, "a hundred": 100,
              "hundred": 100}
_SCALES = {"million": 1e6, "millions": 1e6, "milion": 1e6, "mio": 1e6, "m": 1e6, "billion": 1e9,
           "billions": 1e9, "bn": 1e9, "lakh": 1e5}

_PER_KG_AFTER = re.compile(
    r"^[^.;\n]{0,45}?(?:/\s*kg|/\s*kilo|per\s+(?:body\s+)?(?:kg|kilo)|per\s+kilogram|\bkg\s*/\s*bb|"
    r"/\s*body\s*(?:weight|kg)|per\s+(?:body\s+)?k\b|\bkg\s+(?:of\s+)?(?:body|bw|b\.w))", re.I)
_NOT_CELLS_AFTER = re.compile(
    r"^\s*(?:\(\s*[^)]*\)\s*)?(?:/\s*(?:l|µl|ul|ml|mm3|mm\^3|dl)\b|per\s+(?:l|µl|ml|liter|litre|mm)\b|"
    r"(?:cells?\s*/\s*(?:ml|µl|ul)\b|cells?\s+per\s+(?:ml|µl)\b|nano[\s-]*vesicles?|nano[\s-]*particles?|"
    r"particles?|nv|vesicles?|exosomes?|evs?|copies|iu|units?|pfu|vp|cfu|platelets?|cd34|plt|neutrophils?|"
    r"genome|gc|tcid|mg|µg|ug|ng|dollars|usd|years?|cases|patients|participants)\b)", re.I)
_NOT_CELLS_BEFORE = re.compile(
    r"(?:platelets?|neutrophils?|anc|wbc|leukocytes?|counts?|cd34\+?|cd3\+?|lymphocytes?|copies|particles|"
    r"hemoglobin|exosomes?\s+(?:of|at)|\$|usd|eur|€)\s*(?:count)?\s*(?:of|:|=|<|>|≥|≤|at)?\s*$",
    re.I)
_CELL_WORD_AFTER = re.compile(
    r"^[^.;\n]{0,40}?\b(?:cells?|msc|mscs|stem|stromal|mesenchymal|ascs?|adscs?|mpcs?|viable|ucmscs?|hmscs?|"
    r"[a-z-]*mscs?)\b", re.I)


def _clip(x: float | None, kind: str) -> bool:
    if x is None:
        return False
    lo, hi = PER_KG_RANGE if kind == "per_kg" else TOTAL_RANGE
    return lo <= x <= hi


def _classify(norm: str, start: int, end: int, explicit_cells: bool) -> str | None:
    after = norm[end:end + 80]
    before = norm[max(0, start - 30):start]
    if _NOT_CELLS_AFTER.match(after) or _NOT_CELLS_BEFORE.search(before):
        return None
    if _PER_KG_AFTER.match(after):
        return "per_kg"
    if explicit_cells or _CELL_WORD_AFTER.match(after):
        return "total"
    return None


def _candidates(norm: str):
    """(start, end, low, high, strong) for every number that may be a cell count; strong = scientific notation."""
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for rx, strong in ((_PAREN_RANGE, True), (_MULT_INT, True), (_SCI, True), (_ENOTATION, True), (_WORDS_SCALE, True),
                       (_BARE_POWER, True), (_BIG_INT, False)):
        for m in rx.finditer(norm):
            if not free(m.start(), m.end()):
                continue
            gd = m.groupdict()
            try:
                if gd.get("big"):
                    m1 = _num(gd["m1"])
                    lo, hi = (m1 * float(gd["big"].replace(",", "")) if m1 is not None else None), None
                elif "scale" in gd and gd.get("scale"):
                    word = gd["m1"].lower()
                    m1 = _WORD_NUMS.get(word) if word in _WORD_NUMS else _num(gd["m1"])
                    scale = _SCALES.get(gd["scale"].lower(), 1e6)
                    if gd["scale"] == "M" and not re.match(r"\s*(?:cells?|msc|mscs)\b", norm[m.end():], re.I):
                        continue
                    lo = m1 * scale if m1 is not None else None
                    m2 = _num(gd["m2"]) if gd.get("m2") else None
                    hi = m2 * scale if m2 is not None else None
                elif "e1" in gd and gd.get("e1") is not None and "m1" not in gd:
                    lo, hi = 10.0 ** int(gd["e1"]), None
                elif "e1" in gd and gd.get("e1") is not None:
                    e1 = int(gd["e1"].lstrip("+"))
                    if e1 > 13:
                        continue
                    m1 = _num(gd["m1"])
                    if m1 is None:
                        continue
                    m2v = _num(gd["m2"]) if gd.get("m2") else None
                    lo, hi = m1 * 10.0 ** e1, (m2v * 10.0 ** e1 if m2v is not None else None)
                    if gd.get("m3") and gd.get("e2"):
                        e2 = int(gd["e2"].lstrip("+"))
                        m3 = _num(gd["m3"])
                        if m3 is not None and e2 <= 13:
                            hi = m3 * 10.0 ** e2
                else:
                    lo, hi = _num(gd["m1"]), None
            except (ValueError, OverflowError, TypeError):
                continue
            if lo is None:
                continue
            if hi is not None and hi < lo:
                lo, hi = hi, lo
            if hi is not None and hi == lo:
                hi = None
            taken.append((m.start(), m.end()))
            yield m.start(), m.end(), lo, hi, strong


def parse_doses(text: str | None) -> list[Dose]:
    """Every dose in ``text`` in order of appearance; cell doses first classified per kg or total."""
    if not text or not isinstance(text, str):
        return []
    try:
        norm = normalize(text)
    except Exception:  # noqa: BLE001 - a parser of free text must never fail the build
        return []
    out: list[Dose] = []
    cell_spans: list[tuple[int, int]] = []
    for start, end, lo, hi, strong in _candidates(norm):
        kind = _classify(norm, start, end, explicit_cells=False)
        if kind is None and strong and not _NOT_CELLS_AFTER.match(norm[end:end + 80]) \
                and not _NOT_CELLS_BEFORE.search(norm[max(0, start - 30):start]):
            kind = "total"
        if kind is None or not _clip(lo, kind) or (hi is not None and not _clip(hi, kind)):
            continue
        end_ext = end
        m = _PER_KG_AFTER.match(norm[end:end + 80]) if kind == "per_kg" else None
        if m:
            end_ext = end + m.end()
        else:
            m2 = _CELL_WORD_AFTER.match(norm[end:end + 80])
            if m2 and m2.end() < 30:
                end_ext = end + m2.end()
        cell_spans.append((start, end_ext))
        out.append(Dose(kind, lo, hi, norm[start:end_ext].strip(), start))
    for m in _OTHER.finditer(norm):
        if any(not (m.end() <= a or m.start() >= b) for a, b in cell_spans):
            continue
        lo = _num(m.group("m1"))
        hi = _num(m.group("m2")) if m.group("m2") else None
        out.append(Dose("other", lo, hi, m.group(0).strip(), m.start()))
    out.sort(key=lambda d: d.start)
    return out


def cell_doses(text: str | None) -> list[Dose]:
    return [d for d in parse_doses(text) if d.kind != "other"]


# ----------------------------------------------------------------------------------------------- schedule

def _n(word: str) -> int | None:
    w = word.lower().strip()
    if w.isdigit():
        return int(w)
    return _WORDS.get(w)


_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30, "year": 365, "years": 365}
_EVERY = re.compile(
    r"(?:once\s+(?:a|per|every)|(?P<per>" + _NUMWORD + r")\s+times?\s+(?:a|per|every)|every|each|weekly|monthly|"
    r"daily|per)\s*(?P<k>" + _NUMWORD + r")?\s*(?P<unit>days?|weeks?|months?)?"
    r"(?:\s+(?:for|during|over|x|×)\s+(?:a\s+(?:total\s+of\s+)?|the\s+(?:next|first)\s+)?(?P<dur>" + _NUMWORD
    + r")\s*(?:consecutive\s+)?(?P<dunit>days?|weeks?|months?|times|doses|cycles))?"
    r"(?:\s+(?P<twice>twice|thrice|" + _NUMWORD + r"\s+times))?",
    re.I,
)
_COUNT = re.compile(
    r"(?<![\w./-])(?P<n>" + _NUMWORD + r"|twice|thrice|a\s+total\s+of\s+\d{1,2})\s*(?:\(\s*\d+\s*\)\s*)?"
    r"(?:(?:consecutive|separate|repeated|sequential|weekly|monthly|doses\s+of|intravenous|iv|intrathecal|"
    r"intra-?articular|intramuscular|local|subcutaneous|intradermal|cell|msc|stem\s+cell|total|"
    r"injections?\s+of|infusions?\s+of|treatment|equal|identical|divided|booster|"
    r"cycles?\s+of)[\s-]+){0,3}"
    r"(?P<what>times|doses|infusions|injections|administrations|transplantations|applications|treatments|"
    r"courses|cycles|sessions|instillations|implantations|deliveries|rounds|inhalations|nebulizations)\b",
    re.I,
)
_TWICE = re.compile(r"\b(?P<w>twice|thrice)\b(?!\s+(?:a|per|daily|weekly|monthly|the|as|that))", re.I)
_SINGLE = re.compile(
    r"\b(?:single|one[- ]time|one[- ]off|once[- ]only|only\s+once|a\s+one[- ]time)[\s-]+"
    r"(?:\w+[\s-]+){0,3}?(?:dose|doses|injection|infusion|administration|transplantation|application|"
    r"treatment|session|implantation|intravenous|intra|iv\b|bolus|course|delivery|shot|inoculation)"
    r"|\b(?:administered|given|injected|infused|applied|transplanted|delivered|treated)\s+(?:only\s+)?once\b"
    r"|\bonce\s*(?:$|[.;,)]|\s+(?:on|at|in)\s+day\s*0?1?\b)"
    r"|\bonce\s+(?:aerosol|nebuli[sz]ed|intravenous|intra\w*|inhal\w*|injection|infusion|administration|dose|iv)\b"
    r"|\bone\s+(?:dose|injection|infusion|administration|intra[\w-]*\s+injection|intravenous\s+infusion)\b",
    re.I,
)
_DAYS = re.compile(
    r"\b(?:on|at|in)?\s*(?:post[- ]?(?:operative|transplant|op)\s+)?(?P<unit>days?|weeks?|months?|d)\s*"
    r"(?P<list>[+-]?\d{1,3}(?:\s*(?:,|and|&|/|;|\+)\s*(?:(?:days?|weeks?|months?|d)\s*)?[+-]?\d{1,3}){1,15})",
    re.I,
)
_DAYWORDS = re.compile(
    r"\b(?:day|d)\s*(?P<first>[+-]?\d{1,3})(?P<rest>(?:\s*(?:,|and|&|/|;)\s*(?:(?:day|d)\s*)?[+-]?\d{1,3}){1,15})",
    re.I)
_REPEAT = re.compile(
    r"\b(?:repeated|repeat|re-?administered|re-?injected|re-?infused|re-?treated|followed)\b[^.;]{0,50}?"
    r"(?:\b(?:after|in|at|later|by|one\s+month|a\s+second|another|once\s+more|again)\b)", re.I)
_SECOND = re.compile(r"\b(?:a|the)\s+second\s+(?:\w+\s+){0,2}?(?:dose|injection|infusion|administration|"
                     r"transplantation|application|treatment)\b", re.I)
_THEN = re.compile(r"\bthen\b|\bfollowed\s+by\b|\band\s+then\b|\bthereafter\b", re.I)


def _unit_days(u: str | None) -> int | None:
    if not u:
        return None
    return _UNIT_DAYS.get(u.lower())


def _every_count(m: re.Match) -> int | None:
    """'once a week for 4 weeks' → 4; 'every two weeks twice' → 2; '3 times a week for 2 weeks' → 6."""
    per = _n(m.group("per")) if m.group("per") else 1
    if m.group("twice"):
        tw = m.group("twice").split()[0]
        return _n(tw)
    if not m.group("dur"):
        return None
    dur = _n(m.group("dur"))
    if dur is None:
        return None
    dunit = (m.group("dunit") or "").lower()
    if dunit in ("times", "doses", "cycles"):
        return dur
    k = _n(m.group("k")) if m.group("k") else 1
    unit = _unit_days(m.group("unit"))
    word = m.group(0).lower()
    if unit is None:
        unit = 7 if "week" in word else 30 if "month" in word else 1 if "dail" in word else None
    dunit_days = _unit_days(dunit)
    if unit is None or dunit_days is None or k is None or k == 0:
        return None
    n = (dur * dunit_days) // (k * unit)
    if n <= 0:
        return None
    return n * (per or 1)


def _count_in(sentence: str) -> int | None:
    """The number of administrations one sentence states, or None."""
    s = normalize(sentence)
    parts = _THEN.split(s)
    if len(parts) > 1:
        counts = [_count_simple(p) for p in parts]
        if all(c is not None for c in counts) and sum(1 for p in parts if _EVERY.search(p)) >= 1:
            return sum(counts)
    return _count_simple(s)


def _count_simple(s: str) -> int | None:
    for m in _EVERY.finditer(s):
        n = _every_count(m)
        if n:
            return n
    for m in _COUNT.finditer(s):
        raw = m.group("n").lower()
        if raw.startswith("a total of"):
            n = int(raw.split()[-1])
        else:
            n = _n(raw)
        after = s[m.end():m.end() + 25].lower()
        if m.group("what").lower() == "times" and re.match(
                r"\s*(?:higher|more|greater|lower|less|the|as|larger|smaller|normal|upper|uln|daily|a\s+day|"
                r"per\s+day|the\s+upper)", after):
            continue
        if n and 0 < n <= 60:
            return n
    for m in _DAYS.finditer(s):
        nums = re.findall(r"[+-]?\d{1,3}", m.group("list"))
        if len(set(nums)) >= 2:
            return len(set(nums))
    days = re.findall(r"\b(?:day|d)\s*([+-]?\d{1,3})\b", s, re.I)
    if len(set(days)) >= 2 and re.search(r"\b(?:day|d)\s*[+-]?\d{1,3}\s*(?:,|and|&)\s*(?:day|d)\s*\d", s, re.I):
        return len(set(days))
    if re.search(r"/\s*(?:day|d)\b|per\s+day|\bdaily\b|\ba\s+day\b", s, re.I):
        m = re.search(r"\b(?P<n>" + _NUMWORD + r")\s+(?:consecutive\s+|successive\s+)?days\b", s, re.I)
        if m and _n(m.group("n")) and 1 < _n(m.group("n")) <= 30:
            return _n(m.group("n"))
    m = _TWICE.search(s)
    if m:
        return _n(m.group("w"))
    if _REPEAT.search(s) or _SECOND.search(s):
        return 2
    if _SINGLE.search(s):
        return 1
    return None


def parse_administrations(text: str | None) -> int | None:
    """How many administrations ``text`` states (first sentence that says), or None."""
    if not text or not isinstance(text, str):
        return None
    try:
        for sentence in split_sentences(text):
            n = _count_in(sentence)
            if n:
                return n
    except Exception:  # noqa: BLE001 - free text must never fail the build
        return None
    return None


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of ``text`` (keeps decimals like '1.5' and 'i.v.' together)."""
    if not text:
        return []
    chunks = re.split(r"(?<=[.!?])\s+(?=[A-Z(\[])|;\s*|\n+|\s+-\s+(?=[A-Z])|\u2022", text)
    return [c.strip() for c in chunks if c and c.strip()]
