"""Dose and schedule parsing for MSC interventions: pure functions over text, no I/O.

``parse_doses(text)`` finds cell doses (``1×10^6/kg``, ``1 x 10(6)``, ``1.0E+6 MSC/kg``, ``0.5-1*10^6/kg``,
``2 million cells per kg``, ``100 million``, ``1e8``, ``1 × 106/kg`` with a lost superscript, ``1.5 × 10⁸``) and
non-cell doses (``40 mg``, ``1.5 cc``, ``2 mL``); ``parse_administrations(text)`` reads how many times the product
is given ("6 times", "two infusions", "on days 1, 3, 5 and 7", "once a week for 4 weeks then every two weeks
twice", "repeated after three months", "single dose", "3 doses"). Neither ever raises on any string.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

#: Plausible cell counts; values outside are not cell doses (lab values, particle counts, typos).
PER_KG_RANGE = (1e3, 1e10)
TOTAL_RANGE = (1e4, 1e12)

_FOLD = str.maketrans("\u0130\u0131\u017f\u212a", "iisk")  # what re.IGNORECASE equates to i, i, s, k
_SPECIAL = re.compile("[\u0130\u0131\u017f\u212a]")
_DIGIT = re.compile(r"\d")
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


def _fold(text: str) -> str:
    """Lower-cased, with the letters ``re.IGNORECASE`` equates to ASCII folded (for plain substring tests)."""
    return (text if text.isascii() or not _SPECIAL.search(text) else text.translate(_FOLD)).lower()


def _number_patterns(norm: str) -> list[tuple[re.Pattern, bool]]:
    """The number patterns that can match ``norm`` (each needs a digit, '10', 'e', '(' … or a number word)."""
    if not _DIGIT.search(norm):
        low = _fold(norm)
        return [(_WORDS_SCALE, True)] if any(w in low for w in ("one", "two", "three", "five", "ten", "hundred")) \
            else []
    ten = "10" in norm
    return [(rx, strong) for rx, strong, possible in (
        (_PAREN_RANGE, True, "(" in norm), (_MULT_INT, True, "x" in norm or "*" in norm), (_SCI, True, ten),
        (_ENOTATION, True, "e" in norm or "E" in norm), (_WORDS_SCALE, True, True), (_BARE_POWER, True, ten),
        (_BIG_INT, False, True)) if possible]


def _candidates(norm: str):
    """(start, end, low, high, strong) for every number that may be a cell count; strong = scientific notation."""
    starts: list[int] = []  # the spans taken so far, disjoint, sorted by start (so their ends are sorted too)
    ends: list[int] = []

    def free(s: int, e: int) -> bool:
        i = bisect.bisect_right(starts, s)
        return (i == 0 or ends[i - 1] <= s) and (i == len(starts) or e <= starts[i])

    for rx, strong in _number_patterns(norm):
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
            i = bisect.bisect_right(starts, m.start())
            starts.insert(i, m.start())
            ends.insert(i, m.end())
            yield m.start(), m.end(), lo, hi, strong


def parse_doses(text: str | None) -> list[Dose]:
    """Every dose in ``text`` in order of appearance; cell doses first classified per kg or total."""
    if not text or not isinstance(text, str):
        return []
    got = _DOSE_MEMO.get(text)
    if got is None:
        try:
            got = _parse_doses(text)
        except Exception:  # noqa: BLE001 - a parser of free text must never fail the build
            got = []
        if len(_DOSE_MEMO) > 4096:
            _DOSE_MEMO.clear()
        _DOSE_MEMO[text] = got
    return list(got)


_DOSE_MEMO: dict[str, list[Dose]] = {}


def _parse_doses(text: str) -> list[Dose]:
    norm = normalize(text)
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
    for m in _OTHER.finditer(norm) if out or _DIGIT.search(norm) else ():
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


# The schedule patterns below are matched on folded, lower-cased text (see _fold): no re.IGNORECASE needed.
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30, "year": 365, "years": 365}
_EVERY = re.compile(
    r"(?:once\s+(?:a|per|every)|(?P<per>" + _NUMWORD + r")\s+times?\s+(?:a|per|every)|every|each|weekly|monthly|"
    r"daily|per)\s*(?P<k>" + _NUMWORD + r")?\s*(?P<unit>days?|weeks?|months?)?"
    r"(?:\s+(?:for|during|over|x|×)\s+(?:a\s+(?:total\s+of\s+)?|the\s+(?:next|first)\s+)?(?P<dur>" + _NUMWORD
    + r")\s*(?:consecutive\s+)?(?P<dunit>days?|weeks?|months?|times|doses|cycles))?"
    r"(?:\s+(?P<twice>twice|thrice|" + _NUMWORD + r"\s+times))?",
)
_COUNT = re.compile(
    r"(?<![\w./-])(?P<n>" + _NUMWORD + r"|twice|thrice|a\s+total\s+of\s+\d{1,2})\s*(?:\(\s*\d+\s*\)\s*)?"
    r"(?:(?:consecutive|separate|repeated|sequential|weekly|monthly|doses\s+of|intravenous|iv|intrathecal|"
    r"intra-?articular|intramuscular|local|subcutaneous|intradermal|intra-?myocardial|trans-?endocardial|epicardial|"
    r"intra-?coronary|intra-?arterial|intra-?discal|intra-?lesional|cell|msc|stem\s+cell|total|"
    r"injections?\s+of|infusions?\s+of|treatment|equal|identical|divided|booster|"
    r"cycles?\s+of)[\s-]+){0,3}"
    r"(?P<what>times|doses|infusions|injections|administrations|transplantations|applications|treatments|"
    r"courses|cycles|sessions|instillations|implantations|deliveries|rounds|inhalations|nebulizations)\b",
)
_TWICE = re.compile(r"\b(?P<w>twice|thrice)\b(?!\s+(?:a|per|daily|weekly|monthly|the|as|that))")
_SINGLE = re.compile(
    r"\b(?:single|sole|one[- ]time|one[- ]off|once[- ]only|only\s+once|a\s+one[- ]time)[\s-]+"
    r"(?:\w+[\s-]+){0,3}?(?:dose|doses|injection|infusion|administration|transplantation|application|"
    r"treatment|session|implantation|intravenous|intra|iv\b|bolus|course|delivery|shot|inoculation)"
    r"|\b(?:administered|given|injected|infused|applied|transplanted|delivered|treated)\s+(?:only\s+)?once\b"
    r"|\bonce\s*(?:$|[.;,)]|\s+(?:on|at|in)\s+day\s*0?1?\b)"
    r"|\bonce\s+(?:aerosol|nebuli[sz]ed|intravenous|intra\w*|inhal\w*|injection|infusion|administration|dose|iv)\b"
    r"|\bone\s+(?:dose|injection|infusion|administration|intra[\w-]*\s+injection|intravenous\s+infusion)\b",
)
_DAYS = re.compile(
    r"\b(?:on|at|in)?\s*(?:post[- ]?(?:operative|transplant|op)\s+)?(?P<unit>days?|weeks?|months?|d)\s*"
    r"(?P<list>[+-]?\d{1,3}(?:\s*(?:,|and|&|/|;|\+)\s*(?:(?:days?|weeks?|months?|d)\s*)?[+-]?\d{1,3}){1,15})",
)
_REPEAT = re.compile(
    r"\b(?:repeated|repeat|re-?administered|re-?injected|re-?infused|re-?treated|"
    r"(?<!\bare\s)(?<!\bbe\s)(?<!\bis\s)(?<!\bwere\s)(?<!\bbeen\s)followed(?!\s*-?\s*up\b))\b[^.;]{0,50}?"
    r"(?:\b(?:after|in|at|later|by|one\s+month|a\s+second|another|once\s+more|again)\b)")
_SECOND = re.compile(r"\b(?:a|the)\s+second\s+(?:\w+\s+){0,2}?(?:dose|injection|infusion|administration|"
                     r"transplantation|application|treatment)\b")
_THEN = re.compile(r"\bthen\b|\bfollowed\s+by\b|\band\s+then\b|\bthereafter\b")


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


def _count_in(sentence: str) -> tuple[int, int] | None:
    """(number of administrations, offset of the phrase) one sentence states, or None."""
    s = _fold(normalize(sentence))
    if not any(w in s for w in _SCHEDULE_WORDS) and not _DIGIT.search(s):
        return None
    parts = _THEN.split(s) if "then" in s or "followed" in s or "thereafter" in s else [s]
    if len(parts) > 1:
        counts = [_count_simple(p) for p in parts]
        if all(c is not None for c in counts) and sum(1 for p in parts if _EVERY.search(p)) >= 1:
            return sum(c[0] for c in counts), 0
    return _count_simple(s)


#: Words one of which (or a digit) a sentence needs to state a count (each rule below needs one of them).
_EVERY_WORDS = ("once", "time", "every", "each", "weekly", "monthly", "daily", "per")
_COUNT_WORDS = ("times", "doses", "infusions", "injections", "administrations", "transplantations", "applications",
                "treatments", "courses", "cycles", "sessions", "instillations", "implantations", "deliveries",
                "rounds", "inhalations", "nebulizations")
_SCHEDULE_WORDS = _EVERY_WORDS + _COUNT_WORDS + ("twice", "thrice", "repeat", "administered", "injected", "infused",
                                                 "treated", "followed", "second", "single", "sole", "one", "days")
_TIMES_NOT_COUNT = re.compile(r"\s*(?:higher|more|greater|lower|less|the|as|larger|smaller|normal|upper|uln|daily|"
                              r"a\s+day|per\s+day|the\s+upper)")
_SIGNED = re.compile(r"[+-]?\d{1,3}")
_DAY_NUMBER = re.compile(r"\b(?:day|d)\s*([+-]?\d{1,3})\b")
_DAY_LIST = re.compile(r"\b(?:day|d)\s*[+-]?\d{1,3}\s*(?:,|and|&)\s*(?:day|d)\s*\d")
_PER_DAY = re.compile(r"/\s*(?:day|d)\b|per\s+day|\bdaily\b|\ba\s+day\b")
_N_DAYS = re.compile(r"\b(?P<n>" + _NUMWORD + r")\s+(?:consecutive\s+|successive\s+)?days\b")
# "0.5 ml per injection x 10 injections", "20 transendocardial injections of 0.5 ml", "divided into 10 injections":
# injection sites of one procedure, not administrations (unless the sentence spaces them in time).
_SITES_BEFORE = re.compile(r"(?:\bx|\*|\btimes|divided\s+(?:\w+\s+)?into|\bin)\s*(?:between\s+)?$")
_SITES_WHAT = re.compile(r"(?:intra-?myocardial|trans-?endocardial|epicardial|intra-?muscular|intra-?dermal|"
                         r"subcutaneous)\s+injections|injections\s+(?:of\s+(?:about\s+|approximately\s+)?[\d.,]+\s*"
                         r"(?:ml|cc|µl|ul|microliters?)\b|at\s+(?:\w+\s+){0,2}sites|(?:in|into|inside|around)\s+the\s+)")
_SPACED = re.compile(r"\bapart\b|\binterval|\bevery\b|\blater\b|\bweeks?\b|\bmonths?\b|\bdays?\s+\d|"
                     r"\b(?:weekly|monthly|repeated)\b")


def _site_count(s: str, m: re.Match) -> bool:
    """Is this 'N injections' the injection sites of one procedure?"""
    if m.group("what") != "injections" or _SPACED.search(s):
        return False
    return bool(_SITES_BEFORE.search(s, max(0, m.start() - 12), m.start())
                or _SITES_WHAT.search(s, m.start(), m.end() + 40))


def _count_simple(s: str) -> tuple[int, int] | None:
    """(count, offset) in folded text ``s``; each rule runs only when a word it needs is there."""
    for m in _EVERY.finditer(s) if any(w in s for w in _EVERY_WORDS) else ():
        n = _every_count(m)
        if n:
            return n, m.start()
    sites = False
    for m in _COUNT.finditer(s) if any(w in s for w in _COUNT_WORDS) else ():
        raw = m.group("n")
        if raw.startswith("a total of"):
            n = int(raw.split()[-1])
        else:
            n = _n(raw)
        if m.group("what") == "times" and _TIMES_NOT_COUNT.match(s, m.end(), m.end() + 25):
            continue
        if n and n > 1 and _site_count(s, m):
            sites = True
            continue
        if n and 0 < n <= 60:
            return n, m.start()
    digits = _DIGIT.search(s) is not None
    for m in _DAYS.finditer(s) if digits else ():
        nums = _SIGNED.findall(m.group("list"))
        if len(set(nums)) >= 2:
            return len(set(nums)), m.start()
    days = _DAY_NUMBER.findall(s) if digits else []
    if len(set(days)) >= 2:
        m = _DAY_LIST.search(s)
        if m:
            return len(set(days)), m.start()
    if "days" in s and _PER_DAY.search(s):
        m = _N_DAYS.search(s)
        if m and _n(m.group("n")) and 1 < _n(m.group("n")) <= 30:
            return _n(m.group("n")), m.start()
    m = _TWICE.search(s) if "twice" in s or "thrice" in s else None
    if m:
        return _n(m.group("w")), m.start()
    m = _REPEAT.search(s) if any(w in s for w in ("repeat", "administered", "injected", "infused", "treated",
                                                   "followed")) else None
    m = m or (_SECOND.search(s) if "second" in s else None)
    if m:
        return 2, m.start()
    m = _SINGLE.search(s) if "single" in s or "sole" in s or "one" in s or "once" in s else None
    if m:
        return 1, m.start()
    if sites:
        return 1, 0
    return None


def parse_administrations(text: str | None) -> int | None:
    """How many administrations ``text`` states (first sentence that says), or None."""
    found = administrations_in(text)
    return found[0] if found else None


def administrations_in(text: str | None) -> tuple[int, str, int] | None:
    """(count, sentence, offset of the phrase in it) for the first sentence of ``text`` that states a count."""
    if not text or not isinstance(text, str):
        return None
    if text in _ADMIN_MEMO:
        return _ADMIN_MEMO[text]
    found = None
    try:
        for sentence in split_sentences(text):
            got = _count_in(sentence)
            if got and got[0]:
                found = (got[0], sentence, got[1])
                break
    except Exception:  # noqa: BLE001 - free text must never fail the build
        found = None
    if len(_ADMIN_MEMO) > 4096:
        _ADMIN_MEMO.clear()
    _ADMIN_MEMO[text] = found
    return found


_ADMIN_MEMO: dict[str, tuple[int, str, int] | None] = {}


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of ``text`` (keeps decimals like '1.5' and 'i.v.' together)."""
    if not text:
        return []
    if _LONG_SPACE.search(text):  # garbage runs of blanks would make the split scan each run again per position
        text = _LONG_SPACE.sub(lambda m: "\n" if "\n" in m.group(0) else " ", text)
    chunks = _SPLIT.split(text)
    return [c.strip() for c in chunks if c and c.strip()]


_LONG_SPACE = re.compile(r"\s{200,}")
# Splits after ".!?" before a capital or bracket, at ";", newlines, " - " before a capital, and bullets. Written to
# start with one character class (whitespace, ";" or a bullet) so that ``re`` skips to candidates quickly.
_SPLIT = re.compile(
    r"[\s;\u2022](?:(?<=[.!?]\s)\s*(?=[A-Z(\[])|(?<=;)\s*|(?<=\n)\n*|(?<=\s)\s*-\s+(?=[A-Z])|(?<=\u2022))")
