-- stored_hits: stored paragraphs of earlier runs sharing a band key with an eligible paragraph i.
-- The band keys are unnested with only a row number (file_index, file_row_number: the same files
-- in the same order in both reads): every stored column carried through the unnest cost most of the pass.
CREATE TEMP TABLE stored_hits AS
WITH stored AS (
    SELECT (file_index::BIGINT << 40) | file_row_number AS row, unnest(range($bands))::TINYINT AS band,
           unnest(bands) AS key
    FROM read_parquet($paragraph_minhash, hive_partitioning = false, file_row_number = true)
),
pairs AS (SELECT DISTINCT c.i, s.row FROM stored s JOIN cur_bands c ON c.band = s.band AND c.key = s.key)
SELECT p.i, m.doc_id, m.position, m.run_id, m.input_index, m.record_index
FROM pairs p
JOIN read_parquet($paragraph_minhash, hive_partitioning = false, file_row_number = true) m
  ON (m.file_index::BIGINT << 40) | m.file_row_number = p.row
WHERE m.run_id IN (SELECT run_id FROM done_runs) AND m.doc_id NOT IN (SELECT doc_id FROM superseded)
