"""ClinicalTrials.Veeva trial pages (full and label-only captures).

Full: fixed order title → one-letter avatar (or ``<Sponsor> logo``) → sponsor → ``Status and phase``⏎status⏎
phase lines (descending) → ``Conditions`` → ``Treatments`` → ``Study type`` → ``Funder types`` →
``Identifiers``⏎NCT⏎org id → ``About`` → ``Full description`` → ``Enrollment``/``Sex``/``Ages``/``Volunteers`` →
``Inclusion criteria``/``Exclusion criteria`` → ``Trial design`` → ``N participants in K patient groups`` and one
block per arm (label, ``<Type> group``, ``Description:``, ``Treatment:``) → contacts. Every label sits alone on
its line with the value on the following lines.
Label-only: the same labels with NO values; only the ``About``/``Full description`` paragraphs, the
participants line and sometimes the central contact carry data (never take the next label as a value).
"""

from __future__ import annotations

import re

from ingest import normalize as nz
from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.model import Arm, Contact, Intervention, Sponsor, TrialRecord

LABELS = (
    "Status and phase", "Conditions", "Treatments", "Study type", "Funder types", "Identifiers",
    "Details and patient eligibility", "About", "Full description", "Enrollment", "Sex", "Ages", "Volunteers",
    "Inclusion criteria", "Exclusion criteria", "Trial design", "Primary purpose", "Allocation",
    "Interventional model", "Masking", "Trial contacts and locations", "Central trial contact", "Loading...",
    "Data sourced from clinicaltrials.gov", "Clinical trials", "Research sites", "Resources", "Legal",
    "Sponsor", "Sponsors", "Location", "Locations", "Trial documents", "Documents",
)
_LABEL_KEYS = {kit.label_key(x) for x in LABELS}
_PARTICIPANTS = re.compile(r"^(\d[\d,]*)\s+participants?\s+in\s+(\d+)\s+patient\s+groups?", re.I)


def _is_label(line: str) -> bool:
    return kit.label_key(line) in _LABEL_KEYS or bool(_PARTICIPANTS.match(line.strip()))


class Veeva(Parser):
    """ClinicalTrials.Veeva, full and label-only."""

    name = "veeva"
    kind = "page"
    priority = 5

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        head = text[:200000]
        if not re.search(r"^Status and phase\s*$", head, re.M):
            return 0.0
        score = 0.45
        if "ClinicalTrials.Veeva" in head:
            score += 0.3
        if re.search(r"^Funder types\s*$", head, re.M):
            score += 0.2
        if re.search(r"^Interventional model\s*$", head, re.M):
            score += 0.1
        if re.search(r"participants? in \d+ patient groups?", head):
            score += 0.1
        return min(score, 0.97)

    @classmethod
    def layout_of(cls, text: str) -> str | None:
        return "full" if re.search(r"^Funder types\s*$", text, re.M) else "label_only"

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        page = kit.PageText(text)
        rec = kit.new_record(text, path, page)
        blocks = _blocks(page)

        def values(label: str) -> list[str]:
            return blocks.get(kit.label_key(label), [])

        _title_and_sponsor(page, rec)
        status_phase = values("Status and phase")
        if status_phase:
            rec.overall_status = kit.status_value(status_phase[0])
            phases = status_phase[1:] if rec.overall_status or not kit.phase_value(status_phase[0]) else status_phase
            rec.phase = kit.phase_value(phases) if phases else None
        rec.conditions.extend(values("Conditions"))
        for line in values("Treatments"):
            typed = kit.type_prefixed(line)
            name = typed[1] if typed else line
            if name and not any(iv.name == name for iv in rec.interventions):
                rec.interventions.append(Intervention(name=name, intervention_type=typed[0] if typed else None))
        study_type = values("Study type")
        if study_type:
            rec.study_type = nz.map_study_type(study_type[0])
        funders = values("Funder types")
        if len(funders) == 1:
            rec.lead_sponsor_class = nz.map_agency_class(funders[0])
            if rec.sponsors:
                rec.sponsors[0].agency_class = rec.lead_sponsor_class
        ids = values("Identifiers")
        for value in ids:
            if value != rec.trial_id and not kit.find_ids(value):
                kit.add_identifier(rec, value, "org_study_id")
            elif rec.trial_id is None and kit.find_ids(value):
                rec.trial_id = kit.find_ids(value)[0][1]
        rec.brief_summary = _text(page, "About")
        rec.detailed_description = _text(page, "Full description")
        enrollment = values("Enrollment")
        if enrollment:
            rec.enrollment, rec.enrollment_type = kit.enrollment_value(enrollment[0])
        if values("Sex"):
            rec.sex = nz.map_sex(values("Sex")[0])
        if values("Ages"):
            rec.min_age_years, rec.max_age_years = kit.ages_value(values("Ages")[0])
        if values("Volunteers"):
            rec.healthy_volunteers = kit.healthy_value(values("Volunteers")[0])
        rec.eligibility_criteria = _criteria(page)
        for label, setter in (("Primary purpose", nz.map_purpose), ("Allocation", nz.map_allocation),
                              ("Interventional model", nz.map_intervention_model)):
            got = values(label)
            if got:
                field = {"Primary purpose": "primary_purpose", "Allocation": "allocation",
                         "Interventional model": "intervention_model"}[label]
                setattr(rec, field, setter(got[0]))
        if values("Masking"):
            rec.masking, rec.who_masked = kit.masking_value(values("Masking")[0])
        _arms(page, rec)
        contact = values("Central trial contact")
        if contact:
            rec.contacts.append(Contact(role="CENTRAL_CONTACT", name=contact[0]))
        return kit.finish_record(rec, page, cls.name)


