"""Read structured facts (age, BMI, scores, labs, durations) and themes from one eligibility criterion text.

Pure functions, no database: :func:`extract_facts` returns :class:`Fact` values whose ``evidence`` is always an
exact substring of the text they were read from; :func:`tag_themes` tags a text with themes from a vocabulary
(``data/vocab/criteria_themes.yaml``, loaded with :func:`load_themes`).

A fact is a bound as written: ``low``/``high`` with their inclusivity (``≥``, "at least", "or older" and
ranges such as ``18-60`` are inclusive; ``>``, "older than", "more than" are exclusive). Numbers and units are
kept as written, except ages, which are converted to years. Mojibake is read too: ``age ? 18`` and ``age = 18``
(``≥`` damaged in transit) mean ``≥ 18``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from re import _parser  # the standard library's regex parser: prefilters are derived from patterns

from warehouse import yaml_text

THEMES_PATH = Path(__file__).resolve().parent.parent / "data" / "vocab" / "criteria_themes.yaml"


@dataclass(frozen=True, slots=True)
class Fact:
    """One bound read from a criterion: ``low``/``high`` (None when open), units as written, exact evidence."""

    fact: str
    low: float | None
    high: float | None
    low_inclusive: bool | None
    high_inclusive: bool | None
    unit: str | None
    evidence: str
    start: int = 0


# ---------------------------------------------------------------------------------------------------------------
# Lexicon: numbers, operators, units
# ---------------------------------------------------------------------------------------------------------------

_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18, "twenty": 20, "thirty": 30, "double": 2,
    "twice": 2, "triple": 3,
}
_ROMAN = {"0": 0, "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}

_NUM = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:[.,·]\d+)?|\.\d+)"
_WORDNUM = r"(?:" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")"
_ROMAN_RE = r"(?-i:\b(?:IV|V|I{1,3})\b)"

# Operators, longest spellings first. "?" and a lone "=" are mojibake for "≥".
_OPS: list[tuple[str, str]] = [
    ("ge", r"greater\s+than\s+or\s+equal(?:\s+to)?|more\s+than\s+or\s+equal(?:\s+to)?|"
           r"equal\s+(?:to\s+)?or\s+(?:greater|more|higher|older)\s+than|older\s+than\s+or\s+equal\s+to|"
           r"higher\s+than\s+or\s+equal\s+to|not\s+(?:less|lower|younger)\s+than|no\s+(?:less|lower|younger)\s+than|"
           r">\s*or\s*equal(?:\s+to)?|at\s+least|a\s+minimum\s+of|minimum\s+of|minimum|≥|>\s*=|=\s*>|>\s*/\s*=|⩾|≧|>\s*or\s*=|over\s+or\s+equal\s+to"),
    ("le", r"less\s+than\s+or\s+equal(?:\s+to)?|lower\s+than\s+or\s+equal(?:\s+to)?|younger\s+than\s+or\s+equal\s+to|"
           r"equal\s+(?:to\s+)?or\s+(?:less|lower|younger)\s+than|not\s+(?:more|greater|higher|older)\s+than|"
           r"no\s+(?:more|greater|higher|older)\s+than|not\s+exceeding|not\s+to\s+exceed|up\s+to|at\s+most|"
           r"<\s*or\s*equal(?:\s+to)?|a\s+maximum\s+of|maximum\s+of|maximum|≤|<\s*=|=\s*<|<\s*/\s*=|⩽|≦|<\s*or\s*=|under\s+or\s+equal\s+to"),
    ("gt", r"more\s+than|greater\s+than|higher\s+than|older\s+than|in\s+excess\s+of|exceeding|exceeds?|over|above|"
           r"(?<![<=])>(?!\s*/?\s*=)"),
    ("lt", r"less\s+than|lower\s+than|younger\s+than|fewer\s+than|under|below|(?<![=>])<(?!\s*/?\s*=)"),
    ("moj", r"(?<![<>=!?])(?:\?|=)(?![=<>])"),
]
_OP_RE = re.compile(r"(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _OPS) + r")", re.I)
_OP_ANY = r"(?:" + "|".join(v for _, v in _OPS) + r")"

_POST_GE = r"(?:or|and|&)\s+(?:older|above|over|more|greater|higher)|\+|or\s+more\s+years"
_POST_LE = r"(?:or|and|&)\s+(?:younger|below|under|less|lower)"

_TIME_UNIT = (r"(?:years?|yrs?\.?|y\.?(?=\W|$)|months?|mos?\.?|weeks?|wks?\.?|days?|hours?|hrs?\.?)"
              r"(?:\s*[-‐]?\s*(?:old|of\s+age))?")
#: the upper limit of normal, spelled out or abbreviated
_ULN = (r"(?:(?:ULN|UNL|IULN)(?![a-z])|"
        r"upper\s+(?:limits?|levels?|range)\s+(?:of\s+)?(?:the\s+)?normal(?:\s+(?:range|values?|limits?))?|"
        r"(?:the\s+)?normal\s+upper\s+limit|upper\s+normal\s+limit)(?:\s*\((?:ULN|UNL)\))?")
_TIMES = r"(?:[x×*]|times?|-?folds?)"
_UNIT_PARTS = [
    # multiples of the upper limit of normal: "x ULN", "times the upper limit of normal", "2 ULN", "1.5 from the
    # upper limit"
    rf"{_TIMES}\s*(?:of\s+)?(?:the\s+)?(?:institutional\s+)?(?:{_ULN}|normal(?:\s+(?:values?|range))?)",
    rf"(?:the\s+)?(?:institutional\s+)?{_ULN}",
    r"(?:from|of)\s+(?:the\s+)?upper\s+limits?(?:\s+of\s+(?:the\s+)?normal)?",
    r"[x×*]\s*10\s*(?:\^|\*\*|e)?\s*(?:9|⁹|3|³|12|6)\s*/\s*(?:L|l|µL|μL|uL|mm3|mm³)",
    r"(?:[x×*]\s*)?10\s*(?:\^|\*\*)?\s*(?:9|⁹)\s*/\s*L",
    r"(?:m[lL]|cc)\s*/\s*\(?\s*min(?:ute)?\s*(?:[/·.*x×]\s*)?(?:1[.,·]73\s*(?:m\s*(?:\^?\s*2|²)|m2))?\s*\)?",
    r"(?:mg|g|gm|µmol|μmol|umol|mmol|mEq|ng|pg|µg|μg|mcg|IU|U|mIU|cells?)\s*/\s*(?:dL|dl|DL|L|l|ml|mL|mm3|mm³|µL|μL|uL)",
    r"mg\s*%|g\s*%",
    r"(?:/|per)\s*(?:1\s*)?(?:mm3|mm³|mm\^3|[µμu]\s?[lL]|mcL|cu\.?\s*mm|microlit(?:er|re)|L)",
    r"(?:thousand|k)\s*/\s*(?:µL|μL|uL|ul|mm3)",
    r"G\s*/\s*L",
    r"kg\s*/\s*m\s*(?:\^\s*2|²|2)",
    r"mmol\s*/\s*mol",
    r"%",
    r"points?(?![-\w])",
]
_UNIT = r"(?:" + "|".join(_UNIT_PARTS) + r")"


def _number(text: str) -> float | None:
    """A number as written: ``7,5`` → 7.5, ``100,000`` → 100000, ``two`` → 2, ``III`` → 3."""
    t = text.strip()
    if t in _ROMAN:
        return float(_ROMAN[t])
    low = t.lower()
    if low in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[low])
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", t):
        return float(t.replace(",", ""))
    try:
        return float(t.replace(",", ".").replace("·", "."))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------------------------
# Prefilters: the literal words a pattern's matches must start with (derived from the regex, no user input)
# ---------------------------------------------------------------------------------------------------------------

_KEY = 5                      # characters of a word used as its key
_WORD_RE = re.compile(r"\w+")
_WORDISH = re.compile(r"\w")


@dataclass(frozen=True, slots=True)
class _Gate:
    """Necessary condition for a pattern to match: a word with one of ``keys`` (the word's first ``_KEY``
    characters, or the whole word when shorter) starts a match, or one of ``substrings`` occurs in the text."""

    keys: frozenset[str]
    substrings: tuple[str, ...]

    def passes(self, low: str, keys: set[str]) -> bool:
        return not self.keys.isdisjoint(keys) or any(s in low for s in self.substrings)


def _walk(seq: list, cur: str, bounded: bool, depth: int) -> set[tuple[str, bool, bool]] | None:
    """(literal start, whole word?, starts a word?) of every way ``seq`` can begin; None when unknown."""
    if depth > 80:
        return None
    if len(cur) >= _KEY:
        return {(cur[:_KEY], False, bounded)}
    if not seq:
        return {(cur, False, bounded)} if cur else None
    (op, av), rest = seq[0], seq[1:]
    name = str(op)

    def end() -> set[tuple[str, bool, bool]] | None:
        return {(cur, True, bounded)} if cur else None

    if name == "LITERAL":
        ch = chr(av).lower()
        return _walk(rest, cur + ch, bounded, depth + 1) if _WORDISH.fullmatch(ch) else end()
    if name == "IN":
        chars: list[str] = []
        stop = False
        for iop, iav in av:
            iname = str(iop)
            if iname == "LITERAL":
                chars.append(chr(iav).lower())
            elif iname == "RANGE" and iav[1] - iav[0] <= 10:
                chars.extend(chr(c).lower() for c in range(iav[0], iav[1] + 1))
            elif iname == "CATEGORY" and str(iav) in ("CATEGORY_SPACE", "CATEGORY_NOT_WORD"):
                stop = True
            else:
                return None
        out: set[tuple[str, bool, bool]] = set()
        for ch in dict.fromkeys(chars):
            if _WORDISH.fullmatch(ch):
                sub = _walk(rest, cur + ch, bounded, depth + 1)
            else:
                sub = end()
            if sub is None:
                return None
            out |= sub
        if stop:
            sub = end()
            if sub is None:
                return None
            out |= sub
        return out
    if name == "CATEGORY":
        return end() if str(av) in ("CATEGORY_SPACE", "CATEGORY_NOT_WORD") else None
    if name == "AT":
        if cur:
            return end() if str(av) == "AT_BOUNDARY" else _walk(rest, cur, bounded, depth + 1)
        return _walk(rest, cur, bounded or str(av) == "AT_BOUNDARY", depth + 1)
    if name in ("ASSERT", "ASSERT_NOT"):
        direction, sub_p = av
        word = [(str(o), str(a)) for o, a in sub_p] == [("IN", "[(CATEGORY, CATEGORY_WORD)]")]
        if name == "ASSERT_NOT" and word:
            if direction == 1 and cur:
                return end()
            if direction == -1 and not cur:
                return _walk(rest, cur, True, depth + 1)
        return _walk(rest, cur, bounded, depth + 1)
    if name == "SUBPATTERN":
        return _walk(list(av[-1]) + rest, cur, bounded, depth + 1)
    if name == "BRANCH":
        out = set()
        for alt in av[1]:
            sub = _walk(list(alt) + rest, cur, bounded, depth + 1)
            if sub is None:
                return None
            out |= sub
        return out
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        lo, hi, body = av
        again = [(op, (max(lo - 1, 0), hi - 1, body))] if hi > 1 else []
        take = _walk(list(body) + again + rest, cur, bounded, depth + 1)
        if lo > 0 or take is None:
            return take
        skip = _walk(rest, cur, bounded, depth + 1)
        return None if skip is None else take | skip
    return None


def _gate(pattern: re.Pattern[str]) -> _Gate | None:
    """The prefilter of a case-insensitive pattern, or None when its matches cannot be reduced to words."""
    try:
        starts = _walk(list(_parser.parse(pattern.pattern, pattern.flags)), "", False, 0)
    except (RecursionError, re.error):
        return None
    if not starts:
        return None
    keys = {s for s, whole, bounded in starts if bounded and (whole or len(s) >= _KEY)}
    subs = {s for s, whole, bounded in starts if not (bounded and (whole or len(s) >= _KEY))}
    return _Gate(frozenset(keys), tuple(sorted(subs)))


def _word_keys(low: str) -> set[str]:
    return {w[:_KEY] for w in _WORD_RE.findall(low)}


# ---------------------------------------------------------------------------------------------------------------
# Constraint grammar
# ---------------------------------------------------------------------------------------------------------------

@dataclass(slots=True)
class _Bound:
    low: float | None
    high: float | None
    low_inc: bool | None
    high_inc: bool | None
    unit: str | None
    start: int
    end: int
    low_unit: str | None = None

    @property
    def lunit(self) -> str | None:
        return self.low_unit or self.unit


def _op_kind(op: str) -> str:
    m = _OP_RE.fullmatch(op.strip())
    if not m:
        return "ge"
    return next(k for k, v in m.groupdict().items() if v is not None)


class _Grammar:
    """Compiled constraint patterns for one value syntax (plain numbers, scale values, or durations)."""

    def __init__(self, val: str, unit: str, unit_required: bool = False, time: bool = False) -> None:
        self.time = time
        # what every constraint starts with (a range word, an operator or a value): a cheap first test
        self.start = re.compile(rf"(?:between|from|ranged?|ranging|in\s+the\s+range|range|{_OP_ANY}|{val})", re.I)
        u = f"(?:\\s*(?P<{{n}}>{unit}))"
        uo = u + ("" if unit_required else "?")
        sep = r"(?:-+|–|—|−|~|～|_|to|and|until|through|till|thru|up\s+to)"
        self.range = re.compile(
            r"(?:(?:between|from|ranged?\s+from|ranging\s+from|in\s+the\s+range\s+of|range)\s*:?\s*)?"
            rf"(?P<v1>{val})" + u.format(n="u1") + r"?\s*"
            + rf"(?:\((?:inclusive|included|including)\)\s*)?{sep}\s*(?:the\s+age\s+of\s+)?"
            + r"(?P<op2>≤|<\s*=|=\s*<|<|less\s+than|under|below)?\s*"
            + rf"(?P<v2>{val})(?![.,]?\d)" + uo.format(n="u2")
            + r"(?P<inc>\s*\((?:both\s+)?inclusive\)|\s+inclusive\b)?",
            re.I,
        )
        self.pair = re.compile(
            rf"(?:between\s+)?(?P<op1>{_OP_ANY})\s*(?P<v1>{val})" + u.format(n="u1") + r"?"
            r"\s*(?:[,;]\s*)?(?:and|but|&|to|/|through|till|until)?\s*(?:(?:the\s+)?(?:age|aged|ages)\s+(?:is\s+)?|be\s+)?"
            rf"(?P<op2>{_OP_ANY})\s*(?P<v2>{val})(?![.,]?\d)" + uo.format(n="u2"),
            re.I,
        )
        self.single = re.compile(
            rf"(?P<op>{_OP_ANY})\s*(?:the\s+age\s+of\s+|of\s+|to\s+)?(?P<v>{val})(?![.,]?\d)" + uo.format(n="u"),
            re.I,
        )
        self.post = re.compile(
            rf"(?P<v>{val})" + uo.format(n="u") + rf"\s*(?:of\s+age\s+)?(?:(?P<pge>{_POST_GE})|(?P<ple>{_POST_LE}))",
            re.I,
        )
        # "18 years (including) to 75" handled by range; a value alone (scales only)
        self.bare = re.compile(rf"(?P<v>{val})(?![.,]?\d)" + uo.format(n="u"), re.I)

    def _le(self, a: float, ua: str | None, b: float, ub: str | None) -> bool:
        if self.time:
            return (_to_years(a, ua) or 0) <= (_to_years(b, ub) or 0)
        return a <= b

    def parse(self, text: str, pos: int, allow_bare: bool = False) -> _Bound | None:
        """The longest constraint starting exactly at ``pos``."""
        if not self.start.match(text, pos):
            return None
        found: list[_Bound] = []
        m = self.range.match(text, pos)
        if m:
            a, b = _number(m.group("v1")), _number(m.group("v2"))
            unit = m.group("u2") or m.group("u1")
            lunit = m.group("u1") or unit
            hi_inc = not m.group("op2") or _op_kind(m.group("op2")) == "le"
            if a is not None and b is not None and self._le(a, lunit, b, unit):
                found.append(_Bound(a, b, True, hi_inc, unit, m.start(), m.end(), lunit))
        m = self.pair.match(text, pos)
        if m:
            k1, k2 = _op_kind(m.group("op1")), _op_kind(m.group("op2"))
            a, b = _number(m.group("v1")), _number(m.group("v2"))
            if k1 == "moj":
                k1 = "ge"
            if k2 == "moj":
                k2 = "le"
            u1, u2 = m.group("u1") or m.group("u2"), m.group("u2") or m.group("u1")
            if a is not None and b is not None and k1 in ("ge", "gt") and k2 in ("le", "lt") and a < b:
                found.append(_Bound(a, b, k1 == "ge", k2 == "le", u2, m.start(), m.end(), u1))
            elif a is not None and b is not None and k1 in ("le", "lt") and k2 in ("ge", "gt") and b < a:
                found.append(_Bound(b, a, k2 == "ge", k1 == "le", u1, m.start(), m.end(), u2))
        m = self.single.match(text, pos)
        if m:
            k = _op_kind(m.group("op"))
            v = _number(m.group("v"))
            if v is not None:
                if k in ("ge", "gt", "moj"):
                    found.append(_Bound(v, None, k != "gt", None, m.group("u"), m.start(), m.end()))
                else:
                    found.append(_Bound(None, v, None, k == "le", m.group("u"), m.start(), m.end()))
        m = self.post.match(text, pos)
        if m:
            v = _number(m.group("v"))
            if v is not None:
                if m.group("pge"):
                    found.append(_Bound(v, None, True, None, m.group("u"), m.start(), m.end()))
                else:
                    found.append(_Bound(None, v, None, True, m.group("u"), m.start(), m.end()))
        if allow_bare and not found:
            m = self.bare.match(text, pos)
            if m:
                v = _number(m.group("v"))
                if v is not None:
                    found.append(_Bound(v, v, True, True, m.group("u"), m.start(), m.end()))
        if not found:
            return None
        return max(found, key=lambda b: (b.end, b.low is not None and b.high is not None))


_PLAIN = _Grammar(rf"(?:{_NUM}|{_WORDNUM}(?=\s*(?:times|[x×*]|-?fold)))", _UNIT)
_TIME = _Grammar(rf"(?:{_NUM}|{_WORDNUM}(?=\s*(?:\(\d+\)\s*)?(?:years?|months?|weeks?|days?)))", _TIME_UNIT,
                 time=True)
_AGE = _Grammar(_NUM, _TIME_UNIT, time=True)
_AGE_UNIT_REQ = _Grammar(_NUM, _TIME_UNIT, unit_required=True, time=True)
_SCALE_VAL = rf"(?:{_NUM}|{_ROMAN_RE})"
_SCALE = _Grammar(_SCALE_VAL, r"(?:%|points?(?![-\w]))")

_ENUM = re.compile(
    rf"(?P<all>(?:{_SCALE_VAL})(?:\s*(?:,\s*(?:or|and)?|/|or|and|&|、|，)\s*(?:(?:class|grade|stage)\s+)?(?:{_SCALE_VAL}))+)"
    rf"(?![.,]?\d)",
    re.I,
)

_TOKEN = re.compile(r"[^\W_]+|\S")  # word-boundary starts: runs of letters/digits and single other characters
_HAS_DIGIT = re.compile(r"\d")
_STOP = re.compile(r"[;；。\n]|\.\s|\.$|,\s*(?:and\s+|or\s+)?(?=[A-Za-z]{2,}[^,;]{0,30}[<>≤≥=])")
_STOP_MARGIN = 200


# ---------------------------------------------------------------------------------------------------------------
# Fact specifications
# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Spec:
    name: str
    anchor: re.Pattern[str]
    grammar: _Grammar
    filler: int = 40                        # max characters between the anchor and the value
    bare: bool = False                      # a value alone ("ECOG 0-1", "grade 3") counts
    enum: bool = False                      # "0, 1 or 2", "III/IV"
    unit_check: re.Pattern[str] | None = None  # the unit, when given, must match this
    context: re.Pattern[str] | None = None  # the anchor only counts when the item also matches this


def _rx(p: str) -> re.Pattern[str]:
    return re.compile(p, re.I)


def _lc(p: re.Pattern[str]) -> re.Pattern[str]:
    """The twin of a case-insensitive pattern for lowercased text (case-sensitive matching is several times
    faster); escapes such as ``\\S`` are kept as written."""
    out: list[str] = []
    i = 0
    while i < len(p.pattern):
        if p.pattern[i] == "\\":
            out.append(p.pattern[i:i + 2])
            i += 2
        else:
            out.append(p.pattern[i].lower())
            i += 1
    return re.compile("".join(out).replace("(?p<", "(?P<").replace("(?p=", "(?P="), p.flags & ~re.I)


def _lower(text: str) -> str:
    """``text`` lowercased character by character, so that positions in both are the same."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


