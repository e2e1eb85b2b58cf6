"""Eligibility-only, lay and explainer pages (PAGE_LAYOUTS §1): NYU Langone, trialx, MedIFind, beReflected,
tundraspace, Reagan-Udall navigator, stemcellmia, Stem Cells Australia.

They carry headings only (or none) and usually no id (Stem Cells Australia may print a bare id on line 1;
tundraspace has a lower-case ``nct…`` in its URL). Read per site:
NYU ``Conditions:``, ``Age:``, ``Gender:``, ``Other Inclusion Criteria:`` (the site files exclusion-type items
there too: kept as the page states them); trialx ``Overview``/``Description``/``Eligibility`` and unlabeled
chips (status, ``20-40 years``, ``Female``, ``Phase 1/2``); MedIFind ``• `` bullets with no heading = inclusion;
Reagan-Udall ``Type: name`` + ``Other Name:`` interventions and ``City, Country`` sites (hard-wrapped text);
``Inclusion Criteria:``/``Exclusion Criteria:`` anywhere. The first line is the title (often the official
title). Pages without a site signal are left to the generic fallback.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Intervention, Site, TrialRecord

_HOSTS = {
    "nyu": ("nyulangone",), "trialx": ("trialx",), "medifind": ("medifind",), "bereflected": ("bereflected",),
    "tundraspace": ("tundraspace", "tundra"), "reagan_udall": ("reaganudall", "reagan-udall"),
    "stemcellmia": ("stemcellmia",), "stem_cells_australia": ("stemcellsaustralia", "stemcellsaustralia.org"),
}
_SPEC = {
    "conditions": ["Conditions:"], "age": ["Age:"], "gender": ["Gender:"],
    "other_inclusion": ["Other Inclusion Criteria:"], "overview": ["Overview"], "description": ["Description"],
    "eligibility": ["Eligibility"], "inclusion": ["Inclusion Criteria:", "Inclusion Criteria"],
    "exclusion": ["Exclusion Criteria:", "Exclusion Criteria"], "summary": ["Summary", "Brief Summary:"],
    "interventions": ["Interventions", "Interventions:", "Intervention"], "locations": ["Locations", "Locations:"],
}
_SEX_CHIP = {"female": "FEMALE", "male": "MALE", "all": "ALL", "both": "ALL", "female only": "FEMALE",
             "male only": "MALE"}


def site_of(text: str, path: str) -> str | None:
    """Which of the grouped sites the page comes from (URL/path host first, then NYU's unique label)."""
    for site, hosts in _HOSTS.items():
        if kx.host_in(text, path, hosts):
            return site
    if "Other Inclusion Criteria:" in text:
        return "nyu"
    return None


class EligibilityPage(Parser):
    """Eligibility-only and lay trial pages (several sites)."""

    name = "eligibility_pages"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        site = site_of(text, path)
        if site is None:
            return 0.0
        if site == "nyu" and "Other Inclusion Criteria:" in text:
            return 0.85
        return 0.7

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        site = site_of(text, path)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        rows = [(i, x) for i, x in page.nonblank() if page.trusted(i)]
        if rows and re.fullmatch(r"(?i)NCT\d{8}", rows[0][1]):
            rows = rows[1:]
        if rows and b.match(rows[0][1]) is None:
            if site in ("nyu", "medifind"):
                rec.official_title = rows[0][1]
            else:
                rec.brief_title = rows[0][1]
        rec.conditions = [kit.strip_bullet(x) for x in b.items("conditions")]
        kx.set_ages(rec, b.scalar("age"))
        kit.set_field(rec, "sex", b.scalar("gender"))
        rec.brief_summary = b.text("overview") or b.text("summary")
        rec.detailed_description = b.text("description")
        inclusion = b.items("other_inclusion", trusted_only=False) + b.items("inclusion", trusted_only=False)
        exclusion = b.items("exclusion", trusted_only=False)
        if site == "medifind" and not inclusion:
            inclusion = [x for i, x in page.nonblank() if x.startswith("• ")]
        if inclusion or exclusion:
            inclusion = kit.join_wrapped(inclusion)
            exclusion = kit.join_wrapped(exclusion)
            rec.eligibility_criteria = kx.criteria_text(inclusion, exclusion)
            rec.criteria = kx.criteria_from_lists(inclusion, exclusion)
        elif b.has("eligibility"):
            rec.eligibility_criteria = b.text("eligibility")
        if site == "trialx":
            _chips(rec, rows)
        if site == "reagan_udall":
            _interventions(rec, page)
            for line in b.items("locations"):
                place = kx.site_place(line)
                if place:
                    rec.sites.append(Site(city=place[0], state=place[1], country=place[2]))
        return kx.finish(rec, cls.name)


def _chips(rec: TrialRecord, rows: list[tuple[int, str]]) -> None:
    """trialx chips: short unlabeled lines classified by shape (status, age range, sex, phase)."""
    for _, line in rows[1:15]:
        if len(line) > 40:
            continue
        low = line.lower()
        if rec.overall_status is None and kx.strict_status(line):
            rec.overall_status = kx.strict_status(line)
        elif rec.phase is None and kx.phase_line(line):
            rec.phase = kx.phase_line(line)
        elif rec.sex is None and low in _SEX_CHIP:
            rec.sex = _SEX_CHIP[low]
        elif rec.min_age_years is None and re.fullmatch(r"\d+\s*-\s*\d+\s*(years?|months?)|\d+\+?\s*years?", low):
            rec.min_age_years, rec.max_age_years = kit.ages_value(line)


def _interventions(rec: TrialRecord, page: kit.PageText) -> None:
    """``Type: name`` lines, each optionally followed by ``Other Name:`` lines."""
    current: Intervention | None = None
    for i, line in page.nonblank():
        if not page.trusted(i):
            break
        if line.startswith("Other Name:") and current is not None:
            current.other_names.append(line.split(":", 1)[1].strip())
            continue
        typed = kit.type_prefixed(line)
        if typed and len(typed[1]) < 120:
            current = Intervention(name=typed[1], intervention_type=typed[0])
            rec.interventions.append(current)
        else:
            current = None
