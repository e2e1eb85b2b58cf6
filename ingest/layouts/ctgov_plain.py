"""ClinicalTrials.gov classic site, plain-text render (``/ct2/show/NCT…`` saved as text) and its results view.

Labels and values share a line (``Recruitment Status : Completed``, ``Ages Eligible for Study:␣␣18 Years…``);
``Brief Summary:``/``Detailed Description:`` are followed by paragraphs; the arms table is a pipe-less
``Arm Intervention/treatment`` block of ``Experimental: label`` / ``Drug: name`` / ``Other Name:`` lines;
outcomes are numbered ``measure [ Time Frame: … ]`` items under ``Primary Outcome Measures :``; the
criteria follow ``Criteria``; sites follow ``Locations`` as country⏎facility⏎``City, State, Country``.
The results view prints ``Study Type Interventional``, ``Study Design Allocation: …;␣␣Masking: …``,
``Conditions <first>`` then one per line, ``Enrollment 24`` and ``Arm/Group Title`` rows.
"""

from __future__ import annotations

import re

from ingest import normalize as nz
from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.model import Arm, Intervention, Outcome, Site, Sponsor, TrialRecord

NOISE = (
    "the classic website", "working", "clinicaltrials.gov", "clinicaltrials.gov menu", "trial record",
    "previous study", "go to", "hide glossary", "glossary", "the safety and scientific validity", "text size",
    "home", "search for studies", "find studies",
)
SECTION_STOPS = (
    "Condition or disease Intervention/treatment Phase", "Detailed Description:", "Brief Summary:",
    "Layout table for study information", "Study Design", "Arms and Interventions", "Arm Intervention/treatment",
    "Outcome Measures", "Primary Outcome Measures :", "Secondary Outcome Measures :", "Other Outcome Measures :",
    "Eligibility Criteria", "Layout table for eligibility information", "Contacts and Locations",
    "Information from the National Library of Medicine", "Locations", "Sponsors and Collaborators",
    "Investigators", "More Information", "Publications of Results:", "Publications:",
    "Layout table for additonal information", "Layout table for additional information",
)


def _is_stop(line: str) -> bool:
    key = kit.label_key(line)
    return any(key == kit.label_key(s) for s in SECTION_STOPS) or key.startswith("layout table for")


class CtgovPlain(Parser):
    """CT.gov classic plain render (and results view)."""

    name = "ctgov_plain"
    kind = "page"
    priority = 5

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        head = text[:200000]
        if "ClinicalTrials.gov Identifier:" not in head and "Arm/Group Title" not in head:
            return 0.0
        if re.search(r"^Study Type : \|", head, re.M) or "Condition or disease | Intervention/treatment" in head:
            return 0.2  # the pipe render
        score = 0.3 if "ClinicalTrials.gov Identifier:" in head else 0.1
        for signal in ("Layout table for", "Brief Summary:", "Recruitment Status :", "Ages Eligible for Study:",
                       "Study Type :", "Study Design Allocation:", "Arm/Group Title",
                       "Condition or disease Intervention/treatment Phase"):
            if signal in head:
                score += 0.12
        return min(score, 0.95)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        page = kit.PageText(text)
        rec = kit.new_record(text, path, page)
        _header_fields(page, rec)
        _design(page, rec)
        _arms(page, rec)
        _outcomes(page, rec)
        _eligibility(page, rec)
        _sites_and_sponsors(page, rec)
        _results_view(page, rec)
        return kit.finish_record(rec, page, cls.name)


def _paragraph_after(page: kit.PageText, label: str) -> str | None:
    """The text after ``label`` (same line and following lines) up to the next section heading."""
    hit = page.find(label)
    if hit is None:
        return None
    first = page.line(hit)
    rest = first[first.find(":") + 1:].strip() if ":" in first else ""
    out = [rest] if rest else []
    for i in range(hit + 1, len(page)):
        line = page.lines[i].rstrip()
        if line.strip() and _is_stop(line.strip()):
            break
        out.append(line.strip())
    return nz.clean_text("\n".join(out))


