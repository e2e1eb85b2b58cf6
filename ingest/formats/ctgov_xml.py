"""Legacy ClinicalTrials.gov XML: one ``<clinical_study>`` record (schema ``public.xsd``, 2000s–2023 downloads).

Element paths follow REFERENCE_NOTES §2.4. Text blocks (``<textblock>``) keep their line breaks; the legacy
fixed indentation is removed. Eligibility items are read here (:func:`split_wrapped_criteria`): hard-wrapped
lines rejoin and nested bullets stay with their parent, as the v2 JSON of the same trial gives them. Older
records lacking the newer elements fall back to ``firstreceived_date`` / ``lastchanged_date`` and to the
free-text ``<study_design>``; "[Redacted]" names are unknown. The XML is read with defusedxml: documents
declaring entities or external references are refused with a ParseError.

Shared with the other machine-format parsers: :func:`safe_root`, :func:`safe_date`, :func:`section_criteria`.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
import xml.etree.ElementTree as std_et

import defusedxml
import defusedxml.ElementTree as safe_et

from ingest import normalize as nz
from ingest.base import Parser
from ingest.criteria import split_criteria
from ingest.errors import ParseError
from ingest.ids import find_ids, registry_of
from ingest.model import (
    Arm,
    Contact,
    Criterion,
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

_REDACTED = {"[redacted]", "redacted"}


def safe_root(text: str) -> std_et.Element:
    """Parse XML text with entity expansion and external references refused; ParseError on any failure."""
    text = text.lstrip("\ufeff")
    try:
        return safe_et.fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.EntitiesForbidden as exc:
        raise ParseError(
            f"XML declares entities ({exc.name!r}); refused to protect against entity expansion"
        ) from None
    except defusedxml.ExternalReferenceForbidden:
        raise ParseError("XML refers to an external resource; refused (external entities are not read)") from None
    except defusedxml.DefusedXmlException as exc:
        raise ParseError(f"XML refused for safety: {type(exc).__name__}") from None
    except std_et.ParseError as exc:
        raise ParseError(f"not well-formed XML: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"unreadable XML: {exc}") from None


def safe_date(value: object) -> dt.date | None:
    """:func:`ingest.normalize.parse_date`, with absurd years (``March 5, 99999999999999999999``) read as None."""
    try:
        return nz.parse_date(value)
    except OverflowError:
        return None


def dedent_block(raw: str | None) -> str | None:
    """Remove the legacy fixed indentation and trailing spaces; keep line breaks and relative indentation.

    >>> dedent_block("\\n      First line\\n      wraps here.\\n\\n        -  item\\n    ")
    'First line\\nwraps here.\\n\\n  -  item'
    """
    if raw is None:
        return None
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ").replace("\u00a0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    text = textwrap.dedent("\n".join(lines))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return nz.clean_text(text)


def textblock(el: std_et.Element | None) -> str | None:
    """The text of an element or of its ``<textblock>`` child, dedented."""
    if el is None:
        return None
    inner = el.find("textblock")
    return dedent_block((inner if inner is not None else el).text)


_HEADER = re.compile(r"^\s*(?P<kind>inclusion|exclusion)(?:\s+criteria)?\s*:?\s*$", re.I)
_SUBHEAD = re.compile(r"^[A-Z][A-Z0-9 ,/&()'-]{2,60}:$")
_BULLET = re.compile(r"^\s*(?:[-*•·●▪◦]|\d{1,2}[.)]|\(\d{1,2}\)|[a-z][.)])\s+", re.I)


def split_wrapped_criteria(text: str | None) -> list[Criterion]:
    """Criteria items from legacy text blocks: an item starts at a bullet or a paragraph, hard-wrapped lines
    rejoin, and deeper bullets (or bullets under a line ending with ``:``) stay with their parent on new lines.

    >>> [(c.criterion_type, c.ordinal, c.text) for c in split_wrapped_criteria(
    ...     "Inclusion Criteria:\\n\\n  -  Age over 18\\n     years.\\n\\n  -  Tumour types:\\n\\n       -  Colon\\n\\n"
    ...     "Exclusion Criteria:\\n\\n  -  Pregnancy")]
    [('inclusion', 1, 'Age over 18 years.'), ('inclusion', 2, 'Tumour types:\\nColon'), ('exclusion', 1, 'Pregnancy')]
    """
    if not text:
        return []
    items: dict[str, list[list[str]]] = {"inclusion": [], "exclusion": []}
    bulleted: dict[int, bool] = {}
    kind, top, target, blank = "inclusion", None, None, True
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped:
            blank, target = True, None
            continue
        indent = len(raw) - len(raw.lstrip())
        bullet = _BULLET.match(stripped)
        content = stripped[bullet.end():].strip() if bullet else stripped
        header = _HEADER.match(content)
        if header:
            kind, top, target, blank = header["kind"].lower(), None, None, True
            continue
        if not content or (not bullet and _SUBHEAD.match(content)):
            target, blank = None, True
            continue
        section = items[kind]
        parent = section[-1] if section else None
        if bullet:
            is_sub = parent is not None and (
                (top is not None and indent > top + 1)
                or (not bulleted.get(id(parent)) and parent[0].endswith(":"))
            )
            if is_sub:
                parent.append(content)
                target = (parent, len(parent) - 1)
            else:
                top = indent if top is None else top
                section.append([content])
                bulleted[id(section[-1])] = True
                target = (section[-1], 0)
        elif target is not None and not blank:
            item, i = target
            item[i] = f"{item[i]} {content}"
        else:
            section.append([content])
            bulleted[id(section[-1])] = False
            target = (section[-1], 0)
        blank = False
    return [
        Criterion(criterion_type=k, ordinal=i, text="\n".join(parts))
        for k in ("inclusion", "exclusion")
        for i, parts in enumerate(items[k], start=1)
    ]


def section_criteria(text: str | None, kind: str, rejoin: bool = False) -> list[Criterion]:
    """Items of one criteria section (inclusion or exclusion) given on its own, all typed ``kind``.

    A lead-in line ending with ``:`` before a list is dropped; with ``rejoin``, hard-wrapped lines (starting
    lower-case, or after a line without closing punctuation) are joined first. Splitting is
    :func:`ingest.criteria.split_criteria`'s.

    >>> [c.text for c in section_criteria("Patients qualify if:\\n1. Adult\\n2. Consent to\\nparticipate", "exclusion",
    ...                                   rejoin=True)]
    ['Adult', 'Consent to participate']
    """
    if not text:
        return []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if rejoin:
        joined: list[str] = []
        for line in lines:
            if joined and not _BULLET.match(line) and (line[0].islower() or joined[-1][-1] not in ".;:!?"):
                joined[-1] = f"{joined[-1]} {line}"
            else:
                joined.append(line)
        lines = joined
    if len(lines) > 1 and lines[0].endswith(":") and not _BULLET.match(lines[0]) and _BULLET.match(lines[1]):
        lines = lines[1:]
    items = split_criteria("\n".join(lines))
    return [Criterion(criterion_type=kind, ordinal=i, text=c.text) for i, c in enumerate(items, start=1)]


def _text(el: std_et.Element | None, path: str | None = None) -> str | None:
    if el is None:
        return None
    node = el.find(path) if path else el
    if node is None:
        return None
    return nz.clean_text("".join(node.itertext()))


def _name(value: str | None) -> str | None:
    """A person/organisation name; redaction placeholders become None."""
    if value is None or value.strip().lower() in _REDACTED:
        return None
    return value


def _upper_snake(value: str | None) -> str | None:
    if not value:
        return None
    return re.sub(r"[^A-Z0-9]+", "_", value.upper()).strip("_") or None


def _legacy_design(text: str | None) -> dict[str, str]:
    """``Allocation: Randomized, Masking: Double Blind (Subject, Investigator), …`` → {key: value}."""
    if not text:
        return {}
    parts = re.split(r",\s*(?=[A-Z][A-Za-z ]{2,40}:\s)", text)
    out: dict[str, str] = {}
    for part in parts:
        if ":" in part:
            key, value = part.split(":", 1)
            out[key.strip().lower()] = value.strip()
    return out


def _identifier(value: str, id_type: str) -> Identifier:
    found = find_ids(value)
    domain = found[0][0] if len(found) == 1 and found[0][1] == value.strip() else None
    return Identifier(id_value=value, id_type=id_type, domain=domain)


def _contact(el: std_et.Element, role: str) -> Contact | None:
    name = _text(el, "last_name")
    phone = _text(el, "phone")
    ext = _text(el, "phone_ext")
    if phone and ext:
        phone = f"{phone} ext. {ext}"
    email = _text(el, "email")
    if not (name or phone or email):
        return None
    return Contact(role=role, name=name, phone=phone, email=email)


def study_to_record(study: std_et.Element) -> TrialRecord:
    """One ``<clinical_study>`` element → a record."""
    t = lambda path: _text(study, path)  # noqa: E731
    nct = t("id_info/nct_id")
    ids = find_ids(nct or "") if nct else []
    trial_id = ids[0][1] if ids and ids[0][0] == "ClinicalTrials.gov" else None
    if trial_id is None:
        url_ids = find_ids(t("required_header/url") or "")
        trial_id = url_ids[0][1] if url_ids else None
    rec = TrialRecord(trial_id=trial_id, registry="ClinicalTrials.gov" if trial_id else None)

    # identification
    rec.brief_title = t("brief_title")
    rec.official_title = t("official_title")
    rec.acronym = t("acronym")
    if (org := t("id_info/org_study_id")) is not None:
        rec.identifiers.append(_identifier(org, "org_study_id"))
    for el in study.findall("id_info/secondary_id"):
        if (value := _text(el)) is not None:
            rec.identifiers.append(_identifier(value, "secondary_id"))
    for el in study.findall("id_info/nct_alias"):
        if (value := _text(el)) is not None:
            alias = find_ids(value)
            rec.identifiers.append(Identifier(id_value=alias[0][1] if alias else value, id_type="nct_alias"))
    rec.source_url = t("required_header/url")

    # status and dates
    rec.overall_status = nz.map_status(t("overall_status"))
    rec.last_known_status = nz.map_status(t("last_known_status"))
    rec.why_stopped = dedent_block(study.findtext("why_stopped"))
    for name in ("start_date", "primary_completion_date", "completion_date"):
        el = study.find(name)
        if el is not None:
            setattr(rec, name, safe_date(_text(el)))
            setattr(rec, f"{name}_type", nz.map_date_type(el.get("type")))
    rec.first_posted_date = safe_date(t("study_first_posted") or t("firstreceived_date"))
    rec.results_first_posted_date = safe_date(t("results_first_posted") or t("firstreceived_results_date"))
    rec.last_update_date = safe_date(
        t("last_update_posted") or t("last_update_submitted") or t("lastchanged_date")
    )
    rec.verified_date = safe_date(t("verification_date"))

    # design
    rec.phase = nz.map_phase(t("phase"))
    rec.study_type = nz.map_study_type(t("study_type"))
    legacy = _legacy_design(t("study_design"))
    allocation = t("study_design_info/allocation") or legacy.get("allocation")
    model = t("study_design_info/intervention_model") or legacy.get("intervention model")
    masking = t("study_design_info/masking") or legacy.get("masking")
    purpose = t("study_design_info/primary_purpose") or legacy.get("primary purpose")
    rec.allocation = nz.map_allocation(allocation)
    rec.intervention_model = nz.map_intervention_model(model)
    rec.masking = nz.map_masking(masking)
    rec.who_masked = nz.who_masked(masking)
    rec.primary_purpose = nz.map_purpose(purpose)
    enrollment = study.find("enrollment")
    if enrollment is not None:
        rec.enrollment = nz.parse_int(_text(enrollment))
        if rec.enrollment is not None:
            rec.enrollment_type = nz.map_date_type(enrollment.get("type"))

    # sponsors and oversight
    lead = _name(t("sponsors/lead_sponsor/agency"))
    if lead:
        rec.lead_sponsor = lead
        rec.lead_sponsor_class = nz.map_agency_class(t("sponsors/lead_sponsor/agency_class"))
        rec.sponsors.append(Sponsor(name=lead, lead_or_collaborator="lead", agency_class=rec.lead_sponsor_class))
    for el in study.findall("sponsors/collaborator"):
        name = _name(_text(el, "agency"))
        if name:
            rec.sponsors.append(Sponsor(name=name, lead_or_collaborator="collaborator",
                                        agency_class=nz.map_agency_class(_text(el, "agency_class"))))
    rec.responsible_party = _name(t("responsible_party/investigator_full_name")) or _upper_snake(
        t("responsible_party/responsible_party_type"))
    rec.has_dmc = nz.map_bool(t("oversight_info/has_dmc"))
    rec.ipd_sharing = _upper_snake(t("patient_data/sharing_ipd"))
    rec.has_results = study.find("clinical_results") is not None

    # descriptions and eligibility
    rec.brief_summary = textblock(study.find("brief_summary"))
    rec.detailed_description = textblock(study.find("detailed_description"))
    rec.eligibility_criteria = textblock(study.find("eligibility/criteria"))
    if rec.eligibility_criteria:
        rec.criteria = split_wrapped_criteria(rec.eligibility_criteria)
    rec.sex = nz.map_sex(t("eligibility/gender"))
    rec.min_age_years = nz.parse_age(t("eligibility/minimum_age"))
    rec.max_age_years = nz.parse_age(t("eligibility/maximum_age"))
    rec.healthy_volunteers = nz.map_bool(t("eligibility/healthy_volunteers"))

    # conditions, arms, interventions, outcomes
    rec.conditions = [v for el in study.findall("condition") if (v := _text(el))]
    rec.keywords = [v for el in study.findall("keyword") if (v := _text(el))]
    for el in study.findall("arm_group"):
        label = _text(el, "arm_group_label")
        if label:
            rec.arms.append(Arm(label=label, arm_type=nz.map_arm_type(_text(el, "arm_group_type")),
                                description=dedent_block(el.findtext("description"))))
    arm_by_label = {arm.label: arm for arm in rec.arms}
    for el in study.findall("intervention"):
        name = _text(el, "intervention_name")
        if not name:
            continue
        labels = [v for a in el.findall("arm_group_label") if (v := _text(a))]
        rec.interventions.append(Intervention(
            name=name, intervention_type=nz.map_intervention_type(_text(el, "intervention_type")),
            description=dedent_block(el.findtext("description")), arm_labels=labels,
            other_names=[v for o in el.findall("other_name") if (v := _text(o))],
        ))
        for label in labels:
            arm = arm_by_label.get(label)
            if arm is not None and name not in arm.intervention_names:
                arm.intervention_names.append(name)
    for kind in ("primary", "secondary", "other"):
        for el in study.findall(f"{kind}_outcome"):
            measure = _text(el, "measure")
            time_frame = _text(el, "time_frame")
            description = dedent_block(el.findtext("description"))
            if measure or time_frame or description:
                rec.outcomes.append(Outcome(outcome_type=kind, measure=measure, time_frame=time_frame,
                                            description=description))

    # people and places
    for tag in ("overall_contact", "overall_contact_backup"):
        node = study.find(tag)
        if node is not None and (contact := _contact(node, "CONTACT")) is not None:
            rec.contacts.append(contact)
    for el in study.findall("location"):
        site = Site(
            facility=_text(el, "facility/name"), city=_text(el, "facility/address/city"),
            state=_text(el, "facility/address/state"), zip=_text(el, "facility/address/zip"),
            country=_text(el, "facility/address/country"), status=nz.map_status(_text(el, "status")),
        )
        if any((site.facility, site.city, site.state, site.zip, site.country)):
            rec.sites.append(site)
        for tag in ("contact", "contact_backup"):
            node = el.find(tag)
            if node is not None and (contact := _contact(node, "CONTACT")) is not None:
                rec.contacts.append(contact)
    rec.countries = [v for el in study.findall("location_countries/country") if (v := _text(el))]
    if not rec.countries:
        rec.countries = list(dict.fromkeys(site.country for site in rec.sites if site.country))
    for el in study.findall("overall_official"):
        name, affiliation = _name(_text(el, "last_name")), _text(el, "affiliation")
        if name or affiliation:
            rec.officials.append(Official(name=name, role=_upper_snake(_text(el, "role")), affiliation=affiliation))
    for tag, ref_type in (("reference", None), ("results_reference", "RESULT")):
        for el in study.findall(tag):
            citation, pmid = _text(el, "citation"), _text(el, "PMID")
            if citation or pmid:
                rec.references.append(Reference(citation=citation, pmid=pmid, reference_type=ref_type))
    for tag, kind in (("condition_browse", "condition"), ("intervention_browse", "intervention")):
        for el in study.findall(f"{tag}/mesh_term"):
            if (term := _text(el)) is not None:
                rec.mesh_terms.append(MeshTerm(kind=kind, term=term))
    if rec.registry is None and rec.trial_id:
        rec.registry = registry_of(rec.trial_id)
    return rec


class CtgovXmlParser(Parser):
    """Legacy ClinicalTrials.gov ``<clinical_study>`` XML."""

    name = "ctgov_xml"
    kind = "format"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        head = text[:4000].lstrip("\ufeff \t\r\n")
        if not head.startswith("<"):
            return 0.0
        if re.search(r"<clinical_study[\s>]", head):
            return 0.98 if "<id_info>" in text[:20000] or "<required_header>" in head else 0.9
        if "<clinical_study" in text[:200000] and "<nct_id>" in text[:400000]:
            return 0.8
        return 0.0

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        root = safe_root(text)
        studies = [root] if root.tag == "clinical_study" else list(root.iter("clinical_study"))
        if not studies:
            raise ParseError(f"no <clinical_study> element (root element is <{root.tag}>)")
        records = [study_to_record(study) for study in studies]
        records = [r for r in records if r.trial_id or r.brief_title or r.official_title]
        if not records:
            raise ParseError("<clinical_study> has neither an NCT id nor a title")
        return records

    @classmethod
    def layout_of(cls, text: str) -> str | None:
        return "list" if text.count("<clinical_study") > 1 else "single"