_KL_CTX = _rx(r"kellgren|\bK\s*[-/&]?\s*L\b|\bK\s*&\s*L\b")
_NYHA_CTX = _rx(r"\bNYHA\b|new\s+york\s+heart")

_SPECS: list[_Spec] = [
    _Spec("bmi", _rx(r"\bBMI\b|body\s+mass\s+index(?:\s*\(BMI\))?"), _PLAIN, filler=30,
          unit_check=_rx(r"kg|points?")),
    _Spec("ecog", _rx(r"\bECOG\b(?:\s*\(Eastern\s+Cooperative\s+Oncology\s+Group\))?(?:\s*PS)?|"
                      r"Eastern\s+Cooperative\s+Oncology\s+Group(?:\s*\((?:ECOG)\))?|\bZubrod\b"),
          _SCALE, filler=45, bare=True, enum=True),
    _Spec("karnofsky", _rx(r"(?:Lan[dk]?sky\s*(?:[-/]|or|and)?\s*)?Karnofsky(?:\s*/\s*Lansky)?|\bKPS\b"),
          _PLAIN, filler=40, bare=True, unit_check=_rx(r"%|points?")),
    _Spec("kellgren_lawrence", _rx(r"Kellgren\s*(?:-|–|&|and|/)?\s*Lawrence|\bK\s*[-/&]\s*L\b|\bK\s*&\s*L\b|"
                                   r"\bKL\b"), _SCALE, filler=45, bare=True, enum=True),
    _Spec("kellgren_lawrence", _rx(r"\b(?:grades?|stages?)\b"), _SCALE, filler=6, bare=True, enum=True,
          context=_KL_CTX),
    _Spec("pasi", _rx(r"\bPASI\b(?:\s*\d{2})?|Psoriasis\s+Area\s+(?:and|&)\s+Severity\s+Index(?:\s*\(PASI\))?"),
          _PLAIN, filler=25),
    _Spec("sledai", _rx(r"(?:SELENA\s*[-–]?\s*)?SLEDAI(?:\s*-?\s*2K)?"), _PLAIN, filler=30),
    _Spec("edss", _rx(r"\bEDSS\b|Expanded\s+Disability\s+Status\s+Scale(?:\s*\(EDSS\))?"), _PLAIN, filler=35,
          bare=False),
    _Spec("nyha", _rx(r"\bNYHA\b|New\s+York\s+Heart\s+Association(?:\s*\[?\(?NYHA\)?\]?)?"), _SCALE, filler=45,
          bare=True, enum=True),
    _Spec("nyha", _rx(r"\b(?:class|grade|stage)\b"), _SCALE, filler=4, bare=True, enum=True, context=_NYHA_CTX),
    _Spec("ejection_fraction", _rx(r"(?:left\s+ventricular\s+|LV\s+)?ejection\s+fraction(?:\s*\((?:LV)?EF\))?|"
                                   r"\bLVEF\b|\bEF\b"), _PLAIN, filler=40, unit_check=_rx(r"^%$")),
    # "creatine" is a frequent misspelling of creatinine (creatine kinase is another test)
    _Spec("creatinine", _rx(r"(?:serum\s+|plasma\s+|blood\s+)?creatin(?:in)?e(?!\s+(?:clearance|(?:phospho)?kinase))"
                            r"(?:\s*\((?:s?Cr|SCr|Scr)\))?|"
                            r"\bS?Cr\b(?!\s*Cl)|\bSCr\b"), _PLAIN, filler=35,
          unit_check=_rx(r"mg|mol|ULN|UNL|normal|upper|g\s*/")),
    _Spec("egfr", _rx(r"\beGFR\b|\bGFR\b|glomerular\s+filtration\s+rate|creatinine\s+clearance|\bCrCl\b|\bCCr\b"),
          _PLAIN, filler=40, unit_check=_rx(r"min")),
    _Spec("hba1c", _rx(r"\bHbA1c\b|\bHbA1\b|\bA1c\b|h(?:a)?emoglobin\s+A1c|glycated\s+h(?:a)?emoglobin|"
                       r"glycosylated\s+h(?:a)?emoglobin|glycohemoglobin"), _PLAIN, filler=35,
          unit_check=_rx(r"%|mmol")),
    _Spec("alt_ast", _rx(r"\b(?:ALT|AST|SGPT|SGOT)\b(?:\s*(?:/|and|or|,)\s*\b(?:ALT|AST|SGPT|SGOT)\b)*|"
                         r"(?:alanine|aspartate)\s+(?:amino)?transaminase|(?:alanine|aspartate)\s+aminotransferase|"
                         r"\btransaminases?\b|\baminotransferases?\b"), _PLAIN, filler=60,
          unit_check=_rx(r"ULN|UNL|normal|upper|U\s*/|IU")),
    _Spec("platelets", _rx(r"\bplatelets?(?:\s+counts?)?(?:\s*\(PLT\))?|\bPLT\b|\bthrombocytes?"), _PLAIN,
          filler=30, unit_check=_rx(r"/|10|G\s*/|thousand")),
    _Spec("hemoglobin", _rx(r"\bh(?:a)?emoglobin\b(?!\s*A1)(?:\s*\((?:Hgb|Hb|HGB)\))?|\bHgb\b|\bHb\b(?!A1)"),
          _PLAIN, filler=30, unit_check=_rx(r"g\s*/|g\s*%|mmol|mg")),
]

