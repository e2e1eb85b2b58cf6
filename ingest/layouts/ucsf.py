"""UCSF clinical trials page (PAGE_LAYOUTS §1, §1b one-off labelled pages).

``Summary`` paragraph, an unlabeled age line and location line, ``study started`` and ``estimated
completion:`` (both seen empty), ``Description``, ``Official Title``, ``Details``, ``Keywords``,
``Eligibility`` with ``You can join if…`` (inclusion) and ``You CAN'T join if...`` (exclusion) lists.
Title on the first line; id in the URL or in the text.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import TrialRecord

_SPEC = {
    "summary": ["Summary"], "started": ["study started"], "completion": ["estimated completion:"],
    "description": ["Description"], "official": ["Official Title"], "details": ["Details"],
    "keywords": ["Keywords"], "eligibility": ["Eligibility"], "include": ["You can join if…", "You can join if..."],
    "exclude": ["You CAN'T join if...", "You can't join if…", "You CAN'T join if…", "You can't join if..."],
    "locations": ["Locations"], "lead": ["Lead Scientist", "Lead Scientists"], "sponsor": ["Sponsor"],
}


class UcsfPage(Parser):
    """UCSF clinical trials page."""

    name = "ucsf"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if re.search(r"You can join if", text):
            score += 0.6
        if re.search(r"^study started", text, re.M | re.I) or "estimated completion:" in text:
            score += 0.2
        if kx.host_in(text, path, ("clinicaltrials.ucsf.edu", "ucsf.edu")):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        rec.brief_title = kx.title_line(page, b)
        summary = b.items("summary", trusted_only=False)
        if summary:
            rec.brief_summary = summary[0]
            for line in summary[1:3]:
                if re.search(r"\d+\s*(?:years?|months?)|\d+\+", line, re.I) and kx.set_ages(rec, line):
                    break
        kit.set_field(rec, "start_date", b.scalar("started"))
        if kit.set_field(rec, "completion_date", b.scalar("completion")):
            rec.completion_date_type = "ESTIMATED"
        rec.detailed_description = b.text("description")
        rec.official_title = b.text("official")
        rec.keywords = b.items("keywords")
        include = b.items("include", trusted_only=False)
        exclude = b.items("exclude", trusted_only=False)
        if include or exclude:
            rec.eligibility_criteria = kx.criteria_text(include, exclude)
            rec.criteria = kx.criteria_from_lists(include, exclude)
        return kx.finish(rec, cls.name)
