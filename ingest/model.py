"""The typed record model: the seam between ``ingest/`` (parsers) and ``warehouse/`` (loading).

Every parser, whatever its source format or page layout, returns :class:`TrialRecord` objects.
Values are already normalized to the warehouse conventions (API v2 enum spelling, ages in years,
``datetime.date`` dates); a value the source does not state, or that cannot be mapped, is ``None``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class OverallStatus(StrEnum):
    NOT_YET_RECRUITING = "NOT_YET_RECRUITING"
    RECRUITING = "RECRUITING"
    ENROLLING_BY_INVITATION = "ENROLLING_BY_INVITATION"
    ACTIVE_NOT_RECRUITING = "ACTIVE_NOT_RECRUITING"
    SUSPENDED = "SUSPENDED"
    TERMINATED = "TERMINATED"
    COMPLETED = "COMPLETED"
    WITHDRAWN = "WITHDRAWN"
    UNKNOWN = "UNKNOWN"
    WITHHELD = "WITHHELD"
    AVAILABLE = "AVAILABLE"
    NO_LONGER_AVAILABLE = "NO_LONGER_AVAILABLE"
    TEMPORARILY_NOT_AVAILABLE = "TEMPORARILY_NOT_AVAILABLE"
    APPROVED_FOR_MARKETING = "APPROVED_FOR_MARKETING"


class StudyType(StrEnum):
    INTERVENTIONAL = "INTERVENTIONAL"
    OBSERVATIONAL = "OBSERVATIONAL"
    EXPANDED_ACCESS = "EXPANDED_ACCESS"


class Allocation(StrEnum):
    RANDOMIZED = "RANDOMIZED"
    NON_RANDOMIZED = "NON_RANDOMIZED"
    NA = "NA"


class InterventionModel(StrEnum):
    SINGLE_GROUP = "SINGLE_GROUP"
    PARALLEL = "PARALLEL"
    CROSSOVER = "CROSSOVER"
    FACTORIAL = "FACTORIAL"
    SEQUENTIAL = "SEQUENTIAL"


class Masking(StrEnum):
    NONE = "NONE"
    SINGLE = "SINGLE"
    DOUBLE = "DOUBLE"
    TRIPLE = "TRIPLE"
    QUADRUPLE = "QUADRUPLE"


class PrimaryPurpose(StrEnum):
    TREATMENT = "TREATMENT"
    PREVENTION = "PREVENTION"
    DIAGNOSTIC = "DIAGNOSTIC"
    ECT = "ECT"
    SUPPORTIVE_CARE = "SUPPORTIVE_CARE"
    SCREENING = "SCREENING"
    HEALTH_SERVICES_RESEARCH = "HEALTH_SERVICES_RESEARCH"
    BASIC_SCIENCE = "BASIC_SCIENCE"
    DEVICE_FEASIBILITY = "DEVICE_FEASIBILITY"
    OTHER = "OTHER"


class ArmType(StrEnum):
    EXPERIMENTAL = "EXPERIMENTAL"
    ACTIVE_COMPARATOR = "ACTIVE_COMPARATOR"
    PLACEBO_COMPARATOR = "PLACEBO_COMPARATOR"
    SHAM_COMPARATOR = "SHAM_COMPARATOR"
    NO_INTERVENTION = "NO_INTERVENTION"
    OTHER = "OTHER"


class InterventionType(StrEnum):
    BIOLOGICAL = "BIOLOGICAL"
    DRUG = "DRUG"
    DEVICE = "DEVICE"
    PROCEDURE = "PROCEDURE"
    BEHAVIORAL = "BEHAVIORAL"
    GENETIC = "GENETIC"
    DIETARY_SUPPLEMENT = "DIETARY_SUPPLEMENT"
    COMBINATION_PRODUCT = "COMBINATION_PRODUCT"
    DIAGNOSTIC_TEST = "DIAGNOSTIC_TEST"
    RADIATION = "RADIATION"
    OTHER = "OTHER"


class Sex(StrEnum):
    ALL = "ALL"
    FEMALE = "FEMALE"
    MALE = "MALE"


class DateType(StrEnum):
    ACTUAL = "ACTUAL"
    ESTIMATED = "ESTIMATED"


@dataclass(slots=True)
class Arm:
    label: str
    arm_type: str | None = None
    description: str | None = None
    intervention_names: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Intervention:
    name: str
    intervention_type: str | None = None
    description: str | None = None
    arm_labels: list[str] = field(default_factory=list)
    other_names: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Outcome:
    outcome_type: str  # 'primary' | 'secondary' | 'other'
    measure: str | None
    time_frame: str | None = None
    description: str | None = None


@dataclass(slots=True)
class Criterion:
    criterion_type: str  # 'inclusion' | 'exclusion'
    ordinal: int
    text: str


@dataclass(slots=True)
class Site:
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    status: str | None = None


@dataclass(slots=True)
class Sponsor:
    name: str
    lead_or_collaborator: str  # 'lead' | 'collaborator'
    agency_class: str | None = None


@dataclass(slots=True)
class Identifier:
    id_value: str
    id_type: str  # org_study_id, secondary_id, nct_alias, registry id type, …
    domain: str | None = None


@dataclass(slots=True)
class Official:
    name: str | None
    role: str | None = None
    affiliation: str | None = None


@dataclass(slots=True)
class Reference:
    citation: str | None
    pmid: str | None = None
    reference_type: str | None = None


@dataclass(slots=True)
class MeshTerm:
    kind: str  # 'condition' | 'intervention'
    term: str
    mesh_id: str | None = None


@dataclass(slots=True)
class Contact:
    """A named person to contact (central, overall or site contact): personal data."""

    role: str | None
    name: str | None
    phone: str | None = None
    email: str | None = None


#: ``trials`` columns that every record carries, in table order (``is_msc`` is derived later).
TRIAL_FIELDS: tuple[str, ...] = (
    "trial_id", "registry", "brief_title", "official_title", "acronym", "overall_status",
    "last_known_status", "why_stopped", "phase", "study_type", "allocation", "intervention_model",
    "masking", "who_masked", "primary_purpose", "enrollment", "enrollment_type", "start_date",
    "start_date_type", "primary_completion_date", "primary_completion_date_type", "completion_date",
    "completion_date_type", "first_posted_date", "results_first_posted_date", "last_update_date",
    "verified_date", "lead_sponsor", "lead_sponsor_class", "responsible_party", "brief_summary",
    "detailed_description", "eligibility_criteria", "sex", "min_age_years", "max_age_years",
    "healthy_volunteers", "has_results", "has_dmc", "ipd_sharing", "source_url",
)


@dataclass(slots=True)
class TrialRecord:
    """One trial as one document states it."""

    trial_id: str | None
    registry: str | None = None
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    overall_status: str | None = None
    last_known_status: str | None = None
    why_stopped: str | None = None
    phase: str | None = None
    study_type: str | None = None
    allocation: str | None = None
    intervention_model: str | None = None
    masking: str | None = None
    who_masked: str | None = None
    primary_purpose: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None
    start_date: dt.date | None = None
    start_date_type: str | None = None
    primary_completion_date: dt.date | None = None
    primary_completion_date_type: str | None = None
    completion_date: dt.date | None = None
    completion_date_type: str | None = None
    first_posted_date: dt.date | None = None
    results_first_posted_date: dt.date | None = None
    last_update_date: dt.date | None = None
    verified_date: dt.date | None = None
    lead_sponsor: str | None = None
    lead_sponsor_class: str | None = None
    responsible_party: str | None = None
    brief_summary: str | None = None
    detailed_description: str | None = None
    eligibility_criteria: str | None = None
    sex: str | None = None
    min_age_years: float | None = None
    max_age_years: float | None = None
    healthy_volunteers: bool | None = None
    has_results: bool | None = None
    has_dmc: bool | None = None
    ipd_sharing: str | None = None
    source_url: str | None = None

    conditions: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    arms: list[Arm] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    criteria: list[Criterion] | None = None  # None: split from eligibility_criteria at load time
    sites: list[Site] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    sponsors: list[Sponsor] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    officials: list[Official] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    mesh_terms: list[MeshTerm] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)

    truncated: bool = False
    """The document was cut off: sections below the cut are unknown, not empty."""

    def scalar_fields(self) -> dict[str, object]:
        """The ``trials``-level values, keyed by column name."""
        return {name: getattr(self, name) for name in TRIAL_FIELDS}

    def problems(self) -> list[str]:
        """Every way this record breaks the model's rules (empty when it is sound)."""
        out: list[str] = []
        checks = {
            "overall_status": OverallStatus, "study_type": StudyType, "allocation": Allocation,
            "intervention_model": InterventionModel, "masking": Masking,
            "primary_purpose": PrimaryPurpose, "sex": Sex,
        }
        for name, enum in checks.items():
            value = getattr(self, name)
            if value is not None and value not in enum.__members__:
                out.append(f"{name}: {value!r} is not one of {', '.join(enum.__members__)}")
        for arm in self.arms:
            if arm.arm_type is not None and arm.arm_type not in ArmType.__members__:
                out.append(f"arm {arm.label!r}: arm_type {arm.arm_type!r} is not allowed")
        for iv in self.interventions:
            if iv.intervention_type is not None and iv.intervention_type not in InterventionType.__members__:
                out.append(f"intervention {iv.name!r}: type {iv.intervention_type!r} is not allowed")
        for name in ("min_age_years", "max_age_years"):
            value = getattr(self, name)
            if value is not None and not (0 <= value <= 150):
                out.append(f"{name}: {value} is outside 0–150 years")
        if self.enrollment is not None and self.enrollment < 0:
            out.append(f"enrollment: {self.enrollment} is negative")
        return out


