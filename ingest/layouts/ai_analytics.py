"""AI Analytics markdown export of a trial (PAGE_LAYOUTS §1).

``# title``; a citation line ``> **NCT…** · …``; ``- **NCT ID:** …``; ``## Conditions studied`` and
``## Interventions`` (``- **BIOLOGICAL:** name``) bullet lists; ``## Key facts`` with ``- **Key:** value``
lines (``Lead sponsor``, ``Sponsor class``, ``Phase``, ``Study type``, ``Status``, ``Start date``,
``Primary completion``, ``Final completion``, ``Target enrollment`` as ``12 (ESTIMATED)``, ``Last updated``).
Values are API v2 enums and ISO dates; the summary line and key facts repeat each other.
"""

from __future__ import annotations

import re

from ingest import normalize as nz
from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Intervention, TrialRecord

_KEY = re.compile(r"^\s*[-*]\s+\*\*(?P<key>[^*]+?):\*\*\s*(?P<value>.*)$")
_FIELDS = {
    "lead sponsor": "lead_sponsor", "phase": "phase", "study type": "study_type", "status": "overall_status",
    "start date": "start_date", "primary completion": "primary_completion_date",
    "final completion": "completion_date", "target enrollment": "enrollment", "last updated": "last_update_date",
    "official title": "official_title", "acronym": "acronym", "sex": "sex", "ages": "ages",
}


class AiAnalyticsPage(Parser):
    """AI Analytics markdown trial export."""

    name = "ai_analytics"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if re.search(r"^## Key facts\s*$", text, re.M):
            score += 0.6
        if re.search(r"^[^\S\n]*-\s+\*\*NCT ID:\*\*", text, re.M):
            score += 0.2
        if re.search(r"^## (Conditions studied|Interventions)\s*$", text, re.M):
            score += 0.1
        if re.search(r"^>\s*\*\*NCT\d{8}\*\*", text, re.M):
            score += 0.1
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text, markdown=False)
        rec = kx.new_record(text, path, page)
        section = ""
        sponsor_class = None
        for i, line in page.nonblank():
            if not page.trusted(i):
                continue
            if line.startswith("# ") and rec.brief_title is None:
                rec.brief_title = kit.unescape_md(line[2:].strip())
                continue
            if line.startswith("## "):
                section = line[3:].strip().lower()
                continue
            m = _KEY.match(line)
            if section.startswith("interventions") and m:
                rec.interventions.append(Intervention(
                    name=kit.unescape_md(m["value"].strip()), intervention_type=nz.map_intervention_type(m["key"])))
                continue
            if section.startswith("conditions") and re.match(r"^\s*[-*]\s+", line) and not m:
                rec.conditions.append(kit.unescape_md(kit.strip_bullet(line)))
                continue
            if m:
                key, value = m["key"].strip().lower(), kit.unescape_md(m["value"].strip())
                if key == "sponsor class":
                    sponsor_class = nz.map_agency_class(value)
                elif key in _FIELDS and _FIELDS[key] != "lead_sponsor":
                    kit.set_field(rec, _FIELDS[key], value)
                elif key == "lead sponsor":
                    kx.add_sponsor(rec, value, "lead")
                continue
            if section in ("summary", "brief summary", "overview") and rec.brief_summary is None:
                rec.brief_summary = kit.unescape_md(line)
        if rec.sponsors and sponsor_class:
            rec.sponsors[0].agency_class = sponsor_class
            rec.lead_sponsor_class = sponsor_class
        return kx.finish(rec, cls.name)
