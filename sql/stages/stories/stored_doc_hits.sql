-- Stored documents within the window sharing a band key with a document i of the run, with both signatures (sig_i: i's), i's doc_id, story and order key.
-- The band keys are unnested with only a row number (file_index, file_row_number: the same files in
-- the same order in both reads); the stored columns are joined to the pairs found.
WITH s AS (
    SELECT (file_index::BIGINT << 40) | file_row_number AS row, unnest(range($bands))::TINYINT AS band,
           unnest(bands) AS key
    FROM read_parquet($members, union_by_name = true, hive_partitioning = false, file_row_number = true)
    WHERE bands IS NOT NULL),
pairs AS (SELECT DISTINCT x.i, s.row FROM doc_bands x JOIN s ON x.band = s.band AND x.key = s.key),
hits AS (
    SELECT p.i, m.doc_id, m.story_id, m.signature
    FROM pairs p
    JOIN read_parquet($members, union_by_name = true, hive_partitioning = false, file_row_number = true) m
      ON (m.file_index::BIGINT << 40) | m.file_row_number = p.row
    WHERE m.run_id IN (SELECT run_id FROM done_runs))
SELECT h.i, h.doc_id, h.story_id, h.signature, a.signature AS sig_i, a.doc_id AS i_doc,
       [b.run_id, lpad(b.pub_day::VARCHAR, 10, '0'), lpad(b.input_index::VARCHAR, 12, '0'),
        lpad(b.record_index::VARCHAR, 12, '0')] AS order_key
FROM hits h JOIN run_sigs a ON a.i = h.i
JOIN (SELECT doc_id, run_id, pub_day(d.published) AS pub_day, input_index, record_index
      FROM read_parquet($documents, hive_partitioning = false) d
      WHERE run_id IN (SELECT run_id FROM done_runs)) b ON b.doc_id = h.doc_id
WHERE (a.pub_day = no_day() OR b.pub_day = no_day() OR abs(a.pub_day - b.pub_day) <= $window)
