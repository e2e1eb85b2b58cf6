-- One row per real trial, merged across its documents.
CREATE TABLE trials (
    trial_id                      VARCHAR PRIMARY KEY,
    registry                      VARCHAR,
    brief_title                   VARCHAR,
    official_title                VARCHAR,
    acronym                       VARCHAR,
    overall_status                VARCHAR,
    last_known_status             VARCHAR,
    why_stopped                   VARCHAR,
    phase                         VARCHAR,
    study_type                    VARCHAR,
    allocation                    VARCHAR,
    intervention_model            VARCHAR,
    masking                       VARCHAR,
    who_masked                    VARCHAR,
    primary_purpose               VARCHAR,
    enrollment                    INTEGER,
    enrollment_type               VARCHAR,
    start_date                    DATE,
    start_date_type               VARCHAR,
    primary_completion_date       DATE,
    primary_completion_date_type  VARCHAR,
    completion_date               DATE,
    completion_date_type          VARCHAR,
    first_posted_date             DATE,
    results_first_posted_date     DATE,
    last_update_date              DATE,
    verified_date                 DATE,
    lead_sponsor                  VARCHAR,
    lead_sponsor_class            VARCHAR,
    responsible_party             VARCHAR,
    brief_summary                 VARCHAR,
    detailed_description          VARCHAR,
    eligibility_criteria          VARCHAR,
    sex                           VARCHAR,
    min_age_years                 DOUBLE,
    max_age_years                 DOUBLE,
    healthy_volunteers            BOOLEAN,
    has_results                   BOOLEAN,
    has_dmc                       BOOLEAN,
    ipd_sharing                   VARCHAR,
    source_url                    VARCHAR,
    is_msc                        BOOLEAN,
    n_documents                   INTEGER,   -- how many documents state this trial
    primary_doc_id                VARCHAR    -- the best-ranked document (its child sections are used)
);

-- Every document's value for every trial-level field it stated (after normalization).
CREATE TABLE field_sources (
    trial_id    VARCHAR NOT NULL,
    field       VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    value       VARCHAR NOT NULL,
    is_chosen   BOOLEAN NOT NULL,   -- this document's value is the merged value
    reason      VARCHAR             -- why the chosen document won (rank rule)
);
