"""inClinicalTrials trial page, variants A and B (PAGE_LAYOUTS §1).

A: ``Label value`` on one line: ``Clinical Trial Summary``, ``Clinical Trial Description`` (both end with
`` ;``), ``Study Design``, ``Related Conditions & MeSH terms``, ``NCT number``, ``Study type``, ``Source``
(= sponsor), ``Contact``, ``Phone``, ``Email``, ``Status``.
B: a ``<Condition> Clinical Trial`` heading, ``Official title:``⏎value, and a related-trials pipe table
``Status | Clinical Trial | Phase | |`` whose rows are OTHER trials. The id is otherwise in the URL
(``/<category-slug>/NCT…/``; the slug may be a product class, not a condition).
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import TrialRecord

_SPEC = {
    "summary": ["Clinical Trial Summary"], "description": ["Clinical Trial Description"],
    "design": ["Study Design"], "conditions": ["Related Conditions & MeSH terms"], "nct": ["NCT number"],
    "study_type": ["Study type"], "source": ["Source"], "contact": ["Contact"], "phone": ["Phone"],
    "email": ["Email"], "status": ["Status"], "official": ["Official title:"], "phase": ["Phase"],
}


class InClinicalTrialsPage(Parser):
    """inClinicalTrials trial page."""

    name = "inclinicaltrials"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if re.search(r"^Clinical Trial Summary\b", text, re.M):
            score += 0.45
        if re.search(r"^NCT number\s+NCT", text, re.M):
            score += 0.2
        if re.search(r"^Related Conditions & MeSH terms\b", text, re.M):
            score += 0.2
        if re.search(r"Status\s*\|\s*Clinical Trial\s*\|\s*Phase", text):
            score += 0.4
        if re.search(r"^Official title:\s*$", text, re.M):
            score += 0.2
        if kx.host_in(text, path, ("inclinicaltrials",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC, space=True, stops=["Status | Clinical Trial | Phase | |"])
        for i, line in page.nonblank():
            if b.match(line) is None and "|" not in line and page.trusted(i):
                if re.search(r"\bClinical Trial$", line) and not re.search(r"[.;]$", line):
                    rec.conditions = [re.sub(r"\s*Clinical Trial$", "", line)]
                else:
                    rec.brief_title = line
            break
        rec.brief_summary = _strip_semicolon(b.text("summary"))
        rec.detailed_description = _strip_semicolon(b.text("description"))
        design = b.scalar("design")
        if design:
            kit.apply_design(rec, kit.design_parts(design))
        terms = b.scalar("conditions")
        if terms and not rec.conditions:
            rec.conditions = [terms]
        kit.set_field(rec, "study_type", b.scalar("study_type"))
        kx.add_sponsor(rec, b.scalar("source"), "lead")
        kit.set_field(rec, "overall_status", b.scalar("status"))
        kit.set_field(rec, "phase", b.scalar("phase"))
        official = b.items("official")
        if official and "|" not in official[0]:
            rec.official_title = official[0]
        return kx.finish(rec, cls.name)


def _strip_semicolon(value: str | None) -> str | None:
    if value is None:
        return None
    return re.sub(r"\s*;\s*$", "", value).strip() or None
