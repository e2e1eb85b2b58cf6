"""The retired classic ClinicalTrials.gov API JSON (``/api/query/full_studies`` and ``/api/query/study_fields``).

Two shapes, both with the classic field names (``NCTId``, ``OverallStatus``, ``ArmGroupLabel`` …) and legacy
value spellings (``"Active, not recruiting"``, ``"Phase 1"``, ``"March 5, 2019"``), mapped through
:mod:`ingest.normalize`:

* ``full_studies``: ``{"FullStudiesResponse": {"FullStudies": [{"Rank": 1, "Study": {"ProtocolSection": …}}]}}``
  (also a bare ``{"FullStudy": …}`` or ``{"Study": …}``): nested modules, so arms, interventions and their
  links are explicit.
* ``study_fields``: one flat dict per trial where every field is a list (``{"Rank": 1, "NCTId": ["NCT…"],
  "Phase": ["Phase 1", "Phase 2"], …}``), alone, in a JSON list, or in ``{"StudyFieldsResponse":
  {"StudyFields": [...]}}``. Repeating groups are parallel arrays; the API leaves out empty values, so two
  arrays of one group can differ in length.

Parallel arrays (study-fields shape). A group (sites, outcomes, arms, officials, references, contacts …) has
one row per value of its defining array (e.g. ``LocationFacility``/``City``/``Country``: the longest of them;
``PrimaryOutcomeMeasure``); another array of the group is attached index by index only when its length equals
the number of rows, otherwise that column stays empty for the whole group (values are never shifted onto the
wrong row). ``InterventionOtherName`` has no boundaries: it is attached only to a single intervention.

Arm ↔ intervention links (study-fields shape). ``ArmGroupInterventionName`` (AGIN) is every arm's
``"Type: name"`` list flattened in arm order, and ``InterventionArmGroupLabel`` (IAGL) every intervention's arm
labels flattened in intervention order, without boundaries. The rule, in order:

1. Degrees. When arm labels and intervention ``"Type: name"`` keys are unique and every entry of both arrays
   names a known arm / intervention, the number of times an intervention's key occurs in AGIN is its number of
   arms, and the number of times a label occurs in IAGL is the arm's number of interventions. Cutting IAGL by
   the first and AGIN by the second gives two link sets; when they are equal the links are rebuilt in full.
2. Search. Otherwise every way of cutting IAGL into one consecutive, non-empty run of distinct known labels
   per intervention (each intervention has at least one arm; an intervention whose key is unique has exactly
   as many arms as AGIN mentions it) is enumerated (bounded), and each cut is kept only if AGIN is exactly each
   arm's distinct intervention keys in arm order. A cut that AGIN contradicts is dropped; if AGIN contradicts
   every cut (or names unknown interventions), the IAGL cuts alone are used. A search that exceeds its bound
   (``SEARCH_LIMIT`` steps or 64 cuts) accepts nothing.
3. Single arm / single intervention. Without usable IAGL, a single arm gets every intervention whose key AGIN
   names once (and, when the record has no intervention fields at all, every name in AGIN); a single
   intervention gets every known label in IAGL (the search of step 2 finds exactly one cut).

When the accepted cuts agree, the links are rebuilt in full; when they differ, only the links common to all of
them are kept (partial); when nothing is certain, no link is made. A link is never guessed.
"""

from __future__ import annotations

import re
from typing import Any

from ingest.base import Parser
from ingest.errors import ParseError
from ingest.formats.ctgov_v2_json import (
    REGISTRY,
    as_dict,
    as_list,
    countries_of,
    enum_word,
    load_json,
    nct_id,
    peek_json,
    phone_text,
    strip_type_prefix,
    text,
)
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
    who_masked,
)

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_MARKER = re.compile(r'"(FullStudiesResponse|StudyFieldsResponse|FullStudy|ProtocolSection|NCTId)"\s*:')
#: Classic secondary-id type spellings → the v2 SecondaryIdType, lower case.
SECONDARY_ID_TYPES = {
    "u s nih grant contract": "nih", "u s fda grant contract": "fda", "u s va grant contract": "va",
    "u s cdc grant contract": "cdc", "u s ahrq grant contract": "ahrq", "u s samhsa grant contract": "samhsa",
    "other grant funding number": "other_grant", "eudract number": "eudract_number",
    "registry identifier": "registry", "other identifier": "other",
}
#: Upper bound on search steps when cutting the flattened link arrays (keeps pathological records fast).
SEARCH_LIMIT = 20000

