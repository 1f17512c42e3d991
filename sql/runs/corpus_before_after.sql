-- The corpus before and after one run (parameter $run_id), for the run summary's "what changed":
-- table totals over the runs published before it, and including it (later runs left out).
WITH figures AS (
    SELECT 1 AS i, 'documents' AS figure, count(*) FILTER (WHERE run_id < $run_id) AS before,
           count(*) FILTER (WHERE run_id <= $run_id) AS after FROM documents
    UNION ALL
    SELECT 2, 'sites', count(DISTINCT site) FILTER (WHERE run_id < $run_id),
           count(DISTINCT site) FILTER (WHERE run_id <= $run_id) FROM documents
    UNION ALL
    SELECT 3, 'documents with a publication date', count(published) FILTER (WHERE run_id < $run_id),
           count(published) FILTER (WHERE run_id <= $run_id) FROM documents
    UNION ALL
    SELECT 3 + s.k, s.label, coalesce(p.before, 0), coalesce(p.after, 0)
    FROM (SELECT status, count(*) FILTER (WHERE run_id < $run_id) AS before,
                 count(*) FILTER (WHERE run_id <= $run_id) AS after
          FROM paragraphs GROUP BY status) p
    RIGHT JOIN (VALUES (1, 'kept', 'paragraphs kept'), (2, 'boilerplate', 'boilerplate paragraphs'),
                       (3, 'duplicate', 'duplicate paragraphs'), (4, 'metadata', 'metadata paragraphs'))
               s(k, status, label) ON p.status = s.status
    UNION ALL
    SELECT 8, 'date mentions', count(*) FILTER (WHERE run_id < $run_id),
           count(*) FILTER (WHERE run_id <= $run_id) FROM date_mentions
    UNION ALL
    SELECT 9, 'rejects', count(*) FILTER (WHERE run_id < $run_id),
           count(*) FILTER (WHERE run_id <= $run_id) FROM rejects
    UNION ALL
    SELECT 10, 'input files read', count(*) FILTER (WHERE run_id < $run_id),
           count(*) FILTER (WHERE run_id <= $run_id) FROM inputs
)
SELECT figure, before, after FROM figures ORDER BY i;
