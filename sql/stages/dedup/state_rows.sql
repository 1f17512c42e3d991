-- Where each eligible paragraph's staged MinHash row sits (file: state_files's number, row), in file order, with what its
-- paragraph_minhash row takes from the run; `wanted`: its signature is in a candidate pair (pair_sigs).
-- Narrow rows: the band keys and signatures are taken from the files themselves, file by file.
WITH needed AS (SELECT p AS i FROM run_pair_ids UNION SELECT q FROM run_pair_ids UNION SELECT i FROM stored_hits)
SELECT m.file_index AS file, m.file_row_number AS row, e.i, e.input_index, e.record_index, n.i IS NOT NULL AS wanted
FROM read_parquet($minhash, hive_partitioning = false, file_row_number = true) m
JOIN elig e USING (doc_id, position)
LEFT JOIN needed n ON n.i = e.i
ORDER BY file, row