# ---------------------------------------------------------------------------------------------------------------
# Age
# ---------------------------------------------------------------------------------------------------------------

_AGE_ANCHOR = _rx(r"(?<![-\w])(?:age[sd]?|aging)\b(?!\s*-?\s*(?:related|matched|appropriate|dependent|specific))")
_AGE_SKIP = _rx(r"(?:gestational|gestation|post\s*-?menstrual|postnatal|corrected|bone|mental)"
                r"\s+$|\bat\s+$")
_AGE_NOT_AFTER = _rx(r"\s*(?:at|of)\s+(?:onset|diagnosis|symptom)")
_PERSON = _rx(r"\b(?:patients?|subjects?|participants?|men|women|males?|females?|adults?|children|individuals?|"
              r"volunteers?|persons?|people|boys|girls|adolescents|infants|neonates|sex|genders?|both\s+sexes|"
              r"pts|cases?|recipients?|donors?)\b(?:\s*\([^)]{0,20}\))?\s*(?:must\s+be\s+|will\s+be\s+|are\s+|is\s+|"
              r"of\s+either\s+sex\s+|aged?\s+|,\s*|:\s*)*$")
_YOUNG = _rx(r"\b(?:age[sd]?|infants?|neonates?|newborns?|babies|baby|children|child|patients?|subjects?|"
               r"participants?|boys|girls|born|pediatric|paediatric)\b")
