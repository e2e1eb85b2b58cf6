"""Eligibility criteria text → one item per criterion, inclusion and exclusion separated.

Used for every source: ClinicalTrials.gov text (one item per line, ``*`` sub-bullets, blank lines between
sections), registry pages (``1.``/``•``/``-``/``①`` markers, hard-wrapped lines, items run together on one
line) and markdown renders (``**Inclusion Criteria:**``, backslash escapes).

Rules: a header line (``Inclusion Criteria:``, ``Key Exclusion Criteria``, ``入选标准`` …) switches the
section; list markers are stripped; a sub-item (deeper indentation, or a marker style different from the
section's first item, under a parent item) is appended to its parent on a new line; hard-wrapped
continuation lines are joined to their item; ``1. … 2. …`` on one line is split. Text before the first
header is inclusion only when it looks like criteria (list items, or no inclusion header follows);
otherwise it is an introduction and is dropped. No item is empty and no item is a bare header.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from ingest.model import Criterion

_INCL_WORDS = r"(?:inclusion|inclusions|include|eligibility inclusion)"
_EXCL_WORDS = r"(?:exclusion|exclusions|exclude|non[- ]?inclusion)"
_HEADER = re.compile(
    r"^\s*(?:[-*•#>]+\s*)?(?:\*\*|__)?\s*[\[(【]?\s*(?:\d{1,2}[.)]\s*)?(?:[A-Z][.)]\s+)?"
    r"(?:(?:key|main|major|general|other|additional|specific|principal|patient|subject|participant|"
    r"study|protocol\s+\d+|part\s+\w+|cohort\s+\w+|phase\s+\w+)\s+){0,2}"
    r"(?P<kind>" + _INCL_WORDS + "|" + _EXCL_WORDS + r")\b"
    r"(?P<crit>\s*(?:criteria[s]?|criterion|critera|citeria|criteras|criteron)\b)?",
    re.I,
)
#: ``Donor inclusion criteria:`` — a few free words before the header, accepted only with a colon.
_HEADER_LOOSE = re.compile(
    r"^\s*(?:\*\*)?\s*(?:[A-Za-z-]+\s+){1,3}(?P<kind>inclusion|exclusion)\s+criteri\w*\s*(?:\*\*)?\s*[:：]"
    r"\s*(?:\*\*)?(?P<rest>.*)$",
    re.I,
)
_HEADER_ALT = re.compile(
    r"^\s*(?:\*\*)?\s*(?:criteria\s+for\s+(?P<kind>inclusion|exclusion)|"
    r"(?P<cjk_in>入选标准|纳入标准|入组标准|入選基準|選択基準|包含标准)|(?P<cjk_ex>排除标准|除外基準|排除基準))"
    r"\s*(?:\*\*)?\s*[:：]?\s*(?:\*\*)?(?P<rest>.*)$",
    re.I,
)
#: Combined headings that do not choose a section (dropped).
_NEUTRAL = re.compile(
    r"^\s*(?:\*\*)?\s*(?:(?:key\s+)?inclusion\s*(?:and|&|/)\s*exclusion\s+criteria|eligibility(?:\s+criteria)?|"
    r"criteria|participant eligibility|you can join if\W*|main criteria|key criteria)"
    r"\s*(?:\*\*)?\s*[:：]?\s*(?:\*\*)?\s*$",
    re.I,
)
_SUBHEAD = re.compile(r"^[A-Z][A-Z0-9 ,/&()'-]{2,60}:$")

_MARKER = re.compile(
    r"^(?P<m>"
    r"\(\d{1,3}\)|\d{1,3}\)|\d{1,3}\.(?!\d)|\d{1,3}[、，](?!\d)|"
    r"\([a-zA-Z]\)|[a-zA-Z]\)|[a-zA-Z]\.(?=\s)|"
    r"\((?:i|ii|iii|iv|v|vi|vii|viii|ix|x)\)|(?:ii|iii|iv|vi|vii|viii|ix)[.)](?=\s)|"
    r"[①-⑳]|[-–—*•·●▪◦‣○■□➢►✓]+"
    r")\s*",
    re.I,
)
_MD_ESCAPE = re.compile(r"\\([\[\]<>^*~&_#()!.`|+-])")
#: A line ending like this continues on the next line (a lower-case start there confirms it). Matched against the
#: last 8 characters of the right-stripped line: ``\s`` and ``str.isspace`` agree, and the longest word is 5 letters.
_OPEN_END = re.compile(r"(?:,|\(|-|\b(?:and|or|of|to|with|the|a|an|in|for|by|than|at|from|on|who|which|that))\s*$",
                       re.I)
_CIRCLED = re.compile(r"[①-⑳]")
_BULLETS = re.compile(r"[-–—*•·●▪◦‣○■□➢►✓]+")
_ROMAN = re.compile(r"\(?(?:ii|iii|iv|vi|vii|viii|ix)[.)]|\((?:i|ii|iii|iv|v|vi|vii|viii|ix|x)\)", re.I)
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[a-z]+")
_INLINE_HEADER = re.compile(r"(?<=[.;:)\]])\s+(?=(?:key\s+)?(?:inclusion|exclusion)\s+criteria\s*[:：])", re.I)
_LEAD = re.compile(r"^[-–•*]\s+(?=\(?1[.)]?)")
_LEAD_CHARS = frozenset("-–•*")
#: Numbered runs: ``(1) a (2) b`` (the line starts with "(") and ``1. a 2. b`` (it starts with a digit; ``\d`` and
#: ``str.isdecimal`` agree).
_RUN_PATTERNS = ((re.compile(r"(?:(?<=\s)|^)\((\d{1,2})\)\s?"),),
                 (re.compile(r"(?:(?<=\s)|^)(\d{1,2})[.)](?!\d)\s?(?=\S)"),))
_DASHES = re.compile(r"\s[-–]\s(?=[A-Z])")
_DASH_LEAD = re.compile(r"^[-–]\s")
_BRACKET_CLOSE = re.compile(r"^\s*[\])】]")
_COLON = re.compile(r"[:：]")
_SENTENCE_END = re.compile(r"[.;]\s")
_CRITERI = re.compile(r"criteri", re.I)
_ONLY_PUNCT = re.compile(r"[\W_]+")
_TRAILING_PUNCT = re.compile(r"(?:(?<=[.\s])-|[;,])\s*$")


@functools.lru_cache(maxsize=1024)
def _style(marker: str) -> str:
    """The marker's style family: digits and letters collapse, punctuation kept (``1.`` vs ``1)``)."""
    if _CIRCLED.fullmatch(marker):
        return "circled"
    if _BULLETS.fullmatch(marker):
        return "bullet:" + marker[0]
    if _ROMAN.fullmatch(marker):
        return "roman" + marker[-1]
    if _DIGIT.search(marker):
        return "num" + ("()" if marker.startswith("(") else marker[-1])
    return "alpha" + ("()" if marker.startswith("(") else marker[-1])


