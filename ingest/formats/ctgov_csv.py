"""ClinicalTrials.gov CSV downloads, one trial per row, in two layouts.

* ``search_results``: the classic site's ``SearchResults.csv`` (27 columns: Rank, NCT Number, Title, …, URL).
  Values are spelled as on the classic site ("Phase 1|Phase 2", "Active, not recruiting"), multi-values are
  joined by ``|``, Age reads "18 Years to 65 Years (Adult)", Sponsor/Collaborators lists the lead sponsor first.
  Its single "Outcome Measures" column mixes primary and secondary outcomes without saying which is which,
  so no outcomes are read from it. Dates spelled "13-Mar-19" / "May-14" (re-saved by a spreadsheet) are read
  with a two-digit year pivot: 00–69 → 20xx, 70–99 → 19xx.
* ``ctg_studies``: the current site's ``ctg-studies.csv`` (NCT Number, Study Title, Study URL, …) with values in
  API v2 spelling; outcomes come from its Primary/Secondary/Other Outcome Measures columns, each entry kept
  whole as the measure (the site joins measure, description and time frame with commas, which cannot be
  told apart reliably). Its Age column holds only age groups, so ages stay unknown.

Locations ("Facility, City, State, Zip, Country") become sites: the country is the last part; state and
city (and the facility before them) are read only for United States addresses whose state is recognised,
since elsewhere the parts cannot be told apart.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from ingest import normalize as nz
from ingest.base import Parser
from ingest.errors import ParseError
from ingest.formats import _csv
from ingest.formats.ctgov_xml import safe_date
from ingest.ids import find_ids
from ingest.model import Identifier, Intervention, Outcome, Site, Sponsor, TrialRecord

_US_STATES = frozenset("""
Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia Hawaii Idaho Illinois
Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan Minnesota Mississippi Missouri
Montana Nebraska Nevada Ohio Oklahoma Oregon Pennsylvania Tennessee Texas Utah Vermont Virginia Washington
Wisconsin Wyoming
""".split()) | {
    "New Hampshire", "New Jersey", "New Mexico", "New York", "North Carolina", "North Dakota", "Rhode Island",
    "South Carolina", "South Dakota", "West Virginia", "District of Columbia", "Puerto Rico",
}
_COUNTRY_TAIL = re.compile(
    r"^(?:the\b|republic\b|islamic republic\b|province of\b|united republic\b|federated states\b|"
    r"bolivarian\b|plurinational\b|occupied\b|democratic\b|former\b)", re.I,
)
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def _cols(header: list[str]) -> dict[str, int]:
    return {name.strip().lstrip("\ufeff").lower(): i for i, name in enumerate(header)}


def _layout(header: list[str]) -> str | None:
    cols = _cols(header)
    if "nct number" not in cols:
        return None
    if "study title" in cols or "study status" in cols or "study url" in cols:
        return "ctg_studies"
    if "title" in cols or "status" in cols or "rank" in cols:
        return "search_results"
    return None


def parse_csv_date(value: str | None) -> dt.date | None:
    """A CSV date; spreadsheet spellings use a two-digit year (00–69 → 20xx).

    >>> parse_csv_date("13-Mar-19"), parse_csv_date("May-14"), parse_csv_date("March 5, 2019")
    (datetime.date(2019, 3, 13), datetime.date(2014, 5, 1), datetime.date(2019, 3, 5))
    >>> parse_csv_date("1-Apr-91"), parse_csv_date("2019-03")
    (datetime.date(1991, 4, 1), datetime.date(2019, 3, 1))
    """
    text = nz.clean_text(value)
    if text is None:
        return None
    m = re.fullmatch(r"(?:(\d{1,2})-)?([A-Za-z]{3})-(\d{2})", text)
    if m:
        month = _MONTHS.get(m[2].lower())
        if month is None:
            return None
        yy = int(m[3])
        try:
            return dt.date(2000 + yy if yy < 70 else 1900 + yy, month, int(m[1]) if m[1] else 1)
        except ValueError:
            return None
    return safe_date(text)


def _split(value: str | None, sep: str = "|") -> list[str]:
    if not value:
        return []
    return [p for part in value.split(sep) if (p := nz.clean_text(part))]


def _ages(value: str | None) -> tuple[float | None, float | None]:
    """``18 Years to 65 Years (Adult)``, ``18 Years and older``, ``up to 18 Years`` → (min, max)."""
    text = nz.clean_text(value)
    if not text:
        return None, None
    text = re.sub(r"\s*\(.*\)\s*$", "", text).strip()
    if m := re.fullmatch(r"(.+?)\s+to\s+(.+)", text, re.I):
        if not m[1].lower().startswith("up"):
            return nz.parse_age(m[1]), nz.parse_age(m[2])
    if m := re.fullmatch(r"(.+?)\s+and\s+older", text, re.I):
        return nz.parse_age(m[1]), None
    if m := re.fullmatch(r"up\s+to\s+(.+)", text, re.I):
        return None, nz.parse_age(m[1])
    return None, None


def _design(value: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in _split(value):
        if ":" in part:
            key, val = part.split(":", 1)
            out[key.strip().lower()] = val.strip()
    return out


def _site(value: str) -> Site:
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if len(parts) >= 2 and _COUNTRY_TAIL.match(parts[-1]):
        parts[-2:] = [f"{parts[-2]}, {parts[-1]}"]
    site = Site(country=parts[-1] if parts else None)
    rest = parts[:-1]
    if rest and re.fullmatch(r"(?=.*\d)[A-Za-z0-9 -]{3,12}", rest[-1]):
        site.zip = rest.pop()
    if site.country == "United States" and rest and rest[-1] in _US_STATES:
        site.state = rest.pop()
        if rest:
            site.city = rest.pop()
        site.facility = ", ".join(rest) or None
    return site


def _identifier(value: str) -> Identifier:
    found = find_ids(value)
    domain = found[0][0] if len(found) == 1 and found[0][1] == value else None
    return Identifier(id_value=value, id_type="other_id", domain=domain)


def _records(lines: Iterable[str]) -> Iterator[tuple[TrialRecord, str]]:
    """(record, its row's cells) for each row of a ClinicalTrials.gov CSV with a trial in it."""
    reader = _csv.reader(lines)
    found = False
    try:
        header = next(reader, None)
        layout = _layout(header or [])
        if layout is None:
            raise ParseError("not a ClinicalTrials.gov CSV: the header has no 'NCT Number' and title columns")
        names = [h.strip().lstrip("\ufeff").lower() for h in header]
        for line in reader:
            if not any(cell.strip() for cell in line):
                continue
            record = row_to_record(dict(zip(names, line, strict=False)), layout)
            if record is not None:
                found = True
                yield record, "\n".join(line)
    except csv.Error as exc:
        raise ParseError(f"malformed CSV at line {reader.line_num}: {exc}") from None
    if not found:
        raise ParseError("the CSV has a ClinicalTrials.gov header but no row with an NCT number")


def row_to_record(row: dict[str, str], layout: str) -> TrialRecord | None:
    """One CSV row (keys lower-cased) → a record, or None when the row names no trial."""
    get = lambda *names: next((v for n in names if (v := nz.clean_text(row.get(n)))), None)  # noqa: E731
    ids = find_ids(get("nct number") or "")
    if not ids:
        return None
    rec = TrialRecord(trial_id=ids[0][1], registry=ids[0][0])
    rec.brief_title = get("title", "study title")
    rec.acronym = get("acronym")
    rec.overall_status = nz.map_status(get("status", "study status"))
    results = get("study results")
    if results:
        rec.has_results = nz.map_bool(results) if layout == "ctg_studies" else results.lower().startswith("has")
    rec.brief_summary = get("brief summary")
    rec.conditions = _split(get("conditions"))
    seen: set[tuple[str, str | None]] = set()
    for entry in _split(get("interventions")):
        kind, name = None, entry
        if ":" in entry:
            prefix, rest = entry.split(":", 1)
            mapped = nz.map_intervention_type(prefix)
            if mapped and rest.strip():
                kind, name = mapped, rest.strip()
        if (name, kind) not in seen:
            seen.add((name, kind))
            rec.interventions.append(Intervention(name=name, intervention_type=kind))
    if layout == "ctg_studies":
        for column, kind in (("primary outcome measures", "primary"), ("secondary outcome measures", "secondary"),
                             ("other outcome measures", "other")):
            rec.outcomes.extend(Outcome(outcome_type=kind, measure=m) for m in _split(get(column)))
        lead = get("sponsor")
        collaborators = _split(get("collaborators"))
        lead_class = nz.map_agency_class(get("funder type"))
    else:
        names = _split(get("sponsor/collaborators"))
        lead, collaborators = (names[0], names[1:]) if names else (None, [])
        classes = _split(get("funded bys"))
        lead_class = nz.map_agency_class(classes[0]) if len(classes) == 1 else None
    if lead:
        rec.lead_sponsor, rec.lead_sponsor_class = lead, lead_class
        rec.sponsors.append(Sponsor(name=lead, lead_or_collaborator="lead", agency_class=lead_class))
    rec.sponsors.extend(Sponsor(name=n, lead_or_collaborator="collaborator") for n in collaborators)
    rec.sex = nz.map_sex(get("gender", "sex"))
    if layout == "search_results":
        rec.min_age_years, rec.max_age_years = _ages(get("age"))
    rec.phase = nz.map_phase(_split(get("phases"))) if get("phases") else None
    rec.enrollment = nz.parse_int(get("enrollment"))
    rec.study_type = nz.map_study_type(get("study type"))
    design = _design(get("study designs", "study design"))
    rec.allocation = nz.map_allocation(design.get("allocation"))
    rec.intervention_model = nz.map_intervention_model(design.get("intervention model"))
    masking = design.get("masking")
    rec.masking = nz.map_masking(masking)
    rec.who_masked = nz.who_masked(masking.replace("_", " ")) if masking else None
    rec.primary_purpose = nz.map_purpose(design.get("primary purpose"))
    rec.identifiers = [_identifier(v) for v in _split(get("other ids"))]
    rec.start_date = parse_csv_date(get("start date"))
    rec.primary_completion_date = parse_csv_date(get("primary completion date"))
    rec.completion_date = parse_csv_date(get("completion date"))
    rec.first_posted_date = parse_csv_date(get("first posted"))
    rec.results_first_posted_date = parse_csv_date(get("results first posted"))
    rec.last_update_date = parse_csv_date(get("last update posted"))
    rec.sites = [_site(loc) for loc in _split(get("locations"))]
    for site in rec.sites:
        if site.country and site.country not in rec.countries:
            rec.countries.append(site.country)
    rec.source_url = get("url", "study url")
    return rec


class CtgovCsvParser(Parser):
    """ClinicalTrials.gov ``SearchResults.csv`` (classic site) and ``ctg-studies.csv`` (current site)."""

    name = "ctgov_csv"
    kind = "format"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        layout = _layout(_csv.header(text[:20000]))
        if layout is None:
            return 0.0
        return 0.95

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        return [record for record, _ in _records(io.StringIO(text.lstrip("\ufeff"), newline=""))]

    @classmethod
    def stream(cls, fh: BinaryIO, path: str) -> Iterator[tuple[TrialRecord, str]]:
        """The rows of a large download one at a time (each with its cells as its text)."""
        with _csv.utf8_lines(fh) as lines:
            yield from _records(lines)

    @classmethod
    def streamed_layout(cls, head: str) -> str | None:
        return cls.layout_of(head)

    @classmethod
    def layout_of(cls, text: str) -> str | None:
        return _layout(_csv.header(text[:20000]))
