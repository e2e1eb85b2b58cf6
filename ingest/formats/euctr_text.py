"""EU Clinical Trials Register full-text download (``EUCTR_fulltext_*.txt``).

The file holds one block per member-state record, each opening with ``Summary`` / ``EudraCT Number:`` and
going through the protocol sections ``A.`` … ``P.`` as ``<code> <label>: <value>`` lines; long values run on
over the following lines. Each block becomes one record with the EudraCT number as trial id; the member
state goes into an ``euctr_member_state`` identifier (``<EudraCT>-<CC>``) and a site with that country.
Translated fields (``(es)``, ``(pl)``…) are ignored. Phase comes from E.7.1–E.7.4, design from E.8.1.x,
enrollment from F.4.2.2 (F.4.1 for single-state trials). Ages stay unknown: F.1.x gives age bands (e.g.
"Adults (18-64 years)"), not the trial's limits. IMPs (D.3.1 product name, else D.3.8 INN) are interventions,
BIOLOGICAL when D.3.11.3 (ATIMP) or D.3.11.2 (biological origin) says Yes, else DRUG.
"""

from __future__ import annotations

import re

from ingest import normalize as nz
from ingest.base import Parser
from ingest.errors import ParseError
from ingest.formats.ctgov_xml import safe_date, section_criteria
from ingest.ids import find_ids
from ingest.model import Contact, Identifier, Intervention, Outcome, Site, Sponsor, TrialRecord

_FIELD = re.compile(
    r"^(?P<code>(?:[A-HNP]|D\.IMP)(?:\.[\d.]*)?)(?:[ \t]+(?P<label>[^\n]*?))?[ \t]*(?::[ \t]*(?P<value>.*))?$"
)
_FIELD_START = re.compile(r"^(?:[A-HNP]\.(?:\d[\d.]*)?|D\.IMP)(?=[ \t:])")
_SUMMARY_LABELS = (
    "EudraCT Number", "Sponsor's Protocol Code Number", "National Competent Authority", "Clinical Trial Type",
    "Trial Status", "Date on which this record was first entered in the EudraCT database", "Link",
)
_SUMMARY = re.compile(r"^(?P<label>" + "|".join(re.escape(x) for x in _SUMMARY_LABELS) + r"):[ \t]*(?P<value>.*)$")
_HEADING = re.compile(
    r"^[A-H]\. (?:Protocol Information|Sponsor Information|Applicant Identification|IMP Identification|"
    r"General Information on the Trial|Population of Trial Subjects|Investigator Networks|"
    r"Clinical Trial Sites?|Third Country)"
)
_TRANSLATION = re.compile(r"\s\([a-z]{2}\)$")
_EUDRACT = re.compile(r"\b((?:19|20)\d{2}-\d{6}-\d{2})\b")

_COUNTRY_CODES = {
    "Austria": "AT", "Belgium": "BE", "Bulgaria": "BG", "Croatia": "HR", "Cyprus": "CY", "Czechia": "CZ",
    "Czech Republic": "CZ", "Denmark": "DK", "Estonia": "EE", "Finland": "FI", "France": "FR", "Germany": "DE",
    "Greece": "GR", "Hungary": "HU", "Iceland": "IS", "Ireland": "IE", "Italy": "IT", "Latvia": "LV",
    "Liechtenstein": "LI", "Lithuania": "LT", "Luxembourg": "LU", "Malta": "MT", "Netherlands": "NL",
    "Norway": "NO", "Poland": "PL", "Portugal": "PT", "Romania": "RO", "Slovakia": "SK", "Slovenia": "SI",
    "Spain": "ES", "Sweden": "SE", "United Kingdom": "GB",
}


class _Block:
    """The fields of one member-state block, in order: (code, label, value)."""

    def __init__(self, lines: list[str]) -> None:
        self.fields: list[tuple[str, str, str]] = []
        for line in lines:
            line = line.rstrip()
            summary = _SUMMARY.match(line)
            field = _FIELD.match(line) if _FIELD_START.match(line) else None
            if field and re.fullmatch(r"[A-H]\.", field["code"]) and not _HEADING.match(line):
                field = None
            if summary:
                self.fields.append(("", summary["label"], summary["value"].strip()))
            elif field:
                self.fields.append((field["code"], (field["label"] or "").strip(), (field["value"] or "").strip()))
            elif re.fullmatch(r"Sponsor \d+", line.strip()):
                self.fields.append(("Sponsor", line.strip(), ""))
            elif self.fields and line.strip() and line.strip() != "MedDRA Classification":
                code, label, value = self.fields[-1]
                self.fields[-1] = (code, label, f"{value}\n{line}" if value else line)

    def values(self, code: str, label: str | None = None) -> list[str]:
        out = []
        for c, lab, value in self.fields:
            if c == code and not _TRANSLATION.search(lab) and (label is None or lab.lower().startswith(label.lower())):
                if (text := nz.clean_text(value)) is not None:
                    out.append(text)
        return out

    def get(self, code: str, label: str | None = None) -> str | None:
        found = self.values(code, label)
        return found[0] if found else None

    def flag(self, code: str, label: str | None = None) -> bool | None:
        return nz.map_bool(self.get(code, label))

    def groups(self, code: str) -> list[list[tuple[str, str, str]]]:
        """The fields after each ``code`` marker (``D.IMP`` or ``Sponsor``) up to the next marker or section."""
        out: list[list[tuple[str, str, str]]] = []
        current: list[tuple[str, str, str]] | None = None
        for field in self.fields:
            if field[0] == code:
                current = []
                out.append(current)
            elif current is not None:
                if re.fullmatch(r"[A-Z]\.", field[0]) or (code == "Sponsor" and field[0].startswith("B.4")):
                    current = None
                else:
                    current.append(field)
        return out