def _blocks(page: kit.PageText) -> dict[str, list[str]]:
    """Each label's value lines (non-empty lines up to the next label); untrusted last line dropped."""
    out: dict[str, list[str]] = {}
    current: str | None = None
    for i, line in page.nonblank():
        if _is_label(line):
            current = kit.label_key(line) if kit.label_key(line) in _LABEL_KEYS else None
            if current is not None:
                out.setdefault(current, [])
            continue
        if current is not None and page.trusted(i):
            out[current].append(line)
    return out


def _text(page: kit.PageText, label: str) -> str | None:
    """A paragraph block (line breaks kept) following ``label`` up to the next label."""
    hit = page.find(label, alone=True)
    if hit is None:
        return None
    end = len(page)
    for i in range(hit + 1, len(page)):
        if page.line(i) and _is_label(page.line(i)):
            end = i
            break
    return page.block_text(hit + 1, end)


def _title_and_sponsor(page: kit.PageText, rec: TrialRecord) -> None:
    rows = page.nonblank()
    first_label = next((k for k, (_, line) in enumerate(rows) if _is_label(line)), len(rows))
    head = [(i, line) for i, line in rows[:first_label]
            if line not in ("ClinicalTrials.Veeva", "Menu") and page.trusted(i)]
    sponsor = None
    for k, (_, line) in enumerate(head):
        if re.fullmatch(r"\S", line) and k + 1 < len(head):
            sponsor = head[k + 1][1]
            break
        if line.endswith(" logo") and len(line) > 5:
            sponsor = line[: -len(" logo")].strip()
            break
    titles = [line for _, line in head if line != sponsor and not re.fullmatch(r"\S", line)
              and not line.endswith(" logo")]
    if titles:
        rec.brief_title = titles[0]
    if sponsor:
        rec.lead_sponsor = sponsor
        rec.sponsors.append(Sponsor(name=sponsor, lead_or_collaborator="lead"))


def _criteria(page: kit.PageText) -> str | None:
    """The text from ``Inclusion criteria`` to ``Trial design`` (headers kept); label-only pages give None."""
    start = page.find(["Inclusion criteria", "Exclusion criteria"], alone=True)
    if start is None:
        return None
    end = page.find(["Trial design", "Primary purpose", "Trial contacts and locations"], start + 1, alone=True)
    text = page.block_text(start, end if end is not None else len(page))
    if text is None:
        return None
    content = [line for line in text.splitlines() if line.strip() and not _is_label(line)]
    return text if content else None


def _arms(page: kit.PageText, rec: TrialRecord) -> None:
    hit = next((i for i, line in page.nonblank() if _PARTICIPANTS.match(line)), None)
    if hit is None:
        return
    m = _PARTICIPANTS.match(page.line(hit))
    if rec.enrollment is None and m:
        rec.enrollment = nz.parse_int(m.group(1))
    end = page.find(["Trial contacts and locations", "Central trial contact", "Loading..."], hit + 1, alone=True)
    rows = [(i, line) for i, line in page.nonblank(hit + 1, end) if page.trusted(i)]
    group_at = [k for k, (_, line) in enumerate(rows) if re.fullmatch(r".+ group", line) and k > 0
                and nz.map_arm_type(line[: -len(" group")]) is not None]
    for n, k in enumerate(group_at):
        label = rows[k - 1][1]
        arm = Arm(label=label, arm_type=nz.map_arm_type(rows[k][1][: -len(" group")]))
        rec.arms.append(arm)
        stop = group_at[n + 1] - 1 if n + 1 < len(group_at) else len(rows)
        mode = None
        for _, line in rows[k + 1: stop]:
            if line == "Description:":
                mode = "description"
            elif line == "Treatment:" or line == "Treatments:":
                mode = "treatment"
            elif mode == "description":
                arm.description = line if arm.description is None else arm.description + "\n" + line
            elif mode == "treatment":
                typed = kit.type_prefixed(line)
                name = typed[1] if typed else line
                iv = next((x for x in rec.interventions if x.name == name), None)
                if iv is None:
                    iv = Intervention(name=name, intervention_type=typed[0] if typed else None)
                    rec.interventions.append(iv)
                if name not in arm.intervention_names:
                    arm.intervention_names.append(name)
                if label not in iv.arm_labels:
                    iv.arm_labels.append(label)
