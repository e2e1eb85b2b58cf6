"""trials.co trial page, full and compact variants (PAGE_LAYOUTS §1, §1b).

Full: ``search``, ``Back to results``, title, then ``Label``⏎value: ``Primary Purpose`` (holds the
CONDITIONS as a comma list, not the purpose), ``Status``, ``Phase``, ``Locations`` (``United States`` or
``International``), ``Study Type``, ``Intervention`` (names only), ``Sponsored by``; a tab row; ``About this
trial`` (a site-templated sentence, not the registry summary); ``Eligibility Criteria`` whose first line is
glued ``<min> - <max> (<groups>)All Sexes<Accepts Healthy Volunteers | Does not accept healthy volunteers>``.
Compact: ``About this trial``, ``Eligibility Criteria``, ``Sites / Locations``, ``Arms of the Study`` with
column-major arms (K ``Arm n`` lines, K types, K labels, K descriptions). Id in the URL only.
"""

from __future__ import annotations

import re

from ingest import normalize as nz
from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Arm, Intervention, TrialRecord

_SPEC = {
    "conditions": ["Primary Purpose"], "status": ["Status"], "phase": ["Phase"], "locations": ["Locations"],
    "study_type": ["Study Type"], "intervention": ["Intervention", "Interventions"], "sponsor": ["Sponsored by"],
    "about": ["About this trial"], "criteria": ["Eligibility Criteria"], "sites": ["Sites / Locations"],
    "arms": ["Arms of the Study"],
}
_TABS = {"About", "Eligibility", "Locations", "Arms", "Outcomes", "Full info", "search", "Back to results"}
_ELIGIBILITY = re.compile(
    r"^(?P<ages>.*?\d.*?(?:\([^)]*\))?)?\s*(?P<sex>All Sexes|Female|Male|Females|Males|Female only|Male only)?"
    r"\s*(?P<hv>Accepts Healthy Volunteers|Does not accept healthy volunteers)?\s*$", re.I)


class TrialsCoPage(Parser):
    """trials.co trial page (full and compact)."""

    name = "trials_co"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if re.search(r"^About this trial\s*$", text, re.M):
            score += 0.4
        if re.search(r"^Eligibility Criteria\s*$", text, re.M):
            score += 0.15
        if re.search(r"^(Sponsored by|Arms of the Study|Back to results)\s*$", text, re.M):
            score += 0.35
        if "All Sexes" in text:
            score += 0.1
        if kx.host_in(text, path, ("trials.co",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC, inline=False, stops=_TABS)
        head_end = min([blocks[0].index for blocks in b.found.values()] or [len(page.lines)])
        for i, line in page.nonblank(0, head_end):
            if line not in _TABS and page.trusted(i):
                rec.brief_title = line
                break
        conditions = b.scalar("conditions")
        if conditions:
            # Comma-joined, but MeSH terms contain commas ("Diabetes Mellitus, Type 1"): kept unsplit.
            rec.conditions = [conditions]
        kit.set_field(rec, "overall_status", b.scalar("status"))
        kit.set_field(rec, "phase", b.scalar("phase"))
        where = b.scalar("locations")
        if where and where.lower() != "international":
            rec.countries = [where]
        kit.set_field(rec, "study_type", b.scalar("study_type"))
        for name in b.items("intervention"):
            rec.interventions.append(Intervention(name=name))
        kx.add_sponsor(rec, b.scalar("sponsor"), "lead")
        about = b.items("about", trusted_only=False)
        if len(about) > 1:
            rec.brief_summary = "\n".join(about[1:])
        _eligibility(rec, page, b)
        _arms(rec, b.items("arms"))
        sites = b.items("sites")
        for k in range(1, len(sites)):
            if kx.site_place(sites[k]) and not kx.site_place(sites[k - 1]):
                facility = re.sub(r"^(Recruiting|Completed|Active, not recruiting|Not yet recruiting|Terminated|"
                                  r"Withdrawn)(?=[A-Z])|(Recruiting|Completed)$", "", sites[k - 1]).strip()
                rec.sites.append(kx.site(facility, sites[k]))
        return kx.finish(rec, cls.name)


def _eligibility(rec: TrialRecord, page: kit.PageText, b: kx.Blocks) -> None:
    block = b.first("criteria")
    if block is None:
        return
    lines = [v for _, v in block.lines]
    if block.lines and re.search(r"All Sexes|healthy volunteers", lines[0], re.I):
        i, first = block.lines[0]
        m = _ELIGIBILITY.match(first)
        if m and page.trusted(i):
            kx.set_ages(rec, m.group("ages"))
            if m.group("sex"):
                kit.set_field(rec, "sex", "All" if "sexes" in m.group("sex").lower() else m.group("sex").split()[0])
            kit.set_field(rec, "healthy_volunteers", m.group("hv"))
        lines = lines[1:]
    if len(lines) == 1:
        lines = (kx.unflatten_criteria(lines[0]) or "").split("\n")
    rec.eligibility_criteria = "\n".join(lines).strip() or None


def _arms(rec: TrialRecord, lines: list[str]) -> None:
    """Column-major arms: K ``Arm n`` lines, then K types, K labels, K descriptions."""
    k = 0
    while k < len(lines) and re.fullmatch(r"Arm \d+", lines[k]):
        k += 1
    if k == 0:
        return
    types, labels, descs = lines[k:2 * k], lines[2 * k:3 * k], lines[3 * k:4 * k]
    for n in range(min(k, len(labels))):
        arm_type = nz.map_arm_type(types[n]) if n < len(types) else None
        rec.arms.append(Arm(label=labels[n], arm_type=arm_type, description=descs[n] if n < len(descs) else None))
