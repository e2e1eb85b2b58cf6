"""Internet Stroke Center trial page (PAGE_LAYOUTS §1, §1b one-off labelled pages).

Title, the status alone on a line, ``Phase 1/2 Results N/A`` (``Results N/A`` is not a phase),
``Trial Description``, ``Trial Stopped:``, ``Conditions``, ``Interventions`` bullets ``name Type`` (type at the
end) with ``Intervention Desc:``, arms ``ARM 1: Kind: Experimental`` + ``Label:``, ``Trial Design`` bullets
(``Allocation:``, ``Masking:``, ``Purpose:``, ``Endpoint:``, ``Intervention:`` = the model) and an
``Outcomes`` whitespace table ``Type Measure Time Frame Safety Issue``.
"""

from __future__ import annotations

import re

from ingest import normalize as nz
from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Arm, Intervention, Outcome, TrialRecord

_SPEC = {
    "description": ["Trial Description"], "stopped": ["Trial Stopped:"], "conditions": ["Conditions"],
    "interventions": ["Interventions"], "design": ["Trial Design"], "outcomes": ["Outcomes"],
    "sponsor": ["Sponsor", "Sponsors"], "locations": ["Locations"],
}
_ITYPES = ("Biological", "Drug", "Device", "Procedure", "Behavioral", "Genetic", "Dietary Supplement",
           "Combination Product", "Diagnostic Test", "Radiation", "Other")


class StrokeCenterPage(Parser):
    """Internet Stroke Center trial page."""

    name = "stroke_center"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if "Trial Stopped:" in text:
            score += 0.4
        if re.search(r"^[^\S\n]*+(?:[-•*]\s*)?Endpoint:", text, re.M):
            score += 0.3
        if re.search(r"ARM \d+: Kind:", text) or "Type Measure Time Frame Safety Issue" in text:
            score += 0.25
        if kx.host_in(text, path, ("strokecenter.org",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        first = min([blk[0].index for blk in b.found.values()] or [len(page.lines)])
        head = [(i, x) for i, x in page.nonblank(0, first) if page.trusted(i)]
        if head:
            rec.brief_title = head[0][1]
        for _, line in head[1:]:
            m = re.match(r"^(.*?)\s*Results\s+\S+$", line)
            phase = kx.phase_line(m.group(1) if m else line)
            if phase and rec.phase is None:
                rec.phase = phase
            elif rec.overall_status is None and kx.strict_status(line):
                rec.overall_status = kx.strict_status(line)
        rec.brief_summary = b.text("description")
        stopped = b.scalar("stopped")
        rec.why_stopped = stopped if stopped and stopped.lower() not in ("no", "n/a", "none") else None
        rec.conditions = [kit.strip_bullet(x) for x in b.items("conditions")]
        _interventions(rec, b.items("interventions", trusted_only=False), page)
        for line in b.items("design"):
            body = kit.strip_bullet(line)
            if body.lower().startswith("intervention:"):
                rec.intervention_model = nz.map_intervention_model(body.split(":", 1)[1])
            else:
                kit.apply_design(rec, kit.design_parts(body))
        for line in b.items("outcomes"):
            cells = re.split(r"\s{2,}|\t", line.strip())
            if len(cells) >= 2 and cells[0].lower() in ("primary", "secondary", "other"):
                rec.outcomes.append(Outcome(outcome_type=cells[0].lower(), measure=cells[1],
                                            time_frame=cells[2] if len(cells) > 2 else None))
        return kx.finish(rec, cls.name)


def _interventions(rec: TrialRecord, lines: list[str], page: kit.PageText) -> None:
    arm: Arm | None = None
    current: Intervention | None = None
    trusted = {page.line(i) for i, _ in page.nonblank() if page.trusted(i)}
    for line in lines:
        body = kit.strip_bullet(line)
        m = re.match(r"^ARM \d+:\s*Kind:\s*(.+)$", body, re.I)
        if m:
            arm = Arm(label="", arm_type=nz.map_arm_type(m.group(1)))
            continue
        if body.startswith("Label:") and arm is not None:
            arm.label = body.split(":", 1)[1].strip()
            if arm.label and line in trusted:
                rec.arms.append(arm)
            arm = None
            continue
        if body.startswith("Intervention Desc:") and current is not None:
            current.description = body.split(":", 1)[1].strip() or None
            continue
        m = re.match(r"^(.+?)\s+(" + "|".join(_ITYPES) + r")$", body)
        if m and line in trusted:
            current = Intervention(name=m.group(1), intervention_type=nz.map_intervention_type(m.group(2)))
            rec.interventions.append(current)
