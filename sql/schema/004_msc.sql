-- The MSC profile: one row per MSC trial (see data/vocab/ for the vocabularies it is read with).
CREATE TABLE msc_profile (
    trial_id              VARCHAR PRIMARY KEY,
    cell_source           VARCHAR,
    donor                 VARCHAR,
    product_type          VARCHAR,
    route                 VARCHAR,
    dose_per_kg           DOUBLE,
    dose_per_kg_max       DOUBLE,
    dose_total_cells      DOUBLE,
    dose_total_cells_max  DOUBLE,
    dose_text             VARCHAR,
    n_administrations     INTEGER,
    evidence              VARCHAR
);
