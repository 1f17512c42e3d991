-- run_sigs: the run's staged document signatures, i the document's publication order (numbered on
-- the narrow rows: a window over the signatures would hold them all).
CREATE TEMP TABLE run_sigs AS
WITH numbered AS (
    SELECT doc_id, pub_day, (row_number() OVER (ORDER BY pub_day, input_index, record_index) - 1)::BIGINT AS i
    FROM run_docs
)
SELECT s.doc_id, s.bands, s.signature, n.pub_day, n.i
FROM read_parquet($docsig, hive_partitioning = false) s JOIN numbered n USING (doc_id)
