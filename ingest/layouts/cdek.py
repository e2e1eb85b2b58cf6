"""CDEK (cdek.wustl.edu) trial page (PAGE_LAYOUTS §1).

Bulleted labels ``  • Label``⏎blank⏎``    value``: ``Title`` (brief title⏎official title), ``Phase``
(``Phase 1/Phase 2``), ``Study Type``, ``Status`` (``Unknown status``), ``Study Participants``,
``Study Started``/``Primary Completion``/``Study Completion``/``Last Update`` with the date over 2–3 lines
(``Mon DD``⏎``YYYY``⏎[``Anticipated`` | ``Estimate``]; month-only CT.gov dates shown with the month's last
day), ``Criteria`` (lines without bullets). Interventions read ``Biological <name>``; arms
``<label> <Arm Type>`` with the type at the END. The id is in the URL only.
"""

from __future__ import annotations

import re

from ingest import normalize as nz
from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Arm, Intervention, TrialRecord

_SPEC = {
    "title": ["Title"], "phase": ["Phase"], "study_type": ["Study Type"], "status": ["Status"],
    "participants": ["Study Participants"], "start": ["Study Started"], "pcd": ["Primary Completion"],
    "scd": ["Study Completion"], "update": ["Last Update"], "criteria": ["Criteria"],
    "interventions": ["Interventions", "Intervention"], "arms": ["Arms", "Arm Groups"],
    "conditions": ["Conditions", "Condition"], "sponsor": ["Sponsor", "Sponsors"],
}
_ITYPES = ("Biological", "Drug", "Device", "Procedure", "Behavioral", "Genetic", "Dietary Supplement",
           "Combination Product", "Diagnostic Test", "Radiation", "Other")
_ATYPES = ("Experimental", "Active Comparator", "Placebo Comparator", "Sham Comparator", "No Intervention", "Other")


class CdekPage(Parser):
    """CDEK trial page."""

    name = "cdek"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if re.search(r"^[^\S\n]*•\s*Study Participants\s*$", text, re.M):
            score += 0.45
        if re.search(r"^[^\S\n]*•\s*Study Started\s*$", text, re.M):
            score += 0.4
        if re.search(r"^[^\S\n]*•\s*(Primary Completion|Study Completion)\s*$", text, re.M):
            score += 0.1
        if kx.host_in(text, path, ("cdek.wustl", "cdek.")):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC, inline=False)
        titles = b.items("title")
        if titles:
            rec.brief_title = titles[0]
        if len(titles) > 1:
            rec.official_title = titles[1]
        kit.set_field(rec, "phase", b.scalar("phase"))
        kit.set_field(rec, "study_type", b.scalar("study_type"))
        kit.set_field(rec, "overall_status", b.scalar("status"))
        kit.set_field(rec, "enrollment", b.scalar("participants"))
        for key, fld in (("start", "start_date"), ("pcd", "primary_completion_date"), ("scd", "completion_date"),
                         ("update", "last_update_date")):
            _date(rec, fld, b.items(key))
        rec.eligibility_criteria = b.text("criteria")
        rec.conditions = b.items("conditions")
        kx.add_sponsor(rec, b.scalar("sponsor"), "lead")
        for line in b.items("interventions"):
            m = re.match(r"^(" + "|".join(_ITYPES) + r")\s+(.+)$", line)
            if m:
                rec.interventions.append(Intervention(name=m.group(2), intervention_type=nz.map_intervention_type(
                    m.group(1))))
        for line in b.items("arms"):
            m = re.match(r"^(.+?)\s+(" + "|".join(_ATYPES) + r")$", line)
            if m:
                rec.arms.append(Arm(label=m.group(1), arm_type=nz.map_arm_type(m.group(2))))
        return kx.finish(rec, cls.name)


def _date(rec: TrialRecord, field: str, lines: list[str]) -> None:
    """``Mon DD``⏎``YYYY``⏎[qualifier]: the qualifier belongs to the date above it."""
    if len(lines) < 2 or not re.fullmatch(r"\d{4}", lines[1]):
        if lines:
            kit.set_field(rec, field, lines[0])
        return
    value, _ = kit.date_value(f"{lines[0]} {lines[1]}")
    setattr(rec, field, value)
    if value is not None and len(lines) > 2 and hasattr(rec, field + "_type"):
        setattr(rec, field + "_type", nz.map_date_type(lines[2]))
