"""KnowCancer trial page: CT.gov values WITHOUT labels in a fixed order (PAGE_LAYOUTS §1, §1b).

After the title: study type, legacy design string (``Allocation: …, [Endpoint Classification: …,]
Intervention Model: …, Masking: …, Primary Purpose: …``), primary outcome measure, its time frame, a safety
flag, the regulatory authority, the org study id, the bare NCT id line, start and end (``Month YYYY``),
then a ``Name | Location |`` site table. Lines are found by shape around the design string and the NCT line
rather than by position alone.
"""

from __future__ import annotations

import re

from ingest import normalize as nz
from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Outcome, Site, TrialRecord

_NCT_LINE = re.compile(r"^NCT\d{8}$")


class KnowCancerPage(Parser):
    """KnowCancer trial page."""

    name = "knowcancer"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if re.search(r"^[^\S\n]*Name\s*\|\s*Location\s*\|", text, re.M):
            score += 0.35
        if re.search(r"^NCT\d{8}\s*$", text, re.M) and re.search(r"^Allocation:.*Intervention Model:", text, re.M):
            score += 0.35
        if kx.host_in(text, path, ("knowcancer",)):
            score += 0.35
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        rows = [(i, x) for i, x in page.nonblank() if page.trusted(i)]
        lines = [x for _, x in rows]
        if lines and not nz.map_study_type(lines[0]):
            rec.brief_title = lines[0]
        design_at = next((k for k, x in enumerate(lines) if re.search(r"(Allocation|Intervention Model):", x)), None)
        if design_at is not None:
            kit.apply_design(rec, kit.design_parts(lines[design_at]))
            if design_at > 0:
                rec.study_type = nz.map_study_type(lines[design_at - 1])
            after = lines[design_at + 1: design_at + 3]
            if after and not _NCT_LINE.match(after[0]):
                tf = after[1] if len(after) > 1 and not _NCT_LINE.match(after[1]) else None
                rec.outcomes.append(Outcome(outcome_type="primary", measure=after[0], time_frame=tf))
        nct_at = next((k for k, x in enumerate(lines) if _NCT_LINE.match(x)), None)
        if nct_at is not None:
            if nct_at > 0 and not re.search(r"\s{2,}|:", lines[nct_at - 1]) and len(lines[nct_at - 1]) < 40:
                kx.add_identifier(rec, lines[nct_at - 1], "org_study_id")
            dates = lines[nct_at + 1: nct_at + 3]
            if dates:
                kit.set_field(rec, "start_date", dates[0])
            if len(dates) > 1:
                kit.set_field(rec, "completion_date", dates[1])
        table = next((k for k, x in enumerate(lines) if re.match(r"^Name\s*\|\s*Location\s*\|", x)), None)
        if table is not None:
            for row in lines[table + 1:]:
                cells = [c.strip() for c in row.strip("|").split("|")]
                if len(cells) < 2 or set(row.strip()) <= set("-|: "):
                    continue
                place = kx.site_place(cells[1])
                if place:
                    rec.sites.append(Site(facility=cells[0] or None, city=place[0], state=place[1], country=place[2]))
        return kx.finish(rec, cls.name)
