"""ClinicalTrials.gov API v2 JSON: one study per file, or a ``ctg-studies.json`` list download.

A study is ``{"protocolSection": {...}, "derivedSection": {...}, "resultsSection": {...}, "hasResults": bool}``.
The list download is a JSON array of studies; the ``/studies`` API response wraps them as ``{"studies": [...]}``.
Partial records (modules missing) read as ``None`` / empty lists. Enum values are already in v2 spelling.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

import orjson

from ingest.base import Parser
from ingest.errors import ParseError
from ingest.ids import ID_PATTERNS, canonical
from ingest.json_stream import list_items
from ingest.model import (
    Arm,
    Contact,
    Identifier,
    Intervention,
    MeshTerm,
    Official,
    Outcome,
    Reference,
    Site,
    Sponsor,
    TrialRecord,
)
from ingest.normalize import (
    clean_text,
    map_agency_class,
    map_allocation,
    map_arm_type,
    map_bool,
    map_date_type,
    map_intervention_model,
    map_intervention_type,
    map_masking,
    map_phase,
    map_purpose,
    map_sex,
    map_status,
    map_study_type,
    parse_age,
    parse_date,
    parse_int,
)

REGISTRY = "ClinicalTrials.gov"
_NCT = ID_PATTERNS[0][1]
_MARKER = re.compile(r'"protocolSection"\s*:')
#: Modules without which a single study counts as a ``partial`` record.
KEY_MODULES = ("identificationModule", "statusModule", "designModule")


# ---- small helpers shared with the classic-API parser -------------------------------------------------------------

def as_dict(value: Any) -> dict:
    """``value`` when it is a dict, else an empty dict (partial or malformed records)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    """``value`` when it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def text(value: Any) -> str | None:
    """A scalar JSON value as cleaned text; containers and empty strings → ``None``."""
    if type(value) is str:
        if "\r" not in value and "\u00a0" not in value:
            return value.strip() or None  # what clean_text returns, without the call
        return clean_text(value)
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return None
    return clean_text(value)


def texts(values: Any) -> list[str]:
    """Every non-empty scalar of a JSON list, cleaned, in order."""
    return [t for t in (text(v) for v in as_list(values)) if t]


def enum_word(value: Any) -> str | None:
    """A display spelling in upper snake case: ``"Study Director"`` → ``"STUDY_DIRECTOR"``.

    >>> enum_word("Sub-Investigator"), enum_word("background"), enum_word("SPONSOR")
    ('SUB_INVESTIGATOR', 'BACKGROUND', 'SPONSOR')
    """
    t = text(value)
    if t is None:
        return None
    return _enum_word(t)


_NON_ALNUM = re.compile(r"[^A-Za-z0-9]+")


@functools.lru_cache(maxsize=4096)
def _enum_word(t: str) -> str | None:
    return _NON_ALNUM.sub("_", t).strip("_").upper() or None


def strip_type_prefix(name: str) -> str:
    """Drop the ``"<Intervention type>: "`` prefix of an arm's intervention name.

    >>> strip_type_prefix("Device: Genius"), strip_type_prefix("Phase 1: cells")
    ('Genius', 'Phase 1: cells')
    """
    head, sep, tail = name.partition(": ")
    if sep and tail.strip() and map_intervention_type(head) is not None:
        return tail.strip()
    return name


def phone_text(phone: Any, ext: Any) -> str | None:
    """A phone number with its extension (``"555-0100 ext. 12"``)."""
    number, extension = text(phone), text(ext)
    if number and extension:
        return f"{number} ext. {extension}"
    return number


def nct_id(value: Any) -> str | None:
    """The canonical NCT id of a value, or the cleaned value when it is not an NCT id."""
    t = text(value)
    if t and _NCT.fullmatch(t):
        return canonical(REGISTRY, t)
    return t


def countries_of(sites: list[Site]) -> list[str]:
    """Distinct site countries in order of first appearance."""
    seen: dict[str, None] = {}
    for site in sites:
        if site.country:
            seen.setdefault(site.country, None)
    return list(seen)


def load_json(raw: str, what: str) -> Any:
    """``json.loads`` that fails only with :class:`ParseError` (reuses what :func:`peek_json` just read)."""
    try:
        return _loads(raw, keep=False)
    except (ValueError, RecursionError) as exc:
        raise not_valid(what, exc) from None


def not_valid(what: str, exc: Exception) -> ParseError:
    """The error of a document that is not valid JSON."""
    return ParseError(f"{what}: not valid JSON ({exc})".replace("\n", " ")[:300])


#: (text, parsed value) of the document :func:`peek_json` read last, handed to the next :func:`load_json` of the
#: same ``str`` object so that a document whose layout is read before its records is parsed once. The parsers
#: only read the parsed value, never change it.
_PEEKED: tuple[str, Any] | None = None


def peek_json(raw: str) -> Any:
    """``json.loads`` for a first look (``layout_of``); the parse that follows reuses the result."""
    return _loads(raw, keep=True)


def _parse_json(raw: str) -> Any:
    """Parsed JSON: by ``orjson`` (about twice as fast), else by ``json``, which also reads what ``orjson`` refuses
    (NaN, a byte-order mark, lone surrogates, numbers beyond a double) and words the errors. (``orjson`` reads an
    integer beyond 64 bits as a float: no trial field holds one.)"""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def _loads(raw: str, keep: bool) -> Any:
    global _PEEKED
    peeked = _PEEKED
    if peeked is not None and peeked[0] is raw:
        if not keep:
            _PEEKED = None
        return peeked[1]
    _PEEKED = None
    data = _parse_json(raw)
    if keep:
        _PEEKED = (raw, data)
    return data


# ---- the parser ---------------------------------------------------------------------------------------------------

def _studies(data: Any) -> tuple[list[dict], bool]:
    """The study objects of a document and whether it is a list download."""
    if isinstance(data, dict):
        if "protocolSection" in data:
            return [data], False
        if isinstance(data.get("studies"), list):
            return [s for s in data["studies"] if isinstance(s, dict) and "protocolSection" in s], True
        return [], False
    if isinstance(data, list):
        return [s for s in data if isinstance(s, dict) and "protocolSection" in s], True
    return [], False


def _date(struct: Any) -> tuple[Any, str | None]:
    s = as_dict(struct)
    return parse_date(text(s.get("date"))), map_date_type(text(s.get("type")))


def study_to_record(study: dict) -> TrialRecord:
    """One v2 study object → one :class:`TrialRecord` (missing modules → ``None`` / empty lists)."""
    ps = as_dict(study.get("protocolSection"))
    ident = as_dict(ps.get("identificationModule"))
    status = as_dict(ps.get("statusModule"))
    spons = as_dict(ps.get("sponsorCollaboratorsModule"))
    oversight = as_dict(ps.get("oversightModule"))
    desc = as_dict(ps.get("descriptionModule"))
    conds = as_dict(ps.get("conditionsModule"))
    design = as_dict(ps.get("designModule"))
    design_info = as_dict(design.get("designInfo"))
    masking = as_dict(design_info.get("maskingInfo"))
    enrollment = as_dict(design.get("enrollmentInfo"))
    arms_mod = as_dict(ps.get("armsInterventionsModule"))
    outcomes_mod = as_dict(ps.get("outcomesModule"))
    elig = as_dict(ps.get("eligibilityModule"))
    contacts_mod = as_dict(ps.get("contactsLocationsModule"))
    refs_mod = as_dict(ps.get("referencesModule"))
    ipd = as_dict(ps.get("ipdSharingStatementModule"))
    derived = as_dict(study.get("derivedSection"))

    rec = TrialRecord(trial_id=nct_id(ident.get("nctId")), registry=REGISTRY)
    rec.brief_title = text(ident.get("briefTitle"))
    rec.official_title = text(ident.get("officialTitle"))
    rec.acronym = text(ident.get("acronym"))

    rec.overall_status = map_status(text(status.get("overallStatus")))
    rec.last_known_status = map_status(text(status.get("lastKnownStatus")))
    rec.why_stopped = text(status.get("whyStopped"))
    rec.start_date, rec.start_date_type = _date(status.get("startDateStruct"))
    rec.primary_completion_date, rec.primary_completion_date_type = _date(status.get("primaryCompletionDateStruct"))
    rec.completion_date, rec.completion_date_type = _date(status.get("completionDateStruct"))
    rec.first_posted_date = _date(status.get("studyFirstPostDateStruct"))[0]
    rec.results_first_posted_date = _date(status.get("resultsFirstPostDateStruct"))[0]
    rec.last_update_date = _date(status.get("lastUpdatePostDateStruct"))[0]
    rec.verified_date = parse_date(text(status.get("statusVerifiedDate")))

    phases = texts(design.get("phases"))
    rec.phase = map_phase(phases) if phases else None
    rec.study_type = map_study_type(text(design.get("studyType")))
    rec.allocation = map_allocation(text(design_info.get("allocation")))
    rec.intervention_model = map_intervention_model(text(design_info.get("interventionModel")))
    rec.masking = map_masking(text(masking.get("masking")))
    rec.who_masked = "|".join(w for w in (enum_word(v) for v in as_list(masking.get("whoMasked"))) if w) or None
    rec.primary_purpose = map_purpose(text(design_info.get("primaryPurpose")))
    rec.enrollment = parse_int(enrollment.get("count"))
    rec.enrollment_type = map_date_type(text(enrollment.get("type")))

    lead = as_dict(spons.get("leadSponsor"))
    rec.lead_sponsor = text(lead.get("name"))
    rec.lead_sponsor_class = map_agency_class(text(lead.get("class")))
    if rec.lead_sponsor:
        rec.sponsors.append(Sponsor(rec.lead_sponsor, "lead", rec.lead_sponsor_class))
    for collab in map(as_dict, as_list(spons.get("collaborators"))):
        if name := text(collab.get("name")):
            rec.sponsors.append(Sponsor(name, "collaborator", map_agency_class(text(collab.get("class")))))
    party = as_dict(spons.get("responsibleParty"))
    rec.responsible_party = text(party.get("investigatorFullName")) or text(party.get("type"))

    rec.brief_summary = text(desc.get("briefSummary"))
    rec.detailed_description = text(desc.get("detailedDescription"))

    rec.eligibility_criteria = text(elig.get("eligibilityCriteria"))
    rec.sex = map_sex(text(elig.get("sex")))
    rec.min_age_years = parse_age(text(elig.get("minimumAge")))
    rec.max_age_years = parse_age(text(elig.get("maximumAge")))
    rec.healthy_volunteers = map_bool(elig.get("healthyVolunteers"))

    has_results = study.get("hasResults")
    if isinstance(study.get("resultsSection"), dict):
        rec.has_results = True
    elif isinstance(has_results, bool):
        rec.has_results = has_results
    rec.has_dmc = map_bool(oversight.get("oversightHasDmc"))
    rec.ipd_sharing = enum_word(ipd.get("ipdSharing"))

    rec.conditions = texts(conds.get("conditions"))
    rec.keywords = texts(conds.get("keywords"))

    for arm in map(as_dict, as_list(arms_mod.get("armGroups"))):
        if label := text(arm.get("label")):
            names = [strip_type_prefix(n) for n in texts(arm.get("interventionNames"))]
            rec.arms.append(Arm(label, map_arm_type(text(arm.get("type"))), text(arm.get("description")), names))
    for iv in map(as_dict, as_list(arms_mod.get("interventions"))):
        if name := text(iv.get("name")):
            rec.interventions.append(Intervention(
                name, map_intervention_type(text(iv.get("type"))), text(iv.get("description")),
                texts(iv.get("armGroupLabels")), texts(iv.get("otherNames")),
            ))

    for kind, key in (("primary", "primaryOutcomes"), ("secondary", "secondaryOutcomes"), ("other", "otherOutcomes")):
        for out in map(as_dict, as_list(outcomes_mod.get(key))):
            measure, frame, description = text(out.get("measure")), text(out.get("timeFrame")), text(
                out.get("description"))
            if measure or frame or description:
                rec.outcomes.append(Outcome(kind, measure, frame, description))

    for c in map(as_dict, as_list(contacts_mod.get("centralContacts"))):
        _add_contact(rec, c)
    for loc in map(as_dict, as_list(contacts_mod.get("locations"))):
        site = Site(text(loc.get("facility")), text(loc.get("city")), text(loc.get("state")), text(loc.get("zip")),
                    text(loc.get("country")), map_status(text(loc.get("status"))))
        if any((site.facility, site.city, site.state, site.zip, site.country)):
            rec.sites.append(site)
        for c in map(as_dict, as_list(loc.get("contacts"))):
            _add_contact(rec, c)
    rec.countries = countries_of(rec.sites)
    for off in map(as_dict, as_list(contacts_mod.get("overallOfficials"))):
        name, affiliation = text(off.get("name")), text(off.get("affiliation"))
        if name or affiliation:
            rec.officials.append(Official(name, enum_word(off.get("role")), affiliation))

    for ref in map(as_dict, as_list(refs_mod.get("references"))):
        citation, pmid = text(ref.get("citation")), text(ref.get("pmid"))
        if citation or pmid:
            rec.references.append(Reference(citation, pmid, enum_word(ref.get("type"))))

    for kind, module in (("condition", "conditionBrowseModule"), ("intervention", "interventionBrowseModule")):
        for mesh in map(as_dict, as_list(as_dict(derived.get(module)).get("meshes"))):
            if term := text(mesh.get("term")):
                rec.mesh_terms.append(MeshTerm(kind, term, text(mesh.get("id"))))

    for alias in as_list(ident.get("nctIdAliases")):
        if value := nct_id(alias):
            rec.identifiers.append(Identifier(value, "nct_alias"))
    if org_id := text(as_dict(ident.get("orgStudyIdInfo")).get("id")):
        rec.identifiers.append(Identifier(org_id, "org_study_id"))
    for sec in map(as_dict, as_list(ident.get("secondaryIdInfos"))):
        if value := text(sec.get("id")):
            id_type = (text(sec.get("type")) or "secondary_id").lower()
            rec.identifiers.append(Identifier(value, id_type, text(sec.get("domain"))))
    return rec


def _add_contact(rec: TrialRecord, c: dict) -> None:
    contact = Contact(enum_word(c.get("role")), text(c.get("name")), phone_text(c.get("phone"), c.get("phoneExt")),
                      text(c.get("email")))
    if contact.name or contact.phone or contact.email:
        rec.contacts.append(contact)


_WHAT = "ClinicalTrials.gov v2 JSON"
_NO_STUDY = f"{_WHAT}: no study object with a protocolSection found"
_NO_PROTOCOL = f"{_WHAT}: protocolSection is not an object in any study"


class CtgovV2Json(Parser):
    """ClinicalTrials.gov API v2 JSON (single study, ``ctg-studies.json`` list, or partial record)."""

    name = "ctgov_v2_json"
    kind = "format"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        head = text.lstrip("\ufeff \t\r\n")[:1]
        if head not in ("{", "[") or '"protocolSection"' not in text or not _MARKER.search(text):
            return 0.0
        return 0.95

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        studies, _ = _studies(load_json(text.lstrip("\ufeff"), _WHAT))
        if not studies:
            raise ParseError(_NO_STUDY)
        records = []
        for study in studies:
            if not isinstance(study.get("protocolSection"), dict):
                continue
            records.append(study_to_record(study))
        if not records:
            raise ParseError(_NO_PROTOCOL)
        return records

    @classmethod
    def stream(cls, fh: BinaryIO, path: str) -> Iterator[tuple[TrialRecord, str]]:
        """The studies of a list download (layout ``list``) one at a time, each with its own JSON text."""
        studies = records = 0
        try:
            for study, raw in list_items(fh, "studies", single_key="protocolSection"):
                if isinstance(study, dict) and "protocolSection" in study:
                    studies += 1
                    if isinstance(study.get("protocolSection"), dict):
                        records += 1
                        yield study_to_record(study), raw
        except (ValueError, RecursionError) as exc:
            raise not_valid(_WHAT, exc) from None
        if not studies:
            raise ParseError(_NO_STUDY)
        if not records:
            raise ParseError(_NO_PROTOCOL)

    @classmethod
    def layout_of(cls, text: str) -> str | None:
        try:
            studies, is_list = _studies(peek_json(text.lstrip("\ufeff")))
        except (ValueError, RecursionError):
            return None
        if is_list:
            return "list"
        if not studies:
            return None
        ps = as_dict(studies[0].get("protocolSection"))
        return "partial" if any(module not in ps for module in KEY_MODULES) else "single"
