"""WHO ICTRP search portal CSV downloads: one registration per row.

The portal's CSV names its columns in words (``TrialID, Status, Title, Date, Register, Primary sponsor,
Scientific title, Acronym, Date of first enrolment, Target size, URL, Study type, Study design`` in the older
export; ``Public title``, ``Source Register``, ``Inclusion agemin``, ``Inclusion Criteria``, ``Contact
Firstname``… in the later one). Each column is read as the tag of the same name in the portal's XML download, so
values are mapped exactly as :mod:`ingest.formats.ictrp_xml` maps them (day-first dates, free-text designs,
placeholders such as "N/A" read as unknown). Values are HTML-escaped (``&quot;``, ``&nbsp;``) and unescaped here.

The export does not quote its values. A value holding a line break (an acronym followed by a note, a design on
two lines) spills over several lines: a line whose first value is not an id-like word continues the row before
it and is joined to it at the break, and so does one whose first value is an id-like word (an acronym such as
``INTERFANT-06`` on a line of its own) when the row before it is short of values and the line's values read as
that row's rest (:func:`_continues`). A value holding a comma splits in two: the row has more values than the
header, and the run that best fits is joined back (:func:`_fit`).
"""

from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as std_et
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from ingest import normalize as nz
from ingest.base import Parser
from ingest.errors import ParseError
from ingest.formats import _csv
from ingest.formats.ctgov_xml import safe_date
from ingest.formats.ictrp_xml import trial_to_record
from ingest.model import TrialRecord

#: Column (folded: lower case, words joined by ``_``) → the tag of the portal's XML that holds the same value.
COLUMNS = {
    "trialid": "TrialID", "trial_id": "TrialID", "main_id": "TrialID",
    "status": "recruitment_status", "recruitment_status": "recruitment_status",
    "title": "public_title", "public_title": "public_title",
    "scientific_title": "scientific_title", "acronym": "acronym",
    "date": "date_registration", "date_registration": "date_registration", "date_of_registration": "date_registration",
    "register": "reg_name", "source_register": "reg_name",
    "primary_sponsor": "primary_sponsor", "secondary_sponsor": "Secondary_Sponsor",
    "secondary_sponsors": "Secondary_Sponsor",
    "date_of_first_enrolment": "date_enrolment", "date_of_first_enrollment": "date_enrolment",
    "date_enrollement": "date_enrolment", "date_enrolment": "date_enrolment", "date_enrollment": "date_enrolment",
    "target_size": "target_size", "url": "url", "web_address": "url",
    "study_type": "study_type", "study_design": "study_design", "phase": "phase", "countries": "Countries",
    "inclusion_criteria": "inclusion_criteria", "exclusion_criteria": "exclusion_criteria",
    "inclusion_agemin": "agemin", "inclusion_agemax": "agemax", "inclusion_gender": "gender",
    "condition": "Condition", "intervention": "Intervention",
    "primary_outcome": "primary_outcome", "secondary_outcome": "secondary_outcome",
    "secondary_id": "SecondaryID", "secondary_ids": "SecondaryID",
    "last_refreshed_on": "last_updated", "last_updated": "last_updated",
}
#: Contact columns → the children of the XML's flat ``<contacts>`` element.
CONTACT_COLUMNS = {"contact_firstname": "firstname", "contact_lastname": "lastname", "contact_email": "email",
                   "contact_tel": "telephone", "contact_telephone": "telephone"}
#: Columns whose presence, beside ``TrialID`` first, marks the portal's CSV.
_MARKS = {"primary_sponsor", "register", "source_register", "scientific_title", "public_title", "target_size",
          "date_of_first_enrolment", "date_enrollement", "date_registration"}


def fold(name: str) -> str:
    """A column name folded for lookup.

    >>> fold("Date of first enrolment"), fold("\\ufeffTrialID"), fold("Inclusion agemin")
    ('date_of_first_enrolment', 'trialid', 'inclusion_agemin')
    """
    return re.sub(r"[^a-z0-9]+", "_", name.lstrip("\ufeff").strip().lower()).strip("_")


def is_portal_header(header: list[str]) -> bool:
    """``TrialID`` first and at least two other columns of the portal's export."""
    folded = [fold(h) for h in header]
    return bool(folded) and folded[0] in ("trialid", "trial_id") and len(_MARKS.intersection(folded)) >= 2


_ID_TOKEN = re.compile(r"[A-Za-z]{2,}[-_/.A-Za-z0-9]*\d[-_/.A-Za-z0-9]*")