def _header_fields(page: kit.PageText, rec: TrialRecord) -> None:
    for i, line in page.nonblank():
        key = kit.label_key(line)
        if key.startswith("clinicaltrials.gov identifier") or key.startswith("the safety and scientific"):
            break
        if any(key.startswith(n) for n in NOISE) or not page.trusted(i):
            continue
        rec.brief_title = line
        break
    status = page.value_after("Recruitment Status", stop=["First Posted"])
    if status:
        rec.overall_status = kit.status_value(status)
        j = page.find("Recruitment Status")
        nxt = page.next_nonblank(j) if j is not None else None
        if rec.overall_status in ("WITHDRAWN", "TERMINATED", "SUSPENDED") and nxt is not None:
            m = re.fullmatch(r"\((.+)\)", page.line(nxt))
            if m and page.trusted(nxt):
                rec.why_stopped = m.group(1).strip()
    for label, field in (("First Posted", "first_posted_date"), ("Results First Posted", "results_first_posted_date"),
                         ("Last Update Posted", "last_update_date"), ("Last Verified", "verified_date")):
        raw = page.value_after(label, next_line=False)
        if raw:
            raw = re.split(r"\s{2,}|Key Record Dates", raw)[0]
            kit.set_field(rec, field, raw)
    rp = page.value_after("Information provided by (Responsible Party)")
    if rp:
        rec.responsible_party = rp
    rec.brief_summary = _paragraph_after(page, "Brief Summary")
    rec.detailed_description = _paragraph_after(page, "Detailed Description")
    row = page.value_after("Condition or disease Intervention/treatment Phase", same_line=False)
    if row:
        _condition_row(row, rec)


_PHASE_TAIL = re.compile(r"\s*((?:(?:Early\s+)?Phase\s+[1-4]\s*)+|Not Applicable)\s*$", re.I)
_TYPE_WORDS = r"(?:Biological|Drug|Device|Procedure|Behavioral|Genetic|Dietary Supplement|Combination Product|" \
              r"Diagnostic Test|Radiation|Other):"


def _condition_row(row: str, rec: TrialRecord) -> None:
    """``<conditions> <Type: name>… <Phase 1 Phase 2>`` (space-joined cells) → conditions, interventions, phase."""
    m = _PHASE_TAIL.search(row)
    if m:
        rec.phase = kit.phase_value(m.group(1))
        row = row[: m.start()]
    first = re.search(_TYPE_WORDS, row)
    cond = (row[: first.start()] if first else row).strip()
    if cond:
        rec.conditions.append(cond)
    if first:
        pieces = re.split(r"\s(?=" + _TYPE_WORDS + ")", row[first.start():])
        for piece in pieces:
            typed = kit.type_prefixed(piece)
            if typed and typed[1] and not any(iv.name == typed[1] for iv in rec.interventions):
                rec.interventions.append(Intervention(name=typed[1], intervention_type=typed[0]))


def _design(page: kit.PageText, rec: TrialRecord) -> None:
    kit.set_field(rec, "study_type", page.value_after("Study Type", next_line=False))
    for label in ("Actual Enrollment", "Estimated Enrollment", "Anticipated Enrollment", "Enrollment"):
        raw = page.value_after(label, next_line=False)
        if raw:
            count, _ = kit.enrollment_value(raw)
            if count is not None:
                rec.enrollment = count
                rec.enrollment_type = kit.label_date_type(label)
            break
    kit.set_field(rec, "allocation", page.value_after("Allocation", next_line=False))
    kit.set_field(rec, "intervention_model", page.value_after("Intervention Model", next_line=False))
    kit.set_field(rec, "masking", page.value_after("Masking", next_line=False))
    kit.set_field(rec, "primary_purpose", page.value_after("Primary Purpose", next_line=False))
    kit.set_field(rec, "official_title", page.value_after("Official Title", next_line=False))
    kit.set_field(rec, "acronym", page.value_after("Acronym", next_line=False))
    for stem, field in (("Study Start Date", "start_date"), ("Primary Completion Date", "primary_completion_date"),
                        ("Study Completion Date", "completion_date")):
        for prefix in ("Actual ", "Estimated ", "Anticipated ", ""):
            raw = page.value_after(prefix + stem, next_line=False)
            if raw:
                value, kind = kit.date_value(raw)
                setattr(rec, field, value)
                if value is not None:
                    setattr(rec, field + "_type", kit.label_date_type(prefix) or kind)
                break


