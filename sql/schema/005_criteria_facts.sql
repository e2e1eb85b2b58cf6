-- Facts read from eligibility criteria items (warehouse/criteria_facts.py, extractors in
-- warehouse/criteria_patterns.py). A fact is stored as written: an exclusion item's bound is not inverted,
-- criterion_type says which side it is on. Ages are in years; other numbers and units are as written.
CREATE TABLE criteria_facts (
    trial_id        VARCHAR NOT NULL,
    criterion_type  VARCHAR NOT NULL CHECK (criterion_type IN ('inclusion', 'exclusion')),
    ordinal         INTEGER NOT NULL,
    fact_no         INTEGER NOT NULL,   -- 1, 2, … within the item, in text order
    fact            VARCHAR NOT NULL,   -- age, bmi, ecog, karnofsky, kellgren_lawrence, pasi, sledai, edss, nyha,
                                        -- ejection_fraction, creatinine, egfr, hba1c, alt_ast, platelets,
                                        -- hemoglobin, disease_duration, washout
    low             DOUBLE,
    high            DOUBLE,
    low_inclusive   BOOLEAN,
    high_inclusive  BOOLEAN,
    unit            VARCHAR,            -- as written ('years' for age)
    evidence        VARCHAR NOT NULL,   -- the exact substring of criterion_text the fact was read from
    doc_id          VARCHAR
);

-- Themes of each criterion item (vocabulary: data/vocab/criteria_themes.yaml).
CREATE TABLE criteria_themes (
    trial_id        VARCHAR NOT NULL,
    criterion_type  VARCHAR NOT NULL CHECK (criterion_type IN ('inclusion', 'exclusion')),
    ordinal         INTEGER NOT NULL,
    theme           VARCHAR NOT NULL,
    matched         VARCHAR NOT NULL,   -- the matched terms (lower case) joined by '|'
    doc_id          VARCHAR
);

-- The effective age window of every trial: the structured ages when the trial has any, else the ages read
-- from its criteria (inclusion bounds, plus exclusion bounds read inverted: "older than 75" excluded → max 75).
CREATE TABLE trial_age_window (
    trial_id                VARCHAR PRIMARY KEY,
    min_age_years           DOUBLE,
    max_age_years           DOUBLE,
    min_inclusive           BOOLEAN,
    max_inclusive           BOOLEAN,
    age_source              VARCHAR NOT NULL CHECK (age_source IN ('structured', 'criteria', 'none')),
    evidence                VARCHAR,    -- the criteria evidence the window was read from (criteria source)
    criteria_min_age_years  DOUBLE,     -- the window the criteria state, whatever the source
    criteria_max_age_years  DOUBLE,
    criteria_agrees         BOOLEAN     -- criteria ages equal the structured ones (NULL: nothing to compare)
);