def _family(style: str | None) -> str:
    """``num.`` → ``num``, ``alpha)`` → ``alpha``, ``bullet:-`` → ``bullet``; None → ``none``."""
    if style is None:
        return "none"
    m = _WORD.match(style)
    return m.group() if m else style


@dataclass(slots=True)
class _Item:
    text: str
    indent: int
    subs: list[str] = field(default_factory=list)

    def render(self) -> str:
        return "\n".join([self.text, *self.subs]).strip()


def _header(line: str) -> tuple[str | None, str] | None:
    """(section, text after the header) for a header line; (None, '') for a neutral heading; None otherwise.

    >>> _header("**Key Inclusion Criteria:**"), _header("EXCLUSION CRITERIA AUTOLOGOUS DONORS")
    (('inclusion', ''), ('exclusion', ''))
    >>> _header("Inclusion criteria for recipient : -male aged 6-55"), _header("Inclusion of women is allowed.")
    (('inclusion', '-male aged 6-55'), None)
    """
    if line.isascii() and not _may_be_header(line.lower()):
        return None
    return _header_match(line)


def _may_be_header(low: str) -> bool:
    """Whether a lower-cased ASCII line holds a word every header pattern needs (non-ASCII lines are not
    pre-checked: ``re.I`` also folds a few non-ASCII letters, such as ı, ſ and K, that ``lower()`` keeps)."""
    return "inclu" in low or "exclu" in low or "criteri" in low or "eligibility" in low or "you can join" in low


