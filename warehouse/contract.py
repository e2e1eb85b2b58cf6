"""The warehouse contract (v1): tables and columns other tools rely on. More is allowed; fewer is not."""

from __future__ import annotations

CONTRACT_VERSION = "v1"

#: Contract tables → required columns (CONTRACT.md).
REQUIRED: dict[str, tuple[str, ...]] = {
    "documents": ("doc_id", "path", "sha256", "format", "layout", "status", "error"),
    "document_trials": ("doc_id", "trial_id"),
    "trials": (
        "trial_id", "registry", "brief_title", "official_title", "acronym", "overall_status", "phase",
        "study_type", "allocation", "intervention_model", "masking", "primary_purpose", "enrollment",
        "enrollment_type", "start_date", "primary_completion_date", "completion_date", "first_posted_date",
        "last_update_date", "lead_sponsor", "brief_summary", "detailed_description", "eligibility_criteria",
        "sex", "min_age_years", "max_age_years", "healthy_volunteers", "is_msc",
    ),
    "conditions": ("trial_id", "condition"),
    "arms": ("trial_id", "arm_label", "arm_type", "description"),
    "interventions": ("trial_id", "intervention_name", "intervention_type", "description"),
    "arm_interventions": ("trial_id", "arm_label", "intervention_name"),
    "outcomes": ("trial_id", "outcome_type", "measure", "time_frame", "description"),
    "criteria": ("trial_id", "criterion_type", "ordinal", "criterion_text"),
    "sites": ("trial_id", "facility", "city", "state", "country"),
    "sponsors": ("trial_id", "name", "lead_or_collaborator", "agency_class"),
    "identifiers": ("trial_id", "id_value", "id_type"),
    "field_sources": ("trial_id", "field", "doc_id", "value"),
    "msc_profile": (
        "trial_id", "cell_source", "donor", "product_type", "route", "dose_per_kg", "dose_total_cells",
        "dose_text", "n_administrations", "evidence",
    ),
}

#: Value sets enforced at validation time: (table, column) → allowed values (NULL always allowed).
VALUE_SETS: dict[tuple[str, str], frozenset[str]] = {
    ("trials", "overall_status"): frozenset({
        "NOT_YET_RECRUITING", "RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING", "SUSPENDED",
        "TERMINATED", "COMPLETED", "WITHDRAWN", "UNKNOWN", "WITHHELD", "AVAILABLE", "NO_LONGER_AVAILABLE",
        "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING"}),
    ("trials", "study_type"): frozenset({"INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS"}),
    ("trials", "allocation"): frozenset({"RANDOMIZED", "NON_RANDOMIZED", "NA"}),
    ("trials", "intervention_model"): frozenset({"SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL"}),
    ("trials", "masking"): frozenset({"NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"}),
    ("trials", "sex"): frozenset({"ALL", "FEMALE", "MALE"}),
    ("trials", "phase"): frozenset({"EARLY_PHASE1", "PHASE1", "PHASE1/PHASE2", "PHASE2", "PHASE2/PHASE3", "PHASE3",
                                    "PHASE4", "NA", "EARLY_PHASE1/PHASE1", "PHASE3/PHASE4", "PHASE1/PHASE2/PHASE3"}),
    ("arms", "arm_type"): frozenset({"EXPERIMENTAL", "ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR",
                                     "NO_INTERVENTION", "OTHER"}),
    ("interventions", "intervention_type"): frozenset({
        "BIOLOGICAL", "DRUG", "DEVICE", "PROCEDURE", "BEHAVIORAL", "GENETIC", "DIETARY_SUPPLEMENT",
        "COMBINATION_PRODUCT", "DIAGNOSTIC_TEST", "RADIATION", "OTHER"}),
}