#: (group, defining fields, other fields) of the repeating groups read from parallel arrays.
GROUPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "arms": (("ArmGroupLabel",), ("ArmGroupType", "ArmGroupDescription")),
    "interventions": (("InterventionName",), ("InterventionType", "InterventionDescription")),
    "primary": (("PrimaryOutcomeMeasure",), ("PrimaryOutcomeTimeFrame", "PrimaryOutcomeDescription")),
    "secondary": (("SecondaryOutcomeMeasure",), ("SecondaryOutcomeTimeFrame", "SecondaryOutcomeDescription")),
    "other": (("OtherOutcomeMeasure",), ("OtherOutcomeTimeFrame", "OtherOutcomeDescription")),
    "sites": (("LocationFacility", "LocationCity", "LocationCountry"),
              ("LocationState", "LocationZip", "LocationStatus")),
    "officials": (("OverallOfficialName",), ("OverallOfficialRole", "OverallOfficialAffiliation")),
    "references": (("ReferenceCitation",), ("ReferencePMID", "ReferenceType")),
    "collaborators": (("CollaboratorName",), ("CollaboratorClass",)),
    "central_contacts": (("CentralContactName",), ("CentralContactRole", "CentralContactPhone",
                                                    "CentralContactPhoneExt", "CentralContactEMail")),
    "location_contacts": (("LocationContactName",), ("LocationContactRole", "LocationContactPhone",
                                                      "LocationContactPhoneExt", "LocationContactEMail")),
    "secondary_ids": (("SecondaryId",), ("SecondaryIdType", "SecondaryIdDomain")),
    "condition_mesh": (("ConditionMeshTerm",), ("ConditionMeshId",)),
    "intervention_mesh": (("InterventionMeshTerm",), ("InterventionMeshId",)),
}


# ---- reading the two shapes ---------------------------------------------------------------------------------------