def _group_get(group: list[tuple[str, str, str]], code: str) -> str | None:
    for c, label, value in group:
        if c == code and not _TRANSLATION.search(label) and (text := nz.clean_text(value)):
            return text
    return None


def _phase(block: _Block) -> str | None:
    flags = [(block.flag("E.7.1"), "PHASE1"), (block.flag("E.7.2"), "PHASE2"),
             (block.flag("E.7.3"), "PHASE3"), (block.flag("E.7.4"), "PHASE4")]
    phases = [p for yes, p in flags if yes]
    return "/".join(phases) if phases else None


def _design(block: _Block, rec: TrialRecord) -> None:
    randomised = block.flag("E.8.1.1")
    parallel, crossover = block.flag("E.8.1.5"), block.flag("E.8.1.6")
    if randomised:
        rec.allocation = "RANDOMIZED"
    elif randomised is False and (parallel or crossover):
        rec.allocation = "NON_RANDOMIZED"
    masks = {level for code, level in (("E.8.1.2", "NONE"), ("E.8.1.3", "SINGLE"), ("E.8.1.4", "DOUBLE"))
             if block.flag(code)}
    rec.masking = masks.pop() if len(masks) == 1 else None
    models = {m for yes, m in ((parallel, "PARALLEL"), (crossover, "CROSSOVER")) if yes}
    rec.intervention_model = models.pop() if len(models) == 1 else None


def _interventions(block: _Block) -> list[Intervention]:
    out: list[Intervention] = []
    for group in block.groups("D.IMP"):
        product, inn = _group_get(group, "D.3.1"), _group_get(group, "D.3.8")
        code, other = _group_get(group, "D.3.2"), _group_get(group, "D.3.9.3")
        name = product or inn or code or other
        if not name:
            continue
        biological = nz.map_bool(_group_get(group, "D.3.11.3")) or nz.map_bool(_group_get(group, "D.3.11.2"))
        details = [f"{label}: {value}" for label, value in (
            ("Pharmaceutical form", _group_get(group, "D.3.4")),
            ("Routes of administration", _group_get(group, "D.3.7")),
            ("Role", _group_get(group, "D.1.2")),
        ) if value]
        existing = next((iv for iv in out if iv.name.lower() == name.lower()), None)
        if existing is not None:
            continue
        out.append(Intervention(
            name=name, intervention_type="BIOLOGICAL" if biological else "DRUG",
            description="\n".join(details) or None,
            other_names=list(dict.fromkeys(v for v in (inn, code, other) if v and v.lower() != name.lower())),
        ))
    return out


