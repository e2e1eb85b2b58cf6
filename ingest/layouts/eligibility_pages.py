"""Eligibility-only, lay and explainer pages (PAGE_LAYOUTS §1): NYU Langone, trialx, MedIFind, beReflected,
tundraspace, Reagan-Udall navigator, stemcellmia, Stem Cells Australia.

They carry headings only (or none) and usually no id (Stem Cells Australia may print a bare id on line 1;
tundraspace has a lower-case ``nct…`` in its URL). Read per site:
NYU ``Conditions:``, ``Age:``, ``Gender:``, ``Other Inclusion Criteria:`` (the site files exclusion-type items
there too: kept as the page states them); trialx ``Overview``/``Description``/``Eligibility`` and unlabeled
chips (status, ``20-40 years``, ``Female``, ``Phase 1/2``); MedIFind ``• `` bullets with no heading = inclusion;
Reagan-Udall ``Type: name`` + ``Other Name:`` interventions and ``City, Country`` sites (hard-wrapped text);
``Inclusion Criteria:``/``Exclusion Criteria:`` anywhere. The first line is the title (often the official
title). A page that names no site (no URL beside it, no NYU label) is still one of these when its shape says so
(:func:`shape_of`: trialx chips, MedIFind bullets, a title and an inclusion criteria heading); others are left to
the generic fallback.
"""

from __future__ import annotations

import re

from ingest.base import Parser
from ingest.ids import find_ids
from ingest.layouts import _kit as kit
from ingest.layouts import _kit_extra as kx
from ingest.layouts.generic import criteria_anywhere
from ingest.model import Intervention, Site, TrialRecord

_HOSTS = {
    "nyu": ("nyulangone",), "trialx": ("trialx",), "medifind": ("medifind",), "bereflected": ("bereflected",),
    "tundraspace": ("tundraspace", "tundra"), "reagan_udall": ("reaganudall", "reagan-udall"),
    "stemcellmia": ("stemcellmia",), "stem_cells_australia": ("stemcellsaustralia", "stemcellsaustralia.org"),
}
_SPEC = {
    "conditions": ["Conditions:"], "age": ["Age:"], "gender": ["Gender:"],
    "other_inclusion": ["Other Inclusion Criteria:"], "overview": ["Overview"], "description": ["Description"],
    "eligibility": ["Eligibility"], "inclusion": ["Inclusion Criteria:", "Inclusion Criteria"],
    "exclusion": ["Exclusion Criteria:", "Exclusion Criteria"], "summary": ["Summary", "Brief Summary:"],
    "interventions": ["Interventions", "Interventions:", "Intervention"], "locations": ["Locations", "Locations:"],
}
#: The score of a page known by its shape alone (bullets, a criteria heading, an id on line 1): the bar a
#: document must reach to be parsed at all, below every layout that recognises the page (the generic reader
#: of labels included). trialx chips are a signature of their own: they outrank the generic reader.
MIN_SHAPE_SCORE = 0.3
_SEX_CHIP = {"female": "FEMALE", "male": "MALE", "all": "ALL", "both": "ALL", "female only": "FEMALE",
             "male only": "MALE"}


def site_of(text: str, path: str) -> str | None:
    """Which of the grouped sites the page comes from (URL/path host first, then NYU's unique label)."""
    for site, hosts in _HOSTS.items():
        if kx.host_in(text, path, hosts):
            return site
    if "Other Inclusion Criteria:" in text:
        return "nyu"
    return None


#: Words of eligibility criteria (a MedIFind-like page of unheaded bullets is told apart from any bulleted text).
_ELIGIBILITY_WORDS = re.compile(r"(?i)\b(?:aged?|years?|diagnos\w*|patients?|subjects?|participants?|criteria|"
                                r"pregnan\w*|consent|women|men|adults?|children|males?|females?)\b")
_HEADINGS = ("Overview", "Description", "Eligibility")


def shape_of(text: str) -> str | None:
    """The site a page without a source URL looks like, by its shape alone (the field guide's unlabeled runs):

    * ``trialx``: a title, then two or more chips of different kinds (status, age range, sex, phase) among the
      next lines, and an ``Overview``/``Description``/``Eligibility`` heading;
    * ``medifind``: a title, then unheaded ``• `` bullets (two or more) that read as eligibility criteria;
    * ``id_first``: a registry id alone on the first line, then a title (Stem Cells Australia);
    * ``criteria``: a title, then an ``Inclusion Criteria`` heading with items under it (tundraspace,
      beReflected, stemcellmia and other lay pages).

    The generic reader of labels, and every layout, outranks these shapes but trialx's (:data:`MIN_SHAPE_SCORE`).

    >>> shape_of("Stem cells for T1D\\nRecruiting\\n18-35 years\\nAll\\nOverview\\nText.")
    'trialx'
    >>> shape_of("Shopping list for the weekend trip\\n• apples\\n• bread")
    """
    rows = [line.strip() for line in text[:PAGE_HEAD].splitlines() if line.strip()]
    if len(rows) >= 2 and bare_id(rows[0]) and len(rows[1]) >= 12 and not bare_id(rows[1]):
        return "id_first"
    if len(rows) < 3 or len(rows[0]) < 12 or rows[0].endswith(":"):
        return None
    kinds = {kind for line in rows[1:10] if (kind := _chip_kind(line))}
    if len(kinds) >= 2 and any(line in _HEADINGS for line in rows):
        return "trialx"
    bullets = [line for line in rows[1:] if line.startswith("• ")]
    if len(bullets) >= 2 and sum(bool(_ELIGIBILITY_WORDS.search(line)) for line in bullets) >= 2:
        return "medifind"
    head = next((n for n, line in enumerate(rows) if _INCLUSION_HEAD.fullmatch(line)), None)
    if head is not None and head + 1 < len(rows) and not _INCLUSION_HEAD.fullmatch(rows[head + 1]):
        return "criteria"
    return None