@functools.lru_cache(maxsize=4096)
def _header_match(line: str) -> tuple[str | None, str] | None:
    if _NEUTRAL.match(line):
        return None, ""
    m = _HEADER_ALT.match(line)
    if m:
        kind = "exclusion" if m.group("cjk_ex") or (m.group("kind") or "").lower() == "exclusion" else "inclusion"
        return kind, m.group("rest").strip(" *")
    m = _HEADER.match(line)
    if not m:
        m = _HEADER_LOOSE.match(line)
        if m:
            kind = m.group("kind").lower()
            return ("exclusion" if kind.startswith(("excl", "non")) else "inclusion"), m.group("rest").strip(" *_")
        return None
    kind = m.group("kind").lower()
    section = "exclusion" if kind.startswith(("excl", "non")) else "inclusion"
    after = _BRACKET_CLOSE.sub("", line[m.end():].replace("**", "").replace("__", ""))
    colon = _COLON.search(after)
    if colon and (m.group("crit") or not after[: colon.start()].strip()) and colon.start() <= 80 \
            and not _SENTENCE_END.search(after[: colon.start()]):
        return section, after[colon.end():].strip(" *_")
    words = after.split()
    if m.group("crit") and len(words) <= 8 and not after.rstrip().endswith((".", ";", ",")):
        return section, ""
    if not m.group("crit") and len(words) <= 4 and _CRITERI.search(after) \
            and not after.rstrip().endswith("."):
        return section, ""  # "exclusion / Drop out criteria"
    return None


def _split_run_together(line: str) -> list[str]:
    """``1. a 2. b 3. c`` (or ``(1) a (2) b``, ``① a ② b``) on one line → separate lines."""
    return [piece for piece, _ in _pieces(line)]


#: Stands for a header test not made yet (``None`` means "not a header").
_UNKNOWN = object()


