"""WHO ICTRP trial page (PAGE_LAYOUTS §1, §1b).

``Label: value`` lines (two spaces after some colons): ``Main ID:`` (the trial id), ``URL:`` (source
registry URL), ``Register:``, ``Last refreshed on:`` (ICTRP's own date, not a registry date),
``Date of registration:`` (``DD/MM/YYYY``), ``Prospective Registration:``, ``Primary sponsor:`` (may be a
person), ``Public title:``, ``Scientific title:``, ``Date of first enrolment:``, ``Target sample size:``,
``Recruitment status:`` (as of the refresh date), ``Study type:``, ``Study design:`` (``Allocation: X.
Intervention model: Y. …`` or legacy comma style), ``Phase:``, ``Countries of recruitment``⏎countries,
``Contacts`` (per-person blocks), ``Key inclusion & exclusion criteria`` (CT.gov-style, hard-wrapped;
``≥``/``≤`` became ``=`` and are left as shown). Standard ICTRP labels for ages, sex, conditions,
interventions and outcomes are read when present.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Intervention, TrialRecord

_SPEC = {
    "main": ["Main ID:"], "url": ["URL:"], "register": ["Register:"], "refreshed": ["Last refreshed on:"],
    "registered": ["Date of registration:"], "prospective": ["Prospective Registration:"],
    "sponsor": ["Primary sponsor:"], "public": ["Public title:"], "scientific": ["Scientific title:"],
    "enrol": ["Date of first enrolment:"], "size": ["Target sample size:"], "status": ["Recruitment status:"],
    "study_type": ["Study type:"], "design": ["Study design:"], "phase": ["Phase:"],
    "countries": ["Countries of recruitment"], "contacts": ["Contacts"],
    "criteria": ["Key inclusion & exclusion criteria"], "min_age": ["Age minimum:"], "max_age": ["Age maximum:"],
    "sex": ["Gender:"],
    "conditions": ["Health Condition(s) or Problem(s) studied", "Health Condition(s) or Problem(s)"],
    "interventions": ["Intervention(s)"], "primary": ["Primary outcome(s)"], "secondary": ["Secondary outcome(s)"],
    "secondary_ids": ["Secondary ID(s)"], "sources": ["Source(s) of Monetary Support"],
    "secondary_sponsors": ["Secondary Sponsor(s)"], "ethics": ["Ethics review"], "results": ["Results"],
    "contact_fields": ["Name:", "Address:", "Telephone:", "Email:", "Affiliation:"],
}


class WhoIctrpPage(Parser):
    """WHO ICTRP trial page."""

    name = "who_ictrp"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.35 * kit.signals(text, ("Main ID:", "Target sample size:", "Last refreshed on:"))
        if "Date of first enrolment:" in text:
            score += 0.1
        if kx.host_in(text, path, ("trialsearch.who.int", "apps.who.int/trialsearch")):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        main = b.scalar("main")
        if main:
            found = kx.first_id(main) or _euctr(main)
            if found:
                rec.trial_id, rec.registry = found, None
        url = b.scalar("url")
        if url:
            rec.source_url = url
        kit.set_field(rec, "first_posted_date", b.scalar("registered"))
        kx.add_sponsor(rec, b.scalar("sponsor"), "lead")
        rec.brief_title = b.text("public")
        rec.official_title = b.text("scientific")
        kit.set_field(rec, "start_date", b.scalar("enrol"))
        kit.set_field(rec, "enrollment", b.scalar("size"))
        if rec.enrollment is not None:
            rec.enrollment_type = "ESTIMATED"  # ICTRP target = anticipated
        rec.overall_status = kx.strict_status(b.scalar("status"))
        kit.set_field(rec, "study_type", b.scalar("study_type"))
        design = b.text("design")
        if design:
            kit.apply_design(rec, kit.design_parts(design.replace("\n", " ")))
        kit.set_field(rec, "phase", b.scalar("phase"))
        rec.countries = [c for c in b.items("countries") if not c.endswith(":")]
        criteria = b.items("criteria", trusted_only=False)
        if criteria:
            rec.eligibility_criteria = "\n".join(kit.join_wrapped(criteria))
        rec.min_age_years = kit.age_value(b.scalar("min_age"))
        rec.max_age_years = kit.age_value(b.scalar("max_age"))
        kit.set_field(rec, "sex", b.scalar("sex"))
        rec.conditions = b.items("conditions")
        for line in b.items("interventions"):
            typed = kit.type_prefixed(line)
            rec.interventions.append(Intervention(name=typed[1], intervention_type=typed[0]) if typed
                                     else Intervention(name=line))
        rec.outcomes = kx.bracket_outcomes(b.items("primary"), "primary") + kx.bracket_outcomes(
            b.items("secondary"), "secondary")
        for value in b.items("secondary_ids"):
            kx.add_identifier(rec, value, "secondary_id")
        for name in b.items("secondary_sponsors"):
            kx.add_sponsor(rec, name, "collaborator")
        return kx.finish(rec, cls.name)


def _euctr(value: str) -> str | None:
    m = re.search(r"EUCTR((?:19|20)\d{2}-\d{6}-\d{2})", value)
    return m.group(1) if m else None
