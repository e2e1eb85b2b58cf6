"""MedPath trial page (PAGE_LAYOUTS §1).

Line 1 ``MedPath``, then the title, then a header with the phase and the status in title case (the
status line is omitted when unknown). ``Label``⏎value blocks: ``Conditions``, ``Interventions``
(``Type: name`` lines, list may be empty), ``Registration Number``⏎NCT…, ``Lead Sponsor``,
``Brief Summary``, ``Detailed Description``, ``Recruitment & Eligibility`` (``Status`` enum, ``Sex``,
``Target Recruitment``, ``Inclusion Criteria``, ``Exclusion Criteria``), ``Study & Design``
(``Study Type``, ``Study Design`` = the intervention model), ``Arm && Interventions`` and outcome tables
with glued headers/cells (not split: a glued cell cannot be read back reliably).

MedPath collapses a multi-phase trial to its FIRST phase, so ``Phase 1`` may mean Phase 1/Phase 2 and
``Phase 2`` may mean Phase 2/Phase 3: those two are ambiguous and stored as NULL; ``Early Phase 1``,
``Phase 3``, ``Phase 4`` and ``N/A`` cannot be the first of a pair and are kept.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Intervention, TrialRecord

_SPEC = {
    "conditions": ["Conditions"], "interventions": ["Interventions"], "reg": ["Registration Number"],
    "sponsor": ["Lead Sponsor"], "summary": ["Brief Summary"], "description": ["Detailed Description"],
    "recruit": ["Recruitment & Eligibility"], "status": ["Status"], "sex": ["Sex"],
    "enroll": ["Target Recruitment"], "inclusion": ["Inclusion Criteria"], "exclusion": ["Exclusion Criteria"],
    "design_head": ["Study & Design"], "study_type": ["Study Type"], "model": ["Study Design"],
    "arms": ["Arm && Interventions", "Arm & Interventions"], "primary": ["Primary Outcome Measures"],
    "secondary": ["Secondary Outcome Measures"], "ages": ["Age", "Ages"], "hv": ["Healthy Volunteers"],
}
_UNAMBIGUOUS_PHASES = {"EARLY_PHASE1", "PHASE3", "PHASE4", "NA"}


class MedPathPage(Parser):
    """MedPath trial page."""

    name = "medpath"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        first = text.lstrip().split("\n", 1)[0].strip()
        score = 0.4 if first == "MedPath" else 0.0
        score += 0.25 * kit.signals(text, ("Registration Number", "Recruitment & Eligibility"))
        if "Arm && Interventions" in text or "Study & Design" in text:
            score += 0.1
        if kx.host_in(text, path, ("medpath",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        head_end = min([blocks[0].index for blocks in b.found.values()] or [len(page.lines)])
        header = [(i, x) for i, x in page.nonblank(0, head_end) if x != "MedPath"]
        if header and page.trusted(header[0][0]):
            rec.brief_title = header[0][1]
        for i, line in header[1:]:
            if not page.trusted(i):
                continue
            phase = kx.phase_line(line)
            if phase:
                rec.phase = phase if phase in _UNAMBIGUOUS_PHASES else None
            elif rec.overall_status is None:
                rec.overall_status = kx.strict_status(line)
        rec.conditions = b.items("conditions")
        for line in b.items("interventions"):
            typed = kit.type_prefixed(line)
            if typed:
                rec.interventions.append(Intervention(name=typed[1], intervention_type=typed[0]))
        kx.add_sponsor(rec, b.scalar("sponsor"), "lead")
        rec.brief_summary = b.text("summary")
        rec.detailed_description = b.text("description")
        kit.set_field(rec, "overall_status", b.scalar("status"))
        kit.set_field(rec, "sex", b.scalar("sex"))
        kit.set_field(rec, "enrollment", b.scalar("enroll"))
        kx.set_ages(rec, b.scalar("ages"))
        kit.set_field(rec, "healthy_volunteers", b.scalar("hv"))
        inclusion = [x for x in b.items("inclusion", trusted_only=False) if not _subheading(x)]
        exclusion = [x for x in b.items("exclusion", trusted_only=False) if not _subheading(x)]
        if inclusion or exclusion:
            rec.eligibility_criteria = kx.criteria_text(b.items("inclusion", trusted_only=False),
                                                        b.items("exclusion", trusted_only=False))
            rec.criteria = kx.criteria_from_lists(inclusion, exclusion)
        kit.set_field(rec, "study_type", b.scalar("study_type"))
        kit.set_field(rec, "intervention_model", b.scalar("model"))
        return kx.finish(rec, cls.name)


def _subheading(line: str) -> bool:
    """A short line ending with ``:`` inside a criteria list is a sub-heading, not a criterion."""
    return line.endswith(":") and len(line) < 60 and not re.match(r"^\s*(?:\d+[.)]|[-*•])", line)