def _pieces(line: str) -> list[tuple[str, object]]:
    """:func:`_split_run_together` with :func:`_header` of each piece (``_UNKNOWN`` when not computed)."""
    stripped = line.strip()
    ascii_line = stripped.isascii()
    low = stripped.lower() if ascii_line else ""
    hdr = _header_match(stripped) if not ascii_line or _may_be_header(low) else None
    if hdr is not None and hdr[1] and stripped.endswith(hdr[1]):
        head = stripped[: len(stripped) - len(hdr[1])].strip()
        return [(head, _UNKNOWN), *_pieces(hdr[1])]
    # inline headers: "… Exclusion Criteria: …"
    if not ascii_line or ("criteria" in low and ("inclusion" in low or "exclusion" in low)):
        for m in _INLINE_HEADER.finditer(stripped):
            head, tail = stripped[: m.start()], stripped[m.end():]
            return [*_pieces(head), *_pieces(tail)]
    if not ascii_line:
        circled = [m.start() for m in _CIRCLED.finditer(stripped)]
        if len(circled) >= 2:
            cuts = [0, *[c for c in circled if c > 0], len(stripped)]
            return [(stripped[a:b].strip(), _UNKNOWN) for a, b in zip(cuts, cuts[1:], strict=False)
                    if stripped[a:b].strip()]
    lead = _LEAD.match(stripped) if stripped[:1] in _LEAD_CHARS else None
    if lead:
        stripped = stripped[lead.end():]
        hdr = _UNKNOWN
    first = stripped[:1]
    for pattern in _RUN_PATTERNS[0] if first == "(" else _RUN_PATTERNS[1] if first.isdecimal() else ():
        if not pattern.match(stripped):
            continue  # a run must start at the beginning of the line
        hits = list(pattern.finditer(stripped))
        seq: list[re.Match[str]] = []
        for m in hits:
            n = int(m.group(1))
            if not seq:
                if m.start() == 0:
                    seq.append(m)
                else:
                    break
            elif n == int(seq[-1].group(1)) + 1:
                seq.append(m)
        inner = [m for m in seq if m.start() > 0]
        if len(seq) >= 2 and inner:
            cuts = [0, *[m.start() for m in inner], len(stripped)]
            pieces = [stripped[a:b].strip() for a, b in zip(cuts, cuts[1:], strict=False)]
            return [(p, _UNKNOWN) for p in pieces if p]
    if stripped.isprintable() and " - " not in stripped and " – " not in stripped:
        return [(stripped, hdr)]  # printable: the only whitespace is " ", so no dash has whitespace on both sides
    dashes = list(_DASHES.finditer(stripped))
    if len(dashes) >= 2 and not _MARKER.match(stripped[:2]) or (len(dashes) >= 1 and _DASH_LEAD.match(stripped)):
        if len(dashes) >= 2 or _DASH_LEAD.match(stripped):
            cuts = [0, *[m.start() for m in dashes], len(stripped)]
            pieces = [stripped[a:b].strip() for a, b in zip(cuts, cuts[1:], strict=False)]
            if all(len(p) > 3 for p in pieces):
                return [(p, _UNKNOWN) for p in pieces if p]
    return [(stripped, hdr)]


def _is_hard_wrapped(lines: list[str]) -> bool:
    """Text wrapped at a fixed width: several long lines of similar length, mostly ending mid-sentence,
    at least one followed by a lower-case continuation."""
    rows = [x.rstrip() for x in lines]
    lengths = [len(x) for x in rows if x.strip()]
    if len(lengths) < 4:
        return False
    longest = max(lengths)
    if longest > 100 or longest < 60:
        return False
    long_idx = [i for i, x in enumerate(rows) if x.strip() and len(x) >= longest - 20]
    if len(long_idx) < 3:
        return False
    open_ended = [i for i in long_idx if not rows[i].endswith((".", ";", ":"))]
    lower_next = [i for i in open_ended if i + 1 < len(rows) and rows[i + 1].strip()[:1].islower()]
    return len(open_ended) * 2 >= len(long_idx) and bool(lower_next)


def split_criteria(text: str | None) -> list[Criterion]:
    """Split criteria text into items (numbering and bullets stripped, sub-items kept with their parent).

    >>> [(c.criterion_type, c.ordinal, c.text) for c in split_criteria(
    ...     "Inclusion Criteria:\\n\\n1. Age 18-60\\n2. Consent\\n\\nExclusion Criteria:\\n\\n* Pregnancy")]
    [('inclusion', 1, 'Age 18-60'), ('inclusion', 2, 'Consent'), ('exclusion', 1, 'Pregnancy')]
    >>> [c.text for c in split_criteria("Inclusion Criteria: 1. Adults 2. Consent given 3. BMI < 30")]
    ['Adults', 'Consent given', 'BMI < 30']
    >>> [c.text for c in split_criteria("Inclusion Criteria:\\n1. Normal labs:\\n   a) ALT < 3x ULN\\n2. Adult")]
    ['Normal labs:\\nALT < 3x ULN', 'Adult']
    """
    if not text or not text.strip():
        return []
    return [Criterion(kind, n, item) for kind, n, item in _split_cached(text)]


#: Texts whose split is remembered (criteria repeat across registry families and re-downloads); least recently
#: used first out, so memory stays bounded.
SPLIT_MEMO_ITEMS = 4096


