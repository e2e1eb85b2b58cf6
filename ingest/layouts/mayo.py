"""Mayo Clinic research study page (PAGE_LAYOUTS §1 sponsor/investigator pages).

Labels are separated from their values by glossary bullet lines: ``Study type``, ``Study phase`` (also a
bullet), ``Study IDs`` block with ``Site IRB`` (an IRB number, identifiers only), ``NCT ID:`` and
``Sponsor Protocol Number:`` (an org id, not a sponsor); design given as a legacy design string. Title on
the first line; ``Purpose``/``Eligibility`` sections when present.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import TrialRecord

_SPEC = {
    "study_type": ["Study type"], "phase": ["Study phase"], "ids": ["Study IDs"], "irb": ["Site IRB"],
    "nct": ["NCT ID:"], "protocol": ["Sponsor Protocol Number:"], "purpose": ["Purpose", "About this study"],
    "eligibility": ["Eligibility", "Participant eligibility"], "design": ["Study design"],
    "statuses": ["Study statuses", "Status"],
}
_BULLET = re.compile(r"^\s*[•·*-]\s")


class MayoPage(Parser):
    """Mayo Clinic study page."""

    name = "mayo"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if "Sponsor Protocol Number:" in text:
            score += 0.5
        if re.search(r"^[^\S\n]*Site IRB\b", text, re.M):
            score += 0.3
        if re.search(r"^[^\S\n]*Study IDs\s*$", text, re.M):
            score += 0.15
        if kx.host_in(text, path, ("mayo.edu", "mayoclinic")):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        rec.brief_title = kx.title_line(page, b)

        def value(key: str) -> str | None:
            blk = b.first(key)
            if blk is None:
                return None
            if blk.inline:
                return blk.inline if page.trusted(blk.index) else None
            for i, line in blk.lines:
                if not _BULLET.match(page.lines[i]):
                    return line if page.trusted(i) else None
            return None

        kit.set_field(rec, "study_type", value("study_type"))
        kit.set_field(rec, "phase", value("phase"))
        kx.add_identifier(rec, value("irb"), "irb")
        kx.add_identifier(rec, value("protocol"), "org_study_id")
        design = value("design")
        if design:
            kit.apply_design(rec, kit.design_parts(design))
        rec.brief_summary = b.text("purpose")
        rec.eligibility_criteria = b.text("eligibility")
        return kx.finish(rec, cls.name)