_AGE_TAIL = _rx(r"\s*(?:[-‐]?\s*(?:years?|yrs?|y)\.?\s*)?[-‐\s]*(?:old|of\s+age|in\s+age|of\s+age\s+or\s+older)\b")
_DURATION_CUE = _rx(r"\b(?:for|since|within|duration|history|last|past|previous|ago|after|before|prior|over\s+the|"
                    r"during|expectancy|lived|period|follow|diagnosed|onset|injury)\b[^,;]*$")


_PERSON_GATE = _gate(_PERSON)
# lowercase twins of the patterns searched over whole texts (see _lc)
_AGE_ANCHOR_LC, _AGE_SKIP_LC, _PERSON_LC, _YOUNG_LC, _DURATION_CUE_LC = (
    _lc(p) for p in (_AGE_ANCHOR, _AGE_SKIP, _PERSON, _YOUNG, _DURATION_CUE))
_UNIT_YEARS_MONTHS = _rx(r"(?:y|mo)")
_UNIT_OLD = _rx(r"old|age")
_UNIT_SHORT = _rx(r"(?:mo|w|d|h)")
_UNIT_Y_MO_W_D = _rx(r"(?:y|mo|w|d)")
_UNIT_Y_MO = _rx(r"\d\s*(?:y|mo)")
_OP_AGE = re.compile(rf"(?P<op>{_OP_ANY})\s*(?:the\s+)?age\s+(?:of\s+)?(?P<v>{_NUM})(?![.,]?\d)", re.I)
_OP_AGE_LC = _lc(_OP_AGE)


def _to_years(value: float | None, unit: str | None) -> float | None:
    if value is None:
        return None
    u = (unit or "years").lower()
    if u.startswith(("month", "mo")):
        v = value / 12
    elif u.startswith(("week", "wk")):
        v = value * 7 / 365.25
    elif u.startswith("day"):
        v = value / 365.25
    elif u.startswith(("hour", "hr")):
        v = value / (24 * 365.25)
    else:
        v = value
    return round(v, 4)


def _scan(text: str, start: int, limit: int, grammar: _Grammar, bare: bool) -> _Bound | None:
    """The first constraint after ``start`` within ``limit`` characters of filler (no digits, no clause break)."""
    end = min(len(text), start + limit + 1)
    # a clause break starting before ``end``, looked for in a window (not the rest of a long text, per anchor);
    # the margin lets its lookahead read on past ``end``
    stop = _STOP.search(text, start + 1, end + _STOP_MARGIN) if start + 1 < end else None
    if stop is not None and stop.start() < end:
        end = stop.start()
    mid_word = 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum()
    for m in _TOKEN.finditer(text, start, end):
        p = m.start()
        if not (mid_word and p == start):  # a token start is a word boundary, except inside the first word
            b = grammar.parse(text, p, allow_bare=bare)
            if b is not None:
                return b
        if _HAS_DIGIT.search(text, p, m.end()):
            return None
    return None


_JOIN = _rx(r"\s*(?:,\s*)?(?:or|and/or|and|,)\s+")


def _chain(text: str, bound: _Bound, grammar: _Grammar) -> list[_Bound]:
    """``over 65 or under 18``: further comparisons joined to a bound by or/and (each its own fact)."""
    out: list[_Bound] = []
    pos = bound.end
    while True:
        m = _JOIN.match(text, pos)
        if not m:
            break
        nxt = grammar.single.match(text, m.end())
        rng = None if nxt else grammar.range.match(text, m.end())
        if not nxt and not (rng and rng.group("u2")):  # "12-21 and 7-11 years": a range needs its unit
            break
        b = grammar.parse(text, m.end())
        if b is None:
            break
        out.append(b)
        pos = b.end
    return out


_NUMBER_START = re.compile(r"(?<![\w.,])\d")


#: what a constraint starts with: a range word, an operator or a number
_PARSE_START = re.compile(rf"(?:between|from|ranged?|ranging|in\s+the\s+range|range|{_OP_ANY}|{_NUM})", re.I)


def _starts_near_numbers(text: str, reach: int = 40) -> list[int]:
    """Token starts at most ``reach`` characters before a number where a constraint can begin."""
    nums = [m.start() for m in _NUMBER_START.finditer(text)]
    out: list[int] = []
    j = 0
    for m in _TOKEN.finditer(text):
        p = m.start()
        while j < len(nums) and nums[j] < p:
            j += 1
        if j == len(nums):
            break
        if nums[j] - p <= reach and _PARSE_START.match(text, p):
            out.append(p)
    return out


_LIST_MARKER = re.compile(r"(?:^|(?<=[\s;；,，:：]))\d{1,2}[.．、](?=\d{2}\s*(?:-|~|to|years|岁))", re.I)
_AFTER_EVENT = re.compile(r"\s*(?:after|post|since|from|before|ago|prior|following)\b", re.I)


def _age_facts(text: str, low: str, keys: set[str]) -> list[Fact]:
    original = text
    if not ("age" in low or "aging" in low or "old" in low or "year" in low or "yr" in low
            or _PERSON_GATE.passes(low, keys)):
        return []  # no rule below can match
    # "2.18 to 65 years old" in "1.… 2.18 to 65 years old 3.…": the "2." is a list number (same length mask)
    text = _LIST_MARKER.sub(lambda m: " " * len(m.group(0)), text)
    if text is not original:
        low = _lower(text)
    found = _age_bounds(text, low, keys)
    facts = []
    for b in _dedupe([b for b in found if not _AFTER_EVENT.match(text, b.end)]):
        unit = b.unit or "years"
        facts.append(Fact("age", _to_years(b.low, b.lunit or unit), _to_years(b.high, unit), b.low_inc, b.high_inc,
                          "years", original[b.start:b.end].strip(), b.start))
    return facts