def _starts_row(cells: list[str]) -> bool:
    """Whether a line starts a registration: its first value is one id-like word (``ACTRN12607000279426``,
    ``NTR55``, ``JPRN-UMIN000001234``), where a line a break spilled over starts with text.

    >>> _starts_row(["NTR55", "Recruiting"]), _starts_row(["Part 1: Open-label study.", ""])
    (True, False)
    """
    first = cells[0].strip() if cells else ""
    return len(first) <= 40 and _ID_TOKEN.fullmatch(first) is not None


#: The XML tags of typed columns → whether a value reads as what the column holds (an empty value always does).
_TYPED = {
    "date_registration": lambda v: safe_date(v) is not None,
    "date_enrolment": lambda v: safe_date(v) is not None,
    "last_updated": lambda v: safe_date(v) is not None,
    "target_size": lambda v: re.match(r"\s*\d", v) is not None,
    "url": lambda v: v.lower().startswith(("http://", "https://", "www.")),
    "study_type": lambda v: nz.map_study_type(v) is not None,
    "recruitment_status": lambda v: nz.map_status(v) is not None,
    "reg_name": lambda v: re.fullmatch(r"[-A-Za-z0-9 ./_]{0,40}", v) is not None,
    "TrialID": lambda v: re.fullmatch(r"[-A-Za-z0-9 ./_]{0,40}", v) is not None,
}


def _typed_ok(key: str, value: str) -> bool | None:
    """Whether ``value`` reads as what the column ``key`` (folded) holds (None: a free-text column)."""
    check = _TYPED.get(COLUMNS.get(key, ""))
    if check is None:
        return None
    value = html.unescape(value).strip()
    return not value or check(value)


def _fit(header: list[str], cells: list[str]) -> list[str]:
    """A row's values, one per column: an unquoted comma splits a value in two, so a row with more values than
    the header has the run of them that best fits it joined back (at the free-text column where the typed
    columns around it read best: dates as dates, the URL as a URL…).

    >>> _fit(["TrialID", "Title", "Date", "Acronym", "URL"], ["NTR55", "A", " B", "1/2/2008", "X", "http://a", ""])
    ['NTR55', 'A, B', '1/2/2008', 'X', 'http://a']"""
    if len(cells) > len(header) and not cells[-1].strip():
        cells = cells[:-1]  # (the export ends every row with a comma)
    extra = len(cells) - len(header)
    if extra <= 0:
        return cells
    keys = [fold(h) for h in header]
    best, best_score = cells[:len(header)], -1
    for col, key in enumerate(keys):
        if _typed_ok(key, "") is not None:
            continue
        fitted = cells[:col] + [",".join(cells[col:col + extra + 1])] + cells[col + extra + 1:]
        score = sum(1 for k, v in zip(keys, fitted, strict=True) if _typed_ok(k, v))
        if score >= best_score:  # (ties: the rightmost, where the export puts its longest notes: the acronym)
            best, best_score = fitted, score
    return best


def _typed_score(keys: list[str], cells: list[str], start: int) -> int:
    """How well ``cells`` read as the values of the columns ``keys[start:]``: +1 for a typed value that reads as
    its column's (a date as a date, the URL as a URL…), -1 for one that does not; free text and empty values 0."""
    score = 0
    for key, value in zip(keys[start:], cells, strict=False):
        if value.strip() and (ok := _typed_ok(key, value)) is not None:
            score += 1 if ok else -1
    return score


def _continues(keys: list[str], row: list[str], cells: list[str]) -> bool:
    """Whether the line ``cells`` continues ``row`` (the row before it, as joined so far) rather than starting a
    registration. A line whose first value is text continues it. One whose first value is an id-like word starts
    a registration, unless the row before it is short of values (one of them holds a line break, its last one
    included: the export ends a row with a comma) and the line reads better as the rest of that row: its typed
    values read better on the columns that follow (:func:`_typed_score`), or, as well, the two make up exactly one
    row's values or the line has fewer values than a registration's first line ever has (id, status, title)."""
    if not _starts_row(cells):
        return True
    if len(row) > len(keys):
        return False
    at = len(row) - 1
    as_rest = _typed_score(keys, [row[-1] + "\n" + cells[0], *cells[1:]], at)
    as_new = _typed_score(keys, row[-1:], at) + _typed_score(keys, cells[1:], 1)  # (the id word reads as both)
    if as_rest != as_new:
        return as_rest > as_new
    return len(cells) < 3 or len(row) + len(cells) - 1 in (len(keys), len(keys) + 1)


