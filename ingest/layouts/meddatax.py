"""MedDataX trial pages: compact (unlabelled values in fixed order), labelled, and results variants.

Line 1 is the title (results: ``Trial Outcomes & Findings for <title> (NCT NCT…)``), line 2 ``NCT ID: NCT…``.
Every heading (``Basic Information``, ``Study Design``, ``Eligibility Criteria``, ``Sponsors`` …) is followed by
the same generic one-sentence blurb, skipped here. Compact runs are read by shape: after ``Basic Information``
status, phase, ``N participants``, study type, start and completion dates (API v2 enums); after ``Study Design``
allocation, model, purpose, masking; after the exclusion criteria min age, max age, sex, healthy volunteers;
after ``Sponsors`` name⏎class pairs. ``Related Clinical Trials``/``More Related Trials`` list OTHER trials.
The labelled variant puts ``Label``⏎blank⏎value pairs in the same sections.
"""

from __future__ import annotations

import re

from ingest import normalize as nz
from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.model import Arm, Identifier, Intervention, Official, Site, Sponsor, TrialRecord

HEADINGS = (
    "Basic Information", "Study Results", "Brief Summary", "Related Clinical Trials", "Detailed Description",
    "Conditions", "Keywords", "Study Design", "Study Groups", "Interventions", "Other Intervention Names",
    "Eligibility Criteria", "Sponsors", "Collaborators", "Responsible Party", "Principal Investigators", "Locations",
    "Countries", "Central Contacts", "Facility Contacts", "Other Identifiers", "More Related Trials",
    "Results Overview", "Participant Flow", "Baseline Characteristics", "Outcome Measures", "Adverse Events",
    "Study Documents", "References", "Primary Outcomes", "Secondary Outcomes",
)
_HEAD_KEYS = {kit.label_key(h): h for h in HEADINGS}
_BLURB_START = ("Get ", "Review ", "Explore ", "Dive ", "See ", "Understand ", "Learn ", "Discover ", "Check ",
                "Meet ", "Identify ", "Reach ", "Find ", "Additional ", "Browse ", "View ", "Read ", "Track ",
                "Access ", "Look ", "The study team ", "Compare ", "Examine ", "Summarize ", "Key ")
_LABELLED = {
    "recruitment status": "overall_status", "clinical phase": "phase", "total enrollment": "enrollment",
    "study classification": "study_type", "study start date": "start_date",
    "study completion date": "completion_date", "primary completion date": "primary_completion_date",
    "allocation method": "allocation", "intervention model": "intervention_model",
    "primary study purpose": "primary_purpose", "blinding strategy": "masking", "recruitment status ": "",
    "study phase": "phase", "target enrollment": "enrollment",
}
_AGE = re.compile(r"^\d+(?:\.\d+)?\s*(?:years?|months?|weeks?|days?|hours?)$", re.I)


class MedDataX(Parser):
    """MedDataX compact, labelled and results pages."""

    name = "meddatax"
    kind = "page"
    priority = 5

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        head = text[:200000]
        score = 0.0
        if re.search(r"^NCT ID: ?NCT\s?\d{8}", head, re.M):
            score += 0.35
        for signal in ("Basic Information", "Study Classification", "Related Clinical Trials", "More Related Trials",
                       "Results Overview", "Primary outcome timeframe", "Get a concise snapshot of the trial"):
            if signal in head:
                score += 0.15
        if "meddatax" in (path or "").lower():
            score += 0.2
        return min(score, 0.96) if score >= 0.3 else 0.0

    @classmethod
    def layout_of(cls, text: str) -> str | None:
        if "Results Overview" in text:
            return "results"
        return "labelled" if re.search(r"^(Recruitment Status|Clinical Phase)\s*$", text, re.M) else "compact"

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        page = kit.PageText(text)
        rec = kit.new_record(text, path, page)
        sections = _sections(page)
        _title(page, rec)
        updated = page.value_after("Last Updated", next_line=False)
        if updated:
            rec.last_update_date, _ = kit.date_value(updated)
        _labelled(sections, rec)
        _basic(sections.get("basic information", []) + sections.get("results overview", []), rec)
        rec.brief_summary = _text(sections.get("brief summary"))
        rec.detailed_description = _text(sections.get("detailed description"))
        rec.conditions.extend(sections.get("conditions", []))
        rec.keywords.extend(sections.get("keywords", []))
        _design(sections.get("study design", []), rec)
        _groups(sections.get("study groups", []), sections.get("interventions", []), rec)
        others = sections.get("other intervention names", [])
        if others and len(rec.interventions) == 1:
            rec.interventions[0].other_names.extend(others)
        _eligibility(sections.get("eligibility criteria", []), rec)
        _sponsors(sections.get("sponsors", []), sections.get("collaborators", []), rec)
        _officials(sections.get("principal investigators", []), rec)
        _locations(sections.get("locations", []), rec)
        for country in sections.get("countries", []):
            if country not in rec.countries:
                rec.countries.append(country)
        _identifiers(sections.get("other identifiers", []), rec)
        return kit.finish_record(rec, page, cls.name)