def _flatten(node: Any, out: dict[str, list]) -> None:
    """Collect every scalar of a nested classic module under its own field name (lists keep their order)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict):
                _flatten(value, out)
            elif isinstance(value, list):
                _flatten_list(key, value, out)
            elif value is not None:
                out.setdefault(key, []).append(value)


def _flatten_list(key: str, values: list, out: dict[str, list]) -> None:
    for value in values:
        if isinstance(value, dict):
            _flatten(value, out)
        elif isinstance(value, list):
            _flatten_list(key, value, out)
        elif value is not None:
            out.setdefault(key, []).append(value)


def _items(node: Any, *path: str) -> list[dict]:
    """The list of dicts at ``path`` in a nested classic study (``ArmGroupList``, ``ArmGroup`` …)."""
    for key in path:
        node = as_dict(node).get(key)
    return [item for item in as_list(node) if isinstance(item, dict)]


_FULL_GROUPS: dict[str, tuple[str, ...]] = {
    "arms": ("ArmsInterventionsModule", "ArmGroupList", "ArmGroup"),
    "interventions": ("ArmsInterventionsModule", "InterventionList", "Intervention"),
    "primary": ("OutcomesModule", "PrimaryOutcomeList", "PrimaryOutcome"),
    "secondary": ("OutcomesModule", "SecondaryOutcomeList", "SecondaryOutcome"),
    "other": ("OutcomesModule", "OtherOutcomeList", "OtherOutcome"),
    "sites": ("ContactsLocationsModule", "LocationList", "Location"),
    "officials": ("ContactsLocationsModule", "OverallOfficialList", "OverallOfficial"),
    "references": ("ReferencesModule", "ReferenceList", "Reference"),
    "collaborators": ("SponsorCollaboratorsModule", "CollaboratorList", "Collaborator"),
    "central_contacts": ("ContactsLocationsModule", "CentralContactList", "CentralContact"),
    "secondary_ids": ("IdentificationModule", "SecondaryIdInfoList", "SecondaryIdInfo"),
}


class _Study:
    """One classic study, whatever its shape: scalar fields by name and repeating groups as row dicts."""

    def __init__(self, fields: dict[str, Any], groups: dict[str, list[dict]], has_results: bool | None,
                 links: str | None = None) -> None:
        self.fields = fields
        self.groups = groups
        self.has_results = has_results
        self.links = links  # how the arm ↔ intervention links were rebuilt (study-fields shape only)

    def one(self, name: str) -> str | None:
        values = self.fields.get(name)
        if not isinstance(values, list):
            return text(values)  # a study-fields value that is not a list counts as a list of one
        for value in values:
            if (t := text(value)) is not None:
                return t
        return None

    def many(self, name: str) -> list[str]:
        values = self.fields.get(name)
        if not isinstance(values, list):
            return [t] if (t := text(values)) else []
        return [t for t in map(text, values) if t]


def _from_full(study: dict) -> _Study:
    protocol = as_dict(study.get("ProtocolSection"))
    derived = as_dict(study.get("DerivedSection"))
    fields: dict[str, list] = {}
    _flatten(protocol, fields)
    _flatten(derived, fields)
    groups = {name: [dict(item) for item in _items(protocol, *path)] for name, path in _FULL_GROUPS.items()}
    groups["location_contacts"] = [
        contact for site in groups["sites"] for contact in _items(site, "LocationContactList", "LocationContact")
    ]
    groups["condition_mesh"] = _items(derived, "ConditionBrowseModule", "ConditionMeshList", "ConditionMesh")
    groups["intervention_mesh"] = _items(derived, "InterventionBrowseModule", "InterventionMeshList",
                                         "InterventionMesh")
    for arm in groups["arms"]:
        arm["_links"] = [strip_type_prefix(t) for t in _texts_at(arm, "ArmGroupInterventionList",
                                                                  "ArmGroupInterventionName")]
    for iv in groups["interventions"]:
        iv["_links"] = _texts_at(iv, "InterventionArmGroupLabelList", "InterventionArmGroupLabel")
        iv["_other_names"] = _texts_at(iv, "InterventionOtherNameList", "InterventionOtherName")
    status = as_dict(protocol.get("StatusModule"))
    has_results = isinstance(study.get("ResultsSection"), dict) or bool(
        text(as_dict(status.get("ResultsFirstPostDateStruct")).get("ResultsFirstPostDate")))
    return _Study(fields, groups, has_results)


def _texts_at(node: dict, *path: str) -> list[str]:
    for key in path[:-1]:
        node = as_dict(node.get(key))
    return [t for t in (text(v) for v in as_list(node.get(path[-1]))) if t]


def _pair(record: dict, defining: tuple[str, ...], others: tuple[str, ...]) -> list[dict]:
    """Rows of one repeating group from parallel arrays; an array of another length is left out entirely."""
    size = 0
    for name in defining:
        values = record.get(name)
        if isinstance(values, list) and len(values) > size:
            size = len(values)
    if not size:
        return []
    rows: list[dict] = [{} for _ in range(size)]
    for name in defining + others:
        values = record.get(name)
        if isinstance(values, list) and len(values) == size:
            for row, value in zip(rows, values, strict=True):
                row[name] = value
    return rows


def _from_fields(record: dict) -> _Study:
    fields = record  # read through _Study._values, which treats a non-list value as a list of one
    groups = {name: _pair(record, defining, others) for name, (defining, others) in GROUPS.items()}
    names = [text(iv.get("InterventionName")) for iv in groups["interventions"]]
    other_names = [t for t in (text(v) for v in as_list(record.get("InterventionOtherName"))) if t]
    if len(groups["interventions"]) == 1:
        groups["interventions"][0]["_other_names"] = other_names
    labels = [text(arm.get("ArmGroupLabel")) or "" for arm in groups["arms"]]
    types = [text(iv.get("InterventionType")) for iv in groups["interventions"]]
    agin = [text(v) or "" for v in as_list(record.get("ArmGroupInterventionName"))]
    iagl = [text(v) or "" for v in as_list(record.get("InterventionArmGroupLabel"))]
    links, how = rebuild_links(labels, [n or "" for n in names], types, agin, iagl)
    # Order each side's links as the source lists them when the runs can be cut back out of the arrays.
    keys, agin_keys = _keys([n or "" for n in names], types, agin)
    iv_runs = _runs(iagl, [sum(1 for _, jj in links if jj == j) for j in range(len(names))])
    for j, iv in enumerate(groups["interventions"]):
        mine = sorted((labels[i] for i, jj in links if jj == j), key=labels.index)
        run = iv_runs[j] if iv_runs else None
        iv["_links"] = run if run is not None and sorted(run) == sorted(mine) else mine
    arm_runs = _runs(agin_keys, [len({keys[j] for ii, j in links if ii == i}) for i in range(len(labels))])
    for i, arm in enumerate(groups["arms"]):
        js = sorted(j for ii, j in links if ii == i)
        run = arm_runs[i] if arm_runs else None
        if run is not None and set(run) == {keys[j] for j in js}:
            js.sort(key=lambda j: run.index(keys[j]))
        arm["_links"] = list(dict.fromkeys(names[j] for j in js if names[j]))  # two interventions may share a name
    if len(groups["arms"]) == 1 and not groups["interventions"] and agin and all(agin):
        # A single arm owns every "Type: name" of AGIN even when the intervention fields are missing.
        groups["arms"][0]["_links"] = list(dict.fromkeys(strip_type_prefix(a) for a in agin))
    results = [as_list(record.get(k)) for k in ("ResultsFirstPostDate", "ResultsFirstSubmitDate")]
    has_results = True if any(results) else (False if "ResultsFirstSubmitDate" in record else None)
    return _Study(fields, groups, has_results, how)


# ---- arm ↔ intervention links from the flattened arrays ----------------------------------------------------------

def _keys(names: list[str], types: list[str | None], agin: list[str]) -> tuple[list[str], list[str]]:
    """Intervention keys as AGIN spells them (``"Type: name"``), and AGIN itself; bare names when types are unpaired."""
    if len(types) == len(names):
        return [f"{t}: {name}" if t else name for t, name in zip(types, names, strict=True)], agin
    return list(names), [strip_type_prefix(a) for a in agin]


def _runs(seq: list[str], sizes: list[int]) -> list[list[str]] | None:
    """``seq`` cut into consecutive runs of ``sizes``; ``None`` when the sizes do not add up to its length."""
    if sum(sizes) != len(seq):
        return None
    out, pos = [], 0
    for size in sizes:
        out.append(seq[pos:pos + size])
        pos += size
    return out


def rebuild_links(labels: list[str], names: list[str], types: list[str | None], agin: list[str],
                  iagl: list[str]) -> tuple[set[tuple[int, int]], str]:
    """Arm ↔ intervention links (arm index, intervention index) and how sure they are.

    The second value is ``full``, ``partial``, ``none`` (links exist but cannot be placed) or ``n/a`` (no arms,
    no interventions or no link arrays). See the module docstring for the rule.

    >>> links, how = rebuild_links(["A", "B"], ["x", "y"], ["Drug"] * 2, ["Drug: x", "Drug: y", "Drug: y"],
    ...                            ["A", "A", "B"])
    >>> sorted(links), how
    ([(0, 0), (0, 1), (1, 1)], 'full')
    >>> links, how = rebuild_links(["A", "B"], ["x", "y"], ["Drug"] * 2, [], ["A", "B", "A"])  # [A],[B,A] | [A,B],[A]
    >>> sorted(links), how
    ([(0, 0), (0, 1)], 'partial')
    """
    n, m = len(labels), len(names)
    if not n or not m or (not agin and not iagl):
        return set(), "n/a"
    keys, agin = _keys(names, types, agin)
    label_ix = {label: i for i, label in enumerate(labels)}
    key_ix: dict[str, list[int]] = {}
    for j, key in enumerate(keys):
        key_ix.setdefault(key, []).append(j)
    labels_ok = len(label_ix) == n and all(x in label_ix for x in iagl)
    agin_ok = all(a in key_ix for a in agin)
    unique_keys = len(key_ix) == m

    if labels_ok and agin_ok and unique_keys and agin and len(agin) == len(iagl):
        degrees = [agin.count(k) for k in keys]
        arm_degrees = [iagl.count(label) for label in labels]
        from_iagl = _cut(iagl, degrees, lambda x, j: (label_ix[x], j))
        from_agin = _cut(agin, arm_degrees, lambda x, i: (i, key_ix[x][0]))
        if from_iagl is not None and from_iagl == from_agin:
            return from_iagl, "full"

    candidates: list[set[tuple[int, int]]] = []
    if labels_ok and iagl:
        fixed = [agin.count(k) if agin_ok and agin and len(key_ix[k]) == 1 else None for k in keys]
        cuts = _search(iagl, m, n, fixed, label_ix)
        if cuts is None and any(fixed):
            cuts = _search(iagl, m, n, [None] * m, label_ix)
        if cuts is not None:
            agreed = [c for c in cuts if agin_ok and agin and _agin_matches(c, agin, keys, n)]
            candidates = agreed or cuts
    elif agin_ok and agin:
        if n == 1 and len(set(agin)) == len(agin) and all(len(key_ix[a]) == 1 for a in agin):
            candidates = [{(0, key_ix[a][0]) for a in agin}]
    if not candidates:
        return set(), "none"
    common = set.intersection(*candidates)
    if len(candidates) == 1 or all(c == common for c in candidates):
        return common, "full"
    return common, ("partial" if common else "none")


def _cut(seq: list[str], sizes: list[int], link) -> set[tuple[int, int]] | None:
    """Cut ``seq`` into consecutive runs of ``sizes`` (one per owner); ``None`` when a run repeats a value."""
    out: set[tuple[int, int]] = set()
    pos = 0
    for owner, size in enumerate(sizes):
        run = seq[pos:pos + size]
        pos += size
        if len(set(run)) != len(run):
            return None
        out.update(link(x, owner) for x in run)
    return out if pos == len(seq) else None


def _search(iagl: list[str], m: int, n: int, fixed: list[int | None],
            label_ix: dict[str, int]) -> list[set[tuple[int, int]]] | None:
    """Every cut of IAGL into ``m`` non-empty runs of distinct labels; ``None`` when there is none or too many."""
    total = len(iagl)
    found: list[set[tuple[int, int]]] = []
    steps = 0
    runs: list[tuple[int, int]] = []

    def walk(j: int, pos: int) -> bool:
        nonlocal steps
        steps += 1
        if steps > SEARCH_LIMIT or len(found) > 64:
            return False
        left = m - j
        if left == 0:
            if pos == total:
                found.append({(label_ix[iagl[a]], jj) for jj, (s, e) in enumerate(runs) for a in range(s, e)})
            return True
        if total - pos < left or total - pos > left * n:
            return True
        sizes = [fixed[j]] if fixed[j] else range(1, min(n, total - pos - (left - 1)) + 1)
        for size in sizes:
            run = iagl[pos:pos + size]
            if len(run) < size or len(set(run)) != size:
                break
            runs.append((pos, pos + size))
            ok = walk(j + 1, pos + size)
            runs.pop()
            if not ok:
                return False
        return True

    if not walk(0, 0) or not found:
        return None
    return found


def _agin_matches(links: set[tuple[int, int]], agin: list[str], keys: list[str], n: int) -> bool:
    """Whether AGIN is, arm after arm, exactly each arm's distinct intervention keys under ``links``."""
    per_arm: list[set[str]] = [set() for _ in range(n)]
    for i, j in links:
        per_arm[i].add(keys[j])
    pos = 0
    for wanted in per_arm:
        run = agin[pos:pos + len(wanted)]
        pos += len(wanted)
        if len(run) != len(wanted) or set(run) != wanted:
            return False
    return pos == len(agin)