def _age_bounds(text: str, low: str, keys: set[str]) -> list[_Bound]:
    found: list[_Bound] = []
    # each rule runs only when the words it needs are in the text
    has_age = "age" in low
    by_person = _PERSON_GATE.passes(low, keys) and _UNIT_Y_MO.search(text) is not None
    before_tail = has_age or "old" in low
    starts = _starts_near_numbers(text) if by_person or before_tail else []
    # 1. after an "age" word: "Age 18-70", "aged ≥ 18 years", "age ? 18 years", "ages between 40 and 75"
    for m in _AGE_ANCHOR_LC.finditer(low) if has_age or "aging" in low else ():
        if _AGE_SKIP_LC.search(low[max(0, m.start() - 25): m.start()]) or _AGE_NOT_AFTER.match(text, m.end()):
            continue
        b = _scan(text, m.end(), 22, _AGE, bare=True)
        if b is None:
            continue
        if b.unit is None and b.low is not None and b.low == b.high:
            tail = _AGE_TAIL.match(text, b.end)
            if not tail:
                continue
        if b.unit and not _UNIT_Y_MO_W_D.match(b.unit):
            continue
        b.start = m.start()
        found.append(b)
        found.extend(_chain(text, b, _AGE))
    # 2. after a person: "Patients over 18 years", "Men and women ≥ 18 years", "subjects 18 years or older"
    for p in starts if by_person else ():
        if p == 0 or text[p - 1].isalnum() or not _PERSON_LC.search(low[max(0, p - 60): p]):
            continue
        b = _AGE_UNIT_REQ.parse(text, p)
        if b is None or b.unit is None or not _UNIT_YEARS_MONTHS.match(b.unit):
            continue
        if b.low == b.high:
            continue
        found.append(b)
        found.extend(_chain(text, b, _AGE))
    # 3. before "years old" / "of age": "18-60 years of age", ">=40 years of age", "30-70 years old"
    for p in starts if before_tail else ():
        b = _AGE_UNIT_REQ.parse(text, p) or _AGE.parse(text, p)
        if b is None:
            continue
        tail = _AGE_TAIL.match(text, b.end)
        unit_tail = b.unit and _UNIT_OLD.search(b.unit)
        if not (tail or unit_tail):
            continue
        if b.low is not None and b.low == b.high:
            continue
        if _DURATION_CUE_LC.search(low[max(0, p - 30): p]) and not _AGE_ANCHOR_LC.search(low[max(0, p - 30): p]):
            continue
        if b.unit and _UNIT_SHORT.match(b.unit) and not _YOUNG_LC.search(low[max(0, p - 50): p]):
            continue  # "myocardial infarction less than 3 month old": the event's age, not the participant's
        if tail:
            b.end = tail.end()
        found.append(b)
    # 4. "under the age of 18", "over age 65"
    for m in _OP_AGE_LC.finditer(low) if has_age else ():
        b = _AGE.parse(text, m.start("v"))
        k = _op_kind(m.group("op"))
        v = _number(m.group("v"))
        if v is None or k == "moj":
            continue
        end = b.end if b is not None and b.low == b.high else m.end("v")
        unit = b.unit if b is not None and b.low == b.high else None
        if k in ("ge", "gt"):
            found.append(_Bound(v, None, k == "ge", None, unit, m.start(), end))
        else:
            found.append(_Bound(None, v, None, k == "le", unit, m.start(), end))
    # 5. "18 years or older" anywhere; "3 years and older"
    for m in _YEARS_OR_OLDER_LC.finditer(low) if "year" in low or "yr" in low else ():
        if _DURATION_CUE_LC.search(low[max(0, m.start() - 30): m.start()]):
            continue
        op = _OP_BEFORE.search(text, max(0, m.start() - 40), m.start())
        if op is not None:
            # "under 19 years and over 70 years": two bounds, not "19 years and over"
            b = _AGE_UNIT_REQ.parse(text, op.start())
            if b is not None and b.unit and _UNIT_YEARS_MONTHS.match(b.unit):
                found.append(b)
                found.extend(_chain(text, b, _AGE))
            continue
        if m.group(1) is not None:
            found.append(_Bound(_number(m.group(1)), None, True, None, "years", m.start(), m.end()))
        else:
            found.append(_Bound(None, _number(m.group(2)), None, True, "years", m.start(), m.end()))
    return found


_YEARS_OR_OLDER = re.compile(
    rf"(?<![\w.,])({_NUM})\s*(?:years?|yrs?)\.?\s*(?:of\s+age\s+)?(?:or|and|&)\s+(?:older|over|above)\b|"
    rf"(?<![\w.,])({_NUM})\s*(?:years?|yrs?)\.?\s*(?:of\s+age\s+)?(?:or|and|&)\s+(?:younger|under)\b",
    re.I,
)

_YEARS_OR_OLDER_LC = _lc(_YEARS_OR_OLDER)


def _dedupe(bounds: list[_Bound]) -> list[_Bound]:
    """Drop bounds overlapping a longer (or earlier) one; sort by position."""
    keep: list[_Bound] = []
    for b in sorted(bounds, key=lambda b: (-(b.end - b.start), b.start, b.low or 0)):
        if any(b.start < k.end and k.start < b.end and not (b.start, b.end) == (k.start, k.end) for k in keep):
            continue
        if any((b.start, b.end, b.low, b.high) == (k.start, k.end, k.low, k.high) for k in keep):
            continue
        keep.append(b)
    return sorted(keep, key=lambda b: b.start)


# ---------------------------------------------------------------------------------------------------------------
# Durations: disease duration and washout
# ---------------------------------------------------------------------------------------------------------------

_TREATMENT = _rx(
    r"\b(?:treat(?:ed|ment|ments)?|therap(?:y|ies)|drugs?|medications?|medicines?|agents?|products?|injections?|"
    r"injected|surger(?:y|ies)|surgical|operation|steroids?|corticosteroids?|glucocorticoids?|prednisone|"
    r"prednisolone|vaccin(?:e|es|ation)|chemotherap(?:y|ies)|radiotherapy|radiation|transfusions?|infusions?|"
    r"investigational|interventional|(?:clinical\s+)?trials?|stud(?:y|ies)|received|receiving|receive|use\s+of|used|"
    r"using|taken|taking|administ(?:ered|ration)|antibiotics?|NSAIDs?|biologics?|biological|immunosuppress\w*|"
    r"\w+mab|hyaluronic|viscosupplement\w*|PRP|platelet[-\s]rich|stem\s+cells?|cell\s+therap\w*|transplant\w*|"
    r"anticoagula\w*|aspirin|insulin|methotrexate|cyclosporin\w*|tacrolimus|interferons?|dos(?:e|es|ing)|"
    r"intra-?articular|arthroscop\w*|procedures?|immunotherapy|IVIG|plasmapheresis|dialysis|\w+ectom(?:y|ies)|"
    r"\w+otom(?:y|ies)|ligation|sterili[sz]ation)\b"
)
_NOT_WASHOUT = _rx(r"\b(?:pregnan\w*|abuse|dependence|addiction|anticipated|planned|expected|"
                   r"contracept\w*|life\s+expectancy|follow[-\s]?up|after\s+(?:the\s+)?(?:last|final)|"
                   r"post[-\s]?(?:treatment|transplant\w*|operative)|stable\s+(?:dose|regimen)|for\s+at\s+least|"
                   r"(?:increase|decrease|change|adjustment|modification)s?\s+(?:of\s+|in\s+)?(?:the\s+)?dos\w*|"
                   r"dos(?:e|es|age|ing)\s+(?:change|increase|decrease|adjustment|modification)s?)\b")
#: a test or an event named after the treatment word dates that, not the treatment: "as shown by MRIs …, the most
#: recent being within 1 year", "treated malignancy with no evidence of recurrence in past 5 years"
_EXAM = _rx(r"\b(?:MRIs?|magnetic\s+resonance|scans?|imaging|CT|radiograph\w*|x-?rays?|echocardiogra\w*|"
            r"ultraso\w+|laborator\w*|recurrences?|relapses?|remission)\b")
#: a verb of taking part or taking a treatment named before a time window whose treatment comes after it:
#: "participated within the previous 30 days in an investigational … trial"
_USE_VERB = _rx(r"\b(?:participat\w*|enrolled|received|receiving|treated|took|undergone|underwent|exposed|exposure|"
                r"administered)\b")
#: a treatment that was stopped: its time window is a minimum ("stopped for at least 4 weeks", "paused 14 days
#: before")
_STOPPED = _rx(r"\b(?:stopped|discontinued|discontinuation|paused|withdrawn|withdrawal|ceased|interrupted|suspended|"
               r"washed\s+out|wash[-\s]?out)\b")
_STOPPED_FOR = re.compile(
    r"\b(?:stopped|discontinued|paused|withdrawn|ceased|interrupted|suspended|washed\s+out)\s+(?:\w+\s+){0,3}?"
    rf"for\s+(?:(?P<op>{_OP_ANY})\s*)?(?P<v>{_NUM}|{_WORDNUM})\s*(?:\(\d+\)\s*)?"
    r"(?P<u>years?|yrs?|months?|weeks?|days?|hours?|hrs?)\b",
    re.I,
)
#: a comorbid event dated by a time window, not the duration of the disease studied
_NOT_DURATION = _rx(r"\b(?:relapses?|recurrences?|exacerbations?|flares?|cancers?|malignan\w*|tumou?rs?|neoplas\w*|"
                    r"carcinomas?|pregnan\w*)\b")