def _arms(page: kit.PageText, rec: TrialRecord) -> None:
    bounds = page.section(["Arm Intervention/treatment", "Arm | Intervention/treatment"],
                          ["Outcome Measures", "Primary Outcome Measures", "Secondary Outcome Measures",
                           "Eligibility Criteria", "Information from the National Library of Medicine",
                           "Layout table for eligibility information", "Criteria"])
    if not bounds:
        return
    arm: Arm | None = None
    iv: Intervention | None = None
    for i, line in page.nonblank(*bounds):
        if not page.trusted(i):
            break
        line = line.strip(" |")
        armed = kit.arm_prefixed(line)
        typed = kit.type_prefixed(line)
        if armed is not None:
            arm = Arm(label=armed[1], arm_type=armed[0])
            rec.arms.append(arm)
            iv = None
        elif typed is not None and typed[1]:
            iv = next((x for x in rec.interventions if x.name == typed[1]), None)
            if iv is None:
                iv = Intervention(name=typed[1], intervention_type=typed[0])
                rec.interventions.append(iv)
            elif iv.intervention_type is None:
                iv.intervention_type = typed[0]
            if arm is not None:
                if iv.name not in arm.intervention_names:
                    arm.intervention_names.append(iv.name)
                if arm.label not in iv.arm_labels:
                    iv.arm_labels.append(arm.label)
        elif line.lower().startswith("other name:") and iv is not None:
            other = line.split(":", 1)[1].strip()
            if other and other not in iv.other_names:
                iv.other_names.append(other)
        elif iv is not None:
            if iv.description is None or line not in iv.description:
                if iv.description is None:
                    iv.description = line
                elif not _arm_described_once(rec, iv):
                    iv.description += "\n" + line
        elif arm is not None:
            arm.description = line if arm.description is None else arm.description + "\n" + line


def _arm_described_once(rec: TrialRecord, iv: Intervention) -> bool:
    """An intervention listed under several arms repeats its description: keep the first copy only."""
    return len(iv.arm_labels) > 1


def _outcomes(page: kit.PageText, rec: TrialRecord) -> None:
    for label, kind in (("Primary Outcome Measures", "primary"), ("Secondary Outcome Measures", "secondary"),
                        ("Other Outcome Measures", "other")):
        hit = page.find(label)
        if hit is None:
            continue
        current: Outcome | None = None
        for i in range(hit + 1, len(page)):
            raw = page.lines[i]
            line = raw.strip()
            if not line:
                continue
            if _is_stop(line) or re.match(r"^(Primary|Secondary|Other) Outcome Measures", line):
                break
            m = re.match(r"^\d{1,3}\.\s+(.*)$", line)
            if m:
                measure, frame = _measure_frame(m.group(1))
                current = Outcome(outcome_type=kind, measure=measure, time_frame=frame)
                rec.outcomes.append(current)
            elif current is not None and raw.startswith(" "):
                current.description = line if current.description is None else current.description + "\n" + line
            else:
                break


def _measure_frame(text: str) -> tuple[str | None, str | None]:
    """``measure [ Time Frame: … ]`` → (measure, time frame)."""
    m = re.search(r"\[\s*Time\s*Frame\s*:\s*(.*?)\s*\]?\s*$", text, re.I)
    if not m:
        return nz.clean_text(text), None
    return nz.clean_text(text[: m.start()]), nz.clean_text(m.group(1).rstrip("] "))


