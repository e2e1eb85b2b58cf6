-- Core views that belong to the schema itself (the published, versioned views live in sql/views/).

-- Every trial field on which documents disagree: the distinct values, their documents, the winner and why.
CREATE VIEW conflicts AS
WITH stated AS (
    SELECT f.trial_id, f.field, f.value, f.doc_id, f.is_chosen, f.reason, d.path, d.format, d.layout,
           lower(trim(regexp_replace(f.value, '\s+', ' ', 'g'))) AS folded
    FROM field_sources AS f
    JOIN documents AS d USING (doc_id)
),
disputed AS (
    SELECT trial_id, field FROM stated GROUP BY trial_id, field HAVING count(DISTINCT folded) > 1
)
SELECT s.trial_id,
       s.field,
       count(DISTINCT s.folded)                                        AS n_values,
       list(DISTINCT s.value ORDER BY s.value)                          AS "values",
       list(s.doc_id || '=' || s.value ORDER BY s.doc_id, s.value)     AS documents,
       max(CASE WHEN s.is_chosen THEN s.value END)                      AS chosen_value,
       max(CASE WHEN s.is_chosen THEN s.doc_id END)                     AS chosen_doc_id,
       max(CASE WHEN s.is_chosen THEN coalesce(s.layout, s.format) END) AS chosen_source,
       max(CASE WHEN s.is_chosen THEN s.reason END)                     AS reason
FROM stated AS s
JOIN disputed USING (trial_id, field)
GROUP BY s.trial_id, s.field;

-- Pages without a registry id that could not be linked to a known trial, with their best candidate.
CREATE VIEW unlinked_documents AS
SELECT l.doc_id, d.path, d.layout, l.provisional_id, l.candidate_trial_id, l.score, l.method
FROM document_links AS l
JOIN documents AS d USING (doc_id)
WHERE NOT l.linked;

-- Documents that could not be read, with the reason (nothing is lost: every input file is in documents).
CREATE VIEW rejected_documents AS
SELECT doc_id, path, sha256, size_bytes, error FROM documents WHERE status = 'rejected';