#: an event, an operator and a time: "CNS injury < 3 months", "diagnosed less than 10 days of enrolment"
_EVENT_OP = re.compile(
    r"\b(?:injury|injuries|stroke|infarction|onset|diagnos(?:ed|is)|SCI|trauma|fracture)\s*(?:\([^)]{0,12}\)\s*)?"
    rf"(?:(?:was|is|occurred|made)\s+)?(?P<op>{_OP_ANY})\s*(?P<v>{_NUM}|{_WORDNUM})\s*(?:\(\d+\)\s*)?"
    r"(?P<u>years?|yrs?|months?|weeks?|days?|hours?|hrs?)\b",
    re.I,
)
_WITHIN = re.compile(
    r"(?:(?:within|in|during|over)\s+(?:the\s+)?(?:last|past|previous|preceding|prior)?\s*|"
    r"(?:=<|≤|<=)\s*)"
    rf"(?P<v>{_NUM}|{_WORDNUM})\s*(?:\(\d+\)\s*)?(?P<u>years?|yrs?|months?|weeks?|days?|hours?|hrs?)\b"
    r"(?:\s+(?:prior\s+to|before|of|preceding|from)\b)?",
    re.I,
)
_WITHIN_PLAIN = _rx(r"^(?:within|in|during|over)\b")
_OP_BEFORE = re.compile(rf"(?P<op>{_OP_ANY})\s*$", re.I)
_SINCE = re.compile(
    rf"(?<![\w.,])(?P<v>{_NUM}|{_WORDNUM})\s*(?:\(\d+\)\s*)?(?P<u>years?|months?|weeks?|days?)\s+"
    r"(?:(?:have\s+)?(?:passed|elapsed)\s+)?(?:prior\s+to|before|since|preceding|from\s+(?:the\s+)?last)\b",
    re.I,
)

_DURATION_ANCHOR = _rx(
    r"\b(?:(?:disease|diabetes|symptoms?|pain|illness|condition|injury|wound|ulcer|MS|RA|OA|SLE|CD|UC)\s+duration|"
    r"duration\s+of\s+(?:the\s+)?(?:\(?[\w'-]+\)?\s+){0,3}?(?:disease|diabetes|symptoms?|pain|illness|condition|"
    r"injury|wound|ulcers?|lesions?|stroke|infarction|SCI|DM|T1D|T2D|OA|RA|MS|SLE|ALS|diagnosis|fistula|"
    r"insomnia|dysfunction|[\w'-]+itis)|duration|(?:diagnos(?:ed|is)|history|symptoms?|pain|onset|disease|present|"
    r"consolidation|non-?union|ulcers?|wounds?|fractures?|incontinence|dysfunction|insomnia|illness|disorder|injury)"
    r"\b[^.;,]{0,50}?\bfor)\b"
)
_DIAG_WITHIN = _rx(r"\b(?:diagnos(?:ed|is)|onset|occurr?(?:ed|ence)|injury|stroke|infarction)\b[^.;]{0,25}?$")
_DURATION_POST = re.compile(
    rf"(?<![\w.,])(?P<v>{_NUM}|{_WORDNUM})\s*(?P<u>years?|months?|weeks?|days?)\s*(?:'?s)?\s+"
    r"(?:of\s+)?(?:disease\s+)?duration\b|"
    rf"(?<![\w.,])(?P<v2>{_NUM}|{_WORDNUM})\s*(?P<u2>years?|months?|weeks?|days?)\s+"
    r"(?:(?:after|from|since)\s+(?:the\s+)?(?:onset|injury|diagnosis|stroke|symptom\s+onset))",
    re.I,
)


_NOT_DISEASE = _rx(r"study|trial|participation|follow")
_STOPPED_WORDS = ("stopped", "discontinued", "paused", "withdrawn", "ceased", "interrupted", "suspended", "washed")
_EVENT_OP_LC, _STOPPED_FOR_LC, _EXAM_LC = _lc(_EVENT_OP), _lc(_STOPPED_FOR), _lc(_EXAM)
_TREATMENT_LC, _NOT_WASHOUT_LC, _WITHIN_LC, _SINCE_LC, _DURATION_ANCHOR_LC, _DIAG_WITHIN_LC, _DURATION_POST_LC = (
    _lc(p) for p in (_TREATMENT, _NOT_WASHOUT, _WITHIN, _SINCE, _DURATION_ANCHOR, _DIAG_WITHIN, _DURATION_POST))


_HABIT = _rx(r"\b(?:smok\w*|tobacco|cigarettes?|alcohol|drinking)\b")
_AGE_AT = re.compile(r"\bage\s+(?:at|of)\s+$")


#: a treatment named just before a duration makes it the treatment's ("received therapy for incontinence for …")
_TREATED_FOR = re.compile(r"\b(?:treated|treatments?|therap(?:y|ies)|received|receiving|standard\s+care)\b")


def _clause_start(text: str, pos: int, reach: int) -> int:
    """Where the phrase holding ``pos`` starts (after a comma or a clause break), at most ``reach`` characters back."""
    return max(pos - reach, 0, *(text.rfind(s, 0, pos) + len(s) for s in (",", ";", ". ", "\n", "；", "，")))


def _treated(before: str, after: str) -> bool:
    """A time window is a washout when a treatment is named before it (and no test after that treatment), or
    a verb of taking part before it and the treatment right after it (lowercased clause parts)."""
    ends = [m.end() for m in _TREATMENT_LC.finditer(before)]
    if not ends:
        return bool(after) and _USE_VERB.search(before) is not None and _TREATMENT_LC.search(after) is not None
    return _EXAM_LC.search(before, ends[-1]) is None