def _eligibility(page: kit.PageText, rec: TrialRecord) -> None:
    ages = page.value_after("Ages Eligible for Study", next_line=False)
    if ages:
        rec.min_age_years, rec.max_age_years = kit.ages_value(ages)
    kit.set_field(rec, "sex", page.value_after("Sexes Eligible for Study", next_line=False)
                  or page.value_after("Sexes Eligible for Study", same_line=False, stop=["Accepts Healthy Volunteers"]))
    kit.set_field(rec, "healthy_volunteers", page.value_after("Accepts Healthy Volunteers", next_line=False))
    hit = page.find("Criteria", page.find("Layout table for eligibility information") or 0, alone=True)
    if hit is None:
        return
    end = len(page)
    for i in range(hit + 1, len(page)):
        line = page.line(i)
        if line and (_is_stop(line) or line.startswith(("Contacts and Locations", "Please refer to this study"))):
            end = i
            break
    rec.eligibility_criteria = page.block_text(hit + 1, end)


def _sites_and_sponsors(page: kit.PageText, rec: TrialRecord) -> None:
    bounds = page.section("Locations", ["Sponsors and Collaborators", "Investigators", "More Information"])
    if bounds:
        rows = [(i, line) for i, line in page.nonblank(*bounds)
                if page.trusted(i) and not kit.label_key(line).startswith("layout table for")]
        k = 0
        while k < len(rows):
            line = rows[k][1]
            nxt = rows[k + 1][1] if k + 1 < len(rows) else None
            if "," not in line and nxt is not None and "," in nxt and not re.match(r"^(Contact|Principal)", line):
                city, state, country = kit.split_site_address(nxt)
                rec.sites.append(Site(facility=line, city=city, state=state, country=country))
                if country and country not in rec.countries:
                    rec.countries.append(country)
                k += 2
            else:
                k += 1
    bounds = page.section("Sponsors and Collaborators", ["Investigators", "More Information", "Publications:",
                                                         "Publications of Results:", "Layout table for additonal "
                                                         "information", "Responsible Party:"])
    if bounds:
        names = [line for i, line in page.nonblank(*bounds)
                 if page.trusted(i) and not kit.label_key(line).startswith("layout table")
                 and not line.startswith(("Responsible Party:", "Principal Investigator:"))]
        for n, name in enumerate(names):
            rec.sponsors.append(Sponsor(name=name, lead_or_collaborator="lead" if n == 0 else "collaborator"))
        if names:
            rec.lead_sponsor = names[0]
    rp = page.value_after("Responsible Party", next_line=False)
    if rp and rec.responsible_party is None:
        rec.responsible_party = rp
    other = page.value_after("Other Study ID Numbers", next_line=False)
    if other:
        kit.add_identifier(rec, other, "org_study_id")
    hit = next((i for i, line in page.nonblank() if line.startswith("Keywords provided by")), None)
    if hit is not None:
        for i, line in page.nonblank(hit + 1):
            if not page.trusted(i) or line.endswith(":") or kit.label_key(line).startswith("layout table"):
                break
            rec.keywords.append(line)


def _results_view(page: kit.PageText, rec: TrialRecord) -> None:
    """Fields only the results view prints (``Study Type Interventional``, ``Study Design Allocation: …``)."""
    for i, line in page.nonblank():
        if not page.trusted(i):
            break
        if rec.study_type is None and line.startswith("Study Type "):
            rec.study_type = nz.map_study_type(line[len("Study Type "):])
        elif line.startswith("Study Design ") and "Allocation:" in line:
            kit.apply_design(rec, kit.design_parts(line[len("Study Design "):]))
        elif rec.enrollment is None and re.fullmatch(r"Enrollment\s+\d[\d,]*", line):
            rec.enrollment = nz.parse_int(line.split()[-1])
        elif not rec.conditions and line.startswith("Conditions ") and len(line) > 11:
            rec.conditions.append(line[len("Conditions "):].strip())
            for j, nxt in page.nonblank(i + 1):
                if not page.trusted(j) or nxt.startswith(_RESULTS_LABELS) or ":" in nxt:
                    break
                rec.conditions.append(nxt)


_RESULTS_LABELS = ("Interventions", "Intervention", "Enrollment", "Study Type", "Study Design", "Arm/Group",
                   "Outcome", "Eligibility", "Recruitment", "Participant Flow", "Baseline", "Sponsor",
                   "Study Completion", "Primary Completion", "Phase", "Overall Number", "Keywords")
