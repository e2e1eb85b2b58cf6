"""Ignite (ignite-sd.com) study pages: "Viewing Study NCT…" renders of the ClinicalTrials.gov API v2 record.

One ``Label: value`` per line, values in API v2 spelling (``RECRUITING``, ``2023-05``, ``True``/``False``,
``None``/``N/A`` = null). ``Ignite Creation Date:``/``Last Modification Date:`` are the site's own dates, not
registry dates. Other captures of the site: a ``Description Module`` page and a ``Raw JSON`` page holding a
Python-dict repr of the API v2 record (cut mid-structure), read here by key.
"""

from __future__ import annotations

import re

from ingest import normalize as nz
from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.model import Sponsor, TrialRecord

_NULLS = {"none", "n/a", "na", "", "not stopped", "null"}
_SCALARS = (
    ("Brief Title", "brief_title"), ("Official Title", "official_title"), ("Acronym", "acronym"),
    ("Status", "overall_status"), ("Overall Status", "overall_status"), ("Phase", "phase"), ("Phases", "phase"),
    ("Study Type", "study_type"), ("Enrollment Count", "enrollment"), ("Enrollment", "enrollment"),
    ("Allocation", "allocation"), ("Intervention Model", "intervention_model"), ("Primary Purpose", "primary_purpose"),
    ("Masking", "masking"), ("Sex", "sex"), ("Healthy Volunteers", "healthy_volunteers"),
    ("Start Date", "start_date"), ("Primary Completion Date", "primary_completion_date"),
    ("Completion Date", "completion_date"), ("First Post", "first_posted_date"),
    ("First Posted", "first_posted_date"), ("Last Update Posted", "last_update_date"),
    ("Status Verified Date", "verified_date"), ("Results First Posted", "results_first_posted_date"),
)
_TEXTS = (("Brief Summary", "brief_summary"), ("Detailed Description", "detailed_description"),
          ("Eligibility Criteria", "eligibility_criteria"))
_KNOWN_LABEL = re.compile(r"^[A-Z][A-Za-z0-9 ,#?/()'-]{1,60}\??:\s")


class Ignite(Parser):
    """Ignite "Viewing Study" pages and their Raw JSON / Description Module captures."""

    name = "ignite"
    kind = "page"
    priority = 5

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        head = text[:200000]
        score = 0.0
        for signal, weight in (("Ignite Creation Date:", 0.5), ("Viewing Study", 0.3), ("Study NCT ID:", 0.2),
                               ("Ignite Modification Date:", 0.3), ("Description Module", 0.25),
                               ("Raw JSON", 0.25), ("Study Oversight", 0.1), ("Last Known Status:", 0.1)):
            if signal in head:
                score += weight
        if "ignite" in (path or "").lower():
            score += 0.2
        return min(score, 0.97)

    @classmethod
    def layout_of(cls, text: str) -> str | None:
        if "'protocolSection'" in text or "Raw JSON" in text:
            return "raw_json"
        return "description" if "Description Module" in text else "study"

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        page = kit.PageText(text)
        rec = kit.new_record(text, path, page)
        if "'protocolSection'" in text or "'nctId'" in text:
            _raw_json(page, rec)
        for label, field in _SCALARS:
            raw = page.value_after(label, next_line=False)
            if raw is None or raw.strip().lower() in _NULLS:
                continue
            if field == "enrollment":
                count, kind = kit.enrollment_value(raw)
                if rec.enrollment is None and count is not None:
                    rec.enrollment = count
                    rec.enrollment_type = kind
            else:
                kit.set_field(rec, field, raw)
        for label, field in _TEXTS:
            value = _long_value(page, label)
            if value and getattr(rec, field) is None:
                setattr(rec, field, value)
        last_known = page.value_after("Last Known Status", next_line=False)
        if last_known and last_known.lower() not in _NULLS:
            rec.last_known_status = kit.status_value(last_known)
        why = page.value_after("If Stopped, Why?", next_line=False) or page.value_after("Why Stopped", next_line=False)
        if why and why.strip().lower() not in _NULLS:
            rec.why_stopped = why.strip()
        dmc = page.value_after("Has Oversight DMC", next_line=False)
        if dmc and dmc.lower() not in _NULLS:
            rec.has_dmc = nz.map_bool(dmc)
        sponsor = page.value_after(["Sponsor", "Lead Sponsor"], next_line=False)
        if sponsor and sponsor.lower() not in _NULLS and rec.lead_sponsor is None:
            rec.lead_sponsor = sponsor
        if rec.lead_sponsor and not rec.sponsors:
            rec.sponsors.append(Sponsor(name=rec.lead_sponsor, lead_or_collaborator="lead"))
        for label in ("Minimum Age", "Maximum Age"):
            raw = page.value_after(label, next_line=False)
            if raw:
                age = kit.age_value(raw)
                if label.startswith("Minimum") and rec.min_age_years is None:
                    rec.min_age_years = age
                elif rec.max_age_years is None:
                    rec.max_age_years = age
        conditions = page.value_after("Conditions", next_line=False)
        if conditions and not rec.conditions:
            rec.conditions.extend(c.strip() for c in conditions.split(",") if c.strip().lower() not in _NULLS)
        org_id = page.value_after("Org Study ID", next_line=False)
        if org_id and org_id.lower() not in _NULLS:
            kit.add_identifier(rec, org_id, "org_study_id")
        return kit.finish_record(rec, page, cls.name)


