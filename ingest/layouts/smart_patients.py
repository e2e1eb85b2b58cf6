"""Smart Patients trial page (PAGE_LAYOUTS §1).

``Label value`` on one line, no colon, values lower-cased: ``Trial identifier NCT…, <org id>``,
``Conditions``/``Condition``, ``Treatment(s)``, ``Phase``, ``Sponsor``, ``Start date``, ``End date``
(``Month YYYY``), ``Trial size`` (``N participants``), ``Allocation``, ``Endpoint classification``,
``Intervention model``, ``Masking`` (legacy ``double blind (subject, caregiver, …)``: the role count wins),
``Primary purpose``, ``Observational model``, ``Time perspective``, ``Primary Outcomes``/``Secondary Outcomes``
(measure⏎``time frame: …``), ``Eligibility Criteria`` (flattened, `` - `` items), ``Official title``.
The status and the ages/sexes exist only inside sentences (line 1; the eligibility sentence).
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Intervention, Outcome, TrialRecord

_SPEC = {
    "tid": ["Trial identifier"], "conditions": ["Conditions", "Condition"], "treatment": ["Treatments", "Treatment"],
    "phase": ["Phase"], "sponsor": ["Sponsor"], "start": ["Start date"], "end": ["End date"],
    "size": ["Trial size"], "design": ["Study Design"], "allocation": ["Allocation"],
    "endpoint": ["Endpoint classification"], "model": ["Intervention model"], "masking": ["Masking"],
    "purpose": ["Primary purpose"], "obs_model": ["Observational model"], "time": ["Time perspective"],
    "primary": ["Primary Outcomes"], "secondary": ["Secondary Outcomes"], "criteria": ["Eligibility Criteria"],
    "additional": ["Additional Information"], "official": ["Official title"],
}
_STATUS_WORDS = ("not yet recruiting", "active, not recruiting", "enrolling by invitation", "completed", "terminated",
                 "withdrawn", "suspended", "unknown status", "recruiting")


class SmartPatientsPage(Parser):
    """Smart Patients trial page."""

    name = "smart_patients"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if re.search(r"^Trial identifier\s+\S", text, re.M):
            score += 0.45
        if re.search(r"^Trial size\s+\d", text, re.M):
            score += 0.35
        if re.search(r"^Endpoint classification\s", text, re.M):
            score += 0.1
        if kx.host_in(text, path, ("smartpatients",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC, space=True)
        tid = b.scalar("tid")
        if tid and "," in tid:
            kx.add_identifier(rec, tid.split(",", 1)[1].strip(), "org_study_id")
        rows = page.nonblank()
        if rows and b.match(rows[0][1]) is None and page.trusted(rows[0][0]):
            low = rows[0][1].lower()
            low = re.sub(r"\b(?:no longer|not)\s+recruiting\b", " ", low) if "not yet" not in low else low
            word = next((w for w in _STATUS_WORDS if re.search(r"\b" + re.escape(w) + r"\b", low)), None)
            rec.overall_status = kx.strict_status(word)
        conditions = b.scalar("conditions")
        if conditions:
            rec.conditions = [conditions]  # comma-joined, but MeSH terms hold commas: kept unsplit
        for name in b.items("treatment"):
            typed = kit.type_prefixed(name)
            rec.interventions.append(Intervention(name=typed[1], intervention_type=typed[0]) if typed
                                     else Intervention(name=name))
        kit.set_field(rec, "phase", b.scalar("phase"))
        kx.add_sponsor(rec, b.scalar("sponsor"), "lead")
        kit.set_field(rec, "start_date", b.scalar("start"))
        kit.set_field(rec, "completion_date", b.scalar("end"))
        kit.set_field(rec, "enrollment", b.scalar("size"))
        kit.set_field(rec, "allocation", b.scalar("allocation"))
        kit.set_field(rec, "intervention_model", b.scalar("model"))
        kit.set_field(rec, "masking", b.scalar("masking"))
        kit.set_field(rec, "primary_purpose", b.scalar("purpose"))
        if b.has("obs_model") or b.has("time"):
            rec.study_type = "OBSERVATIONAL"
        elif b.has("model") or b.has("allocation"):
            rec.study_type = "INTERVENTIONAL"
        rec.outcomes = _outcomes(b.items("primary"), "primary") + _outcomes(b.items("secondary"), "secondary")
        criteria = b.items("criteria", trusted_only=False)
        sentence = next((x for i, x in rows if page.trusted(i) and re.search(
            r"\bfrom\s+\d+(?:\.\d+)?\s*(?:years?|months?|weeks?|days?)\b.*\bup to\b", x, re.I)), None)
        if sentence:
            _ages_sex(rec, sentence)
            criteria = [x for x in criteria if x != sentence]
        if criteria:
            rec.eligibility_criteria = kx.unflatten_criteria("\n".join(criteria)) if len(criteria) == 1 else (
                "\n".join(criteria))
        rec.official_title = b.scalar("official")
        return kx.finish(rec, cls.name)


def _outcomes(lines: list[str], kind: str) -> list[Outcome]:
    out: list[Outcome] = []
    for line in lines:
        if line.lower().startswith("time frame:") and out and out[-1].time_frame is None:
            out[-1].time_frame = line.split(":", 1)[1].strip() or None
        elif not line.lower().startswith("time frame:"):
            out.append(Outcome(outcome_type=kind, measure=line))
    return out


def _ages_sex(rec: TrialRecord, sentence: str) -> None:
    """``… male or female … from N years up to M years old`` → ages and sex."""
    m = re.search(r"from\s+\d.*?up to\s+\d+(?:\.\d+)?\s*\w+", sentence, re.I)
    if m:
        kit.set_field(rec, "ages", m.group(0))
    low = sentence.lower()
    has_f = re.search(r"\b(female|women|girls)\b", low) is not None
    has_m = re.search(r"\b(male|men|boys)\b", low) is not None
    if has_f and has_m:
        rec.sex = "ALL"
    elif has_f:
        rec.sex = "FEMALE"
    elif has_m:
        rec.sex = "MALE"
