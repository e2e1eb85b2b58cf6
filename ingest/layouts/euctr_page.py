"""EU Clinical Trials Register web pages: results view and protocol view (PAGE_LAYOUTS §1).

About 1,600 bytes of site boilerplate precede the record, so a capped capture keeps only ~400 bytes of it.
Results view: indented ``Label``⏎value: ``EudraCT number``, ``Clinical Trial Results:`` (the official
title), ``Summary``, ``Trial protocol`` (country codes), ``Global end of trial date`` (completion),
``Results information``, ``Results version number``.
Protocol view: ``Label:value`` with no space: ``EudraCT Number:``, ``Sponsor's Protocol Code Number:`` (an
org id, not a sponsor), ``National Competent Authority:``, ``Clinical Trial Type:`` (``EEA CTA``: not a study
type), ``Trial Status:`` (``Ongoing`` has no API v2 equivalent → NULL), ``Date on which this record was first
entered in the EudraCT database:`` (first posted). URL ``/trial/<eudract>/<results or CC>``.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import TrialRecord

_SPEC = {
    "eudract": ["EudraCT number", "EudraCT Number:"], "results_title": ["Clinical Trial Results:"],
    "summary": ["Summary"], "protocol": ["Trial protocol"], "end": ["Global end of trial date"],
    "results_info": ["Results information"], "version": ["Results version number"],
    "code": ["Sponsor's Protocol Code Number:"], "authority": ["National Competent Authority:"],
    "ct_type": ["Clinical Trial Type:"], "status": ["Trial Status:"],
    "entered": ["Date on which this record was first entered in the EudraCT database:"],
    "full_title": ["Full title of the trial:"], "lay_title": ["Title of the trial for lay people, in easily "
                                                               "understood, i.e. non-technical, language:"],
    "index": ["Index"], "protocol_head": ["A. PROTOCOL"], "sponsor": ["Name of Sponsor:"],
}
_EUDRACT = re.compile(r"((?:19|20)\d{2}-\d{6}-\d{2})")


class EuCtrPage(Parser):
    """EU Clinical Trials Register web page."""

    name = "euctr_page"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if re.search(r"EudraCT [Nn]umber", text):
            score += 0.45
        if re.search(r"^[^\S\n]*Trial protocol\s*$", text, re.M) or "Sponsor's Protocol Code Number:" in text:
            score += 0.35
        if "Global end of trial date" in text or "Clinical Trial Results:" in text or "A. PROTOCOL" in text:
            score += 0.15
        if kx.host_in(text, path, ("clinicaltrialsregister.eu",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, "", page, id_from_page=False)
        rec.source_url = kit.url_of(text, path)
        b = kx.Blocks(page, _SPEC)
        where = " ".join(x for x in (rec.source_url or "", path or "") if x)
        in_url = re.search(r"/trial/((?:19|20)\d{2}-\d{6}-\d{2})(?:/([A-Z]{2}|results))?", where)
        m = _EUDRACT.search(b.scalar("eudract") or "")
        trial_id = m.group(1) if m else (in_url.group(1) if in_url else None)
        if trial_id:
            rec.trial_id, rec.registry = trial_id, "EudraCT"
        if in_url and in_url.group(1) == trial_id and in_url.group(2) and in_url.group(2) != "results":
            kx.add_identifier(rec, f"EUCTR{trial_id}-{in_url.group(2)}", "euctr_country")
        title = b.text("results_title")
        rec.official_title = title.replace("\n", " ") if title else None
        if rec.official_title is None:
            rec.official_title = b.scalar("full_title")
        rec.brief_title = b.scalar("lay_title")
        rec.brief_summary = b.text("summary")
        kit.set_field(rec, "completion_date", b.scalar("end"))
        kx.add_identifier(rec, b.scalar("code"), "org_study_id")
        status = b.scalar("status")
        rec.overall_status = kx.strict_status(status)
        kit.set_field(rec, "first_posted_date", b.scalar("entered"))
        kx.add_sponsor(rec, b.scalar("sponsor"), "lead")
        return kx.finish(rec, cls.name)
