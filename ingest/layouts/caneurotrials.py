"""caneurotrials (Canadian neuro trials) page (PAGE_LAYOUTS §1 sponsor/investigator pages).

The official title is the heading; ``Sponsor:`` (seen empty), ``Brief Summary:`` and ``Criteria`` with
``– `` bullets; CT.gov text is hard-wrapped (wrapped lines are joined). No id in the text.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import TrialRecord

_SPEC = {"sponsor": ["Sponsor:"], "summary": ["Brief Summary:"], "criteria": ["Criteria"],
         "description": ["Detailed Description:"], "conditions": ["Condition:", "Conditions:"]}


class CaNeuroTrialsPage(Parser):
    """caneurotrials study page."""

    name = "caneurotrials"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if kx.host_in(text, path, ("caneurotrials", "canadianneurotrials")):
            score += 0.6
        if re.search(r"^Brief Summary:", text, re.M) and re.search(r"^Criteria\s*$", text, re.M) and re.search(
                r"^[^\S\n]*– ", text, re.M):
            score += 0.35
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        rec.official_title = kx.title_line(page, b)
        kx.add_sponsor(rec, b.scalar("sponsor"), "lead")
        summary = b.items("summary", trusted_only=False)
        rec.brief_summary = "\n".join(kit.join_wrapped(summary)) if summary else None
        rec.detailed_description = b.text("description")
        criteria = b.items("criteria", trusted_only=False)
        if criteria:
            rec.eligibility_criteria = "\n".join(kit.join_wrapped(criteria))
            rec.criteria = kx.split_items(rec.eligibility_criteria)
        rec.conditions = b.items("conditions")
        return kx.finish(rec, cls.name)