def joined(lines: Iterable[list[str]], header: list[str]) -> Iterator[list[str]]:
    """The rows of the export from its lines after the ``header``: a line that continues the row before it
    (:func:`_continues`) is joined to it at the break (with the blank lines between them: a value's empty line);
    other blank lines are left out.

    >>> list(joined([["NTR55", "A"], [], ["B", "x"], [], ["NTR58", "C", "D"]], ["TrialID", "Title", "Acronym"]))
    [['NTR55', 'A\\n\\nB', 'x'], ['NTR58', 'C', 'D']]
    >>> list(joined([["NTR55", "Recruiting", "A"], ["ABC2", "http://x"]], ["TrialID", "Status", "Title", "URL"]))
    [['NTR55', 'Recruiting', 'A\\nABC2', 'http://x']]
    """
    keys = [fold(h) for h in header]
    row: list[str] | None = None
    blanks = 0
    for cells in lines:
        if not any(c.strip() for c in cells):
            blanks += 1
            continue
        if row is not None and _continues(keys, row, cells):
            row[-1] += "\n" * (blanks + 1) + cells[0]
            row.extend(cells[1:])
        else:
            if row is not None:
                yield row
            row = list(cells)
        blanks = 0
    if row is not None:
        yield row


def rows(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of the export, each row joined back from the lines its line breaks split it into
    and fitted to the header (:func:`_fit`)."""
    lines = _csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(lines, [])
        return header, [_fit(header, cells) for cells in joined(lines, header)]
    except csv.Error as exc:
        raise ParseError(f"malformed CSV at line {lines.line_num}: {exc}") from None


def columns(header: list[str]) -> list[tuple[str, str] | None]:
    """Where each column's value goes: ("", tag) for a tag of the trial, ("contacts", tag) for a contact's, None
    for a column not read."""
    plan: list[tuple[str, str] | None] = []
    for name in header:
        key = fold(name)
        plan.append(("", COLUMNS[key]) if key in COLUMNS else
                    ("contacts", CONTACT_COLUMNS[key]) if key in CONTACT_COLUMNS else None)
    return plan


def row_to_record(plan: list[tuple[str, str] | None], cells: list[str]) -> TrialRecord | None:
    """One row → a record (through the XML download's reading of the same values), or None without id or title;
    ``plan``: :func:`columns` of the header."""
    trial = std_et.Element("trial")
    contact = None
    for where, value in zip(plan, cells, strict=False):
        if where is None:
            continue
        if where[0]:
            if contact is None:
                contact = std_et.SubElement(trial, "contacts")
            parent = contact
        else:
            parent = trial
        std_et.SubElement(parent, where[1]).text = html.unescape(value)
    if contact is not None and contact.find("firstname") is None:
        std_et.SubElement(contact, "firstname")
    return trial_to_record(trial)


class IctrpCsvParser(Parser):
    """WHO ICTRP search portal CSV."""

    name = "ictrp_csv"
    kind = "format"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        head = text[:2000].lstrip("\ufeff \t\r\n")
        if head[:1] in ("<", "{", "["):
            return 0.0
        return 0.95 if is_portal_header(_csv.header(head)) else 0.0

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        header, found = rows(text)
        if not header or not is_portal_header(header):
            raise ParseError("ICTRP portal CSV: the first line is not its header (TrialID, …)")
        plan = columns(header)
        records = [r for cells in found if (r := row_to_record(plan, cells)) is not None]
        if not records:
            raise ParseError("ICTRP portal CSV: no row holds a trial id or a title")
        return records

    @classmethod
    def stream(cls, fh: BinaryIO, path: str) -> Iterator[tuple[TrialRecord, str]]:
        """The rows of a large export one at a time (each with its values as its text)."""
        with _csv.utf8_lines(fh) as lines:
            reader = _csv.reader(lines)
            try:
                header = next(reader, [])
                if not is_portal_header(header):
                    raise ParseError("ICTRP portal CSV: the first line is not its header (TrialID, …)")
                plan = columns(header)
                for cells in joined(reader, header):
                    record = row_to_record(plan, _fit(header, cells))
                    if record is not None:
                        yield record, ",".join(cells)
            except csv.Error as exc:
                raise ParseError(f"malformed CSV at line {reader.line_num}: {exc}") from None

    @classmethod
    def streamed_layout(cls, head: str) -> str | None:
        return "portal_csv"

    @classmethod
    def layout_of(cls, text: str) -> str | None:
        return "portal_csv"
