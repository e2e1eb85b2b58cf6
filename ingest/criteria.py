"""Eligibility criteria text → one item per criterion, inclusion and exclusion separated."""

from __future__ import annotations

import re

from ingest.model import Criterion

_HEADER = re.compile(
    r"^\s*(?:\*\*)?\s*(?P<kind>inclusion|exclusion)(?:\s+criteria)?\s*(?:\*\*)?\s*:?\s*(?:\*\*)?\s*$", re.I
)
_BULLET = re.compile(r"^\s*(?:[-*•·●▪◦]|\d{1,2}[.)]|\(\d{1,2}\)|[a-z][.)]|[①-⑳])\s*")


def split_criteria(text: str | None) -> list[Criterion]:
    """Split criteria text into items (numbering and bullets stripped).

    >>> [(c.criterion_type, c.ordinal, c.text) for c in split_criteria(
    ...     "Inclusion Criteria:\\n\\n1. Age 18-60\\n2. Consent\\n\\nExclusion Criteria:\\n\\n* Pregnancy")]
    [('inclusion', 1, 'Age 18-60'), ('inclusion', 2, 'Consent'), ('exclusion', 1, 'Pregnancy')]
    """
    if not text:
        return []
    kind: str | None = None
    items: dict[str, list[str]] = {"inclusion": [], "exclusion": []}
    for line in text.splitlines():
        if not line.strip():
            continue
        header = _HEADER.match(line)
        if header:
            kind = header["kind"].lower()
            continue
        if kind is None:
            kind = "inclusion"
        body = _BULLET.sub("", line, count=1).strip()
        if body:
            items[kind].append(body)
    return [
        Criterion(criterion_type=k, ordinal=i, text=t)
        for k in ("inclusion", "exclusion")
        for i, t in enumerate(items[k], start=1)
    ]
