"""ClinicalTrialsLocator trial page (PAGE_LAYOUTS §1, §1b one-off labelled pages).

``Label``⏎[blank⏎]value: ``Description``, ``Study Start Date``, ``Estimated Completion Date``,
``Interventions``, ``Study ID`` (``<sponsor> -- <org id>``), ``Status``, ``Trial ID`` (NCT…), ``Study Type``,
``Trial Phase``, ``Enrollment Quota`` (untyped), ``Sponsor``. ``≥`` is rendered ``?`` in criteria text.
"""

from __future__ import annotations

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Intervention, TrialRecord

_SPEC = {
    "description": ["Description"], "start": ["Study Start Date"], "end": ["Estimated Completion Date"],
    "interventions": ["Interventions"], "study_id": ["Study ID"], "status": ["Status"], "trial_id": ["Trial ID"],
    "study_type": ["Study Type"], "phase": ["Trial Phase"], "quota": ["Enrollment Quota"], "sponsor": ["Sponsor"],
    "conditions": ["Conditions", "Condition"], "criteria": ["Eligibility Criteria", "Criteria", "Eligibility"],
}


class CtLocatorPage(Parser):
    """ClinicalTrialsLocator trial page."""

    name = "ctlocator"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if "Enrollment Quota" in text:
            score += 0.55
        score += 0.1 * kit.signals(text, ("Trial Phase", "Estimated Completion Date", "Trial ID", "Study ID"))
        if kx.host_in(text, path, ("clinicaltrialslocator",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC, inline=False)
        rec.brief_title = kx.title_line(page, b)
        rec.brief_summary = b.text("description")
        kit.set_field(rec, "start_date", b.scalar("start"))
        if kit.set_field(rec, "completion_date", b.scalar("end")):
            rec.completion_date_type = "ESTIMATED"
        for line in b.items("interventions"):
            typed = kit.type_prefixed(line)
            rec.interventions.append(Intervention(name=typed[1], intervention_type=typed[0]) if typed
                                     else Intervention(name=line))
        study_id = b.scalar("study_id")
        if study_id and " -- " in study_id:
            _sponsor, org_id = study_id.split(" -- ", 1)
            kx.add_identifier(rec, org_id, "org_study_id")
        rec.overall_status = kx.strict_status(b.scalar("status"))
        kit.set_field(rec, "study_type", b.scalar("study_type"))
        kit.set_field(rec, "phase", b.scalar("phase"))
        kit.set_field(rec, "enrollment", b.scalar("quota"))
        rec.enrollment_type = None
        kx.add_sponsor(rec, b.scalar("sponsor"), "lead")
        rec.conditions = b.items("conditions")
        rec.eligibility_criteria = b.text("criteria")
        return kx.finish(rec, cls.name)
