"""crick.ai trial page (PAGE_LAYOUTS §1, §1b).

No title, status or phase. Order: unlabeled summary paragraph, description paragraph, design pairs
``Study Type``/``Allocation``/``Purpose``/``Masking``⏎API v2 enum, ``Enrollment``⏎integer (may be absent),
unlabeled arm/intervention description lines, sites (facility⏎``City, [State,] Country``), outcomes
(measure⏎[description⏎]``Time frame: …``; primary/secondary not stated, stored as ``other``). A site
status enum is glued to the start of the next line (``RECRUITING<next line>``); a platform disclaimer
line may sit inside the outcome list; measure/description lines may be duplicated. The id is in the URL only.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.model import Outcome, TrialRecord

_DESIGN = {"Study Type": "study_type", "Allocation": "allocation", "Purpose": "primary_purpose",
           "Masking": "masking", "Enrollment": "enrollment"}
_SITE_STATUS = re.compile(r"^(NOT_YET_RECRUITING|ACTIVE_NOT_RECRUITING|ENROLLING_BY_INVITATION|RECRUITING|"
                          r"COMPLETED|TERMINATED|WITHDRAWN|SUSPENDED|UNKNOWN)(?=\S|$)")
_DISCLAIMER = re.compile(r"(?i)crick|medical advice|informational purposes|not a substitute|disclaimer")


class CrickPage(Parser):
    """crick.ai trial page."""

    name = "crick"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        score = 0.0
        if re.search(r"^Study Type[^\S\n]*\n\s*(INTERVENTIONAL|OBSERVATIONAL|EXPANDED_ACCESS)\s*$", text, re.M):
            score += 0.35
        if re.search(r"^Purpose\s*$", text, re.M):
            score += 0.2
        if re.search(r"^Time frame:", text, re.M):
            score += 0.25
        if re.search(r"^Masking[^\S\n]*\n\s*(NONE|SINGLE|DOUBLE|TRIPLE|QUADRUPLE)\s*$", text, re.M):
            score += 0.1
        if kx.host_in(text, path, ("crick.ai",)):
            score += 0.3
        return min(score, 1.0)

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        rows = page.nonblank()
        design_at = [k for k, (_, line) in enumerate(rows) if line in _DESIGN]
        if not design_at:
            intro = rows
            tail: list[tuple[int, str]] = []
        else:
            intro = rows[: design_at[0]]
            k = design_at[0]
            while k < len(rows) and rows[k][1] in _DESIGN:
                label = rows[k][1]
                if k + 1 < len(rows) and rows[k + 1][1] not in _DESIGN and page.trusted(rows[k + 1][0]):
                    if label == "Masking":
                        rec.masking, rec.who_masked = kit.masking_value(rows[k + 1][1])
                    else:
                        kit.set_field(rec, _DESIGN[label], rows[k + 1][1])
                    k += 2
                else:
                    k += 1
            tail = rows[k:]
        paragraphs = [line for _, line in intro]
        if paragraphs:
            rec.brief_summary = paragraphs[0]
        if len(paragraphs) > 1:
            rec.detailed_description = "\n".join(paragraphs[1:])
        _tail(rec, page, tail)
        return kx.finish(rec, cls.name)


def _tail(rec: TrialRecord, page: kit.PageText, rows: list[tuple[int, str]]) -> None:
    """Sites and outcomes after the design pairs (arm description lines carry no label: skipped).

    An outcome is measure⏎[description⏎]``Time frame:``; a run of more than two lines before a time frame
    cannot be split into arm lines and measure, so that outcome is left out.
    """
    lines: list[tuple[int, str]] = []
    for i, line in rows:
        m = _SITE_STATUS.match(line)
        if m:
            rest = line[m.end():].strip()
            if rest:
                lines.append((i, rest))
            continue
        if _DISCLAIMER.search(line):
            continue
        if lines and lines[-1][1] == line:
            continue
        lines.append((i, line))
    first_outcome = next((k for k, (_, x) in enumerate(lines) if x.lower().startswith("time frame:")), len(lines))
    places = [k for k in range(1, len(lines)) if kx.site_place(lines[k][1]) and page.trusted(lines[k][0])]
    for k in places:
        if k <= first_outcome and k - 1 not in places:
            rec.sites.append(kx.site(lines[k - 1][1], lines[k][1]))
    start = (places[-1] + 1) if places else 0
    pending: list[str] = []
    for i, line in lines[start:]:
        if line.lower().startswith("time frame:"):
            if 0 < len(pending) <= 2 and page.trusted(i):
                measure = pending[0]
                desc = "\n".join(x for x in pending[1:] if x != measure) or None
                rec.outcomes.append(Outcome(outcome_type="other", measure=measure,
                                            time_frame=line.split(":", 1)[1].strip() or None, description=desc))
            pending = []
        else:
            pending.append(line)
