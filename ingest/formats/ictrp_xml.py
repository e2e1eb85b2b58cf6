"""WHO ICTRP XML exports: a ``<trials>`` root with one ``<trial>`` per registration.

Three dialects are read by case-insensitive tag aliases: the ICTRP data dump (``<trial><main>`` with
capitalised tags such as ``Public_Title``, ``Primary_sponsor``, ``Eligibility_criteria/Inclusion_criteria``),
the lower-case export written by registries on the OpenTrials software (IRCT, ReBEC: ``public_title``,
``criteria/inclusion_criteria``, ``agemin``) and the search portal's ``<Trials_downloaded_from_ICTRP>``
(``TrialID``, ``Public_title``, ``Inclusion_Criteria``…). Study designs are mapped only when stated
("Randomization: randomized", "double-blind"); ages "18Y" / "18 Years"; 0 and 150 are the registries'
"no limit" placeholders and read as unknown. Dates are day first. Criteria are taken from the inclusion and
exclusion fields separately (an IRCT-style inclusion field holding "Exclusion Criteria:" is split there).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as std_et

from ingest import normalize as nz
from ingest.base import Parser
from ingest.errors import ParseError
from ingest.formats.ctgov_xml import safe_date, safe_root, section_criteria
from ingest.ids import find_ids, registry_of
from ingest.model import Contact, Criterion, Identifier, Intervention, Outcome, Sponsor, TrialRecord

_REGISTRIES = {
    "isrctn": "ISRCTN", "irct": "IRCT", "rebec": "ReBEC", "anzctr": "ANZCTR", "actrn": "ANZCTR",
    "chictr": "ChiCTR", "ctri": "CTRI", "drks": "DRKS", "ntr": "NTR", "pactr": "PACTR", "jprn": "UMIN",
    "umin": "UMIN", "kct": "CRIS", "cris": "CRIS", "tctr": "TCTR", "euctr": "EudraCT",
    "clinicaltrials gov": "ClinicalTrials.gov", "ct gov": "ClinicalTrials.gov", "rpcec": "RPCEC",
    "slctr": "SLCTR", "lbctr": "LBCTR", "itmctr": "ITMCTR", "jrct": "jRCT",
}
_EMPTY = {"", "n/a", "na", "none", "-", "not applicable", "nil", "null"}
_CODE = re.compile(r"^[A-Za-z]?\d{1,3}(?:\.\d+)*$")
_ROMAN_ITEM = re.compile(r"^\s*(?:[IVX]{1,6}|[ivx]{1,6})[.)]\s+")
_ENUM_LINE = re.compile(r"^\s*(?:[IVX]{1,6}[.)]|[ivx]{1,6}[.)]|\d{1,2}[.)]|[-*•])\s+")


class _Trial:
    """Case-insensitive access to one ``<trial>`` element's descendants."""

    def __init__(self, el: std_et.Element) -> None:
        self.el = el
        self.index: dict[str, list[std_et.Element]] = {}
        for node in el.iter():
            self.index.setdefault(node.tag.lower(), []).append(node)

    def all(self, *tags: str) -> list[str]:
        out = []
        for tag in tags:
            for node in self.index.get(tag.lower(), []):
                value = _clean(node.text)
                if value is not None:
                    out.append(value)
        return out

    def first(self, *tags: str) -> str | None:
        for tag in tags:
            values = self.all(tag)
            if values:
                return values[0]
        return None


def _clean(text: str | None) -> str | None:
    """Strip padding on every line; placeholders ("N/A", "-", "None") become None."""
    if text is None:
        return None
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    value = nz.clean_text(re.sub(r"\n{3,}", "\n\n", "\n".join(lines)))
    if value is None or value.lower() in _EMPTY:
        return None
    return re.sub(r"[ \t]{2,}", " ", value)


