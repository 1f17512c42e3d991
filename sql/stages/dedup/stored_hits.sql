-- stored_hits: stored paragraphs of earlier runs sharing a band key with an eligible paragraph i.
CREATE TEMP TABLE stored_hits AS
WITH stored AS (
    SELECT doc_id, position, run_id, input_index, record_index,
           unnest(range($bands)) AS band, unnest(bands) AS key
    FROM read_parquet($paragraph_minhash, hive_partitioning = false)
    WHERE run_id IN (SELECT run_id FROM done_runs) AND doc_id NOT IN (SELECT doc_id FROM superseded)
)
SELECT DISTINCT c.i, s.doc_id, s.position, s.run_id, s.input_index, s.record_index
FROM stored s JOIN cur_bands c ON c.band = s.band AND c.key = s.key
