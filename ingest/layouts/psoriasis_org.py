"""National Psoriasis Foundation (psoriasis.org) trial finder page (PAGE_LAYOUTS §1, §1b).

Labels on the same line as their values: ``Eligible Ages 18 Years - 65 Years``, ``Gender All``; ``Study
Purpose``, ``Recruitment Criteria``, ``Accepts Healthy Volunteers`` and ``Study Type`` are each followed by a
glossary definition instead of a value (so those values only count when they map onto the vocabulary);
``More Inclusion & Exclusion Criteria`` opens the criteria text. Id in the URL only.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import TrialRecord

_SPEC = {
    "purpose": ["Study Purpose"], "recruitment": ["Recruitment Criteria"], "hv": ["Accepts Healthy Volunteers"],
    "study_type": ["Study Type"], "ages": ["Eligible Ages"], "sex": ["Gender"],
    "criteria": ["More Inclusion & Exclusion Criteria"], "conditions": ["Conditions", "Condition"],
    "phase": ["Phase"], "status": ["Status", "Recruitment Status"],
}


class PsoriasisOrgPage(Parser):
    """psoriasis.org trial finder page."""

    name = "psoriasis_org"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if "Recruitment Criteria" in text:
            score += 0.45
        if "More Inclusion & Exclusion Criteria" in text:
            score += 0.35
        if re.search(r"^Gender\s+(All|Female|Male)\b", text, re.M):
            score += 0.1
        if kx.host_in(text, path, ("psoriasis.org",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC, space=True)
        rec.brief_title = kx.title_line(page, b)
        kit.set_field(rec, "healthy_volunteers", _short(b.scalar("hv")))
        kit.set_field(rec, "study_type", _short(b.scalar("study_type")))
        kx.set_ages(rec, b.scalar("ages"))
        kit.set_field(rec, "sex", b.scalar("sex"))
        kit.set_field(rec, "phase", _short(b.scalar("phase")))
        rec.overall_status = kx.strict_status(_short(b.scalar("status")))
        rec.conditions = b.items("conditions")
        rec.eligibility_criteria = b.text("criteria")
        return kx.finish(rec, cls.name)


def _short(value: str | None) -> str | None:
    """A value, unless it is a glossary sentence (long text ending with a full stop)."""
    if value is None or (len(value.split()) > 4 and value.rstrip().endswith(".")):
        return None
    return value
