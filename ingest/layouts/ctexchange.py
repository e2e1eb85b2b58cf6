"""ClinicalTrialExchange trial page (PAGE_LAYOUTS §1, §1b).

``Label:``⏎value: ``Overview`` (title on the next line), ``Status:``, ``Trial end date:`` (ISO),
``Target enrollment:`` (``0`` is a placeholder → NULL), ``Participant gender:``, ``Summary`` (no colon),
``Phase:``, ``Accepts Healthy Volunteers?``, ``Details``, ``Lead Sponsor:``, ``Collaborator(s):``,
``Treatments:`` (MeSH terms, not the product), ``Criteria``. The id is only in the URL's last segment.
Variants: the non-www page doubles every value and glues the next label onto the previous text
(``…textPhase:``, ``NoDetails``, ``Inclusion Criteria:1.``); short pages lack ``Overview``. Original
CT.gov text is hard-wrapped; ``ó`` may show as ``Ă³``.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import MeshTerm, TrialRecord

_LABELS = ["Status:", "Trial end date:", "Target enrollment:", "Participant gender:", "Phase:",
           "Accepts Healthy Volunteers?", "Lead Sponsor:", "Collaborators:", "Collaborator:", "Treatments:"]
_HEADINGS = ["Overview", "Summary", "Details", "Criteria"]
_SPEC = {
    "overview": ["Overview"], "status": ["Status:"], "end": ["Trial end date:"],
    "enroll": ["Target enrollment:"], "sex": ["Participant gender:"], "summary": ["Summary"],
    "phase": ["Phase:"], "hv": ["Accepts Healthy Volunteers?"], "details": ["Details"],
    "lead": ["Lead Sponsor:"], "collab": ["Collaborators:", "Collaborator:"], "treatments": ["Treatments:"],
    "criteria": ["Criteria"],
}
_GLUED = re.compile("(" + "|".join(re.escape(x) for x in _LABELS + _HEADINGS) + r")\s*$")


def _fix_mojibake(text: str) -> str:
    """``Ă`` + a Latin-1 continuation character is a UTF-8 letter read as cp1250 (``Ă³`` → ``ó``)."""
    def repl(m: re.Match[str]) -> str:
        try:
            return bytes([0xC3, ord(m.group(1))]).decode("utf-8")
        except UnicodeDecodeError:
            return m.group(0)
    return re.sub("Ă([\u0080-\u00bf])", repl, text)


def _unglue(text: str) -> str:
    """Split labels glued to the end of the previous text and values glued after criteria headings."""
    out: list[str] = []
    for line in text.split("\n"):
        line = re.sub(r"((?:Inclusion|Exclusion) Criteria:)(?=\S)", r"\1\n", line)
        for part in line.split("\n"):
            m = _GLUED.search(part)
            if m and m.start() > 0 and part[: m.start()].strip():
                out.extend([part[: m.start()].rstrip(), m.group(1)])
            else:
                out.append(part)
    return "\n".join(out)


def _undouble(value: str | None) -> str | None:
    """A value printed twice in a row (``RecruitingRecruiting``) → once."""
    if not value:
        return value
    n = len(value)
    if n % 2 == 0 and n >= 2 and value[: n // 2] == value[n // 2:]:
        return value[: n // 2]
    return value


class ClinicalTrialExchangePage(Parser):
    """ClinicalTrialExchange trial page (www, glued non-www, short and description-only variants)."""

    name = "ctexchange"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.3 * kit.signals(text, ("Trial end date:", "Target enrollment:", "Participant gender:"))
        if "Accepts Healthy Volunteers?" in text:
            score += 0.1
        if kx.host_in(text, path, ("clinicaltrialexchange", "clinicaltrialsexchange")):
            score += 0.4
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(_unglue(_fix_mojibake(text)), capped=kit.is_capped(text))
        page.lines = kit.dedupe_consecutive(page.lines)
        nonblank = [i for i, line in enumerate(page.lines) if line.strip()]
        page.last_index = nonblank[-1] if nonblank else -1
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        title_lines = b.items("overview")
        if title_lines:
            rec.brief_title = _undouble(title_lines[0])
        else:
            first = page.nonblank()
            if first and b.match(first[0][1]) is None and page.trusted(first[0][0]):
                rec.brief_title = _undouble(first[0][1])
        one = lambda key: _undouble(b.scalar(key))  # noqa: E731
        kit.set_field(rec, "overall_status", one("status"))
        if kit.set_field(rec, "completion_date", one("end")):
            rec.completion_date_type = None
        enroll = one("enroll")
        if enroll and enroll.strip() != "0":
            kit.set_field(rec, "enrollment", enroll)
        kit.set_field(rec, "sex", one("sex"))
        kit.set_field(rec, "phase", one("phase"))
        kit.set_field(rec, "healthy_volunteers", one("hv"))
        rec.brief_summary = _text(b.items("summary", trusted_only=False))
        rec.detailed_description = _text(b.items("details", trusted_only=False))
        leads = [_undouble(x) for x in b.items("lead")]
        if leads:
            kx.add_sponsor(rec, leads[0], "lead")
        for name in b.items("collab"):
            kx.add_sponsor(rec, _undouble(name), "collaborator")
        for term in b.items("treatments"):
            rec.mesh_terms.append(MeshTerm(kind="intervention", term=_undouble(term)))
        rec.eligibility_criteria = _text(b.items("criteria", trusted_only=False))
        return kx.finish(rec, cls.name)


def _text(lines: list[str]) -> str | None:
    joined = kit.join_wrapped(kit.dedupe_consecutive(lines))
    return "\n".join(joined).strip() or None