# ---- one study → one record ---------------------------------------------------------------------------------------

def _secondary_id_type(value: str | None) -> str:
    if value is None:
        return "secondary_id"
    key = _NON_ALNUM.sub(" ", value.lower()).strip()
    return SECONDARY_ID_TYPES.get(key) or key.replace(" ", "_")


_OUTCOME_KEYS = {
    kind: tuple(f"{prefix}Outcome{part}" for part in ("Measure", "TimeFrame", "Description"))
    for kind, prefix in (("primary", "Primary"), ("secondary", "Secondary"), ("other", "Other"))
}


def _record(study: _Study) -> TrialRecord:
    one, many, groups = study.one, study.many, study.groups
    rec = TrialRecord(trial_id=nct_id(one("NCTId")), registry=REGISTRY)
    rec.brief_title, rec.official_title, rec.acronym = one("BriefTitle"), one("OfficialTitle"), one("Acronym")
    rec.overall_status = map_status(one("OverallStatus"))
    rec.last_known_status = map_status(one("LastKnownStatus"))
    rec.why_stopped = one("WhyStopped")
    phases = many("Phase")
    rec.phase = map_phase(phases) if phases else None
    rec.study_type = map_study_type(one("StudyType"))
    rec.allocation = map_allocation(one("DesignAllocation"))
    rec.intervention_model = map_intervention_model(one("DesignInterventionModel"))
    rec.masking = map_masking(one("DesignMasking"))
    rec.who_masked = "|".join(w for w in (who_masked(v) for v in many("DesignWhoMasked")) if w) or None
    rec.primary_purpose = map_purpose(one("DesignPrimaryPurpose"))
    rec.enrollment = parse_int(one("EnrollmentCount"))
    rec.enrollment_type = map_date_type(one("EnrollmentType"))
    for attr, name in (("start_date", "StartDate"), ("primary_completion_date", "PrimaryCompletionDate"),
                       ("completion_date", "CompletionDate")):
        setattr(rec, attr, parse_date(one(name)))
        setattr(rec, attr + "_type", map_date_type(one(name + "Type")))
    rec.first_posted_date = parse_date(one("StudyFirstPostDate"))
    rec.results_first_posted_date = parse_date(one("ResultsFirstPostDate"))
    rec.last_update_date = parse_date(one("LastUpdatePostDate"))
    rec.verified_date = parse_date(one("StatusVerifiedDate"))

    rec.lead_sponsor = one("LeadSponsorName")
    rec.lead_sponsor_class = map_agency_class(one("LeadSponsorClass"))
    if rec.lead_sponsor:
        rec.sponsors.append(Sponsor(rec.lead_sponsor, "lead", rec.lead_sponsor_class))
    for row in groups["collaborators"]:
        if name := text(row.get("CollaboratorName")):
            rec.sponsors.append(Sponsor(name, "collaborator", map_agency_class(text(row.get("CollaboratorClass")))))
    rec.responsible_party = one("ResponsiblePartyInvestigatorFullName") or enum_word(one("ResponsiblePartyType"))

    rec.brief_summary, rec.detailed_description = one("BriefSummary"), one("DetailedDescription")
    rec.eligibility_criteria = one("EligibilityCriteria")
    rec.sex = map_sex(one("Gender"))
    rec.min_age_years, rec.max_age_years = parse_age(one("MinimumAge")), parse_age(one("MaximumAge"))
    rec.healthy_volunteers = map_bool(one("HealthyVolunteers"))
    rec.has_results = study.has_results
    rec.has_dmc = map_bool(one("OversightHasDMC"))
    rec.ipd_sharing = enum_word(one("IPDSharing"))
    rec.conditions, rec.keywords = many("Condition"), many("Keyword")

    for row in groups["arms"]:
        if label := text(row.get("ArmGroupLabel")):
            rec.arms.append(Arm(label, map_arm_type(text(row.get("ArmGroupType"))),
                                text(row.get("ArmGroupDescription")), list(row.get("_links", []))))
    for row in groups["interventions"]:
        if name := text(row.get("InterventionName")):
            rec.interventions.append(Intervention(
                name, map_intervention_type(text(row.get("InterventionType"))),
                text(row.get("InterventionDescription")), list(row.get("_links", [])),
                list(row.get("_other_names", [])),
            ))
    for kind, (measure, frame, description) in _OUTCOME_KEYS.items():
        for row in groups[kind]:
            values = (text(row.get(measure)), text(row.get(frame)), text(row.get(description)))
            if any(values):
                rec.outcomes.append(Outcome(kind, *values))
    for row in groups["sites"]:
        get = row.get
        site = Site(text(get("LocationFacility")), text(get("LocationCity")), text(get("LocationState")),
                    text(get("LocationZip")), text(get("LocationCountry")), map_status(text(get("LocationStatus"))))
        if site.facility or site.city or site.state or site.zip or site.country:
            rec.sites.append(site)
    rec.countries = countries_of(rec.sites) or list(dict.fromkeys(many("LocationCountry")))
    for prefix in ("CentralContact", "LocationContact"):
        for row in groups["central_contacts" if prefix == "CentralContact" else "location_contacts"]:
            contact = Contact(enum_word(row.get(prefix + "Role")), text(row.get(prefix + "Name")),
                              phone_text(row.get(prefix + "Phone"), row.get(prefix + "PhoneExt")),
                              text(row.get(prefix + "EMail")))
            if contact.name or contact.phone or contact.email:
                rec.contacts.append(contact)
    for row in groups["officials"]:
        name, affiliation = text(row.get("OverallOfficialName")), text(row.get("OverallOfficialAffiliation"))
        if name or affiliation:
            rec.officials.append(Official(name, enum_word(row.get("OverallOfficialRole")), affiliation))
    for row in groups["references"]:
        citation, pmid = text(row.get("ReferenceCitation")), text(row.get("ReferencePMID"))
        if citation or pmid:
            rec.references.append(Reference(citation, pmid, enum_word(row.get("ReferenceType"))))
    for kind, group, prefix in (("condition", "condition_mesh", "ConditionMesh"),
                                ("intervention", "intervention_mesh", "InterventionMesh")):
        for row in groups[group]:
            if term := text(row.get(prefix + "Term")):
                rec.mesh_terms.append(MeshTerm(kind, term, text(row.get(prefix + "Id"))))

    for alias in many("NCTIdAlias"):
        rec.identifiers.append(Identifier(nct_id(alias) or alias, "nct_alias"))
    if org_id := one("OrgStudyId"):
        rec.identifiers.append(Identifier(org_id, "org_study_id"))
    for row in groups["secondary_ids"]:
        if value := text(row.get("SecondaryId")):
            rec.identifiers.append(Identifier(value, _secondary_id_type(text(row.get("SecondaryIdType"))),
                                              text(row.get("SecondaryIdDomain"))))
    return rec