@dataclass(slots=True)
class ParsedDocument:
    """What a parser made of one document: its trials, or why it could not."""

    path: str
    sha256: str
    format: str | None = None
    layout: str | None = None
    records: list[TrialRecord] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    size: int = 0

    @property
    def status(self) -> str:
        return "rejected" if self.error else "ingested"


def record_from_dict(data: dict) -> TrialRecord:
    """Rebuild a record from :func:`dataclasses.asdict` output (used by the parse cache)."""
    children = {
        "arms": Arm, "interventions": Intervention, "outcomes": Outcome, "sites": Site,
        "sponsors": Sponsor, "identifiers": Identifier, "officials": Official,
        "references": Reference, "mesh_terms": MeshTerm, "contacts": Contact,
    }
    kwargs = dict(data)
    for name, cls in children.items():
        kwargs[name] = [cls(**item) for item in data.get(name) or []]
    if data.get("criteria") is not None:
        kwargs["criteria"] = [Criterion(**item) for item in data["criteria"]]
    for name in TRIAL_FIELDS:
        value = kwargs.get(name)
        if isinstance(value, str) and name.endswith("_date"):
            kwargs[name] = dt.date.fromisoformat(value)
    return TrialRecord(**kwargs)


def record_to_dict(record: TrialRecord) -> dict:
    """A JSON-friendly dict of a record (dates as ISO strings)."""
    data = dataclasses.asdict(record)
    for name in TRIAL_FIELDS:
        value = data.get(name)
        if isinstance(value, dt.date):
            data[name] = value.isoformat()
    return data
