-- Every input file, ingested or rejected: nothing is lost, nothing is silent.
CREATE TABLE documents (
    doc_id          VARCHAR PRIMARY KEY,   -- first 16 hex of the sha256 of the file's bytes
    path            VARCHAR NOT NULL,      -- as found under the --input PATH (archive members as 'archive.zip!member')
    sha256          VARCHAR NOT NULL,
    format          VARCHAR,               -- parser family: ctgov_v2_json, ctgov_xml, …, or 'page'
    layout          VARCHAR,               -- sub-shape of a machine format, or the page layout family
    status          VARCHAR NOT NULL CHECK (status IN ('ingested', 'rejected')),
    error           VARCHAR,               -- why it was rejected (NULL when ingested)
    size_bytes      BIGINT,
    n_trials        INTEGER,               -- trials read from it
    warnings        VARCHAR                -- non-fatal notes (encoding, values dropped), one per line
);

-- Which trials each document holds (a document may hold many; a trial may come from many).
CREATE TABLE document_trials (
    doc_id          VARCHAR NOT NULL,
    trial_id        VARCHAR NOT NULL,      -- the merged trial
    source_trial_id VARCHAR NOT NULL,      -- the id as the document gave it
    layout          VARCHAR
);

-- Facts about the build itself (no timestamps: same inputs give identical tables).
CREATE TABLE build_info (
    key             VARCHAR PRIMARY KEY,
    value           VARCHAR
);

-- Pages that show no registry id: the trial each was linked to (or its best candidate when not linked).
CREATE TABLE document_links (
    doc_id              VARCHAR NOT NULL,
    provisional_id      VARCHAR NOT NULL,  -- DOC-… id from the page's text
    trial_id            VARCHAR NOT NULL,  -- the trial it belongs to (the DOC id itself when not linked)
    candidate_trial_id  VARCHAR,           -- the best matching known trial
    score               DOUBLE,            -- 1.0 for an exact title match; Jaccard overlap otherwise
    method              VARCHAR,           -- title | summary | title_words
    linked              BOOLEAN NOT NULL
);
