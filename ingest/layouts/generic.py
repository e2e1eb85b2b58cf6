"""Fallback for saved trial pages of unknown layout: reads labelled fields through the shared label lexicon.

Per line it tries a pipe row ``label : | value |``, ``label: value`` (also ``label:value``), ``label␣␣value``,
and a label alone on its line whose value is on the following non-empty line(s) (several lines for lists and
paragraphs, up to the next known label). Values are validated by shape through ``ingest.normalize``; what does
not map stays None. Detection is deliberately weak (0.31) so every family parser wins over it.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.errors import ParseError
from ingest.layouts import _kit as kit
from ingest.model import Intervention, Sponsor, TrialRecord

#: Fields whose value may span several lines.
BLOCK_FIELDS = {"conditions", "interventions", "eligibility_criteria", "brief_summary", "detailed_description",
                "keywords", "other_ids", "collaborators"}
_MAX_LABEL = max(len(k) for k in kit.LEXICON)
_SAME_LINE = re.compile(r"^(.{2," + str(_MAX_LABEL + 2) + r"}?)\s*(?::\s*\|?|\|)\s*(.*?)\s*\|?\s*$")
_CRIT_HEAD = re.compile(r"^\W*(?:key\s+)?(?:inclusion|exclusion)\s+criteria\b", re.I)
_SPACED = re.compile(r"^(.{2," + str(_MAX_LABEL + 2) + r"}?)\s{2,}(\S.*)$")


def _label_of(line: str) -> tuple[str, str, str] | None:
    """(lexicon key, field, value on the same line or '') for a labelled line, else None."""
    plain = line.strip().replace("**", "")
    plain = re.sub(r"^(?:[-*•·]\s+|#+\s*)", "", plain).strip()
    if not plain:
        return None
    key = kit.label_key(plain)
    if key in kit.LEXICON:
        return key, kit.LEXICON[key], ""
    m = _SAME_LINE.match(plain)
    if m and kit.label_key(m.group(1)) in kit.LEXICON:
        key = kit.label_key(m.group(1))
        return key, kit.LEXICON[key], m.group(2)
    m = _SPACED.match(plain)
    if m and kit.label_key(m.group(1)) in kit.LEXICON:
        key = kit.label_key(m.group(1))
        return key, kit.LEXICON[key], m.group(2)
    return None


class Generic(Parser):
    """Unknown layouts: lexicon-driven ``Label: value`` / ``Label``⏎value reader."""

    name = "generic"
    kind = "page"
    priority = -10

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        fields: set[str] = set()
        for line in text[:200000].splitlines()[:3000]:
            if len(line) > 300:
                continue
            hit = _label_of(line)
            if hit:
                fields.add(hit[1])
                if len(fields) >= 2:
                    return 0.31
        return 0.0

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        page = kit.PageText(text)
        rec = kit.new_record(text, path, page)
        lines = page.lines
        labelled = [(i, _label_of(lines[i])) for i in range(len(lines)) if len(lines[i]) <= 300]
        labelled = [(i, hit) for i, hit in labelled if hit]
        label_rows = {i for i, _ in labelled}
        found = 0
        for n, (i, (key, field, same)) in enumerate(labelled):
            next_label = labelled[n + 1][0] if n + 1 < len(labelled) else len(lines)
            if not page.trusted(i):
                continue
            if field in BLOCK_FIELDS:
                body = [same] if same else []
                for j in range(i + 1, next_label):
                    if field != "eligibility_criteria" and _CRIT_HEAD.match(lines[j]):
                        break
                    if page.trusted(j):
                        body.append(lines[j].rstrip())
                block = "\n".join(body).strip()
                if block:
                    found += _apply_block(rec, field, block)
                continue
            value = same
            if not value:
                j = page.next_nonblank(i, next_label)
                if j is None or j in label_rows or not page.trusted(j):
                    continue
                value = lines[j].strip()
            if field == "trial_id":
                continue
            if key.startswith(("actual ", "estimated ", "anticipated ")) and field == "enrollment":
                count, _ = kit.enrollment_value(value)
                if count is not None and rec.enrollment is None:
                    rec.enrollment, rec.enrollment_type = count, kit.label_date_type(key)
                    found += 1
                continue
            if field.endswith("_date"):
                kind = kit.label_date_type(key)
                if kit.set_field(rec, field, value):
                    found += 1
                    if kind and hasattr(rec, field + "_type"):
                        setattr(rec, field + "_type", kind)
                continue
            if field == "lead_sponsor":
                if rec.lead_sponsor is None and value:
                    rec.lead_sponsor = value
                    rec.sponsors.append(Sponsor(name=value, lead_or_collaborator="lead"))
                    found += 1
                continue
            if kit.set_field(rec, field, value):
                found += 1
        if rec.eligibility_criteria is None:
            found += criteria_anywhere(page, rec)
        if not found:
            raise ParseError("generic: no trial fields found (no known label carried a readable value)")
        return kit.finish_record(rec, page, cls.name)


def _apply_block(rec: TrialRecord, field: str, block: str) -> int:
    rows = [kit.strip_bullet(x) for x in block.splitlines() if x.strip()]
    rows = [r for r in rows if r]
    if field == "conditions" and not rec.conditions:
        rec.conditions.extend(rows)
        return int(bool(rows))
    if field == "keywords" and not rec.keywords:
        rec.keywords.extend(rows)
        return 0
    if field == "interventions" and not rec.interventions:
        for row in rows:
            typed = kit.type_prefixed(row)
            if typed and typed[1]:
                rec.interventions.append(Intervention(name=typed[1], intervention_type=typed[0]))
            elif len(row) <= 120 and not row.endswith("."):
                rec.interventions.append(Intervention(name=row))
        return int(bool(rec.interventions))
    if field == "other_ids":
        for row in rows:
            kit.add_identifier(rec, row, "secondary_id")
        return 0
    if field == "collaborators":
        for row in rows:
            if row.lower() not in ("(none)", "none", "n/a"):
                rec.sponsors.append(Sponsor(name=row, lead_or_collaborator="collaborator"))
        return 0
    if field in ("eligibility_criteria", "brief_summary", "detailed_description"):
        return int(kit.set_field(rec, field, block))
    return 0


def criteria_anywhere(page: kit.PageText, rec: TrialRecord) -> int:
    """Criteria introduced by an ``Inclusion Criteria`` header that no lexicon label announced, up to the next
    label that is not about eligibility (split into items later, like a registry's criteria text)."""
    start = next((i for i, line in page.nonblank()
                  if re.match(r"^\W*(?:key\s+)?inclusion\s+criteria\b", line, re.I)), None)
    if start is None:
        return 0
    end = len(page)
    for i, line in page.nonblank(start + 1):
        hit = _label_of(line)
        if hit and hit[1] not in ("eligibility_criteria",) and not re.match(r"^\W*exclusion", line, re.I):
            end = i
            break
    rec.eligibility_criteria = page.block_text(start, end)
    return int(rec.eligibility_criteria is not None)