@functools.lru_cache(maxsize=SPLIT_MEMO_ITEMS)
def _split_cached(text: str) -> tuple[tuple[str, int, str], ...]:
    """(criterion type, ordinal, text) of every item of ``text`` (immutable, so it can be shared)."""
    return tuple(_split(text))


def _split(text: str) -> list[tuple[str, int, str]]:
    body = _MD_ESCAPE.sub(r"\1", text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " "))
    body = body.replace("\t", "    ").replace("~*", "*")
    raw_lines = body.split("\n")
    wrapped = _is_hard_wrapped(raw_lines)

    sections: dict[str, list[_Item]] = {"inclusion": [], "exclusion": []}
    preamble: list[_Item] = []
    seen_header: set[str] = set()
    current: list[_Item] = preamble
    top_style: dict[int, str | None] = {}
    blank_before = True
    prev_line = ""

    for raw in raw_lines:
        if not raw.strip():
            blank_before = True
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        for piece, hdr in _pieces(raw):
            piece_indent = indent
            if hdr is _UNKNOWN:
                hdr = _header(piece)
            if hdr is not None:
                kind, rest = hdr
                if kind is not None:
                    current = sections[kind]
                    seen_header.add(kind)
                if not rest:
                    blank_before = True
                    prev_line = piece
                    continue
                piece = rest
            marker = _MARKER.match(piece)
            content = piece[marker.end():].strip() if marker else piece.strip()
            content = content.strip()
            if not content or (not content[0].isalnum() and _ONLY_PUNCT.fullmatch(content)):
                continue  # (a letter or digit is a word character: ``\w`` is ``isalnum()`` or "_")
            if not marker and content[-1] == ":" and _SUBHEAD.match(content) and len(content.split()) <= 6:
                blank_before = True  # an all-caps sub-heading such as "PATIENT CHARACTERISTICS:"
                prev_line = piece
                continue
            style = _style(marker.group("m")) if marker else None
            key = id(current)
            if key not in top_style and current is not None:
                top_style[key] = style
            top = top_style.get(key)
            parent = current[-1] if current else None
            if parent is not None and marker is None and not blank_before and (
                (content[:1].islower() and _OPEN_END.search(prev_line.rstrip()[-8:]) is not None)
                or (wrapped and not prev_line.rstrip().endswith((".", ";", ":")))
                or (top is not None and piece_indent > parent.indent and not wrapped)
            ):
                # a continuation line: join to the last piece of text
                if parent.subs:
                    parent.subs[-1] = parent.subs[-1] + " " + content
                else:
                    parent.text = parent.text + " " + content
            elif parent is not None and marker is not None and (
                piece_indent > parent.indent + 1
                or (style != top and (parent.subs or parent.text.rstrip().endswith(":")
                                      or (top is not None and piece_indent > parent.indent)
                                      or (_family(style) in ("alpha", "roman")
                                          and _family(top) not in ("alpha", "roman"))))
            ):
                parent.subs.append(content)
            else:
                current.append(_Item(content, piece_indent))
            blank_before = False
            prev_line = piece

    if preamble:
        looks_like_items = top_style.get(id(preamble)) is not None or len(preamble) >= 2
        if "inclusion" not in seen_header and (looks_like_items or not seen_header):
            sections["inclusion"] = preamble + sections["inclusion"]
        elif "inclusion" not in seen_header and len(preamble) == 1 and not preamble[0].text.endswith(":"):
            sections["inclusion"] = preamble + sections["inclusion"]
    out: list[tuple[str, int, str]] = []
    for kind in ("inclusion", "exclusion"):
        n = 0
        for item in sections[kind]:
            text_ = item.render()
            if text_[-1:] in (";", ",", "-"):  # the only endings the pattern can strip (render() is stripped)
                text_ = _TRAILING_PUNCT.sub("", text_).strip()
            bare = _header(text_)
            if not text_ or (bare is not None and not bare[1]):
                continue
            n += 1
            out.append((kind, n, text_))
    return out
