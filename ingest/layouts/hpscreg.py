"""hPSCreg clinical-study page (PAGE_LAYOUTS §1).

``Label value`` on one line in sub-blocks: ``General Information`` (``Summary``, ``Description``,
``NCT number NCT…``, ``Clinical trials phase``, ``Start date (estimated)``, ``End date (estimated)``, ISO
dates), ``Clinical feature`` + ``Label`` (the disease), ``Administrative Information`` (``ICTRP weblink``,
``Other study identifiers`` + ``Name``, ``Study sites``, ``Sponsors``). ``Label``/``Description`` are reused
for disease and cell-type ontology entries, so only the first ``Summary``/``Description`` (before
``Clinical feature``) and the first ``Label`` after ``Clinical feature`` are read; empty labels may sit
back to back.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import TrialRecord

_SPEC = {
    "general": ["General Information"], "summary": ["Summary"], "description": ["Description"],
    "nct": ["NCT number"], "phase": ["Clinical trials phase"], "start": ["Start date (estimated)", "Start date"],
    "end": ["End date (estimated)", "End date"], "feature": ["Clinical feature"], "label": ["Label"],
    "admin": ["Administrative Information"], "ictrp": ["ICTRP weblink"],
    "other_ids": ["Other study identifiers"], "name": ["Name"], "sites": ["Study sites"], "sponsors": ["Sponsors"],
    "cell": ["Cell type", "Cell line", "Cell lines"],
}


class HpscregPage(Parser):
    """hPSCreg clinical-study page."""

    name = "hpscreg"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if re.search(r"^[^\S\n]*Administrative Information\s*$", text, re.M):
            score += 0.4
        if re.search(r"^[^\S\n]*Clinical trials phase\b", text, re.M):
            score += 0.4
        if "ICTRP weblink" in text or re.search(r"^[^\S\n]*Clinical feature\s*$", text, re.M):
            score += 0.15
        if kx.host_in(text, path, ("hpscreg",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC, space=True)
        rows = page.nonblank()
        if rows and b.match(rows[0][1]) is None and page.trusted(rows[0][0]):
            rec.brief_title = rows[0][1]
        feature = b.first("feature")
        cut = feature.index if feature else len(page.lines)
        for key, fld in (("summary", "brief_summary"), ("description", "detailed_description")):
            block = b.first(key)
            if block and block.index < cut:
                rec.__setattr__(fld, b.text(key))
        kit.set_field(rec, "phase", b.scalar("phase"))
        for key, fld in (("start", "start_date"), ("end", "completion_date")):
            block = b.first(key)
            if block and kit.set_field(rec, fld, b.scalar(key)):
                setattr(rec, fld + "_type", kit.label_date_type(page.line(block.index)))
        if feature:
            label = next((blk for blk in b.found.get("label", []) if blk.index > feature.index), None)
            value = (label.inline or (label.lines[0][1] if label.lines else None)) if label else None
            if value and page.trusted(label.index):
                rec.conditions = [value]
        other = b.first("other_ids")
        if other:
            for blk in b.found.get("name", []):
                if blk.index > other.index and blk.inline and page.trusted(blk.index):
                    kx.add_identifier(rec, blk.inline, "secondary_id")
                    break
        sponsors = b.items("sponsors")
        if sponsors:
            kx.add_sponsor(rec, sponsors[0], "lead")
        return kx.finish(rec, cls.name)
