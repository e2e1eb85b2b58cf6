-- MSC doses per arm, for trials whose MSC arms differ in dose or schedule (one row per MSC arm).
CREATE TABLE msc_doses (
    trial_id              VARCHAR NOT NULL,
    arm_label             VARCHAR NOT NULL,
    dose_per_kg           DOUBLE,
    dose_per_kg_max       DOUBLE,
    dose_total_cells      DOUBLE,
    dose_total_cells_max  DOUBLE,
    dose_text             VARCHAR,
    n_administrations     INTEGER,
    route                 VARCHAR,
    evidence              VARCHAR
);
