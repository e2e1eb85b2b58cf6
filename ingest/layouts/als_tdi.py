"""ALS Therapy Development Institute trial page (PAGE_LAYOUTS §1, §1b one-off labelled pages).

``Label:``⏎[blank⏎]value (or on the same line): ``Quick Info:``, ``Status:``, ``Estimated Enrollment:``,
``Phase:`` (a bare number, ``2`` or ``1/2``), ``Treatment Type:``, ``Trial Type:`` (allocation, masking and
model words), ``Sponsor:``, ``Primary Investigator:``, ``Enrollment Criteria:`` (disease-specific notes, not the
eligibility criteria), ``Update Notes:`` (month-first ``M/D/YYYY`` glued to note text), ``Locations:``,
``Other Information:``, ``Purpose:``, ``Eligibility:``, ``Details:``. Title on the first line; no id in
the text (URL only).
"""

from __future__ import annotations

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import TrialRecord

_SPEC = {
    "quick": ["Quick Info:"], "status": ["Status:"], "enroll": ["Estimated Enrollment:"], "phase": ["Phase:"],
    "treatment": ["Treatment Type:"], "trial_type": ["Trial Type:"], "sponsor": ["Sponsor:"],
    "pi": ["Primary Investigator:"], "enrollment_criteria": ["Enrollment Criteria:"], "notes": ["Update Notes:"],
    "locations": ["Locations:"], "other": ["Other Information:"], "purpose": ["Purpose:"],
    "eligibility": ["Eligibility:"], "details": ["Details:"],
}


class AlsTdiPage(Parser):
    """ALS TDI trial page."""

    name = "als_tdi"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if "Quick Info:" in text:
            score += 0.6
        score += 0.1 * kit.signals(text, ("Treatment Type:", "Trial Type:", "Update Notes:", "Enrollment Criteria:"))
        if kx.host_in(text, path, ("als.net", "alstdi")):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        rec.brief_title = kx.title_line(page, b)
        rec.overall_status = kx.strict_status(b.scalar("status"))
        if kit.set_field(rec, "enrollment", b.scalar("enroll")):
            rec.enrollment_type = "ESTIMATED"
        kit.set_field(rec, "phase", b.scalar("phase"))
        kx.design_words(rec, b.text("trial_type"))
        kx.add_sponsor(rec, b.scalar("sponsor"), "lead")
        rec.brief_summary = b.text("purpose")
        rec.detailed_description = b.text("details")
        rec.eligibility_criteria = b.text("eligibility")
        return kx.finish(rec, cls.name)