def _age(value: str | None) -> float | None:
    """``18Y`` / ``18 Years`` / ``6M`` → years; 0, 150+ and "no limit" → None.

    >>> _age("18Y"), _age("6M"), _age("0"), _age("150"), _age("no limit")
    (18.0, 0.5, None, None, None)
    """
    if value is None:
        return None
    text = value.strip()
    if m := re.fullmatch(r"(\d+(?:\.\d+)?)\s*([YyMmWwDd])", text):
        text = m[1] + " " + {"y": "years", "m": "months", "w": "weeks", "d": "days"}[m[2].lower()]
    years = nz.parse_age(text)
    if years is None or years <= 0 or years >= 150:
        return None
    return years


def _target_size(value: str | None) -> int | None:
    """``2400`` or ``20,000 (sub-group: up to 1,000)`` → the leading number."""
    if value is None:
        return None
    number = nz.parse_int(value)
    if number is not None:
        return number
    m = re.match(r"\s*(\d{1,3}(?:,\d{3})+|\d+)\s*(?:\(|;|$)", value)
    return nz.parse_int(m[1]) if m else None


def _registry(reg_name: str | None, trial_id: str) -> str | None:
    found = registry_of(trial_id)
    if found:
        return found
    if reg_name:
        key = re.sub(r"[^a-z]+", " ", reg_name.lower()).strip()
        return _REGISTRIES.get(key)
    return None


def _design(text: str | None) -> dict[str, str | None]:
    """Allocation, masking, model and purpose stated in a free-text design."""
    out: dict[str, str | None] = {"allocation": None, "masking": None, "model": None, "purpose": None}
    if not text:
        return out
    low = text.lower()
    fields = dict(
        (k.strip().lower(), v.strip(" .").lower())
        for k, v in re.findall(r"([A-Za-z][A-Za-z ]{2,30}):\s*([^.:]*?)(?=\.\s|\.$|$|\s{2,}[A-Z])", text)
    )
    alloc = fields.get("randomization") or fields.get("randomisation") or fields.get("allocation")
    if alloc:
        out["allocation"] = nz.map_allocation(alloc)
    elif re.search(r"\bnon[- ]?randomi[sz]ed\b", low):
        out["allocation"] = "NON_RANDOMIZED"
    elif re.search(r"\brandomi[sz]ed\b", low):
        out["allocation"] = "RANDOMIZED"
    blinding = fields.get("blinding") or fields.get("masking")
    if blinding:
        out["masking"] = nz.map_masking(blinding.replace("-", " "))
    else:
        found = {level for word, level in (("quadruple", "QUADRUPLE"), ("triple", "TRIPLE"), ("double", "DOUBLE"),
                                           ("single", "SINGLE")) if re.search(rf"\b{word}[- ]blind", low)}
        if re.search(r"\bopen[- ]label\b|\bunblinded\b|\bnon[- ]blinded\b|\bnot blinded\b", low):
            found.add("NONE")
        out["masking"] = found.pop() if len(found) == 1 else None
    assignment = fields.get("assignment") or fields.get("intervention model")
    if assignment:
        out["model"] = nz.map_intervention_model(assignment)
    else:
        found = {model for pattern, model in ((r"\bparallel\b", "PARALLEL"), (r"\bcross[- ]?over\b", "CROSSOVER"),
                                              (r"\bfactorial\b", "FACTORIAL"), (r"\bsingle[- ]arm\b", "SINGLE_GROUP"),
                                              (r"\bsingle[- ]group\b", "SINGLE_GROUP")) if re.search(pattern, low)}
        out["model"] = found.pop() if len(found) == 1 else None
    purpose = fields.get("purpose") or fields.get("primary purpose")
    out["purpose"] = nz.map_purpose(purpose) if purpose else None
    return out


