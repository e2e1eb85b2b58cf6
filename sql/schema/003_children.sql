-- Child rows of a trial. Each section comes from one document (doc_id), the best one that has it.
CREATE TABLE conditions (
    trial_id VARCHAR NOT NULL, ordinal INTEGER, condition VARCHAR NOT NULL, doc_id VARCHAR
);
CREATE TABLE keywords (
    trial_id VARCHAR NOT NULL, ordinal INTEGER, keyword VARCHAR NOT NULL, doc_id VARCHAR
);
CREATE TABLE arms (
    trial_id VARCHAR NOT NULL, ordinal INTEGER, arm_label VARCHAR NOT NULL, arm_type VARCHAR,
    description VARCHAR, doc_id VARCHAR
);
CREATE TABLE interventions (
    trial_id VARCHAR NOT NULL, ordinal INTEGER, intervention_name VARCHAR NOT NULL,
    intervention_type VARCHAR, description VARCHAR, other_names VARCHAR, doc_id VARCHAR
);
CREATE TABLE arm_interventions (
    trial_id VARCHAR NOT NULL, arm_label VARCHAR NOT NULL, intervention_name VARCHAR NOT NULL, doc_id VARCHAR
);
CREATE TABLE outcomes (
    trial_id VARCHAR NOT NULL, outcome_type VARCHAR NOT NULL CHECK (outcome_type IN ('primary', 'secondary', 'other')),
    ordinal INTEGER, measure VARCHAR, time_frame VARCHAR, description VARCHAR, doc_id VARCHAR
);
CREATE TABLE criteria (
    trial_id VARCHAR NOT NULL, criterion_type VARCHAR NOT NULL CHECK (criterion_type IN ('inclusion', 'exclusion')),
    ordinal INTEGER NOT NULL, criterion_text VARCHAR NOT NULL, doc_id VARCHAR
);
CREATE TABLE sites (
    trial_id VARCHAR NOT NULL, ordinal INTEGER, facility VARCHAR, city VARCHAR, state VARCHAR, zip VARCHAR,
    country VARCHAR, status VARCHAR, doc_id VARCHAR
);
CREATE TABLE countries (
    trial_id VARCHAR NOT NULL, country VARCHAR NOT NULL, doc_id VARCHAR
);
CREATE TABLE sponsors (
    trial_id VARCHAR NOT NULL, name VARCHAR NOT NULL,
    lead_or_collaborator VARCHAR NOT NULL CHECK (lead_or_collaborator IN ('lead', 'collaborator')),
    agency_class VARCHAR, doc_id VARCHAR
);
CREATE TABLE identifiers (
    trial_id VARCHAR NOT NULL, id_value VARCHAR NOT NULL, id_type VARCHAR NOT NULL, domain VARCHAR, doc_id VARCHAR
);
CREATE TABLE officials (
    trial_id VARCHAR NOT NULL, name VARCHAR, role VARCHAR, affiliation VARCHAR, doc_id VARCHAR
);
CREATE TABLE trial_references (
    trial_id VARCHAR NOT NULL, pmid VARCHAR, reference_type VARCHAR, citation VARCHAR, doc_id VARCHAR
);
CREATE TABLE mesh_terms (
    trial_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, term VARCHAR NOT NULL, mesh_id VARCHAR, doc_id VARCHAR
);
-- Personal contact details: kept for lookups, left out of exports unless asked for.
CREATE TABLE contacts (
    trial_id VARCHAR NOT NULL, role VARCHAR, name VARCHAR, phone VARCHAR, email VARCHAR, doc_id VARCHAR
);
