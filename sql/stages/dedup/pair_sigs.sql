-- pair_sigs: the eligible paragraphs in a candidate pair (this run's or a stored hit), by i, with their doc_id, position
-- and signature, read from the staged MinHash files (only those rows are held: every signature made DuckDB spill).
CREATE TEMP TABLE pair_sigs AS
WITH needed AS (SELECT p AS i FROM run_pair_ids UNION SELECT q FROM run_pair_ids UNION SELECT i FROM stored_hits),
wanted AS (SELECT e.i, e.doc_id, e.position, e.file, e.row FROM elig e SEMI JOIN needed n ON n.i = e.i)
SELECT w.i, w.doc_id, w.position, m.signature
FROM read_parquet($minhash, hive_partitioning = false, file_row_number = true) m
JOIN wanted w ON w.file = m.file_index AND w.row = m.file_row_number