def _split_list(text: str | None, label: str) -> list[str]:
    """Free text → items: ``Label 1: … Label 2: …`` markers, else one item per line / ``;`` part."""
    if not text:
        return []
    if re.search(rf"\b{label}\s*\d+\s*:", text, re.I):
        parts = re.split(rf"\b{label}\s*\d+\s*:", text, flags=re.I)
    else:
        parts = re.split(r"\n|;|<br\s*/?>", text)
    return [p for part in parts if (p := nz.clean_text(part.strip(" .\t")))]


def _outcomes(texts: list[str], kind: str) -> list[Outcome]:
    out = []
    for text in texts:
        lines = [line for line in text.split("\n") if line.strip()]
        items = [text]
        if len(lines) > 1 and all(_ENUM_LINE.match(line) for line in lines):
            items = [_ENUM_LINE.sub("", line).strip() for line in lines]
        for item in items:
            m = re.match(r"(?s)(.*?)\.?\s*Timepoint:\s*(.*?)(?:\.?\s*Method of measurement:\s*(.*))?$", item)
            if m and m[1].strip():
                out.append(Outcome(outcome_type=kind, measure=m[1].strip(), time_frame=_clean(m[2]),
                                   description=_clean(f"Method of measurement: {m[3]}") if m[3] else None))
            else:
                out.append(Outcome(outcome_type=kind, measure=item))
    return out


def _typed(line: str) -> tuple[str | None, str]:
    """``Drug: Losartan`` → ("DRUG", "Losartan"); a line without a known type prefix → (None, line)."""
    if m := re.match(r"([A-Za-z /]{3,25}):\s*(.+)", line, re.S):
        mapped = nz.map_intervention_type(m[1])
        if mapped:
            return mapped, m[2].strip()
    return None, line


def _short(text: str) -> str:
    first = text.split("\n", 1)[0].strip()
    return first if len(first) <= 250 else first[:250].rsplit(" ", 1)[0]


def _interventions(text: str) -> list[Intervention]:
    """Free-text interventions: ``Intervention 1: …`` items, ``Drug: …`` lines, else one entry.

    >>> [(i.name, i.intervention_type, i.other_names) for i in _interventions(
    ...     "Drug: Lopinavir\\n200 mg twice daily\\nOther Name: Kaletra\\nDrug: Placebo")]
    [('Lopinavir', 'DRUG', ['Kaletra']), ('Placebo', 'DRUG', [])]
    """
    if re.search(r"\bintervention\s*\d+\s*:", text, re.I):
        out = []
        for item in _split_list(text, "intervention"):
            kind, name = _typed(item)
            out.append(Intervention(name=_short(name), intervention_type=kind,
                                    description=name if _short(name) != name else None))
        return out
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if any(_typed(line)[0] for line in lines):
        out, notes = [], []
        for line in lines:
            kind, name = _typed(line)
            if kind:
                out.append(Intervention(name=_short(name), intervention_type=kind))
                notes.append([])
            elif not out:
                continue
            elif m := re.match(r"other names?:\s*(.+)", line, re.I):
                out[-1].other_names.append(m[1].strip())
            else:
                notes[-1].append(line)
        for iv, extra in zip(out, notes, strict=True):
            iv.description = "\n".join(extra) or None
        return out
    return [Intervention(name=_short(text), description=text if _short(text) != text else None)]


def _outcome_texts(tr: _Trial, container: str, leaf: str) -> list[str]:
    """Outcome texts: ``<prim_outcome>`` leaves, ``<Outcome_Name>`` children, or the container's own text."""
    out = tr.all(leaf)
    if out:
        return out
    for node in tr.index.get(container, []):
        names = [n for n in node if n.tag.lower() == "outcome_name"]
        texts = [_clean(n.text) for n in names] if names else ([_clean(node.text)] if len(node) == 0 else [])
        out.extend(t for t in texts if t)
    return out


def _criteria_items(text: str, kind: str) -> list[Criterion]:
    return [Criterion(criterion_type=kind, ordinal=c.ordinal, text=_ROMAN_ITEM.sub("", c.text).strip() or c.text)
            for c in section_criteria(text, kind)]