def _long_value(page: kit.PageText, label: str) -> str | None:
    """``Label: text`` plus following lines that are not themselves ``Label: value`` lines or headings."""
    hit = page.find(label)
    if hit is None:
        return None
    first = page.line(hit)
    rest = first.split(":", 1)[1].strip() if ":" in first else ""
    out = [rest] if rest else []
    for i in range(hit + 1, len(page)):
        line = page.lines[i].strip()
        if _KNOWN_LABEL.match(line + " ") or line in ("Study Overview", "Study Oversight", "Conditions",
                                                    "Design", "Eligibility", "Arms Interventions"):
            break
        out.append(line)
    value = nz.clean_text("\n".join(out))
    return None if value is None or value.lower() in _NULLS else value


def _raw_json(page: kit.PageText, rec: TrialRecord) -> None:
    """Read key fields from the Python-dict repr of an API v2 record (possibly cut mid-structure)."""
    text = page.text

    def key(name: str) -> str | None:
        m = re.search(r"'" + name + r"'\s*:\s*(?:'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"|(\d+|True|False))", text)
        if not m:
            return None
        return next(g for g in m.groups() if g is not None)

    if rec.trial_id is None and key("nctId"):
        found = kit.find_ids(key("nctId") or "")
        rec.trial_id = found[0][1] if found else None
    for name, field in (("briefTitle", "brief_title"), ("officialTitle", "official_title"),
                        ("overallStatus", "overall_status"), ("studyType", "study_type"),
                        ("allocation", "allocation"), ("interventionModel", "intervention_model"),
                        ("primaryPurpose", "primary_purpose"), ("sex", "sex"),
                        ("briefSummary", "brief_summary"), ("detailedDescription", "detailed_description"),
                        ("eligibilityCriteria", "eligibility_criteria")):
        value = key(name)
        if value is not None:
            value = value.replace("\\n", "\n").replace("\\'", "'")
            kit.set_field(rec, field, value)
    m = re.search(r"'phases'\s*:\s*\[([^\]]*)\]", text)
    if m:
        rec.phase = kit.phase_value(re.findall(r"'([A-Z0-9_]+)'", m.group(1)))
    m = re.search(r"'enrollmentInfo'\s*:\s*\{\s*'count'\s*:\s*(\d+)(?:\s*,\s*'type'\s*:\s*'(\w+)')?", text)
    if m:
        rec.enrollment = int(m.group(1))
        rec.enrollment_type = m.group(2) if m.group(2) in ("ACTUAL", "ESTIMATED") else None
    for name, field in (("minimumAge", "min_age_years"), ("maximumAge", "max_age_years")):
        value = key(name)
        if value:
            setattr(rec, field, kit.age_value(value))
    value = key("healthyVolunteers")
    if value in ("True", "False"):
        rec.healthy_volunteers = value == "True"
    m = re.search(r"'conditions'\s*:\s*\[([^\]]*)\]", text)
    if m:
        rec.conditions.extend(re.findall(r"'((?:[^'\\]|\\.)*)'", m.group(1)))
    m = re.search(r"'leadSponsor'\s*:\s*\{\s*'name'\s*:\s*'((?:[^'\\]|\\.)*)'(?:\s*,\s*'class'\s*:\s*'(\w+)')?", text)
    if m:
        rec.lead_sponsor = m.group(1)
        rec.lead_sponsor_class = nz.map_agency_class(m.group(2)) if m.group(2) else None
        rec.sponsors.append(Sponsor(name=m.group(1), lead_or_collaborator="lead", agency_class=rec.lead_sponsor_class))
    for name, field in (("startDateStruct", "start_date"), ("primaryCompletionDateStruct", "primary_completion_date"),
                        ("completionDateStruct", "completion_date")):
        m = re.search(r"'" + name + r"'\s*:\s*\{\s*'date'\s*:\s*'([\d-]+)'(?:\s*,\s*'type'\s*:\s*'(\w+)')?", text)
        if m:
            setattr(rec, field, nz.parse_date(m.group(1)))
            if m.group(2) in ("ACTUAL", "ESTIMATED"):
                setattr(rec, field + "_type", m.group(2))
