"""Biotech Hunter trial page (PAGE_LAYOUTS §1, §1b).

Line 1 title; line 2 glued ``<PHASE enum><Status title case><TYPE enum>`` (``PHASE2RecruitingINTERVENTIONAL``);
``Label``⏎blank⏎value: ``Enrollment``⏎N⏎``Participants``, ``Timeline`` with ``Start Date``,
``Primary Completion Date``, ``Study Completion Date`` (``Month D, YYYY``), ``Conditions`` (run together: split at
lower→Upper-lower boundaries), ``Interventions`` (TYPE enum⏎name⏎description), ``Trial Locations (N)`` (postcode⏎
[``RECRUITING``⏎]``Facility, City``), ``Sponsors``/``Lead Sponsor``/``All Listed Sponsors`` (role⏎name⏎class
triples). A trailing ``NCT… - title | Biotech Hunter | …`` line may carry the id; else the URL.
Descriptions keep CT.gov ``~*`` bullets and markdown escapes.
"""

from __future__ import annotations

import re

from ingest import normalize as nz
from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Intervention, Site, TrialRecord

_SPEC = {
    "enroll": ["Enrollment"], "timeline": ["Timeline"], "start": ["Start Date"],
    "pcd": ["Primary Completion Date"], "scd": ["Study Completion Date"], "conditions": ["Conditions"],
    "interventions": ["Interventions"], "sites": ["Trial Locations"], "sponsors": ["Sponsors"],
    "lead": ["Lead Sponsor"], "all": ["All Listed Sponsors"],
}
_GLUED = re.compile(
    r"^(?P<phase>(?:EARLY_)?PHASE\d(?:/PHASE\d)?|NA)?"
    r"(?P<status>Not yet recruiting|Active, not recruiting|Enrolling by invitation|Recruiting|Completed|"
    r"Terminated|Withdrawn|Suspended|Unknown status|Unknown)?"
    r"(?P<type>INTERVENTIONAL|OBSERVATIONAL|EXPANDED_ACCESS)?$")
_TYPES = {"BIOLOGICAL", "DRUG", "DEVICE", "PROCEDURE", "BEHAVIORAL", "GENETIC", "DIETARY_SUPPLEMENT",
          "COMBINATION_PRODUCT", "DIAGNOSTIC_TEST", "RADIATION", "OTHER"}


class BiotechHunterPage(Parser):
    """Biotech Hunter trial page."""

    name = "biotech_hunter"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if re.search(r"^Timeline\s*$", text, re.M):
            score += 0.25
        if "All Listed Sponsors" in text:
            score += 0.35
        if re.search(r"^Trial Locations \(\d+\)", text, re.M):
            score += 0.25
        if "| Biotech Hunter" in text or re.search(r"^(?:EARLY_)?PHASE\d.*[a-z](INTERVENTIONAL|OBSERVATIONAL)$",
                                                     text, re.M):
            score += 0.3
        if kx.host_in(text, path, ("biotechhunter", "biotech-hunter")):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        page.lines = [re.sub(r"^\s*Trial Locations \(\d+\)\s*$", "Trial Locations", x) for x in page.lines]
        b = kx.Blocks(page, _SPEC, inline=False)
        rows = page.nonblank()
        if rows and b.match(rows[0][1]) is None and page.trusted(rows[0][0]) and not _GLUED.match(rows[0][1]):
            rec.brief_title = rows[0][1]
        for i, line in rows[:3]:
            m = _GLUED.match(line)
            if m and any(m.groups()) and page.trusted(i):
                rec.phase = nz.map_phase(m["phase"]) if m["phase"] else None
                rec.overall_status = kx.strict_status(m["status"])
                rec.study_type = nz.map_study_type(m["type"]) if m["type"] else None
                break
        enroll = b.items("enroll")
        if enroll:
            kit.set_field(rec, "enrollment", enroll[0])
        kit.set_field(rec, "start_date", b.scalar("start"))
        kit.set_field(rec, "primary_completion_date", b.scalar("pcd"))
        kit.set_field(rec, "completion_date", b.scalar("scd"))
        for line in b.items("conditions"):
            # run together without separator: split where a lower-case letter meets Upper-lower ("AsthmaCOPD" stays)
            rec.conditions += [c.strip() for c in re.split(r"(?<=[a-z)])(?=[A-Z][a-z])", line) if c.strip()]
        _interventions(rec, b.items("interventions", trusted_only=False), page)
        _sites(rec, b.items("sites"))
        _sponsors(rec, b.items("all") or b.items("lead"))
        for i, line in rows[-2:]:
            m = re.match(r"^NCT\d{8}\s+-\s+(.+?)\s+\|\s*Biotech Hunter", line, re.I)
            if m and rec.brief_title is None and page.trusted(i):
                rec.brief_title = m.group(1)
        return kx.finish(rec, cls.name)


def _interventions(rec: TrialRecord, lines: list[str], page: kit.PageText) -> None:
    current: Intervention | None = None
    k = 0
    while k < len(lines):
        line = lines[k]
        if line in _TYPES and k + 1 < len(lines):
            current = Intervention(name=lines[k + 1], intervention_type=nz.map_intervention_type(line))
            rec.interventions.append(current)
            k += 2
            continue
        if current is not None:
            current.description = line if current.description is None else current.description + "\n" + line
        k += 1
    if page.truncated and rec.interventions and rec.interventions[-1].description is None:
        # the name may sit on the cut line
        last = rec.interventions[-1]
        if last.name == (page.line(page.last_index)):
            rec.interventions.pop()


def _sites(rec: TrialRecord, lines: list[str]) -> None:
    """postcode⏎[status⏎]``Facility, City`` groups."""
    zip_code: str | None = None
    status: str | None = None
    for line in lines:
        if re.fullmatch(r"[A-Z0-9][A-Z0-9 -]{2,9}", line) and any(c.isdigit() for c in line):
            zip_code, status = line, None
        elif re.fullmatch(r"[A-Z_]+", line) and nz.map_status(line):
            status = nz.map_status(line)
        elif "," in line and zip_code is not None:
            facility, city = line.rsplit(",", 1)
            rec.sites.append(Site(facility=facility.strip(), city=city.strip(), zip=zip_code, status=status))
            zip_code, status = None, None


def _sponsors(rec: TrialRecord, lines: list[str]) -> None:
    """Repeated (role, name, class) triples."""
    k = 0
    while k < len(lines):
        role = lines[k].lower()
        if role in ("lead", "collaborator") and k + 1 < len(lines):
            cls = nz.map_agency_class(lines[k + 2]) if k + 2 < len(lines) else None
            kx.add_sponsor(rec, lines[k + 1], role, cls)
            k += 3 if cls else 2
        else:
            k += 1
