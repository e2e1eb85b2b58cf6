"""Extra page helpers for the non-seed layout families (labelled blocks, criteria lists, sites, record finish).

Complements :mod:`ingest.layouts._kit`: a label-block reader for pages whose labels sit alone on a
line (``Label``⏎value…) or start a line (``Label: value``, ``Label value``), strict status mapping for
page vocabularies that have no API v2 equivalent, criteria built from separate inclusion/exclusion
lists, ``City, State, Country`` site lines, URL-host detection and the common end of every parse.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ingest import normalize as nz
from ingest.errors import ParseError
from ingest.ids import find_ids, registry_of
from ingest.layouts._kit import PageText, find_page_id, label_key, strip_bullet, url_of
from ingest.model import Criterion, Identifier, Outcome, Site, Sponsor, TrialRecord

#: Page status words that have no exact API v2 equivalent (kept raw in the page, mapped to NULL).
AMBIGUOUS_STATUS = frozenset({"active", "ongoing", "not recruiting", "closed to accrual", "open", "closed"})


def strict_status(value: str | None) -> str | None:
    """API v2 status, but NULL for ambiguous page words (``active``, ``Ongoing``, ``Not recruiting`` …).

    >>> strict_status("Active, not recruiting"), strict_status("Ongoing"), strict_status("complete")
    ('ACTIVE_NOT_RECRUITING', None, 'COMPLETED')
    >>> strict_status("Currently Recruiting"), strict_status("Withdrawn (no funding)")
    ('RECRUITING', 'WITHDRAWN')
    """
    if not value:
        return None
    text = re.sub(r"\s*\(.*$", "", value.strip()).strip(" .")
    low = re.sub(r"\s+", " ", text.lower())
    if low in AMBIGUOUS_STATUS:
        return None
    low = re.sub(r"^currently\s+", "", low)
    low = {"complete": "completed", "unknown status": "unknown"}.get(low, low)
    return nz.map_status(low)


@dataclass(slots=True)
class Block:
    """One labelled block: the label line, a same-line value (if any) and the following value lines."""

    key: str
    index: int
    inline: str | None
    lines: list[tuple[int, str]] = field(default_factory=list)


class Blocks:
    """Labelled blocks of a page: ``spec`` maps a field key to the label spellings that open it.

    A line opens a block when it is one of the labels alone (``Label``, ``Label:``, ``Label :``), or, with
    ``inline``, starts with a label followed by ``:``/``?``/2+ spaces, or, with ``space``, by one space.
    A block's value lines run to the next line that opens a block or is in ``stops``.
    """

    def __init__(self, page: PageText, spec: dict[str, Sequence[str]], *, inline: bool = True,
                 space: bool = False, stops: Iterable[str] = (), start: int = 0, end: int | None = None) -> None:
        self.page = page
        self._labels: list[tuple[str, str]] = sorted(
            ((label, key) for key, labels in spec.items() for label in labels), key=lambda p: -len(p[0]))
        self._stops = {label_key(s) for s in stops}
        self._space = space
        self._inline = inline
        self.found: dict[str, list[Block]] = {}
        current: Block | None = None
        stop = len(page.lines) if end is None else min(end, len(page.lines))
        for i in range(start, stop):
            line = page.lines[i].strip()
            if not line:
                continue
            if label_key(line) in self._stops:
                current = None
                continue
            hit = self.match(line)
            if hit is not None:
                key, rest = hit
                current = Block(key, i, rest or None)
                self.found.setdefault(key, []).append(current)
            elif current is not None:
                current.lines.append((i, line))

    def match(self, line: str) -> tuple[str, str] | None:
        """(field key, text after the label) when ``line`` opens a block, else None."""
        plain = line.strip()
        low = plain.lower()
        for label, key in self._labels:
            lab = label.lower().rstrip(":?").rstrip()
            if label_key(plain) == label_key(label) and len(plain) <= len(label) + 3:
                return key, ""
            if not self._inline and not self._space:
                continue
            if low.startswith(lab):
                rest = plain[len(lab):]
                m = re.match(r"^\s*[:?]\s*|^\s{2,}", rest) if self._inline else None
                if m:
                    return key, rest[m.end():].strip()
                if self._space and rest.startswith(" ") and rest.strip():
                    return key, rest.strip()
        return None

    def first(self, key: str) -> Block | None:
        blocks = self.found.get(key)
        return blocks[0] if blocks else None

    def has(self, key: str) -> bool:
        return key in self.found

    def scalar(self, key: str) -> str | None:
        """The block's value: the same-line text, else its first value line; None when on the cut line."""
        block = self.first(key)
        if block is None:
            return None
        if block.inline:
            return block.inline if self.page.trusted(block.index) else None
        if not block.lines:
            return None
        i, value = block.lines[0]
        return value if self.page.trusted(i) else None

    def items(self, key: str, *, trusted_only: bool = True) -> list[str]:
        """Every value line of the block (same-line text first); the cut line left out."""
        block = self.first(key)
        if block is None:
            return []
        out = [block.inline] if block.inline and (self.page.trusted(block.index) or not trusted_only) else []
        out += [v for i, v in block.lines if self.page.trusted(i) or not trusted_only]
        return out

    def text(self, key: str) -> str | None:
        """The block's value lines joined with line breaks (the cut line kept: text fields are flagged)."""
        return nz.clean_text("\n".join(self.items(key, trusted_only=False)))


