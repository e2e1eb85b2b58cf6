"""ObesityHealthMatters: a stale ClinicalTrials.gov mirror with ``Label: value`` lines (PAGE_LAYOUTS §1).

Labels ``Study Status:``, ``Recruit Status:``, ``Study Type:``, ``Official Title:``, ``Brief Summary:``,
``Detailed Summary:``, ``Sponsor:``, ``Current Primary Outcome:``, ``Original Primary Outcome:``,
``Current Secondary Outcome:``; a value may continue on the following lines. The title is prefixed
``Clinical Trial: ``; outcome items read ``measure [ Time Frame: … ]``. The page shows no trial id (the
source URL's ``id=`` is the site's own number).
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import TrialRecord

_SPEC = {
    "study_status": ["Study Status:"],
    "status": ["Recruit Status:"],
    "study_type": ["Study Type:"],
    "official": ["Official Title:"],
    "summary": ["Brief Summary:"],
    "description": ["Detailed Summary:"],
    "sponsor": ["Sponsor:"],
    "primary": ["Current Primary Outcome:"],
    "original": ["Original Primary Outcome:", "Original Secondary Outcome:"],
    "secondary": ["Current Secondary Outcome:"],
    "conditions": ["Condition:", "Conditions:"],
    "phase": ["Phase:"],
    "enroll": ["Estimated Enrollment:", "Actual Enrollment:", "Enrollment:"],
    "start": ["Start Date:", "Study Start Date:"],
    "completion": ["Completion Date:", "Study Completion Date:"],
    "pcd": ["Primary Completion Date:"],
    "criteria": ["Eligibility Criteria:", "Criteria:"],
    "sex": ["Sex/Gender:", "Gender:", "Sex:"],
    "ages": ["Ages:"],
    "hv": ["Accepts Healthy Volunteers:"],
}


class ObesityHealthMattersPage(Parser):
    """ObesityHealthMatters CT.gov mirror page."""

    name = "obesityhealthmatters"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if re.search(r"^Recruit Status:", text, re.M):
            score += 0.45
        if re.search(r"^Original Primary Outcome:", text, re.M):
            score += 0.4
        if re.search(r"^Current Primary Outcome:", text, re.M):
            score += 0.1
        if re.search(r"^Detailed Summary:", text, re.M):
            score += 0.05
        if kx.host_in(text, path, ("obesityhealthmatters",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        for i, line in page.nonblank():
            if b.match(line) is None and page.trusted(i):
                rec.brief_title = re.sub(r"^Clinical Trial:\s*", "", line).strip() or None
            break
        kit.set_field(rec, "overall_status", b.scalar("status"))
        kit.set_field(rec, "overall_status", b.scalar("study_status"))
        kit.set_field(rec, "study_type", b.scalar("study_type"))
        rec.official_title = b.text("official")
        rec.brief_summary = b.text("summary")
        rec.detailed_description = b.text("description")
        kx.add_sponsor(rec, b.scalar("sponsor"), "lead")
        rec.outcomes = kx.bracket_outcomes(b.items("primary"), "primary") + kx.bracket_outcomes(
            b.items("secondary"), "secondary")
        rec.conditions = [c for c in b.items("conditions")]
        kit.set_field(rec, "phase", b.scalar("phase"))
        kit.set_field(rec, "enrollment", b.scalar("enroll"))
        block = b.first("enroll")
        if rec.enrollment is not None and block is not None:
            rec.enrollment_type = rec.enrollment_type or kit.label_date_type(page.line(block.index))
        kit.set_field(rec, "start_date", b.scalar("start"))
        kit.set_field(rec, "primary_completion_date", b.scalar("pcd"))
        kit.set_field(rec, "completion_date", b.scalar("completion"))
        rec.eligibility_criteria = b.text("criteria")
        kit.set_field(rec, "sex", b.scalar("sex"))
        kx.set_ages(rec, b.scalar("ages"))
        kit.set_field(rec, "healthy_volunteers", b.scalar("hv"))
        return kx.finish(rec, cls.name)