def _strip_label(text: str | None, word: str) -> str | None:
    if text is None:
        return None
    return nz.clean_text(re.sub(rf"^\s*{word}\s+criteria\s*:?\s*", "", text, flags=re.I))


def trial_to_record(el: std_et.Element) -> TrialRecord | None:
    """One ``<trial>`` element → a record, or None when it holds no id and no title."""
    tr = _Trial(el)
    raw_id = tr.first("trial_id", "TrialID", "main_id")
    title = tr.first("public_title", "Public_title")
    if raw_id is None and title is None:
        return None
    found = find_ids(raw_id or "")
    trial_id = found[0][1] if found and len(found) == 1 else raw_id
    rec = TrialRecord(trial_id=trial_id)
    rec.registry = _registry(tr.first("reg_name", "Source_Register"), trial_id) if trial_id else None
    rec.brief_title = title
    rec.official_title = tr.first("scientific_title", "Scientific_title")
    rec.acronym = tr.first("acronym", "Acronym", "scientific_acronym")
    rec.first_posted_date = safe_date(tr.first("date_registration", "Date_registration"))
    rec.last_update_date = safe_date(tr.first("last_updated", "Last_Refreshed_on"))
    rec.start_date = safe_date(tr.first("date_enrolment", "Date_enrolement", "Date_enrollement"))
    rec.enrollment = _target_size(tr.first("target_size"))
    if rec.enrollment is not None:
        rec.enrollment_type = nz.map_date_type(tr.first("type_enrolment"))
    status = tr.first("recruitment_status")
    rec.overall_status = nz.map_status(status)
    if rec.overall_status is None and status and "/" in status:
        rec.overall_status = nz.map_status(status.rsplit("/", 1)[1])
    rec.study_type = nz.map_study_type(tr.first("study_type"))
    design_text = tr.first("study_design")
    design = _design(design_text)
    rec.allocation, rec.masking = design["allocation"], design["masking"]
    rec.intervention_model, rec.primary_purpose = design["model"], design["purpose"]
    rec.phase = nz.map_phase(tr.first("phase"))
    url = tr.first("url", "web_address")
    if url and not re.match(r"https?://(?:127\.0\.0\.1|localhost)\b", url):
        rec.source_url = url

    lead = tr.first("primary_sponsor")
    if lead:
        rec.lead_sponsor = lead
        rec.sponsors.append(Sponsor(name=lead, lead_or_collaborator="lead"))
    for name in tr.all("sponsor_name", "Secondary_Sponsor"):
        if name != lead:
            rec.sponsors.append(Sponsor(name=name, lead_or_collaborator="collaborator"))

    rec.conditions = [c for text in tr.all("hc_freetext", "Condition_FreeText", "Condition")
                      for c in _split_list(text, "condition")]
    rec.keywords = [k for k in tr.all("hc_keyword", "i_keyword") if not _CODE.match(k)]
    for text in tr.all("i_freetext", "Intervention_FreeText", "Intervention"):
        rec.interventions.extend(_interventions(text))
    rec.outcomes = _outcomes(_outcome_texts(tr, "primary_outcome", "prim_outcome"), "primary") + _outcomes(
        _outcome_texts(tr, "secondary_outcome", "sec_outcome"), "secondary")

    inclusion = _strip_label(tr.first("inclusion_criteria"), "inclusion")
    exclusion = _strip_label(tr.first("exclusion_criteria"), "exclusion")
    if inclusion and not exclusion:
        parts = re.split(r"(?im)^[^\S\n]*exclusion\s+criteria\s*:?\s*", inclusion, maxsplit=1)
        if len(parts) == 2:
            inclusion, exclusion = nz.clean_text(parts[0]), nz.clean_text(parts[1])
    sections = []
    if inclusion:
        sections.append(f"Inclusion Criteria:\n{inclusion}")
    if exclusion:
        sections.append(f"Exclusion Criteria:\n{exclusion}")
    rec.eligibility_criteria = "\n\n".join(sections) or None
    rec.criteria = (_criteria_items(inclusion, "inclusion") if inclusion else []) + (
        _criteria_items(exclusion, "exclusion") if exclusion else [])
    rec.min_age_years = _age(tr.first("agemin", "Inclusion_agemin"))
    rec.max_age_years = _age(tr.first("agemax", "Inclusion_agemax"))
    rec.sex = nz.map_sex(tr.first("gender", "Inclusion_sex", "Inclusion_gender"))

    for text in tr.all("country2", "Country", "Countries"):
        for country in re.split(r";|\n", text):
            country = country.strip()
            if country and country.lower() != "international" and country not in rec.countries:
                rec.countries.append(country)
    flat = [n for n in tr.index.get("contacts", []) if any(c.tag.lower() == "firstname" for c in n)]
    for node in tr.index.get("contact", []) + flat:
        get = {c.tag.lower(): _clean(c.text) for c in node}
        name = " ".join(p for p in (get.get("firstname"), get.get("middlename"), get.get("lastname")) if p) or None
        if name or get.get("email") or get.get("telephone"):
            role = get.get("type")
            rec.contacts.append(Contact(role=role.upper() if role else None, name=name, phone=get.get("telephone"),
                                        email=get.get("email")))

    utrn = tr.first("utrn")
    if utrn and re.fullmatch(r"U\d{4}-\d{4}-\d{4}", utrn):
        rec.identifiers.append(Identifier(id_value=utrn, id_type="utrn", domain="WHO UTN"))
    for node in tr.index.get("secondary_id", []):
        if len(node):
            values = [_clean(node.findtext("sec_id"))]
            authority = _clean(node.findtext("issuing_authority"))
        else:
            values, authority = [_clean(node.text)], None
        _add_ids(rec, values, authority)
    for text in tr.all("SecondaryID", "Secondary_ID"):
        _add_ids(rec, [text], None)
    return rec


