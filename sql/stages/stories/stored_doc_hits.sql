-- Stored documents within the window sharing a band key with a document i of the run, with both signatures (sig_i: i's), i's doc_id, story and order key.
WITH s AS (
    SELECT doc_id, story_id, unnest(range($bands)) AS band, unnest(bands) AS key
    FROM read_parquet($members, union_by_name = true, hive_partitioning = false)
    WHERE run_id IN (SELECT run_id FROM done_runs) AND bands IS NOT NULL),
hits AS (SELECT DISTINCT x.i, s.doc_id, s.story_id FROM doc_bands x JOIN s ON x.band = s.band AND x.key = s.key)
SELECT h.i, h.doc_id, h.story_id, m.signature, a.signature AS sig_i, a.doc_id AS i_doc,
       [b.run_id, lpad(b.pub_day::VARCHAR, 10, '0'), lpad(b.input_index::VARCHAR, 12, '0'),
        lpad(b.record_index::VARCHAR, 12, '0')] AS order_key
FROM hits h JOIN run_sigs a ON a.i = h.i
JOIN (SELECT doc_id, signature FROM read_parquet($members, union_by_name = true, hive_partitioning = false)
      WHERE run_id IN (SELECT run_id FROM done_runs)) m ON m.doc_id = h.doc_id
JOIN (SELECT doc_id, run_id, pub_day(d.published) AS pub_day, input_index, record_index
      FROM read_parquet($documents, hive_partitioning = false) d
      WHERE run_id IN (SELECT run_id FROM done_runs)) b ON b.doc_id = h.doc_id
WHERE (a.pub_day = no_day() OR b.pub_day = no_day() OR abs(a.pub_day - b.pub_day) <= $window)