def _duration_facts(text: str, low: str) -> list[Fact]:
    found: list[tuple[str, _Bound]] = []
    has_duration = "duration" in low
    for m in _DURATION_ANCHOR_LC.finditer(low) if has_duration or "for" in low else ():
        between = m.group(0)
        if "duration" not in between and (_TREATMENT_LC.search(between) or _TREATED_FOR.search(
                low, _clause_start(text, m.start(), 60), m.end())):
            continue  # "treated with standard care for diabetic foot ulcer … for at least 3 months": a treatment's
        b = _scan(text, m.end(), 30, _TIME, bare=False)
        if b is None or not b.unit or not _UNIT_Y_MO_W_D.match(b.unit):
            continue
        if _NOT_DISEASE.search(text, m.start(), b.start):
            continue
        b.start = m.start()
        found.append(("disease_duration", b))
    post = has_duration or any(w in low for w in ("onset", "injur", "diagnos", "stroke", "symptom"))
    for m in _DURATION_POST_LC.finditer(low) if post else ():
        v = _number(m.group("v") or m.group("v2"))
        u = text[m.start("u"):m.end("u")] if m.group("u") else text[m.start("u2"):m.end("u2")]
        op = _OP_BEFORE.search(text, max(0, m.start() - 40), m.start())
        if v is None or (m.group("v2") and not op):
            continue
        k = _op_kind(op.group("op")) if op else "eq"
        start = op.start() if op else m.start()
        if k in ("ge", "gt"):
            b = _Bound(v, None, k == "ge", None, u, start, m.end())
        elif k in ("le", "lt"):
            b = _Bound(None, v, None, k == "le", u, start, m.end())
        else:
            b = _Bound(v, v, True, True, u, start, m.end())
        found.append(("disease_duration", b))
    events = any(w in low for w in ("injur", "stroke", "infarct", "onset", "diagnos", "sci", "trauma", "fractur"))
    for m in _EVENT_OP_LC.finditer(low) if events else ():
        v = _number(m.group("v"))
        clause_start = max(text.rfind(s, 0, m.start()) for s in (";", ". ", "\n", "；")) + 1
        if v is None or _AGE_AT.search(low, max(0, m.start() - 12), m.start()) or _NOT_DURATION.search(
                text, clause_start, m.start()):
            continue
        k = _op_kind(m.group("op"))
        u = text[m.start("u"):m.end("u")]
        if k in ("ge", "gt", "moj"):
            found.append(("disease_duration", _Bound(v, None, k != "gt", None, u, m.start(), m.end())))
        else:
            found.append(("disease_duration", _Bound(None, v, None, k == "le", u, m.start(), m.end())))
    for m in _WITHIN_LC.finditer(low):
        v = _number(m.group("v"))
        if v is None:
            continue
        unit = text[m.start("u"):m.end("u")]
        clause_start = max(text.rfind(s, 0, m.start()) for s in (";", ". ", "\n", "；", "，")) + 1
        before = low[clause_start:m.start()]
        after = low[m.end(): m.end() + 40]
        diag = _DIAG_WITHIN_LC.search(before)
        if diag and not _TREATMENT_LC.search(before[-30:]):
            # "diagnosed with cancer within 5 years", "relapse occurred during the 60 days": another event
            if not _NOT_DURATION.search(before, max(0, diag.start() - 25)):
                found.append(("disease_duration", _Bound(None, v, None, True, unit, m.start(), m.end())))
            continue
        after = after[:min((i for i in (after.find(";"), after.find(". ")) if i >= 0), default=len(after))]
        if not _treated(before, after) or _NOT_WASHOUT_LC.search(before + " " + after):
            continue
        found.append(("washout", _Bound(None, v, None, True, unit, m.start(), m.end())))
    since = any(w in low for w in ("prior", "before", "since", "preceding", "from"))
    for m in _SINCE_LC.finditer(low) if since else ():
        v = _number(m.group("v"))
        unit = text[m.start("u"):m.end("u")]
        clause_start = max(text.rfind(s, 0, m.start()) for s in (";", ". ", "\n", "；")) + 1
        before = low[clause_start:m.start()]
        if v is None or not _treated(before, "") or _NOT_WASHOUT_LC.search(before):
            continue
        op = _OP_BEFORE.search(text, max(0, m.start() - 40), m.start())
        k = _op_kind(op.group("op")) if op else ("ge" if _STOPPED.search(before) else "le")
        start = op.start() if op else m.start()
        if k in ("ge", "gt"):
            found.append(("washout", _Bound(v, None, k == "ge", None, unit, start, m.end())))
        else:
            found.append(("washout", _Bound(None, v, None, k != "lt", unit, start, m.end())))
    stopped = "for" in low and any(w in low for w in _STOPPED_WORDS)
    for m in _STOPPED_FOR_LC.finditer(low) if stopped else ():
        v = _number(m.group("v"))
        if v is None or _HABIT.search(text, max(0, m.start() - 60), m.start()):
            continue
        k = _op_kind(m.group("op")) if m.group("op") else "ge"
        u = text[m.start("u"):m.end("u")]
        if k in ("le", "lt"):
            found.append(("washout", _Bound(None, v, None, k == "le", u, m.start(), m.end())))
        else:
            found.append(("washout", _Bound(v, None, k != "gt", None, u, m.start(), m.end())))
    out: list[Fact] = []
    for name in ("disease_duration", "washout"):
        for b in _dedupe([b for n, b in found if n == name]):
            out.append(Fact(name, b.low, b.high, b.low_inc, b.high_inc, b.unit, text[b.start:b.end].strip(), b.start))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Scores and labs
# ---------------------------------------------------------------------------------------------------------------

def _enum_facts(spec: _Spec, text: str, anchor: re.Match[str]) -> list[_Bound]:
    """``0, 1 or 2``, ``III or IV``, ``I, II and III`` after a scale anchor."""
    p = anchor.end()
    limit = min(len(text), p + spec.filler + 1)
    while p < limit:
        if _STOP.match(text, p) and p > anchor.end():
            return []
        prev = text[p - 1] if p else " "
        if not text[p].isspace() and not (prev.isalnum() and text[p].isalnum()):
            m = _ENUM.match(text, p)
            if m:
                vals = [_number(v) for v in _SCALE_VAL_RE.findall(m.group("all"))]
                vals = [v for v in vals if v is not None]
                if len(vals) >= 2:
                    ordered = sorted(set(vals))
                    if all(b - a == 1 for a, b in zip(ordered, ordered[1:], strict=False)):
                        return [_Bound(ordered[0], ordered[-1], True, True, None, anchor.start(), m.end())]
                    return [_Bound(v, v, True, True, None, anchor.start(), m.end()) for v in ordered]
            if text[p].isdigit():
                return []
        p += 1
    return []


_VALUE_BEFORE = re.compile(rf"({_NUM})\s*({_UNIT})?\s*({_OP_ANY})\s*$", re.I)
_SCALE_VAL_RE = re.compile(_SCALE_VAL, re.I)
_CHANGE_AFTER = _rx(r"\s*(?:points?|increase|change|improvement|decrease|reduction|progression)")
_CHANGE_BEFORE = _rx(r"(?:increase|change|improvement|decrease|reduction|decline|drop)\s+(?:of|in|by)\s+"
                     r"(?:\S+\s+){0,3}$")


_ULN_FACTS = ("alt_ast", "creatinine")
#: "2 times more than normal upper limit", "3times higher than the normal value": a multiple above normal
_TIMES_ABOVE = _rx(rf"(?P<v>{_NUM}|{_WORDNUM})\s*(?P<u>{_TIMES}\s*(?:more|higher|greater|above|over)\s+(?:than\s+)?"
                   rf"(?:the\s+)?(?:{_ULN}|normal(?:\s+(?:upper\s+limit|values?|range|limits?))?))")
#: a platelet count without a unit is read when written in full (thousands per microlitre)
_FULL_COUNT = 10000
#: "30.000/mm3", "75.000/µL": a European thousands separator in a count per volume
_EURO_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3})\.(\d{3})(?![\d.,])(?=\s*(?:/|per\b|mm|µ|μ|u[lL]|mc))")


def _times_above(text: str, start: int, limit: int) -> _Bound | None:
    """``AST or ALT 2 times more than normal upper limit``: a lower bound (exclusive) after the anchor."""
    m = _TIMES_ABOVE.search(text, start, min(len(text), start + limit + 80))
    if m is None or m.start() - start > limit or _HAS_DIGIT.search(text, start, m.start()):
        return None
    stop = _STOP.search(text, start + 1, m.start() + _STOP_MARGIN)
    v = _number(m.group("v"))
    if v is None or (stop is not None and stop.start() < m.start()):
        return None
    return _Bound(v, None, False, None, m.group("u"), m.start(), m.end())


def _thousands(text: str, b: _Bound) -> None:
    """Read ``30.000/mm3`` as 30000 (a platelet count of 30 per mm³ does not exist)."""
    for m in _EURO_THOUSANDS.finditer(text, b.start, b.end):
        written = float(f"{m.group(1)}.{m.group(2)}")
        value = float(m.group(1) + m.group(2))
        if b.low == written:
            b.low = value
        if b.high == written:
            b.high = value


def _spec_facts(spec: _Spec, text: str) -> list[_Bound]:
    if spec.context is not None and not spec.context.search(text):
        return []
    out: list[_Bound] = []
    for m in spec.anchor.finditer(text):
        if _CHANGE_AFTER.match(text, m.end()) or _CHANGE_BEFORE.search(text[max(0, m.start() - 40): m.start()]):
            continue
        cands: list[_Bound] = []
        if spec.enum:
            cands.extend(_enum_facts(spec, text, m))
        b = _scan(text, m.end(), spec.filler, spec.grammar, spec.bare)
        if b is not None:
            if spec.unit_check is not None and b.unit and not spec.unit_check.search(b.unit):
                b = None
            elif spec.name == "platelets" and not b.unit:
                # a count written in full needs no unit: "Platelets less than 80,000"
                b = b if min(v for v in (b.low, b.high) if v is not None) >= _FULL_COUNT else None
            elif spec.name in ("creatinine", "hemoglobin", "egfr") and not b.unit:
                b = None
        if b is None and spec.name in _ULN_FACTS:
            b = _times_above(text, m.end(), spec.filler)
        if b is not None and spec.name == "platelets":
            _thousands(text, b)
        if b is not None:
            b.start = m.start()
            cands.append(b)
            cands.extend(_chain(text, b, spec.grammar))
        # the value before the anchor: "20 kg/m2 ≤ BMI ≤ 30", "7,5% < HbA1C < 10%"
        pre = _VALUE_BEFORE.search(text[max(0, m.start() - 30): m.start()])
        if pre and (b is None or b.high is not None and b.low is None):
            lo = _number(pre.group(1))
            kind = _op_kind(pre.group(3))
            if lo is not None and kind in ("le", "lt"):
                start = m.start() - (len(text[max(0, m.start() - 30): m.start()]) - pre.start())
                if b is not None:
                    cands = [c for c in cands if c is not b]
                    cands.append(_Bound(lo, b.high, kind == "le", b.high_inc, b.unit or pre.group(2), start, b.end))
                else:
                    cands.append(_Bound(lo, None, kind == "le", None, pre.group(2), start, m.end()))
        out.extend(cands)
    return out