def _add_ids(rec: TrialRecord, values: list[str | None], authority: str | None) -> None:
    for value in values:
        for part in re.split(r";|\n", value or ""):
            part = part.strip()
            if not part or part == rec.trial_id:
                continue
            found = find_ids(part)
            domain = found[0][0] if len(found) == 1 and found[0][1] == part else authority
            if all(i.id_value != part for i in rec.identifiers):
                rec.identifiers.append(Identifier(id_value=part, id_type="secondary_id", domain=domain))


class IctrpXmlParser(Parser):
    """WHO ICTRP XML (data dump, registry exports, portal download)."""

    name = "ictrp_xml"
    kind = "format"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        head = text[:5000].lstrip("\ufeff \t\r\n")
        if not head.startswith("<"):
            return 0.0
        if "<Trials_downloaded_from_ICTRP" in head:
            return 0.97
        if re.search(r"<trials[\s>]", head, re.I) and re.search(r"<trial[\s>]", head, re.I):
            if re.search(r"<(?:main|reg_name|trial_id|TrialID)>", text[:20000], re.I):
                return 0.95
            return 0.6
        return 0.0

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        root = safe_root(text)
        trials = [n for n in root.iter() if n.tag.lower() == "trial"]
        if not trials:
            raise ParseError(f"no <trial> element (root element is <{root.tag}>)")
        records = [r for t in trials if (r := trial_to_record(t)) is not None]
        if not records:
            raise ParseError("no <trial> holds a trial id or a public title")
        return records

    @classmethod
    def layout_of(cls, text: str) -> str | None:
        head = text[:5000]
        if "<Trials_downloaded_from_ICTRP" in head:
            return "portal"
        return "dump" if "<Public_Title>" in text[:20000] or "<Primary_sponsor>" in text[:20000] else "registry_export"
