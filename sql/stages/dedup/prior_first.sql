-- prior_first: per candidate text, its earliest stored copy (kept, metadata or duplicate) of an earlier run.
CREATE TEMP TABLE prior_first AS
WITH hashes AS (SELECT DISTINCT norm_hash FROM candidates),
stored AS (
    SELECT p.norm_hash, p.doc_id, p.position, p.run_id
    FROM read_parquet($paragraphs, hive_partitioning = false) p
    SEMI JOIN hashes h ON p.norm_hash = h.norm_hash
    WHERE p.status IN ('kept', 'metadata', 'duplicate')
      AND p.run_id IN (SELECT run_id FROM done_runs)
      AND p.doc_id NOT IN (SELECT doc_id FROM superseded)
),
docs AS (
    SELECT doc_id, input_index, record_index, run_id, pub_day(published) AS pub_day
    FROM read_parquet($documents, hive_partitioning = false)
    WHERE run_id IN (SELECT run_id FROM done_runs)
)
SELECT s.norm_hash,
       arg_min(struct_pack(doc_id := s.doc_id, position := s.position),
               (s.run_id, d.pub_day, d.input_index, d.record_index, s.position)) AS first
FROM stored s JOIN docs d USING (doc_id, run_id)
GROUP BY s.norm_hash