def _spec_index() -> tuple[dict[str, tuple[int, ...]], list[tuple[str, int]], tuple[int, ...]]:
    """The specs (by index) an anchor can match for: by word key, by substring, and those without a prefilter."""
    by_key: dict[str, list[int]] = {}
    by_substring: list[tuple[str, int]] = []
    always: list[int] = []
    for i, spec in enumerate(_SPECS):
        gate = _gate(spec.anchor)
        if gate is None:
            always.append(i)
            continue
        for k in gate.keys:
            by_key.setdefault(k, []).append(i)
        by_substring.extend((s, i) for s in gate.substrings)
    return {k: tuple(v) for k, v in by_key.items()}, by_substring, tuple(always)


_SPEC_BY_KEY, _SPEC_BY_SUBSTRING, _SPEC_ALWAYS = _spec_index()
_SPEC_CONTEXT = [_gate(s.context) if s.context is not None else None for s in _SPECS]
_HAS_ROMAN = re.compile(r"(?<!\w)(?:IV|V|I{1,3})(?!\w)")
_HAS_TIME = re.compile(rf"(?:\d|\b{_WORDNUM})\s*(?:\(\d+\)\s*)?(?:years?|yrs?|months?|weeks?|days?|hours?|hrs?)\b")


def extract_facts(text: str | None) -> list[Fact]:
    """Every fact stated in one criterion text, in text order; ``evidence`` is always a substring of ``text``."""
    if not text:
        return []
    facts: list[Fact] = []
    has_digit = _HAS_DIGIT.search(text) is not None
    low = _lower(text)
    keys = _word_keys(low) if has_digit or _HAS_ROMAN.search(text) else set()
    if has_digit:
        facts.extend(_age_facts(text, low, keys))
    by_name: dict[str, list[_Bound]] = {}
    if keys:
        # (the item's words are few, the index's keys many: look each word up rather than intersect)
        chosen = set(_SPEC_ALWAYS).union(*[_SPEC_BY_KEY[k] for k in keys if k in _SPEC_BY_KEY])
        chosen.update(i for s, i in _SPEC_BY_SUBSTRING if s in low)
        for i in sorted(chosen):
            spec, context_gate = _SPECS[i], _SPEC_CONTEXT[i]
            if context_gate is not None and not context_gate.passes(low, keys):
                continue
            by_name.setdefault(spec.name, []).extend(_spec_facts(spec, text))
    for name, bounds in by_name.items():
        for b in _dedupe(bounds):
            unit = b.unit.strip() if b.unit else None
            facts.append(Fact(name, b.low, b.high, b.low_inc, b.high_inc, unit, text[b.start:b.end].strip(), b.start))
    if any(u in low for u in ("year", "yr", "month", "week", "day", "hour", "hr")) and _HAS_TIME.search(low):
        facts.extend(_duration_facts(text, low))
    facts = [f for f in facts if f.evidence and f.evidence in text]
    return sorted(facts, key=lambda f: (f.start, f.fact, f.evidence))


# ---------------------------------------------------------------------------------------------------------------
# Themes
# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    description: str
    pattern: re.Pattern[str]
    exclusions: re.Pattern[str] | None
    types: tuple[str, ...]
    gate: _Gate | None = None  # derived from ``pattern``: the words a match can start with


def _term_regex(term: str) -> str:
    """A plain term → a regex where spaces and hyphens are interchangeable (verbose-mode safe)."""
    parts = re.split(r"[\s-]+", term.strip())
    return r"[\s-]*".join(re.escape(p) for p in parts if p)


def _bounded(alternatives: list[str]) -> re.Pattern[str] | None:
    """One word-bounded, case-insensitive, verbose-mode pattern (boundaries outside the group: much faster)."""
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.I | re.X)


def compile_themes(data: dict) -> list[Theme]:
    """The vocabulary mapping (as loaded from YAML) → compiled themes, in name order."""
    out: list[Theme] = []
    for name in sorted(data.get("themes", {})):
        spec = data["themes"][name] or {}
        pattern = _bounded([_term_regex(t) for t in spec.get("terms", []) or []]
                           + [f"(?:{r})" for r in spec.get("regexes", []) or []])
        if pattern is None:
            continue
        exclusions = _bounded([_term_regex(t) for t in spec.get("exclusion_terms", []) or []]
                              + [f"(?:{r})" for r in spec.get("exclusions", []) or []])
        gate = _gate(pattern)
        out.append(Theme(
            name=name,
            description=str(spec.get("description", "")).strip(),
            pattern=pattern,
            exclusions=exclusions,
            types=tuple(spec.get("criterion_types", ["inclusion", "exclusion"])),
            gate=gate if gate is not None and not gate.substrings else None,
        ))
    return out


@lru_cache(maxsize=8)
def load_themes(path: str | None = None) -> tuple[Theme, ...]:
    """The theme vocabulary from YAML (default ``data/vocab/criteria_themes.yaml``)."""
    p = Path(path) if path else THEMES_PATH
    return tuple(compile_themes(yaml_text.safe_load(p.read_text(encoding="utf-8")) or {}))


def _starts(low: str, key: str) -> list[int]:
    """Where a word with ``key`` (its first ``_KEY`` characters, or all of a shorter word) begins in ``low``."""
    out: list[int] = []
    p = low.find(key)
    n = len(key)
    while p >= 0:
        if (p == 0 or not _is_word_char(low[p - 1])) and (
                n >= _KEY or p + n == len(low) or not _is_word_char(low[p + n])):
            out.append(p)
        p = low.find(key, p + 1)
    return out


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


_INDEXES: dict[int, tuple[tuple[Theme, ...], dict[str, tuple[int, ...]], tuple[int, ...]]] = {}


def _theme_index(themes: tuple[Theme, ...]) -> tuple[dict[str, tuple[int, ...]], tuple[int, ...]]:
    """key → the themes a word with that key can start a match of; the themes without a prefilter."""
    hit = _INDEXES.get(id(themes))
    if hit is not None and hit[0] is themes:
        return hit[1], hit[2]
    by_key: dict[str, list[int]] = {}
    for i, theme in enumerate(themes):
        for k in theme.gate.keys if theme.gate else ():
            by_key.setdefault(k, []).append(i)
    index = {k: tuple(v) for k, v in by_key.items()}
    always = tuple(i for i, t in enumerate(themes) if t.gate is None)
    if len(_INDEXES) > 32:
        _INDEXES.clear()
    _INDEXES[id(themes)] = (themes, index, always)
    return index, always


def _theme_matches(theme: Theme, text: str, low: str, keys: set[str]) -> list[re.Match[str]]:
    """``theme.pattern.finditer(text)``, tried only where a word that can start a match begins."""
    found: list[re.Match[str]] = []
    end = 0
    for p in sorted({p for k in theme.gate.keys.intersection(keys) for p in _starts(low, k)}):
        if p >= end:
            m = theme.pattern.match(text, p)
            if m:
                found.append(m)
                end = m.end()
    return found


_SPACES = re.compile(r"\s+")


def tag_themes(text: str | None, themes: tuple[Theme, ...] | list[Theme] | None = None,
               criterion_type: str | None = None) -> list[tuple[str, str]]:
    """(theme, matched terms joined by '|') for every theme the text mentions, sorted by theme."""
    if not text:
        return []
    themes = load_themes() if themes is None else themes
    themes = themes if isinstance(themes, tuple) else tuple(themes)
    low = text.lower()
    if len(low) == len(text):  # positions in ``low`` are positions in ``text``
        by_key, always = _theme_index(themes)
        keys = _word_keys(low)
        chosen = set(always).union(*[by_key[k] for k in keys if k in by_key])
    else:
        keys, chosen = set(), set(range(len(themes)))
    out: list[tuple[str, str]] = []
    for i in sorted(chosen):
        theme = themes[i]
        if criterion_type and criterion_type not in theme.types:
            continue
        if theme.gate is None or not keys:
            matches = list(theme.pattern.finditer(text))
        else:
            matches = _theme_matches(theme, text, low, keys)
        if not matches:
            continue
        blocked = [m.span() for m in theme.exclusions.finditer(text)] if theme.exclusions else []
        terms: list[str] = []
        for m in matches:
            if blocked and any(s <= m.start() < e or s < m.end() <= e for s, e in blocked):
                continue
            term = _SPACES.sub(" ", m.group(0).lower()).strip()
            if term not in terms:
                terms.append(term)
        if terms:
            out.append((theme.name, "|".join(sorted(terms))))
    return out