# ---- the parser ---------------------------------------------------------------------------------------------------

def _is_fields_record(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("NCTId"), list)


def _shape(data: Any) -> tuple[str | None, list[dict]]:
    """(layout, raw studies): ``full_studies`` → classic ``Study`` dicts; ``study_fields`` → flat dicts."""
    if isinstance(data, dict):
        if "FullStudiesResponse" in data:
            entries = as_list(as_dict(data["FullStudiesResponse"]).get("FullStudies"))
            return "full_studies", [as_dict(e.get("Study")) for e in entries if isinstance(e, dict)
                                    and isinstance(e.get("Study"), dict)]
        if "FullStudy" in data:
            entry = as_dict(data["FullStudy"])
            study = entry.get("Study") if isinstance(entry.get("Study"), dict) else entry
            return "full_studies", [study] if "ProtocolSection" in study else []
        if isinstance(data.get("Study"), dict):
            return "full_studies", [data["Study"]]
        if isinstance(data.get("ProtocolSection"), dict):
            return "full_studies", [data]
        if "StudyFieldsResponse" in data:
            entries = as_list(as_dict(data["StudyFieldsResponse"]).get("StudyFields"))
            return "study_fields", [e for e in entries if _is_fields_record(e)]
        if _is_fields_record(data):
            return "study_fields", [data]
    if isinstance(data, list):
        if any(_is_fields_record(e) for e in data):
            return "study_fields", [e for e in data if _is_fields_record(e)]
        studies = [as_dict(e.get("Study")) for e in data if isinstance(e, dict) and isinstance(e.get("Study"), dict)]
        if studies:
            return "full_studies", studies
    return None, []


