-- The texts of both sides of the near-duplicate hits: this run's staged paragraphs, earlier runs' stored ones.
WITH keys AS (SELECT DISTINCT doc_id, position FROM text_keys)
SELECT p.doc_id, p.position, p.text FROM read_parquet($paragraphs) p SEMI JOIN keys k USING (doc_id, position)
UNION ALL
SELECT s.doc_id, s.position, s.text FROM read_parquet($stored) s SEMI JOIN keys k USING (doc_id, position)
WHERE s.run_id IN (SELECT run_id FROM done_runs)
