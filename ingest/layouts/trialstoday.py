"""TrialsToday trial page (PAGE_LAYOUTS §1, §1b one-off labelled pages).

``Label``⏎[blank⏎]value: ``Purpose``, ``Conditions`` (seen empty), ``Eligibility``, ``Eligible Ages``,
``Eligible Genders``, ``Accepts Healthy Volunteers``. Title on the first line; id in the URL only.
"""

from __future__ import annotations

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import TrialRecord

_SPEC = {
    "purpose": ["Purpose"], "conditions": ["Conditions"], "eligibility": ["Eligibility"],
    "ages": ["Eligible Ages"], "sex": ["Eligible Genders"], "hv": ["Accepts Healthy Volunteers"],
}


class TrialsTodayPage(Parser):
    """TrialsToday trial page."""

    name = "trialstoday"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if "Eligible Genders" in text:
            score += 0.55
        score += 0.1 * kit.signals(text, ("Eligible Ages", "Accepts Healthy Volunteers", "Purpose"))
        if kx.host_in(text, path, ("trialstoday",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        rec.brief_title = kx.title_line(page, b)
        rec.brief_summary = b.text("purpose")
        rec.conditions = b.items("conditions")
        rec.eligibility_criteria = b.text("eligibility")
        kx.set_ages(rec, b.scalar("ages"))
        kit.set_field(rec, "sex", b.scalar("sex"))
        kit.set_field(rec, "healthy_volunteers", b.scalar("hv"))
        return kx.finish(rec, cls.name)