def parse_studies(raw: str) -> tuple[str | None, list[_Study]]:
    """The document's layout and its studies in the common form (used by :class:`CtgovClassicJson`)."""
    layout, studies = _shape(load_json(raw.lstrip("\ufeff"), "classic ClinicalTrials.gov JSON"))
    if layout == "full_studies":
        return layout, [_from_full(s) for s in studies]
    return layout, [_from_fields(s) for s in studies]


class CtgovClassicJson(Parser):
    """The classic ClinicalTrials.gov API JSON (FullStudiesResponse or study-fields records)."""

    name = "ctgov_classic_json"
    kind = "format"

    @classmethod
    def detect(cls, text: str, path: str) -> float:
        head = text.lstrip("\ufeff \t\r\n")[:1]
        if head not in ("{", "[") or not _MARKER.search(text):
            return 0.0
        return 0.95

    @classmethod
    def parse(cls, text: str, path: str) -> list[TrialRecord]:
        layout, studies = parse_studies(text)
        if layout is None:
            raise ParseError("classic ClinicalTrials.gov JSON: neither a FullStudiesResponse nor study-fields records")
        records = [_record(s) for s in studies]
        records = [r for r in records if r.trial_id or r.brief_title or r.official_title]
        if not records:
            raise ParseError(f"classic ClinicalTrials.gov JSON ({layout}): no study with an NCTId or a title found")
        return records

    @classmethod
    def layout_of(cls, text: str) -> str | None:
        try:
            return parse_layout(text)
        except ParseError:
            return None


def parse_layout(raw: str) -> str | None:
    """``full_studies`` or ``study_fields`` (``None`` when the JSON is neither)."""
    try:
        data = peek_json(raw.lstrip("\ufeff"))
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"classic ClinicalTrials.gov JSON: not valid JSON ({exc})".replace("\n", " ")[:300]) from None
    return _shape(data)[0]

