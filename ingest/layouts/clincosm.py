"""Clincosm: a ClinicalTrials.gov mirror page (PAGE_LAYOUTS §1 "CT.gov mirrors").

Header labels sit alone with the value on the next line (``CT.gov ID``⏎NCT…, ``Sponsor``⏎``Name (Class)``,
``Overall Status``⏎value, ``Collaborator``⏎``(none)``), followed by 5–6 unlabeled numbers of which only
the first (enrollment) is known. Design rows are ``Label :``⏎value with CT.gov spellings; the
``Condition or Disease Intervention/Treatment Phase`` header is followed by condition lines,
``• Type: name`` bullets and the phase alone on a line; ``Arms and Interventions`` +
``Arm Intervention/Treatment`` lists ``Experimental: label`` arms with description and bullet lines.
The title may carry a leading ``ACRONYM: ``.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Arm, Intervention, TrialRecord

_SPEC = {
    "id": ["CT.gov ID"],
    "sponsor": ["Sponsor"],
    "status": ["Overall Status"],
    "collab": ["Collaborator", "Collaborators"],
    "cip": ["Condition or Disease Intervention/Treatment Phase"],
    "study_type": ["Study Type :"],
    "enroll_actual": ["Actual Enrollment :"],
    "enroll_est": ["Estimated Enrollment :", "Anticipated Enrollment :"],
    "enroll": ["Enrollment :"],
    "allocation": ["Allocation :"],
    "model": ["Intervention Model :"],
    "masking": ["Masking :"],
    "purpose": ["Primary Purpose :"],
    "official": ["Official Title :"],
    "start": ["Actual Study Start Date :", "Estimated Study Start Date :", "Study Start Date :"],
    "pcd": ["Actual Primary Completion Date :", "Estimated Primary Completion Date :", "Primary Completion Date :"],
    "scd": ["Actual Study Completion Date :", "Estimated Study Completion Date :", "Study Completion Date :"],
    "first_posted": ["First Posted :", "First Posted"],
    "last_update": ["Last Update Posted :", "Last Update Posted"],
    "summary": ["Brief Summary", "Brief Summary :"],
    "description": ["Detailed Description", "Detailed Description :"],
    "arms_head": ["Arms and Interventions"],
    "arms": ["Arm Intervention/Treatment"],
    "primary": ["Primary Outcome Measures :", "Primary Outcome Measures"],
    "secondary": ["Secondary Outcome Measures :", "Secondary Outcome Measures"],
    "ages": ["Ages Eligible for Study :"],
    "sex": ["Sexes Eligible for Study :"],
    "hv": ["Accepts Healthy Volunteers :"],
    "criteria": ["Criteria", "Eligibility Criteria"],
    "locations": ["Contacts and Locations", "Locations"],
}
_BULLET_TYPED = re.compile(r"^[•·*-]\s*")


class ClincosmPage(Parser):
    """Clincosm CT.gov mirror page."""

    name = "clincosm"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if "CT.gov ID" in text:
            score += 0.45
        if re.search(r"^Overall Status\s*$", text, re.M):
            score += 0.35
        if "Condition or Disease Intervention/Treatment Phase" in text:
            score += 0.15
        if re.search(r"^Collaborator\s*$", text, re.M):
            score += 0.05
        if kx.host_in(text, path, ("clincosm",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        first = page.nonblank()
        if first and b.match(first[0][1]) is None and page.trusted(first[0][0]):
            title = first[0][1]
            m = re.match(r"^([A-Z][A-Za-z0-9-]{1,19}):\s+(.+)$", title)
            if m and any(c.isupper() for c in m.group(1)[1:]):
                rec.acronym, title = m.group(1), m.group(2)
            rec.brief_title = title
        sponsor = b.scalar("sponsor")
        if sponsor:
            name, cls_ = kx.sponsor_with_class(sponsor)
            kx.add_sponsor(rec, name, "lead", cls_)
        kit.set_field(rec, "overall_status", b.scalar("status"))
        numbers: list[str] = []
        for value in b.items("collab"):
            if re.fullmatch(r"[\d,]+", value):
                numbers.append(value)
            elif not numbers:
                name, cls_ = kx.sponsor_with_class(value)
                kx.add_sponsor(rec, name, "collaborator", cls_)
        kit.set_field(rec, "study_type", b.scalar("study_type"))
        for key, kind in (("enroll_actual", "ACTUAL"), ("enroll_est", "ESTIMATED"), ("enroll", None)):
            if rec.enrollment is None and kit.set_field(rec, "enrollment", b.scalar(key)):
                rec.enrollment_type = rec.enrollment_type or kind
        if rec.enrollment is None and numbers:
            rec.enrollment = int(numbers[0].replace(",", ""))
        kit.set_field(rec, "allocation", b.scalar("allocation"))
        kit.set_field(rec, "intervention_model", b.scalar("model"))
        kit.set_field(rec, "masking", b.scalar("masking"))
        kit.set_field(rec, "primary_purpose", b.scalar("purpose"))
        kit.set_field(rec, "official_title", b.scalar("official"))
        for key, fld in (("start", "start_date"), ("pcd", "primary_completion_date"), ("scd", "completion_date"),
                         ("first_posted", "first_posted_date"), ("last_update", "last_update_date")):
            block = b.first(key)
            if block and kit.set_field(rec, fld, b.scalar(key)) and hasattr(rec, fld + "_type"):
                label_type = kit.label_date_type(page.line(block.index))
                if label_type:
                    setattr(rec, fld + "_type", label_type)
        rec.brief_summary = b.text("summary")
        rec.detailed_description = b.text("description")
        _conditions(rec, b.items("cip"))
        _arms(rec, b.items("arms") or b.items("arms_head"))
        rec.outcomes = kx.bracket_outcomes(b.items("primary"), "primary") + kx.bracket_outcomes(
            b.items("secondary"), "secondary")
        kx.set_ages(rec, b.scalar("ages"))
        kit.set_field(rec, "sex", b.scalar("sex"))
        kit.set_field(rec, "healthy_volunteers", b.scalar("hv"))
        rec.eligibility_criteria = b.text("criteria")
        return kx.finish(rec, cls.name)


def _conditions(rec: TrialRecord, lines: list[str]) -> None:
    for line in lines:
        typed = kit.type_prefixed(_BULLET_TYPED.sub("", line))
        if typed:
            if not any(iv.name == typed[1] for iv in rec.interventions):
                rec.interventions.append(Intervention(name=typed[1], intervention_type=typed[0]))
            continue
        phase = kx.phase_line(line)
        if phase:
            rec.phase = phase
            continue
        if line not in rec.conditions:
            rec.conditions.append(line)


def _arms(rec: TrialRecord, lines: list[str]) -> None:
    arm: Arm | None = None
    for line in lines:
        body = _BULLET_TYPED.sub("", line)
        head = kit.arm_prefixed(line)
        typed = kit.type_prefixed(body) if line.lstrip()[:1] in "•·*-" else None
        if head:
            arm = Arm(label=head[1], arm_type=head[0])
            rec.arms.append(arm)
        elif typed and arm is not None:
            name = typed[1]
            arm.intervention_names.append(name)
            iv = next((x for x in rec.interventions if x.name == name), None)
            if iv is None:
                iv = Intervention(name=name, intervention_type=typed[0])
                rec.interventions.append(iv)
            if arm.label not in iv.arm_labels:
                iv.arm_labels.append(arm.label)
        elif arm is not None and not arm.intervention_names:
            arm.description = line if arm.description is None else arm.description + "\n" + line
