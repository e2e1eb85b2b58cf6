"""Hard-negative pages with other id schemes: cancer.gov (NCI) trial pages and Children's Health pages.

``Trial Status: <lower case>`` (``complete`` → COMPLETED; ``active`` and ``closed to accrual`` have no API v2
equivalent → NULL), ``Summary``, ``Participant Eligibility`` (numbered criteria run together on one line),
``Study ID:`` (a local IRB id such as ``STU 012345-678``: identifiers only). The NCI id ``NCI-YYYY-NNNNN``
is only in the URL and is stored as an identifier; the trial id stays NULL (the build assigns a ``DOC-``
id) unless the page shows a real registry id.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import TrialRecord

_SPEC = {
    "status": ["Trial Status:"], "summary": ["Summary"], "eligibility": ["Participant Eligibility"],
    "study_id": ["Study ID:"], "phase": ["Trial Phase:", "Phase:"], "description": ["Description"],
    "sponsor": ["Lead Organization:", "Sponsor:"], "ages": ["Age:"], "sex": ["Gender:", "Sex:"],
}
_NCI = re.compile(r"NCI-\d{4}-\d{5}")


class NciPage(Parser):
    """cancer.gov and Children's Health trial pages."""

    name = "nci_pages"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if re.search(r"^[^\S\n]*Trial Status:\s*[a-z]", text, re.M):
            score += 0.6
        if "Participant Eligibility" in text:
            score += 0.2
        if re.search(r"^[^\S\n]*Study ID:\s*STU\s?\d", text, re.M):
            score += 0.3
        if kx.host_in(text, path, ("cancer.gov", "childrens.com", "childrenshealth")):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        where = " ".join(x for x in (path or "", kit.url_of(text, path) or "", text) if x)
        nci = _NCI.search(where)
        if nci:
            kx.add_identifier(rec, nci.group(0), "nci_id")
        b = kx.Blocks(page, _SPEC)
        rec.brief_title = kx.title_line(page, b)
        rec.overall_status = kx.strict_status(b.scalar("status"))
        rec.brief_summary = b.text("summary")
        rec.detailed_description = b.text("description")
        criteria = b.items("eligibility", trusted_only=False)
        if criteria:
            rec.eligibility_criteria = kx.unflatten_criteria("\n".join(criteria)) if len(criteria) == 1 else (
                "\n".join(criteria))
        kx.add_identifier(rec, b.scalar("study_id"), "irb")
        kit.set_field(rec, "phase", b.scalar("phase"))
        kx.add_sponsor(rec, b.scalar("sponsor"), "lead")
        kx.set_ages(rec, b.scalar("ages"))
        kit.set_field(rec, "sex", b.scalar("sex"))
        return kx.finish(rec, cls.name)