def bare_id(line: str) -> str | None:
    """The registry id a line consists of (``NCT01234567``, ``ACTRN12607000279426``, ``2021-002179-21``), if any.

    >>> bare_id("NCT03268603"), bare_id("Trial NCT03268603"), bare_id("ChiCTR2000029990")
    ('NCT03268603', None, 'ChiCTR2000029990')
    """
    found = find_ids(line) if len(line) <= 40 else []
    if len(found) == 1 and re.sub(r"[\W_]", "", line).upper() == re.sub(r"[\W_]", "", found[0][1]).upper():
        return found[0][1]
    return None


_INCLUSION_HEAD = re.compile(r"(?i)\W*(?:key\s+)?inclusion\s+criteria\s*:?")


#: Characters of a page its shape is judged by.
PAGE_HEAD = 20_000


def _chip_kind(line: str) -> str | None:
    """Which trialx chip a short unlabeled line is (status, phase, sex, age), if any."""
    if len(line) > 40:
        return None
    low = line.lower()
    if kx.strict_status(line):
        return "status"
    if kx.phase_line(line) and low not in ("n/a", "na"):
        return "phase"
    if low in _SEX_CHIP:
        return "sex"
    if _AGE_CHIP.fullmatch(low):
        return "age"
    return None


_AGE_CHIP = re.compile(r"\d+\s*-\s*\d+\s*(years?|months?)|\d+\+?\s*years?")


class EligibilityPage(Parser):
    """Eligibility-only and lay trial pages (several sites)."""

    name = "eligibility_pages"
    kind = "page"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        site = site_of(text, path)
        if site is None:
            shape = shape_of(text)  # (no site named: a page of this family by its shape alone)
            return 0.5 if shape == "trialx" else MIN_SHAPE_SCORE if shape else 0.0
        if site == "nyu" and "Other Inclusion Criteria:" in text:
            return 0.85
        return 0.7

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        text = kx.guard(cls.name, text)
        site = site_of(text, path) or shape_of(text)
        page = kit.PageText(text)
        rec = kx.new_record(text, path, page)
        b = kx.Blocks(page, _SPEC)
        rows = [(i, x) for i, x in page.nonblank() if page.trusted(i)]
        if rows and bare_id(rows[0][1]):
            rows = rows[1:]
        if rows and b.match(rows[0][1]) is None:
            if site in ("nyu", "medifind"):
                rec.official_title = rows[0][1]
            else:
                rec.brief_title = rows[0][1]
        rec.conditions = [kit.strip_bullet(x) for x in b.items("conditions")]
        kx.set_ages(rec, b.scalar("age"))
        kit.set_field(rec, "sex", b.scalar("gender"))
        rec.brief_summary = b.text("overview") or b.text("summary")
        rec.detailed_description = b.text("description")
        inclusion = b.items("other_inclusion", trusted_only=False) + b.items("inclusion", trusted_only=False)
        exclusion = b.items("exclusion", trusted_only=False)
        if site == "medifind" and not inclusion:
            inclusion = [x for i, x in page.nonblank() if x.startswith("• ")]
        if site == "criteria":  # (a lay page that copies the registry's text: split as the registry's is)
            criteria_anywhere(page, rec)
        elif inclusion or exclusion:
            inclusion = kit.join_wrapped(inclusion)
            exclusion = kit.join_wrapped(exclusion)
            rec.eligibility_criteria = kx.criteria_text(inclusion, exclusion)
            rec.criteria = kx.criteria_from_lists(inclusion, exclusion)
        elif b.has("eligibility"):
            rec.eligibility_criteria = b.text("eligibility")
        if site == "trialx":
            _chips(rec, rows)
        if site == "reagan_udall":
            _interventions(rec, page)
            for line in b.items("locations"):
                place = kx.site_place(line)
                if place:
                    rec.sites.append(Site(city=place[0], state=place[1], country=place[2]))
        return kx.finish(rec, cls.name)


def _chips(rec: TrialRecord, rows: list[tuple[int, str]]) -> None:
    """trialx chips: short unlabeled lines classified by shape (status, age range, sex, phase)."""
    for _, line in rows[1:15]:
        if len(line) > 40:
            continue
        low = line.lower()
        if rec.overall_status is None and kx.strict_status(line):
            rec.overall_status = kx.strict_status(line)
        elif rec.phase is None and kx.phase_line(line):
            rec.phase = kx.phase_line(line)
        elif rec.sex is None and low in _SEX_CHIP:
            rec.sex = _SEX_CHIP[low]
        elif rec.min_age_years is None and _AGE_CHIP.fullmatch(low):
            rec.min_age_years, rec.max_age_years = kit.ages_value(line)


def _interventions(rec: TrialRecord, page: kit.PageText) -> None:
    """``Type: name`` lines, each optionally followed by ``Other Name:`` lines."""
    current: Intervention | None = None
    for i, line in page.nonblank():
        if not page.trusted(i):
            break
        if line.startswith("Other Name:") and current is not None:
            current.other_names.append(line.split(":", 1)[1].strip())
            continue
        typed = kit.type_prefixed(line)
        if typed and len(typed[1]) < 120:
            current = Intervention(name=typed[1], intervention_type=typed[0])
            rec.interventions.append(current)
        else:
            current = None
