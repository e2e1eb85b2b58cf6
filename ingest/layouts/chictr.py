"""ChiCTR (Chinese Clinical Trial Registry) trial page (PAGE_LAYOUTS §1, §1b).

Bilingual: Chinese label⏎English label⏎value, or Chinese label⏎Chinese value⏎English label⏎English value.
English labels are preferred; a value is the first following line that is neither a CJK-only line nor a
known label. Labels can wrap over two lines. ``注册号:``/``Registration number:``, ``Date of Last Refreshed
on:`` (ChiCTR is the registry, so this is the record's last update), ``Date of Registration:``,
``Registration Status:`` (prospective/retrospective registration, NOT recruitment status),
``Public title:``, ``English Acronym:``, ``Scientific title:``, ``Study subject ID:``, ``The registration
number of the Partner Registry or other register:``. The first line is the Chinese title; URL ``proj=`` is
internal. Dates ``YYYY-MM-DD hh:mm:ss``.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import TrialRecord

_LABELS = {
    "Registration number:": "reg", "Date of Last Refreshed on:": "refreshed", "Date of Registration:": "registered",
    "Registration Status:": "reg_status", "Public title:": "public", "English Acronym:": "acronym",
    "Scientific title:": "scientific", "Scientific title acronym:": "sci_acronym",
    "Study subject ID:": "subject_id",
    "The registration number of the Partner Registry or other register:": "partner",
    "Applicant:": "applicant", "Study leader:": "leader", "Applicant telephone:": "phone",
    "Study leader's telephone:": "phone", "Applicant Fax:": "fax", "Applicant E-mail:": "email",
    "Study type:": "study_type", "Study phase:": "phase", "Target disease:": "condition",
    "Recruiting status:": "status", "Primary sponsor:": "sponsor",
}
_KEYS = {kit.label_key(k): v for k, v in _LABELS.items()}
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _is_cjk_only(line: str) -> bool:
    """True when the line has CJK characters and no Latin letters (a Chinese label or value)."""
    return bool(_CJK.search(line)) and not re.search(r"[A-Za-z0-9]", _CJK.sub("", line))


def _merge_wrapped_labels(lines: list[str]) -> list[str]:
    """Join a label wrapped over two lines back into one line."""
    out: list[str] = []
    k = 0
    while k < len(lines):
        line = lines[k].strip()
        if k + 1 < len(lines) and kit.label_key(line) not in _KEYS:
            joined = f"{line} {lines[k + 1].strip()}"
            if kit.label_key(joined) in _KEYS:
                out.append(joined)
                k += 2
                continue
        out.append(line)
        k += 1
    return out


class ChiCtrPage(Parser):
    """ChiCTR trial page."""

    name = "chictr"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if "注册号" in text:
            score += 0.45
        if re.search(r"^[^\S\n]*Registration number:", text, re.M):
            score += 0.3
        if "Date of Last Refreshed on:" in text or re.search(r"ChiCTR\d{10}", text):
            score += 0.2
        if kx.host_in(text, path, ("chictr.org",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        capped = kit.is_capped(text)
        page = kit.PageText("\n".join(_merge_wrapped_labels(text.split("\n"))), capped=capped)
        rec = kx.new_record(text, "", page, id_from_page=False)
        rec.source_url = kit.url_of(text, path)
        values: dict[str, str] = {}
        rows = page.nonblank()
        for k, (_, line) in enumerate(rows):
            key = kit.label_key(line)
            field = _KEYS.get(key)
            if field is None:
                rest = next(((f, line[len(lab):].strip()) for lab, f in _LABELS.items()
                             if line.startswith(lab) and line[len(lab):].strip()), None)
                if rest and rest[0] not in values:
                    values[rest[0]] = rest[1]
                continue
            for j, nxt in rows[k + 1:]:
                if kit.label_key(nxt) in _KEYS:
                    break
                if _is_cjk_only(nxt) or nxt.endswith(("：", ":")):
                    continue
                if page.trusted(j) and field not in values:
                    values[field] = nxt.strip()
                break
        reg = values.get("reg", "")
        rec.trial_id = kx.first_id(reg, "ChiCTR")
        if rec.trial_id is None:
            ids = {v for r, v in kit.find_ids(page.text) if r == "ChiCTR"}
            rec.trial_id = ids.pop() if len(ids) == 1 else None
        kit.set_field(rec, "last_update_date", values.get("refreshed"))
        kit.set_field(rec, "first_posted_date", values.get("registered"))
        rec.brief_title = values.get("public")
        rec.official_title = values.get("scientific")
        acronym = values.get("acronym")
        rec.acronym = acronym if acronym and acronym.lower() not in ("nil", "none", "n/a") else None
        kx.add_identifier(rec, values.get("subject_id"), "org_study_id")
        partner = values.get("partner")
        if partner:
            kx.add_identifier(rec, partner, "secondary_id")
        kit.set_field(rec, "study_type", values.get("study_type"))
        kit.set_field(rec, "phase", values.get("phase"))
        if values.get("condition"):
            rec.conditions = [values["condition"]]
        kx.add_sponsor(rec, values.get("sponsor"), "lead")
        return kx.finish(rec, cls.name)