def criteria_from_lists(inclusion: Sequence[str], exclusion: Sequence[str]) -> list[Criterion]:
    """Criterion items from separate inclusion and exclusion lines (markers stripped, empties dropped).

    >>> [(c.criterion_type, c.ordinal, c.text) for c in criteria_from_lists(["• Age 18", "2. Consent"], ["- HIV"])]
    [('inclusion', 1, 'Age 18'), ('inclusion', 2, 'Consent'), ('exclusion', 1, 'HIV')]
    """
    out: list[Criterion] = []
    for kind, lines in (("inclusion", inclusion), ("exclusion", exclusion)):
        n = 0
        for line in lines:
            text = strip_bullet(line)
            if text:
                n += 1
                out.append(Criterion(criterion_type=kind, ordinal=n, text=text))
    return out


def criteria_text(inclusion: Sequence[str], exclusion: Sequence[str]) -> str | None:
    """The criteria text as the page gives it: ``Inclusion Criteria:`` list, ``Exclusion Criteria:`` list."""
    parts = []
    if inclusion:
        parts.append("Inclusion Criteria:\n" + "\n".join(inclusion))
    if exclusion:
        parts.append("Exclusion Criteria:\n" + "\n".join(exclusion))
    return nz.clean_text("\n\n".join(parts))


def unflatten_criteria(text: str | None) -> str | None:
    """Put a criteria text flattened onto one line back onto lines (headings and `` - ``/``1.`` items).

    >>> print(unflatten_criteria("Inclusion Criteria: - Age 18 - Consent Exclusion Criteria: - HIV"))
    Inclusion Criteria:
    - Age 18
    - Consent
    Exclusion Criteria:
    - HIV
    """
    if not text:
        return None
    out = re.sub(r"\s*\b((?:Inclusion|Exclusion) Criteria\s*:?)\s*", r"\n\1\n", text, flags=re.I)
    out = re.sub(r"(?<=\S)\s+([-•–*])\s+(?=\S)", r"\n\1 ", out)
    out = re.sub(r"(?<=[.;:a-z)])\s+(\d{1,2}[.)])\s+(?=[A-Za-z])", r"\n\1 ", out)
    lines = [line.strip() for line in out.split("\n")]
    return nz.clean_text("\n".join(line for line in lines if line))


_SITE_LINE = re.compile(r"^[A-Z][\w .'’()-]{1,40}(?:,\s*[\w .'’()-]{2,40}){1,2}$")


def site_place(line: str) -> tuple[str | None, str | None, str | None] | None:
    """(city, state, country) from ``City, State, Country`` or ``City, Country``; None for other lines.

    >>> site_place("Surakarta, Middle Java, Indonesia"), site_place("Beijing, China"), site_place("A sentence.")
    (('Surakarta', 'Middle Java', 'Indonesia'), ('Beijing', None, 'China'), None)
    """
    text = line.strip()
    if not _SITE_LINE.match(text) or text.endswith("."):
        return None
    parts = [p.strip() for p in text.split(",")]
    if any(len(p.split()) > 5 or not p for p in parts):
        return None
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    return parts[0], None, parts[1]


def site(facility: str | None, place: str) -> Site | None:
    """A :class:`Site` from a facility line and its place line (None when the place line is not one)."""
    parsed = site_place(place)
    if parsed is None:
        return None
    city, state, country = parsed
    return Site(facility=nz.clean_text(facility), city=city, state=state, country=country)


def host_in(text: str, path: str, hosts: Iterable[str]) -> bool:
    """True when the source URL (sidecar/``URL:`` line) or the path names one of ``hosts``."""
    where = " ".join(x for x in (path or "", url_of(text, path) or "") if x).lower()
    return any(h in where for h in hosts)


