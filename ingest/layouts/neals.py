"""NEALS (Northeast ALS Consortium) trial page (PAGE_LAYOUTS §1, §1b one-off labelled pages).

The official title is the heading; ``Label:``⏎value (or same line): ``Study Purpose:``, ``Study Status:``
(``Not recruiting`` is ambiguous → NULL), ``Disease:``, ``Study Type:``, ``Type of Intervention:``,
``Intervention Name:`` (comma list), ``Placebo:``, ``Phase:``, ``Study Chair(s)/Principal Investigator(s):``,
``Clinicaltrials.gov ID:``, ``Neals Affiliated?``, ``Coordinating Center Contact Information``,
``Full Study Summary:``. Site countries can be wrong (an Israeli site shown as United States): not read.
"""

from __future__ import annotations

from ingest import normalize as nz
from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Intervention, TrialRecord

_SPEC = {
    "purpose": ["Study Purpose:"], "status": ["Study Status:"], "disease": ["Disease:"],
    "study_type": ["Study Type:"], "itype": ["Type of Intervention:"], "iname": ["Intervention Name:"],
    "placebo": ["Placebo:"], "phase": ["Phase:"], "pi": ["Study Chair(s)/Principal Investigator(s):"],
    "nct": ["Clinicaltrials.gov ID:"], "affiliated": ["Neals Affiliated?"],
    "contact": ["Coordinating Center Contact Information"], "summary": ["Full Study Summary:"],
}


class NealsPage(Parser):
    """NEALS trial page."""

    name = "neals"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if "Neals Affiliated?" in text:
            score += 0.6
        score += 0.1 * kit.signals(text, ("Clinicaltrials.gov ID:", "Type of Intervention:", "Full Study Summary:",
                                          "Study Chair(s)/Principal Investigator(s):"))
        if kx.host_in(text, path, ("neals.org",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        rec.official_title = kx.title_line(page, b)
        rec.brief_summary = b.text("purpose")
        rec.overall_status = kx.strict_status(b.scalar("status"))
        disease = b.scalar("disease")
        rec.conditions = [disease] if disease else []
        kit.set_field(rec, "study_type", b.scalar("study_type"))
        itype = nz.map_intervention_type(b.scalar("itype"))
        names = b.scalar("iname")
        for name in (names or "").split(","):
            if name.strip():
                rec.interventions.append(Intervention(name=name.strip(), intervention_type=itype))
        kit.set_field(rec, "phase", b.scalar("phase"))
        rec.detailed_description = b.text("summary")
        return kx.finish(rec, cls.name)
