"""Lindner Research Center study page (PAGE_LAYOUTS §1 sponsor/investigator pages).

A short study name followed by ``[NCT…]``, the title, ``Description:``, ``Primary Investigator:``, and
interventions as ``Type: a; Type: b`` on one line. The sponsor is an unlabeled last line that can be the
ORIGINAL sponsor of a transferred trial, so it is not read.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Intervention, TrialRecord

_SPEC = {"description": ["Description:"], "pi": ["Primary Investigator:"], "conditions": ["Condition:", "Conditions:"],
         "interventions": ["Intervention:", "Interventions:"], "phase": ["Phase:"], "status": ["Status:"]}
_SHORT_ID = re.compile(r"^(?P<short>.{1,60}?)\s*\[(?P<id>NCT\d{8})\]\s*$")


class LindnerPage(Parser):
    """Lindner Research Center study page."""

    name = "lindner"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if any(_SHORT_ID.match(line.strip()) for line in text.split("\n")[:5]):
            score += 0.4
        if "Primary Investigator:" in text:
            score += 0.2
        if re.search(r"^Description:", text, re.M):
            score += 0.1
        if kx.host_in(text, path, ("lindner", "thechristhospital")):
            score += 0.35
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        rows = page.nonblank()
        first = min([blk[0].index for blk in b.found.values()] or [len(page.lines)])
        for k, (i, line) in enumerate(rows):
            m = _SHORT_ID.match(line)
            if m and i < first:
                rec.acronym = m.group("short")
                if k + 1 < len(rows) and rows[k + 1][0] < first and page.trusted(rows[k + 1][0]):
                    rec.brief_title = rows[k + 1][1]
                break
        rec.brief_summary = b.text("description")
        for line in page.lines:
            parts = [p.strip() for p in line.split(";")]
            typed = [kit.type_prefixed(p) for p in parts if p]
            if typed and all(typed) and not b.match(line.strip()):
                rec.interventions += [Intervention(name=t[1], intervention_type=t[0]) for t in typed if t]
        kit.set_field(rec, "phase", b.scalar("phase"))
        rec.overall_status = kx.strict_status(b.scalar("status"))
        rec.conditions = b.items("conditions")
        return kx.finish(rec, cls.name)
