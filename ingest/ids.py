"""Registry ids: recognise, canonicalise and name the registry; provisional ``DOC-`` ids."""

from __future__ import annotations

import hashlib
import re
import unicodedata

#: (registry name, pattern) in the order they are tried; each pattern's group 1 is the id body.
ID_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("ClinicalTrials.gov", re.compile(r"\bNCT\s?0?(\d{7,8})\b", re.I)),
    ("ChiCTR", re.compile(r"\b(ChiCTR(?:-[A-Z]{2,4}-)?-?\d{8,10}|ChiCTR\d{10})\b", re.I)),
    ("IRCT", re.compile(r"\b(IRCT\d{8,14}N\d{1,3}|IRCT\d{6,14}N?\d*)\b", re.I)),
    ("ISRCTN", re.compile(r"\bISRCTN\s?(\d{8})\b", re.I)),
    ("ANZCTR", re.compile(r"\b(ACTRN\s?\d{14}p?)\b", re.I)),
    ("CTRI", re.compile(r"\b(CTRI\s?/\s?\d{4}\s?/\s?\d{2,3}\s?/\s?\d{6})\b", re.I)),
    ("jRCT", re.compile(r"\b(jRCT[a-z]?\d{9,10})\b", re.I)),
    ("CRIS", re.compile(r"\b(KCT\d{7})\b", re.I)),
    ("ReBEC", re.compile(r"\b(RBR-\w{6,8})\b", re.I)),
    ("DRKS", re.compile(r"\b(DRKS\d{8})\b", re.I)),
    ("NTR", re.compile(r"\b((?:NTR|NL)\d{4,5})\b")),
    ("PACTR", re.compile(r"\b(PACTR\d{15,16})\b", re.I)),
    ("UMIN", re.compile(r"\b(UMIN\d{9})\b", re.I)),
    ("TCTR", re.compile(r"\b(TCTR\d{11})\b", re.I)),
    ("EudraCT", re.compile(r"\b((?:19|20)\d{2}-\d{6}-\d{2})\b")),
    ("CTIS", re.compile(r"\b((?:19|20)\d{2}-5\d{5}-\d{2}-\d{2})\b")),
]


def canonical(registry: str, raw: str) -> str:
    """The canonical spelling of an id matched for ``registry``.

    >>> canonical("ClinicalTrials.gov", "nct 01234567"), canonical("CTRI", "CTRI / 2020/05/025000")
    ('NCT01234567', 'CTRI/2020/05/025000')
    >>> canonical("ANZCTR", "actrn12607000279426p"), canonical("ChiCTR", "chictr2000029990")
    ('ACTRN12607000279426p', 'ChiCTR2000029990')
    """
    text = re.sub(r"\s+", "", raw)
    if registry == "ClinicalTrials.gov":
        digits = re.sub(r"\D", "", text)
        return "NCT" + digits[-8:].rjust(8, "0")
    if registry == "ChiCTR":
        return "ChiCTR" + text[6:].upper()
    if registry == "ISRCTN":
        return "ISRCTN" + re.sub(r"\D", "", text)
    if registry == "ANZCTR":
        return "ACTRN" + text[5:19] + text[19:].lower()
    if registry == "jRCT":
        return "jRCT" + text[4:].lower()
    if registry in ("IRCT", "CTRI", "CRIS", "DRKS", "PACTR", "UMIN", "TCTR"):
        return text.upper()
    if registry == "ReBEC":
        return "RBR-" + text[4:].lower()
    return text


def find_ids(text: str) -> list[tuple[str, str]]:
    """Every registry id in ``text`` as (registry, canonical id), in order of first appearance, unique.

    >>> find_ids("see NCT01420432 and ChiCTR2000029990; NCT01420432")
    [('ClinicalTrials.gov', 'NCT01420432'), ('ChiCTR', 'ChiCTR2000029990')]
    """
    found: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for registry, pattern in ID_PATTERNS:
        for m in pattern.finditer(text):
            value = canonical(registry, m.group(0) if registry in ("ClinicalTrials.gov", "ISRCTN") else m.group(1))
            if value not in seen:
                seen.add(value)
                found.append((m.start(), registry, value))
    found.sort()
    return [(registry, value) for _, registry, value in found]


#: Identifier types that state the trial's own id in another registry (not grant or sponsor numbers).
LINKING_ID_TYPES = frozenset({"nct_alias", "registry", "eudract_number", "secondary_id", "other", "other_id", "ctgov",
                              "euctr", "isrctn", "chictr", "irct", "ctri", "anzctr", "drks", "jrct"})


def linked_ids(trial_id: str, identifiers: list[tuple[str | None, str | None]]) -> list[tuple[str, bool]]:
    """Other registry ids a record of ``trial_id`` names as its own, from its (id value, id type) pairs: (id, is
    alias), in order.

    >>> linked_ids("NCT01420432", [("2011-000123-45", "eudract_number"), ("R01-HL0001", "nih_grant"),
    ...                            ("NCT01420432", "registry")])
    [('2011-000123-45', False)]
    """
    out: list[tuple[str, bool]] = []
    for value_text, id_type in identifiers:
        if value_text is None or id_type is None or (
                id_type not in LINKING_ID_TYPES and not id_type.startswith("registry")):
            continue
        for registry, value in find_ids(value_text):
            if value != trial_id and registry is not None:
                out.append((value, id_type == "nct_alias"))
    return out


def registry_of(trial_id: str) -> str | None:
    """The registry a canonical id belongs to.

    >>> registry_of("NCT05921058"), registry_of("2021-002179-21"), registry_of("DOC-0123456789ab")
    ('ClinicalTrials.gov', 'EudraCT', None)
    """
    for registry, pattern in ID_PATTERNS:
        if pattern.fullmatch(trial_id) or pattern.match(trial_id):
            return registry
    return None


def normalized_text(text: str) -> str:
    """Text folded for hashing: NFKC, lower case, whitespace runs collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().lower()


def provisional_id(text: str) -> str:
    """``DOC-`` + the first 12 hex digits of the sha256 of the normalized text."""
    return "DOC-" + hashlib.sha256(normalized_text(text).encode("utf-8")).hexdigest()[:12]