def block_to_record(block: _Block) -> TrialRecord | None:
    """One member-state block → a record (None when it shows no EudraCT number)."""
    number = block.get("", "EudraCT Number") or block.get("A.2")
    m = _EUDRACT.search(number or "")
    if not m:
        return None
    rec = TrialRecord(trial_id=m[1], registry="EudraCT")
    link = block.get("", "Link")
    rec.source_url = link
    authority = block.get("A.1") or block.get("", "National Competent Authority")
    country = authority.split(" - ", 1)[0].strip() if authority else None
    code = None
    if link and (cc := re.search(r"/trial/[\d-]+/([A-Z]{2,3})/?$", link)):
        code = cc[1]
    elif country in _COUNTRY_CODES:
        code = _COUNTRY_CODES[country]
    if code:
        rec.identifiers.append(Identifier(id_value=f"{rec.trial_id}-{code}", id_type="euctr_member_state",
                                          domain="EudraCT"))
    protocol = block.get("A.4.1") or block.get("", "Sponsor's Protocol Code Number")
    if protocol:
        rec.identifiers.append(Identifier(id_value=protocol, id_type="org_study_id"))
    for value in block.values("A.5.1") + block.values("A.5.2") + block.values("A.5.4"):
        for registry, found in find_ids(value):
            if found != rec.trial_id:
                rec.identifiers.append(Identifier(id_value=found, id_type="secondary_id", domain=registry))

    rec.official_title = block.get("A.3", "Full title")
    rec.brief_title = block.get("A.3.1")
    short = block.get("A.3.2")
    if short and len(short) <= 30 and re.fullmatch(r"[A-Z0-9][A-Z0-9 +/.-]*", short):
        rec.acronym = short
    elif short and rec.brief_title is None:
        rec.brief_title = short
    rec.overall_status = nz.map_status(block.get("", "Trial Status") or block.get("P.", "End of Trial Status"))
    rec.first_posted_date = safe_date(block.get("", "Date on which this record was first entered"))
    end = safe_date(block.get("P.", "Date of the global end of the trial"))
    if end:
        rec.completion_date, rec.completion_date_type = end, "ACTUAL"

    for i, group in enumerate(block.groups("Sponsor")):
        name = _group_get(group, "B.1.1")
        if not name:
            continue
        status = (_group_get(group, "B.3.1") or "").lower()
        agency = "INDUSTRY" if status == "commercial" else None
        rec.sponsors.append(Sponsor(name=name, lead_or_collaborator="lead" if i == 0 else "collaborator",
                                    agency_class=agency))
    if not rec.sponsors and (name := block.get("B.1.1")):
        rec.sponsors.append(Sponsor(name=name, lead_or_collaborator="lead"))
    if rec.sponsors and rec.sponsors[0].lead_or_collaborator == "lead":
        rec.lead_sponsor, rec.lead_sponsor_class = rec.sponsors[0].name, rec.sponsors[0].agency_class
    contact = block.get("B.5.2")
    if contact or block.get("B.5.6"):
        rec.contacts.append(Contact(role="CONTACT", name=contact, phone=block.get("B.5.4"),
                                    email=block.get("B.5.6")))

    condition = block.get("E.1.1", "Medical condition(s)") or block.get("E.1.1.1")
    rec.conditions = [condition] if condition else []
    rec.interventions = _interventions(block)
    rec.phase = _phase(block)
    rec.study_type = "INTERVENTIONAL"
    _design(block, rec)
    rec.has_dmc = block.flag("E.8.7")

    inclusion, exclusion = block.get("E.3"), block.get("E.4")
    sections = []
    if inclusion:
        sections.append(f"Inclusion Criteria:\n{inclusion}")
    if exclusion:
        sections.append(f"Exclusion Criteria:\n{exclusion}")
    rec.eligibility_criteria = "\n\n".join(sections) or None
    rec.criteria = (section_criteria(inclusion, "inclusion", rejoin=True) if inclusion else []) + (
        section_criteria(exclusion, "exclusion", rejoin=True) if exclusion else [])
    for code, timepoint, kind in (("E.5.1", "E.5.1.1", "primary"), ("E.5.2", "E.5.2.1", "secondary")):
        measure = block.get(code)
        if measure:
            rec.outcomes.append(Outcome(outcome_type=kind, measure=measure, time_frame=block.get(timepoint)))

    female, male = block.flag("F.2.1"), block.flag("F.2.2")
    rec.sex = "ALL" if female and male else "FEMALE" if female else "MALE" if male else None
    rec.healthy_volunteers = block.flag("F.3.1")
    whole = nz.parse_int(block.get("F.4.2.2"))
    if whole is None and block.flag("E.8.5") is False:
        whole = nz.parse_int(block.get("F.4.1"))
    rec.enrollment = whole
    rec.enrollment_type = "ESTIMATED" if whole is not None else None

    if country:
        rec.sites.append(Site(country=country))
        rec.countries.append(country)
    for region in block.values("E.8.6.3"):
        for name in region.split("\n"):
            name = name.strip()
            if name and name not in rec.countries:
                rec.countries.append(name)
    rec.truncated = not any(c == "P." for c, _, _ in block.fields)
    return rec


def _blocks(text: str) -> list[list[str]]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[list[str]] = []
    for line in lines:
        if line.strip() == "Summary":
            blocks.append([])
        elif blocks:
            blocks[-1].append(line)
    return blocks


class EuctrTextParser(Parser):
    """EU Clinical Trials Register full-text download, one record per member-state block."""

    name = "euctr_text"
    kind = "format"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        if text.find("EudraCT", 0, 20000) < 0 and text.find("This file contains full details", 0, 20000) < 0:
            return 0.0  # every rule below needs one of these in the first 20,000 characters
        head = text[:20000]
        if "This file contains full details on each clinical trial selected for download" in head:
            return 0.98
        if "EudraCT Number:" in head and "A.3 Full title of the trial" in head:
            return 0.9
        if "A.2 EudraCT number:" in head and re.search(r"^A\.2 EudraCT number:", head, re.M) \
                and re.search(r"^E\.\d", text[:200000], re.M):
            return 0.7
        return 0.0

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        blocks = _blocks(text)
        if not blocks and re.search(r"^A\.2 EudraCT number:", text, re.M):
            blocks = [text.split("\n")]
        records = [r for lines in blocks if (r := block_to_record(_Block(lines))) is not None]
        if not records:
            raise ParseError("no member-state block with an EudraCT number (expected 'Summary' / "
                             "'EudraCT Number: YYYY-NNNNNN-CC' blocks)")
        return records

    @classmethod
    def layout_of(cls, text: str) -> str | None:
        return "fulltext"
