"""ClinicalTrials.gov classic site, pipe render (``/ct2/show/…`` saved with table cells as ``|``).

Header: title, ``![]() |``, a disclaimer ending `` |``, ``ClinicalTrials.gov Identifier: NCT… |``,
``Recruitment Status :``⏎value (same line when Unknown), ``First Posted : date``; five nav bullets; unlabeled
summary paragraphs; then ``---|---|---|`` tables: ``Condition or disease | Intervention/treatment | Phase |``
with ONE space-joined data row, design rows ``Label : | value |``, the arms table ``Arm | Intervention/treatment |``
(cells ``Experimental: label`` / ``Biological: name`` / ``Other Name:``, each cell ending `` |``) and outcomes as
``- measure [ Time Frame: … ]`` whose Primary/Secondary headings are lost (stored as ``other``).
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.layouts import _kit as kit
from ingest.layouts import ctgov_plain as plain
from ingest.model import Arm, Intervention, Outcome, TrialRecord

_NAV = ("- Study Details", "- Tabular View", "- No Results Posted", "- Study Results", "- Disclaimer",
        "- How to Read a Study Record")


def _unpipe(text: str) -> str:
    """Turn ``Label : | value |`` rows into ``Label : value`` and drop table rules, lone pipes and image stubs."""
    out = []
    for line in kit.normalize_page(text).split("\n"):
        stripped = line.strip()
        if re.fullmatch(r"[-|: ]*\|[-|: ]*", stripped) or stripped.startswith("![]("):
            out.append("")
            continue
        m = re.match(r"^(.{2,80}?\s?:)\s*\|\s*(.*?)\s*\|?\s*$", stripped)
        if m and "|" not in m.group(1):
            out.append(f"{m.group(1)} {m.group(2)}")
            continue
        out.append(re.sub(r"\s*\|\s*$", "", line))
    return "\n".join(out)


class CtgovPipe(Parser):
    """CT.gov classic pipe render."""

    name = "ctgov_pipe"
    kind = "page"
    priority = 5

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        head = text[:200000]
        if "ClinicalTrials.gov Identifier:" not in head:
            return 0.0
        score = 0.35
        if re.search(r"Study Type\s*:\s*\|", head):
            score += 0.3
        if "Condition or disease | Intervention/treatment | Phase" in head:
            score += 0.3
        if "Arm | Intervention/treatment" in head or "---|---" in head:
            score += 0.15
        return min(score, 0.97) if score > 0.35 else 0.25

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        raw_page = kit.PageText(text)
        page = kit.PageText(_unpipe(text), capped=raw_page.truncated)
        rec = kit.new_record(text, path, raw_page)
        plain._header_fields(page, rec)
        rec.brief_summary = rec.brief_summary or _summary(page)
        _condition_row(raw_page, rec)
        plain._design(page, rec)
        _arms(raw_page, rec)
        _outcomes(page, rec)
        plain._eligibility(page, rec)
        plain._sites_and_sponsors(page, rec)
        return kit.finish_record(rec, page, cls.name)


def _summary(page: kit.PageText) -> str | None:
    """The unlabeled paragraph(s) between the nav bullets and the first table."""
    last_nav = None
    for i, line in page.nonblank():
        if line in _NAV:
            last_nav = i
    if last_nav is None:
        return None
    out = []
    for i, line in page.nonblank(last_nav + 1):
        if plain._is_stop(line) or line.startswith(("Condition or disease", "Study Type", "Inclusion Criteria")):
            break
        if not page.trusted(i):
            break
        out.append(line)
    return "\n\n".join(out) or None


def _cells(line: str) -> list[str]:
    parts = re.split(r"(?<!\\)\|", line)
    return [p.strip() for p in parts]


def _condition_row(page: kit.PageText, rec: TrialRecord) -> None:
    hit = next((i for i, line in page.nonblank() if line.startswith("Condition or disease |")), None)
    if hit is None:
        return
    for i, line in page.nonblank(hit + 1):
        if re.fullmatch(r"[-|: ]+", line):
            continue
        if not page.trusted(i):
            return
        cells = [c for c in _cells(line) if c]
        if len(cells) < 2:
            return
        plain._condition_row(" ".join(cells), rec)
        if rec.conditions and len(cells) >= 2 and not kit.type_prefixed(cells[0]):
            rec.conditions[-1] = cells[0]
        return


def _arms(page: kit.PageText, rec: TrialRecord) -> None:
    hit = next((i for i, line in page.nonblank() if line.startswith("Arm | Intervention/treatment")), None)
    if hit is None:
        return
    buffer: list[str] = []
    cells: list[str] = []
    for i, line in page.nonblank(hit + 1):
        if re.fullmatch(r"[-|: ]+", line):
            continue
        if not page.trusted(i) or line.startswith(("Outcome Measures", "Primary Outcome", "- ")) or (
                plain._is_stop(line) and "|" not in line):
            break
        pieces = _cells(line)
        for n, piece in enumerate(pieces):
            if piece:
                buffer.append(piece)
            if n < len(pieces) - 1:
                cells.append("\n".join(buffer))
                buffer = []
    for k in range(0, len(cells) - 1, 2):
        arm_cell, iv_cell = cells[k], cells[k + 1]
        lines = arm_cell.split("\n")
        armed = kit.arm_prefixed(lines[0]) if lines else None
        if armed is None:
            continue
        arm = Arm(label=armed[1], arm_type=armed[0], description="\n".join(lines[1:]) or None)
        rec.arms.append(arm)
        iv: Intervention | None = None
        for piece in iv_cell.split("\n"):
            typed = kit.type_prefixed(piece)
            if typed and typed[1]:
                iv = next((x for x in rec.interventions if x.name == typed[1]), None)
                if iv is None:
                    iv = Intervention(name=typed[1], intervention_type=typed[0])
                    rec.interventions.append(iv)
                arm.intervention_names.append(iv.name)
                iv.arm_labels.append(arm.label)
            elif piece.lower().startswith("other name:") and iv is not None:
                iv.other_names.append(piece.split(":", 1)[1].strip())
            elif iv is not None and piece and iv.description is None:
                iv.description = piece


def _outcomes(page: kit.PageText, rec: TrialRecord) -> None:
    for i, line in page.nonblank():
        if not page.trusted(i):
            break
        m = re.match(r"^-\s+(.+\[\s*Time Frame:.*)$", line)
        if m:
            measure, frame = plain._measure_frame(m.group(1))
            rec.outcomes.append(Outcome(outcome_type="other", measure=measure, time_frame=frame))
