"""CTRI (Clinical Trials Registry - India) trial page (PAGE_LAYOUTS §1).

``Label␣␣value␣`` (2+ spaces, trailing space): ``CTRI Number␣␣CTRI/YYYY/MM/NNNNNN [Registered on: DD/MM/YYYY] …``,
``Last Modified On:``, ``Post Graduate Thesis``, ``Type of Trial`` (the study type), ``Type of Study`` (a
category such as ``Stem Cell Therapy``, not the study type), ``Study Design`` (``Single Arm Study`` = the
intervention model), ``Public Title of Study``, ``Scientific Title of Study``, ``Trial Acronym``,
``Secondary IDs if Any`` with a ``Secondary ID␣␣Identifier`` table (``<id>␣␣<issuer>`` rows), then
investigator/contact blocks whose addresses are contact addresses, not sites. URL ``trialid=``/``EncHid=``
are internal numbers.
"""

from __future__ import annotations

import re

from ingest import normalize as nz
from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import TrialRecord

_SPEC = {
    "number": ["CTRI Number"], "modified": ["Last Modified On:"], "thesis": ["Post Graduate Thesis"],
    "trial_type": ["Type of Trial"], "study_type": ["Type of Study"], "design": ["Study Design"],
    "public": ["Public Title of Study"], "scientific": ["Scientific Title of Study"], "acronym": ["Trial Acronym"],
    "secondary": ["Secondary IDs if Any"], "secondary_table": ["Secondary ID"],
    "pi": ["Details of Principal Investigator or overall Trial Coordinator (multi-center study)",
           "Details of Principal Investigator"],
    "contact": ["Details of Contact Person", "Details of Contact Person Scientific Query",
                "Details of Contact Person Public Query"],
    "person": ["Name", "Designation", "Affiliation", "Address", "Phone", "Fax", "Email"],
    "query": ["Scientific Query", "Public Query"],
}
_MODEL = {"single arm study": "SINGLE_GROUP", "single arm trial": "SINGLE_GROUP"}


class CtriPage(Parser):
    """CTRI trial page."""

    name = "ctri"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if re.search(r"^[^\S\n]*CTRI Number\s", text, re.M):
            score += 0.5
        if "Public Title of Study" in text:
            score += 0.35
        if "Scientific Title of Study" in text or "Post Graduate Thesis" in text:
            score += 0.1
        if kx.host_in(text, path, ("ctri.nic.in",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        number = " ".join(b.items("number"))
        found = kx.first_id(number, "CTRI") if number else None
        if found:
            rec.trial_id, rec.registry = found, "CTRI"
        m = re.search(r"Registered on:\s*(\d{1,2}/\d{1,2}/\d{4})", number)
        if m:
            rec.first_posted_date = nz.parse_date(m.group(1))
        kit.set_field(rec, "last_update_date", b.scalar("modified"))
        kit.set_field(rec, "study_type", b.scalar("trial_type"))
        design = b.scalar("design")
        if design:
            rec.intervention_model = _MODEL.get(design.strip().lower()) or nz.map_intervention_model(design)
            if re.search(r"(?i)\brandomi[sz]ed\b", design) and "non" not in design.lower():
                rec.allocation = "RANDOMIZED"
            elif re.search(r"(?i)non[- ]randomi[sz]ed", design):
                rec.allocation = "NON_RANDOMIZED"
        rec.brief_title = b.text("public")
        rec.official_title = b.text("scientific")
        acronym = b.scalar("acronym")
        rec.acronym = acronym if acronym and acronym.lower() not in ("nil", "none", "n/a", "not applicable") else None
        table = b.items("secondary_table") + b.items("secondary")
        for row in table:
            parts = re.split(r"\s{2,}", row)
            if parts and parts[0].lower() not in ("identifier", "secondary id", "nil", "none") and len(parts) >= 1:
                issuer = parts[1] if len(parts) > 1 else None
                kx.add_identifier(rec, parts[0], "secondary_id", issuer)
        return kx.finish(rec, cls.name)