def add_identifier(record: TrialRecord, value: str | None, id_type: str, domain: str | None = None) -> None:
    """Append an identifier once (blank and ``Nil``/``None`` values ignored; the trial id itself skipped)."""
    text = nz.clean_text(value)
    if not text or text.lower() in ("nil", "none", "n/a", "-", "na", "not applicable"):
        return
    if text == record.trial_id or any(x.id_value == text and x.id_type == id_type for x in record.identifiers):
        return
    record.identifiers.append(Identifier(id_value=text, id_type=id_type, domain=domain))


def add_sponsor(record: TrialRecord, name: str | None, role: str, agency_class: str | None = None) -> None:
    """Append a sponsor once; the first lead also becomes ``lead_sponsor``."""
    text = nz.clean_text(name)
    if not text or text.lower() in ("(none)", "none", "n/a"):
        return
    if any(s.name == text and s.lead_or_collaborator == role for s in record.sponsors):
        return
    record.sponsors.append(Sponsor(name=text, lead_or_collaborator=role, agency_class=agency_class))
    if role == "lead" and record.lead_sponsor is None:
        record.lead_sponsor = text
        record.lead_sponsor_class = agency_class


def new_record(text: str, path: str, page: PageText, *, id_from_page: bool = True) -> TrialRecord:
    """A record with the page's trial id (kit priority rules) or None, its registry and source URL."""
    found = find_page_id(text, path, page) if id_from_page else None
    trial_id = found.trial_id if found else None
    url = found.url if found else url_of(text, path)
    record = TrialRecord(trial_id=trial_id, registry=registry_of(trial_id) if trial_id else None, source_url=url)
    record.truncated = page.truncated
    return record


def url_id(text: str, path: str) -> str | None:
    """A registry id from the source URL or the file name only (for sites that show no id in the text)."""
    from ingest.layouts._kit import id_from_url

    return id_from_url(url_of(text, path)) or id_from_url(os.path.basename(path or ""))


def first_id(line: str, registry: str | None = None) -> str | None:
    """The first registry id on a line (optionally of one registry)."""
    for reg, value in find_ids(line):
        if registry is None or reg == registry:
            return value
    return None


_CONTENT_FIELDS = (
    "brief_title", "official_title", "overall_status", "phase", "study_type", "enrollment", "lead_sponsor",
    "brief_summary", "detailed_description", "eligibility_criteria", "start_date", "completion_date",
)


def finish(record: TrialRecord, family: str) -> list[TrialRecord]:
    """Set the registry and refuse a record that holds nothing (ParseError with a readable reason)."""
    if record.trial_id and record.registry is None:
        record.registry = registry_of(record.trial_id)
    has_content = record.trial_id or any(getattr(record, f) is not None for f in _CONTENT_FIELDS) or (
        record.conditions or record.interventions or record.criteria)
    if not has_content:
        raise ParseError(f"{family}: no trial id and no trial field could be read from this page")
    return [record]


def guard(family: str, text: object) -> str:
    """The page text, or ParseError when there is none."""
    if not isinstance(text, str) or not text.strip():
        raise ParseError(f"{family}: empty page")
    return text


_TIME_FRAME = re.compile(r"^(?P<measure>.*?)\s*\[\s*Time\s*Frame\s*:\s*(?P<tf>.*?)\s*\]?\s*$", re.I)


def bracket_outcomes(lines: Sequence[str], kind: str) -> list[Outcome]:
    """Outcomes written ``[1. ]measure [ Time Frame: … ]`` with optional description lines after each.

    >>> [(o.measure, o.time_frame, o.description) for o in bracket_outcomes(
    ...     ["1. Lupus activity [ Time Frame: 1 month ]", "MEX SLEDAI score"], "primary")]
    [('Lupus activity', '1 month', 'MEX SLEDAI score')]
    """
    out: list[Outcome] = []
    for raw in lines:
        line = strip_bullet(raw) if re.match(r"^\s*(?:\d{1,2}[.)]|[-•*])\s", raw) else raw.strip()
        m = _TIME_FRAME.match(line) if "time frame" in line.lower() else None
        if m:
            out.append(Outcome(outcome_type=kind, measure=nz.clean_text(m["measure"]),
                               time_frame=nz.clean_text(m["tf"].rstrip("] "))))
        elif out and line:
            prev = out[-1]
            prev.description = line if prev.description is None else prev.description + "\n" + line
        elif line:
            out.append(Outcome(outcome_type=kind, measure=nz.clean_text(line)))
    return out