def _sections(page: kit.PageText) -> dict[str, list[str]]:
    """Heading key → content lines (generic blurb and the untrusted last line removed)."""
    out: dict[str, list[str]] = {}
    current: str | None = None
    skip_blurb = False
    for i, line in page.nonblank():
        glued = re.match(r"^View full results(?=[A-Z])", line)
        if glued:
            line = line[glued.end():]
        key = kit.label_key(line)
        if key in _HEAD_KEYS:
            current = key
            out.setdefault(current, [])
            skip_blurb = True
            continue
        if skip_blurb:
            skip_blurb = False
            if line.startswith(_BLURB_START) and line.endswith("."):
                continue
        if current is not None and page.trusted(i):
            out[current].append(line)
    return out


def _title(page: kit.PageText, rec: TrialRecord) -> None:
    rows = page.nonblank()
    if not rows or not page.trusted(rows[0][0]):
        return
    title = rows[0][1]
    if title.startswith("NCT ID"):
        return
    title = re.sub(r"^Trial Outcomes & Findings for\s+", "", title)
    title = re.sub(r"\s*\((?:NCT\s+)?NCT\d{8}\)\s*$", "", title)
    rec.brief_title = title or None


def _text(lines: list[str] | None) -> str | None:
    return nz.clean_text("\n".join(lines)) if lines else None


def _labelled(sections: dict[str, list[str]], rec: TrialRecord) -> None:
    """``Label``⏎value pairs inside any section (labelled variant)."""
    for lines in sections.values():
        for k, line in enumerate(lines[:-1]):
            field = _LABELLED.get(kit.label_key(line))
            if field and kit.label_key(lines[k + 1]) not in _LABELLED:
                kit.set_field(rec, field, lines[k + 1])


def _basic(lines: list[str], rec: TrialRecord) -> None:
    """Classify the compact run by shape: status, phase, N participants, study type, dates."""
    dates = []
    for line in lines:
        value = line.strip()
        if re.fullmatch(r"[A-Z_]+", value) and nz.map_status(value) and rec.overall_status is None:
            rec.overall_status = nz.map_status(value)
        elif re.fullmatch(r"(?:EARLY_)?PHASE\d(?:/PHASE\d)?|NA", value) and rec.phase is None:
            rec.phase = kit.phase_value(value)
        elif re.fullmatch(r"\d[\d,]*\s+participants?", value, re.I) and rec.enrollment is None:
            rec.enrollment, rec.enrollment_type = kit.enrollment_value(value)
        elif value in ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS") and rec.study_type is None:
            rec.study_type = value
        elif re.fullmatch(r"\d{4}-\d{2}(?:-\d{2})?", value):
            dates.append(nz.parse_date(value))
    if dates and rec.start_date is None:
        rec.start_date = dates[0]
    if len(dates) > 1 and rec.completion_date is None:
        rec.completion_date = dates[1]


def _design(lines: list[str], rec: TrialRecord) -> None:
    for line in lines:
        value = line.strip()
        if not re.fullmatch(r"[A-Z_]+", value):
            continue
        if value in ("RANDOMIZED", "NON_RANDOMIZED", "NA") and rec.allocation is None:
            rec.allocation = value
        elif nz.map_intervention_model(value) and rec.intervention_model is None:
            rec.intervention_model = nz.map_intervention_model(value)
        elif value in ("NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE") and rec.masking is None:
            rec.masking = value
        elif nz.map_purpose(value) and rec.primary_purpose is None:
            rec.primary_purpose = nz.map_purpose(value)


def _pairs(lines: list[str]) -> list[tuple[str, str | None, str | None]]:
    """(name, type, description) from ``[TYPE⏎]name⏎description`` runs."""
    out: list[tuple[str, str | None, str | None]] = []
    pending_type = None
    k = 0
    while k < len(lines):
        line = lines[k]
        if line.isupper() and nz.map_intervention_type(line):
            pending_type = nz.map_intervention_type(line)
            k += 1
            continue
        desc = lines[k + 1] if k + 1 < len(lines) else None
        if desc is not None and desc.isupper() and nz.map_intervention_type(desc):
            desc = None
        out.append((line, pending_type, desc))
        pending_type = None
        k += 2 if desc is not None else 1
    return out


