"""ANZCTR trial page, main site and UAT mirror (PAGE_LAYOUTS §1, §1b).

``Label``⏎value; a label directly followed by another label has no value. Header block
``Registration number`` (often EMPTY) … ``Type of registration``; ``Titles & IDs`` with ``Public title``,
``Scientific title``, ``Secondary ID [n]`` (label carrying internal codes, value ``Nil`` or an id on the next
line), ``Universal Trial Number (UTN)``, ``Trial acronym``; ``Health condition(s) or problem(s) studied:``,
``Condition category``/``Condition code`` (classification, not conditions); ``Study type``,
``Description of intervention(s) / exposure`` (free prose), ``Comparator / control treatment``,
``Control group`` (``Uncontrolled``); ``Primary outcome [n]``/``Secondary outcome [n]`` + ``Timepoint``.
Values may end with internal code runs (``<condition> 302602 0``): stripped. Dates ``D/MM/YYYY``.
``Ethics application status`` and ``Type of registration`` are not the recruitment status. The id comes
from ``Registration number`` or the text only, never from the URL (``id=`` is internal).
UAT mirror: tokens one per line with ``Query!`` after each field, upper-case nav lines.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Outcome, TrialRecord

_SPEC = {
    "reg": ["Registration number"], "ethics": ["Ethics application status"], "submitted": ["Date submitted"],
    "registered": ["Date registered"], "updated": ["Date last updated"],
    "sharing": ["Date data sharing statement initially provided"], "results": ["Date results provided"],
    "type_reg": ["Type of registration"], "titles": ["Titles & IDs"], "public": ["Public title"],
    "scientific": ["Scientific title"], "secondary": ["Secondary ID"], "utn": ["Universal Trial Number (UTN)"],
    "acronym": ["Trial acronym"], "linked": ["Linked study record"], "health": ["Health condition"],
    "conditions": ["Health condition(s) or problem(s) studied:"], "category": ["Condition category"],
    "code": ["Condition code"], "intervention_head": ["Intervention/exposure"], "study_type": ["Study type"],
    "intervention": ["Description of intervention(s) / exposure"], "icode": ["Intervention code"],
    "comparator": ["Comparator / control treatment"], "control": ["Control group"], "outcomes": ["Outcomes"],
    "primary": ["Primary outcome"], "secondary_outcome": ["Secondary outcome"], "timepoint": ["Timepoint"],
}
_CODES = re.compile(r"(?:\s+\d+)*(?:\s+0)+\s*$")
_NUMBERED = re.compile(r"^(Secondary ID|Intervention code|Primary outcome|Secondary outcome|Timepoint)"
                       r"\s*\[\d+\](?:\s+\d+)*\s*$")


def _clean(line: str) -> str:
    """A line without its trailing internal code run; numbered labels reduced to the bare label."""
    m = _NUMBERED.match(line.strip())
    if m:
        return m.group(1)
    return _CODES.sub("", line.rstrip()) if re.search(r"\D", _CODES.sub("", line.rstrip())) else line.rstrip()


def _uat_lines(lines: list[str]) -> list[str]:
    """UAT mirror: join the token lines of each field (``Query!`` ends a field), drop upper-case nav lines."""
    out: list[str] = []
    buf: list[str] = []
    labels = {kit.label_key(x) for v in _SPEC.values() for x in v}
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if line == "Query!":
            if buf:
                out.append(" ".join(buf))
                buf = []
            continue
        if line.isupper() and len(line) > 3 and not re.search(r"\d", line):
            continue
        key = kit.label_key(_clean(line))
        if key in labels or _NUMBERED.match(line):
            if buf:
                out.append(" ".join(buf))
                buf = []
            out.append(line)
            continue
        buf.append(line)
    if buf:
        out.append(" ".join(buf))
    return out


class AnzctrPage(Parser):
    """ANZCTR trial page (main and UAT)."""

    name = "anzctr"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if re.search(r"^[^\S\n]*Registration number\s*$", text, re.M):
            score += 0.25
        score += 0.3 * kit.signals(text, ("Ethics application status", "Titles & IDs"))
        if "Type of registration" in text or "Universal Trial Number (UTN)" in text:
            score += 0.1
        if text.count("Query!") >= 2:
            score += 0.2
        if re.search(r"\bACTRN\d{14}", text):
            score += 0.15
        if kx.host_in(text, path, ("anzctr",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        capped = kit.is_capped(text)
        lines = text.split("\n")
        if "Query!" in text:
            lines = _uat_lines(lines)
        page = kit.PageText("\n".join(_clean(x) for x in lines), capped=capped)
        rec = kx.new_record(text, "", page, id_from_page=False)
        b = kx.Blocks(page, _SPEC, inline=False)
        reg = b.scalar("reg")
        rec.trial_id = kx.first_id(reg, "ANZCTR") if reg else None
        if rec.trial_id is None:
            ids = [v for r, v in kit.find_ids(page.text) if r == "ANZCTR"]
            rec.trial_id = ids[0] if len(set(ids)) == 1 else None
        rec.source_url = kit.url_of(text, path)
        kit.set_field(rec, "first_posted_date", b.scalar("registered"))
        kit.set_field(rec, "last_update_date", b.scalar("updated"))
        rec.brief_title = b.scalar("public")
        rec.official_title = b.text("scientific")
        for blk in b.found.get("secondary", []):
            if blk.lines and page.trusted(blk.lines[0][0]):
                kx.add_identifier(rec, blk.lines[0][1], "secondary_id")
        kx.add_identifier(rec, b.scalar("utn"), "utn")
        acronym = b.scalar("acronym")
        rec.acronym = acronym if acronym and acronym.lower() not in ("nil", "none") else None
        rec.conditions = b.items("conditions")
        kit.set_field(rec, "study_type", b.scalar("study_type"))
        for key, kind in (("primary", "primary"), ("secondary_outcome", "secondary")):
            points = b.found.get("timepoint", [])
            for blk in b.found.get(key, []):
                measure = " ".join(v for i, v in blk.lines if page.trusted(i)) or None
                if measure is None:
                    continue
                nxt = next((t for t in points if t.index > blk.index), None)
                tf = " ".join(v for i, v in nxt.lines if page.trusted(i)) if nxt else None
                rec.outcomes.append(Outcome(outcome_type=kind, measure=measure, time_frame=tf or None))
        return kx.finish(rec, cls.name)
