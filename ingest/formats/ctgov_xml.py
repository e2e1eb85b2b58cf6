"""Legacy ClinicalTrials.gov XML: one ``<clinical_study>`` record (schema ``public.xsd``, 2000s–2023 downloads).

Element paths follow REFERENCE_NOTES §2.4. Text blocks (``<textblock>``) keep their line breaks; the legacy
fixed indentation is removed. Eligibility items are read here (:func:`split_wrapped_criteria`): hard-wrapped
lines rejoin and nested bullets stay with their parent, as the v2 JSON of the same trial gives them. Older
records lacking the newer elements fall back to ``firstreceived_date`` / ``lastchanged_date`` and to the
free-text ``<study_design>``; "[Redacted]" names are unknown. Documents declaring entities or external
references are refused with a ParseError (:func:`safe_root`: expat's C tree builder when there is no DOCTYPE,
defusedxml otherwise); the bulky ``<clinical_results>`` is skipped when only its presence can matter.

Shared with the other machine-format parsers: :func:`safe_root`, :func:`safe_date`, :func:`section_criteria`.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
import xml.etree.ElementTree as std_et
from xml.parsers import expat

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
    """Parse XML text with entity expansion and external references refused; ParseError on any failure.

    Entities can only be declared, and external resources only named, inside a ``<!DOCTYPE …>``. A document
    without one is read by the C parser (expat builds the tree; nothing can be expanded or fetched); one with a
    DOCTYPE goes through defusedxml, which refuses entity declarations and external references.
    """
    text = text.lstrip("\ufeff")
    if "<!DOCTYPE" in text:
        return _defused_root(text)
    try:
        return std_et.XML(text)
    except std_et.ParseError as exc:
        raise ParseError(f"not well-formed XML: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"unreadable XML: {exc}") from None


def _defused_root(text: str) -> std_et.Element:
    """defusedxml's reading of a document with a DOCTYPE."""
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
    text = raw
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text:
        text = text.replace("\t", "    ")
    if "\u00a0" in text:
        text = text.replace("\u00a0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    first, last = 0, len(lines)
    while first < last and not lines[first]:
        first += 1
    while last > first and not lines[last - 1]:
        last -= 1
    lines = lines[first:last]
    # textwrap.dedent of these lines: each kept line ends in a non-space, so the margin is the fewest leading
    # spaces of a non-empty line (tabs are spaces by now) and is cut from every non-empty line
    text = "\n".join(lines)
    margin = min(map(len, _INDENT.findall(text)), default=0)
    if margin:
        text = "\n".join([line[margin:] for line in lines])
    if "\n\n\n" in text:
        text = _BLANK_RUN.sub("\n\n", text)
    return nz.clean_text(text)


_BLANK_RUN = re.compile(r"\n{3,}")
#: The leading spaces of each non-empty line.
_INDENT = re.compile(r"^ *(?=[^ \n])", re.M)


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


# ---- element access ----------------------------------------------------------------------------------------------
#: ``find`` / ``findall`` / ``findtext`` of a plain tag run in C; a path ``a/b/c`` goes through Python's ElementPath
#: (every ``c`` child of every ``b`` child of every ``a`` child, in document order). The study's children are
#: indexed by tag once (:func:`_kids`) and paths are walked a step at a time (:func:`_under`), same order.

_NO_ELEMENTS: tuple = ()


def _kids(el: std_et.Element) -> dict[str, list[std_et.Element]]:
    """An element's children by tag, in document order."""
    index: dict[str, list[std_et.Element]] = {}
    for child in el:
        found = index.get(child.tag)
        if found is None:
            index[child.tag] = [child]
        else:
            found.append(child)
    return index


def _under(elements, tag: str) -> list[std_et.Element]:
    """The ``tag`` children of every element of ``elements``, in document order."""
    return [child for el in elements for child in el if child.tag == tag]


def _first(elements) -> std_et.Element | None:
    return elements[0] if elements else None


def _node_text(node: std_et.Element | None) -> str | None:
    """All text inside an element (its ``itertext``), cleaned; None for a missing element or blank text."""
    if node is None:
        return None
    text = "".join(node.itertext()) if len(node) else node.text or ""
    if "\r" not in text and "\u00a0" not in text:
        return text.strip() or None  # what nz.clean_text returns, without the call
    return nz.clean_text(text)


def _texts(elements) -> list[str]:
    """The non-empty texts of ``elements``."""
    return [v for el in elements if (v := _node_text(el))]


def _findtext(kids: dict[str, list[std_et.Element]], tag: str) -> str | None:
    """``Element.findtext(tag)``: the direct text of the first ``tag`` child, ``""`` when empty, None when absent."""
    found = kids.get(tag)
    return (found[0].text or "") if found else None


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
    name = _node_text(el.find("last_name"))
    phone = _node_text(el.find("phone"))
    ext = _node_text(el.find("phone_ext"))
    if phone and ext:
        phone = f"{phone} ext. {ext}"
    email = _node_text(el.find("email"))
    if not (name or phone or email):
        return None
    return Contact(role=role, name=name, phone=phone, email=email)


def _location(el: std_et.Element) -> tuple[Site, tuple[std_et.Element | None, std_et.Element | None]]:
    """A ``<location>``'s site and its ``contact`` / ``contact_backup`` elements.

    Each value is the first match in document order, as ``find("facility/address/city")`` gives it.
    """
    name = city = state = zip_code = country = None
    for facility in el.findall("facility"):
        if name is None:
            name = facility.find("name")
        for address in facility.findall("address"):
            if city is None:
                city = address.find("city")
            if state is None:
                state = address.find("state")
            if zip_code is None:
                zip_code = address.find("zip")
            if country is None:
                country = address.find("country")
    site = Site(
        facility=_node_text(name), city=_node_text(city), state=_node_text(state), zip=_node_text(zip_code),
        country=_node_text(country), status=nz.map_status(_node_text(el.find("status"))),
    )
    return site, (el.find("contact"), el.find("contact_backup"))


def study_to_record(study: std_et.Element) -> TrialRecord:
    """One ``<clinical_study>`` element → a record."""
    kids = _kids(study)

    def t(tag: str, *path: str) -> str | None:
        """The text of ``find("tag/path…")``."""
        found = kids.get(tag, _NO_ELEMENTS)
        for step in path:
            found = _under(found, step)
        return _node_text(found[0]) if found else None

    def all_of(tag: str, *path: str) -> list[std_et.Element]:
        """``findall("tag/path…")``."""
        found = kids.get(tag, _NO_ELEMENTS)
        for step in path:
            found = _under(found, step)
        return found

    nct = t("id_info", "nct_id")
    ids = find_ids(nct or "") if nct else []
    trial_id = ids[0][1] if ids and ids[0][0] == "ClinicalTrials.gov" else None
    url = t("required_header", "url")
    if trial_id is None:
        url_ids = find_ids(url or "")
        trial_id = url_ids[0][1] if url_ids else None
    rec = TrialRecord(trial_id=trial_id, registry="ClinicalTrials.gov" if trial_id else None)

    # identification
    rec.brief_title = t("brief_title")
    rec.official_title = t("official_title")
    rec.acronym = t("acronym")
    id_info = kids.get("id_info", _NO_ELEMENTS)
    if (org := _node_text(_first(_under(id_info, "org_study_id")))) is not None:
        rec.identifiers.append(_identifier(org, "org_study_id"))
    for el in _under(id_info, "secondary_id"):
        if (value := _node_text(el)) is not None:
            rec.identifiers.append(_identifier(value, "secondary_id"))
    for el in _under(id_info, "nct_alias"):
        if (value := _node_text(el)) is not None:
            alias = find_ids(value)
            rec.identifiers.append(Identifier(id_value=alias[0][1] if alias else value, id_type="nct_alias"))
    rec.source_url = url

    # status and dates
    rec.overall_status = nz.map_status(t("overall_status"))
    rec.last_known_status = nz.map_status(t("last_known_status"))
    rec.why_stopped = dedent_block(_findtext(kids, "why_stopped"))
    for name in ("start_date", "primary_completion_date", "completion_date"):
        el = _first(kids.get(name))
        if el is not None:
            setattr(rec, name, safe_date(_node_text(el)))
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
    design = kids.get("study_design_info", _NO_ELEMENTS)
    allocation = _node_text(_first(_under(design, "allocation"))) or legacy.get("allocation")
    model = _node_text(_first(_under(design, "intervention_model"))) or legacy.get("intervention model")
    masking = _node_text(_first(_under(design, "masking"))) or legacy.get("masking")
    purpose = _node_text(_first(_under(design, "primary_purpose"))) or legacy.get("primary purpose")
    rec.allocation = nz.map_allocation(allocation)
    rec.intervention_model = nz.map_intervention_model(model)
    rec.masking = nz.map_masking(masking)
    rec.who_masked = nz.who_masked(masking)
    rec.primary_purpose = nz.map_purpose(purpose)
    enrollment = _first(kids.get("enrollment"))
    if enrollment is not None:
        rec.enrollment = nz.parse_int(_node_text(enrollment))
        if rec.enrollment is not None:
            rec.enrollment_type = nz.map_date_type(enrollment.get("type"))

    # sponsors and oversight
    sponsors = kids.get("sponsors", _NO_ELEMENTS)
    lead_sponsor = _under(sponsors, "lead_sponsor")
    lead = _name(_node_text(_first(_under(lead_sponsor, "agency"))))
    if lead:
        rec.lead_sponsor = lead
        rec.lead_sponsor_class = nz.map_agency_class(_node_text(_first(_under(lead_sponsor, "agency_class"))))
        rec.sponsors.append(Sponsor(name=lead, lead_or_collaborator="lead", agency_class=rec.lead_sponsor_class))
    for el in _under(sponsors, "collaborator"):
        name = _name(_node_text(el.find("agency")))
        if name:
            rec.sponsors.append(Sponsor(name=name, lead_or_collaborator="collaborator",
                                        agency_class=nz.map_agency_class(_node_text(el.find("agency_class")))))
    rec.responsible_party = _name(t("responsible_party", "investigator_full_name")) or _upper_snake(
        t("responsible_party", "responsible_party_type"))
    rec.has_dmc = nz.map_bool(t("oversight_info", "has_dmc"))
    rec.ipd_sharing = _upper_snake(t("patient_data", "sharing_ipd"))
    rec.has_results = "clinical_results" in kids

    # descriptions and eligibility
    rec.brief_summary = textblock(_first(kids.get("brief_summary")))
    rec.detailed_description = textblock(_first(kids.get("detailed_description")))
    eligibility = kids.get("eligibility", _NO_ELEMENTS)
    rec.eligibility_criteria = textblock(_first(_under(eligibility, "criteria")))
    if rec.eligibility_criteria:
        rec.criteria = split_wrapped_criteria(rec.eligibility_criteria)
    rec.sex = nz.map_sex(_node_text(_first(_under(eligibility, "gender"))))
    rec.min_age_years = nz.parse_age(_node_text(_first(_under(eligibility, "minimum_age"))))
    rec.max_age_years = nz.parse_age(_node_text(_first(_under(eligibility, "maximum_age"))))
    rec.healthy_volunteers = nz.map_bool(_node_text(_first(_under(eligibility, "healthy_volunteers"))))

    # conditions, arms, interventions, outcomes
    rec.conditions = _texts(kids.get("condition", _NO_ELEMENTS))
    rec.keywords = _texts(kids.get("keyword", _NO_ELEMENTS))
    for el in kids.get("arm_group", _NO_ELEMENTS):
        label = _node_text(el.find("arm_group_label"))
        if label:
            rec.arms.append(Arm(label=label, arm_type=nz.map_arm_type(_node_text(el.find("arm_group_type"))),
                                description=dedent_block(el.findtext("description"))))
    arm_by_label = {arm.label: arm for arm in rec.arms}
    for el in kids.get("intervention", _NO_ELEMENTS):
        name = _node_text(el.find("intervention_name"))
        if not name:
            continue
        labels = _texts(el.findall("arm_group_label"))
        rec.interventions.append(Intervention(
            name=name, intervention_type=nz.map_intervention_type(_node_text(el.find("intervention_type"))),
            description=dedent_block(el.findtext("description")), arm_labels=labels,
            other_names=_texts(el.findall("other_name")),
        ))
        for label in labels:
            arm = arm_by_label.get(label)
            if arm is not None and name not in arm.intervention_names:
                arm.intervention_names.append(name)
    for kind in ("primary", "secondary", "other"):
        for el in kids.get(f"{kind}_outcome", _NO_ELEMENTS):
            measure = _node_text(el.find("measure"))
            time_frame = _node_text(el.find("time_frame"))
            description = dedent_block(el.findtext("description"))
            if measure or time_frame or description:
                rec.outcomes.append(Outcome(outcome_type=kind, measure=measure, time_frame=time_frame,
                                            description=description))

    # people and places
    for tag in ("overall_contact", "overall_contact_backup"):
        node = _first(kids.get(tag))
        if node is not None and (contact := _contact(node, "CONTACT")) is not None:
            rec.contacts.append(contact)
    for el in kids.get("location", _NO_ELEMENTS):
        site, contacts = _location(el)
        if any((site.facility, site.city, site.state, site.zip, site.country)):
            rec.sites.append(site)
        for node in contacts:
            if node is not None and (contact := _contact(node, "CONTACT")) is not None:
                rec.contacts.append(contact)
    rec.countries = _texts(all_of("location_countries", "country"))
    if not rec.countries:
        rec.countries = list(dict.fromkeys(site.country for site in rec.sites if site.country))
    for el in kids.get("overall_official", _NO_ELEMENTS):
        name, affiliation = _name(_node_text(el.find("last_name"))), _node_text(el.find("affiliation"))
        if name or affiliation:
            rec.officials.append(Official(name=name, role=_upper_snake(_node_text(el.find("role"))),
                                          affiliation=affiliation))
    for tag, ref_type in (("reference", None), ("results_reference", "RESULT")):
        for el in kids.get(tag, _NO_ELEMENTS):
            citation, pmid = _node_text(el.find("citation")), _node_text(el.find("PMID"))
            if citation or pmid:
                rec.references.append(Reference(citation=citation, pmid=pmid, reference_type=ref_type))
    for tag, kind in (("condition_browse", "condition"), ("intervention_browse", "intervention")):
        for el in all_of(tag, "mesh_term"):
            if (term := _node_text(el)) is not None:
                rec.mesh_terms.append(MeshTerm(kind=kind, term=term))
    if rec.registry is None and rec.trial_id:
        rec.registry = registry_of(rec.trial_id)
    return rec


_RESULTS_OPEN, _RESULTS_CLOSE = "<clinical_results>", "</clinical_results>"


def _study_root(text: str) -> std_et.Element:
    """:func:`safe_root` of a record, reading its ``<clinical_results>`` (posted results, often most of the
    document, of which a record only notes the presence) as an empty element when that is certainly the same.

    The cut is kept only when the results span is a well-formed element on its own, lies outside any comment,
    CDATA section or processing instruction, and every ``<clinical_results>`` of the cut tree is a child of the
    ``<clinical_study>`` root; otherwise (and on any parse error, so that messages are unchanged) the whole
    document is parsed.
    """
    body = text.lstrip("\ufeff")
    start = body.find(_RESULTS_OPEN)
    if start >= 0 and "<!DOCTYPE" not in body:
        close = body.find(_RESULTS_CLOSE, start)
        stop = close + len(_RESULTS_CLOSE)
        if close >= 0 and _outside_markup(body, start) and _well_formed(body[start:stop]):
            try:
                root = std_et.XML(f"{body[:start]}<clinical_results/>{body[stop:]}")
            except (std_et.ParseError, ValueError, RecursionError):
                root = None
            if root is not None and root.tag == "clinical_study" and (
                    sum(1 for _ in root.iter("clinical_results"))
                    == sum(1 for child in root if child.tag == "clinical_results")):
                return root
    return safe_root(text)


def _outside_markup(body: str, at: int) -> bool:
    """Whether position ``at`` is certainly outside comments, CDATA sections and processing instructions
    (documents with CDATA sections, or processing instructions after a leading XML declaration, never are)."""
    if "<![CDATA[" in body or body.find("<?", 1) >= 0:
        return False
    if body.startswith("<?") and not 0 <= body.find("?>", 2) <= at - 2:
        return False
    opened = body.rfind("<!--", 0, at)
    return opened < 0 or 0 <= body.find("-->", opened + 4) <= at - 3


def _well_formed(fragment: str) -> bool:
    """Whether ``fragment`` is a well-formed XML document by itself, namespaces included (nothing is built)."""
    checker = expat.ParserCreate(namespace_separator="}")
    try:
        checker.Parse(fragment, True)
    except (expat.ExpatError, ValueError, RecursionError):
        return False
    return True


def _records(text: str) -> list[TrialRecord]:
    root = _study_root(text)
    studies = [root] if root.tag == "clinical_study" else list(root.iter("clinical_study"))
    if not studies:
        raise ParseError(f"no <clinical_study> element (root element is <{root.tag}>)")
    records = [study_to_record(study) for study in studies]
    records = [r for r in records if r.trial_id or r.brief_title or r.official_title]
    if not records:
        raise ParseError("<clinical_study> has neither an NCT id nor a title")
    return records


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
        # The element tree holds no reference cycles and is freed before this returns: pausing the cyclic garbage
        # collector meanwhile spares the repeated traversals (and promotions) that building thousands of elements
        # otherwise triggers.
        paused = gc.isenabled()
        if paused:
            gc.disable()
        try:
            return _records(text)
        finally:
            if paused:
                gc.enable()

    @classmethod
    def layout_of(cls, text: str) -> str | None:
        return "list" if text.count("<clinical_study") > 1 else "single"