def phase_line(line: str) -> str | None:
    """The phase when ``line`` is only a phase value (``Phase 1 Phase 2``, ``Not Applicable``, ``N/A``)."""
    text = line.strip()
    if re.fullmatch(r"(?i)(?:(?:early\s+)?phase\s*[0-4](?:[ab])?(?:\s*[/|,]?\s*(?:phase\s*)?[0-4][ab]?)*\s*)+"
                    r"|not applicable|n/?a", text):
        return nz.map_phase(text)
    return None


def sponsor_with_class(value: str) -> tuple[str, str | None]:
    """``Name (Industry)`` → (``Name``, ``INDUSTRY``); a non-class parenthesis stays in the name."""
    m = re.match(r"^(.*?)\s*\(([^()]+)\)\s*$", value.strip())
    if m:
        cls = nz.map_agency_class(m.group(2))
        if cls:
            return m.group(1).strip(), cls
    return value.strip(), None


def design_words(record: TrialRecord, text: str | None) -> None:
    """Allocation, masking and model from free design words (``Randomized, Double-Blind, Parallel``).

    >>> r = TrialRecord(trial_id=None); design_words(r, "Randomized, Double-Blind, Placebo-Controlled")
    >>> r.allocation, r.masking, r.intervention_model
    ('RANDOMIZED', 'DOUBLE', None)
    """
    if not text:
        return
    low = text.lower()
    if record.allocation is None:
        if re.search(r"\bnon[- ]?randomi[sz]ed\b", low):
            record.allocation = "NON_RANDOMIZED"
        elif re.search(r"\brandomi[sz]ed\b", low):
            record.allocation = "RANDOMIZED"
    if record.masking is None:
        for pattern, level in ((r"\bopen[- ]label\b|\bunblinded\b", "NONE"), (r"\bsingle[- ]blind", "SINGLE"),
                               (r"\bdouble[- ]blind", "DOUBLE"), (r"\btriple[- ]blind", "TRIPLE"),
                               (r"\bquadruple[- ]blind", "QUADRUPLE")):
            if re.search(pattern, low):
                record.masking = level
                break
    if record.intervention_model is None:
        for pattern, model in ((r"\bparallel\b", "PARALLEL"), (r"\bcross[- ]?over\b", "CROSSOVER"),
                               (r"\bsingle[- ]group\b|\bsingle[- ]arm\b", "SINGLE_GROUP"),
                               (r"\bfactorial\b", "FACTORIAL"), (r"\bsequential\b", "SEQUENTIAL")):
            if re.search(pattern, low):
                record.intervention_model = model
                break


def title_line(page: PageText, blocks: Blocks | None = None, skip: Iterable[str] = ()) -> str | None:
    """The first non-empty line when it is not a label, a skipped site-header line or the cut line."""
    skip_set = {s.lower() for s in skip}
    for i, line in page.nonblank():
        if line.lower() in skip_set:
            continue
        if (blocks is not None and blocks.match(line) is not None) or not page.trusted(i):
            return None
        return line
    return None


def split_items(text: str | None) -> list[Criterion]:
    """:func:`ingest.criteria.split_criteria` that also knows en-dash/``~*``/circled bullets (text kept as is).

    >>> [(c.criterion_type, c.text) for c in split_items("Inclusion Criteria:\\n– Age 18\\nExclusion:\\n– HIV")]
    [('inclusion', 'Age 18'), ('exclusion', 'HIV')]
    """
    from ingest.criteria import split_criteria

    if not text:
        return []
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if re.match(r"^(?:inclusion|exclusion)(?:\s+criteria)?\s*:?\s*$", stripped, re.I):
            lines.append(stripped)
        elif stripped:
            lines.append("- " + strip_bullet(stripped.lstrip("~")))
    return split_criteria("\n".join(lines))


def set_ages(record: TrialRecord, value: str | None) -> bool:
    """Ages from a range value, also ``18 Years and older``/``and up``/``and over`` and ``18 Years - `` (no max).

    >>> r = TrialRecord(trial_id=None); set_ages(r, "18 Years and older"), r.min_age_years, r.max_age_years
    (True, 18.0, None)
    >>> r = TrialRecord(trial_id=None); set_ages(r, "18 Years - (Adult, Older Adult)"), r.min_age_years
    (True, 18.0)
    """
    if not value:
        return False
    from ingest.layouts._kit import set_field

    text = re.sub(r"(?i)\s+and\s+(?:older|up|over|above)\b", "+", value.strip())
    text = re.sub(r"^(\d+(?:\.\d+)?\s*[A-Za-z]*)\s*-\s*(?:\(.*\))?\s*$", r"\1+", text)
    return set_field(record, "ages", text)
