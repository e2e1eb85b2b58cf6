"""CenterWatch trial listing page (PAGE_LAYOUTS §1, §1b one-off labelled pages).

``Brief description of study``, ``Detailed Study Description``, ``Clinical Study Identifier:`` (the NCT id,
near the bottom, usually below the capture cut). Title on the first line; listing numbers in the URL are
the site's own, not registry ids.
"""

from __future__ import annotations

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import TrialRecord

_SPEC = {
    "brief": ["Brief description of study"], "detailed": ["Detailed Study Description"],
    "identifier": ["Clinical Study Identifier:"], "conditions": ["Conditions", "Condition"],
    "criteria": ["Eligibility Criteria", "Eligibility"], "sponsor": ["Sponsor"],
}


class CenterWatchPage(Parser):
    """CenterWatch trial page."""

    name = "centerwatch"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if "Clinical Study Identifier:" in text:
            score += 0.5
        if "Brief description of study" in text:
            score += 0.3
        if "Detailed Study Description" in text:
            score += 0.15
        if kx.host_in(text, path, ("centerwatch",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        ident = b.scalar("identifier")
        if ident and kx.first_id(ident):
            rec.trial_id, rec.registry = kx.first_id(ident), None
        rec.brief_title = kx.title_line(page, b)
        rec.brief_summary = b.text("brief")
        rec.detailed_description = b.text("detailed")
        rec.conditions = b.items("conditions")
        rec.eligibility_criteria = b.text("criteria")
        kx.add_sponsor(rec, b.scalar("sponsor"), "lead")
        return kx.finish(rec, cls.name)