def _groups(group_lines: list[str], iv_lines: list[str], rec: TrialRecord) -> None:
    for name, iv_type, desc in _pairs(iv_lines):
        if not any(iv.name == name for iv in rec.interventions):
            rec.interventions.append(Intervention(name=name, intervention_type=iv_type, description=desc))
    names = {iv.name: iv for iv in rec.interventions}
    arm: Arm | None = None
    k = 0
    while k < len(group_lines):
        line = group_lines[k]
        if line in names and arm is not None:
            iv = names[line]
            if iv.name not in arm.intervention_names:
                arm.intervention_names.append(iv.name)
            if arm.label not in iv.arm_labels:
                iv.arm_labels.append(arm.label)
            k += 2 if k + 1 < len(group_lines) and group_lines[k + 1] == iv.description else 1
            continue
        if line.isupper() and nz.map_arm_type(line) and arm is not None and arm.arm_type is None:
            arm.arm_type = nz.map_arm_type(line)
        elif arm is None or arm.description is not None or arm.intervention_names:
            arm = Arm(label=line)
            rec.arms.append(arm)
        else:
            arm.description = line
        k += 1


def _eligibility(lines: list[str], rec: TrialRecord) -> None:
    crit: list[str] = []
    tail: list[str] = []
    for line in lines:
        value = line.strip()
        if tail or _AGE.match(value) or value in ("ALL", "FEMALE", "MALE"):
            tail.append(value)
        else:
            crit.append(line)
    rec.eligibility_criteria = _text(crit)
    ages = [v for v in tail if _AGE.match(v)]
    if len(ages) == 2:
        rec.min_age_years, rec.max_age_years = kit.age_value(ages[0]), kit.age_value(ages[1])
    for value in tail:
        if value in ("ALL", "FEMALE", "MALE"):
            rec.sex = value
        elif value in ("Yes", "No", "YES", "NO", "True", "False"):
            rec.healthy_volunteers = nz.map_bool(value)


def _sponsors(lines: list[str], collab: list[str], rec: TrialRecord) -> None:
    def entries(rows: list[str]) -> list[tuple[str, str | None]]:
        out: list[tuple[str, str | None]] = []
        for row in rows:
            cls_ = nz.map_agency_class(row) if row.isupper() else None
            if cls_ and out and out[-1][1] is None:
                out[-1] = (out[-1][0], cls_)
            elif not cls_:
                out.append((row, None))
        return out

    for n, (name, cls_) in enumerate(entries(lines)):
        rec.sponsors.append(Sponsor(name=name, lead_or_collaborator="lead" if n == 0 else "collaborator",
                                    agency_class=cls_))
    for name, cls_ in entries(collab):
        rec.sponsors.append(Sponsor(name=name, lead_or_collaborator="collaborator", agency_class=cls_))
    if rec.sponsors and rec.sponsors[0].lead_or_collaborator == "lead":
        rec.lead_sponsor = rec.sponsors[0].name
        rec.lead_sponsor_class = rec.sponsors[0].agency_class


def _officials(lines: list[str], rec: TrialRecord) -> None:
    for k, line in enumerate(lines):
        if line.startswith("Role:") and k > 0:
            affiliation = lines[k + 1] if k + 1 < len(lines) and not lines[k + 1].startswith("Role:") else None
            rec.officials.append(Official(name=lines[k - 1], role=line.split(":", 1)[1].strip() or None,
                                          affiliation=affiliation))


def _locations(lines: list[str], rec: TrialRecord) -> None:
    k = 0
    while k + 1 < len(lines):
        facility, address = lines[k], lines[k + 1]
        status = None
        if re.fullmatch(r"[A-Z_]+", facility) and nz.map_status(facility):
            k += 1
            continue
        if "," in address:
            city, state, country = kit.split_site_address(address)
            if k + 2 < len(lines) and re.fullmatch(r"[A-Z_]+", lines[k + 2]) and nz.map_status(lines[k + 2]):
                status = lines[k + 2]
            rec.sites.append(Site(facility=facility, city=city, state=state, country=country, status=status))
            k += 2
        else:
            k += 1


def _identifiers(lines: list[str], rec: TrialRecord) -> None:
    current: Identifier | None = None
    for line in lines:
        if line.startswith("Identifier Type:"):
            continue
        if line.startswith("Identifier Source:"):
            if current is not None:
                current.id_type = line.split(":", 1)[1].strip() or current.id_type
            continue
        kit.add_identifier(rec, line, "secondary_id")
        current = rec.identifiers[-1] if rec.identifiers and rec.identifiers[-1].id_value == line else None
