-- elig: the eligible paragraphs with their staged band keys and signature, numbered i in run order
-- (a paragraph without a staged row has too few words); stored in order i (run with preserve_insertion_order).
CREATE TEMP TABLE elig AS
WITH numbered AS (
    SELECT (row_number() OVER (ORDER BY r.ord) - 1)::BIGINT AS i, r.doc_id, r.position, r.shard,
           r.input_index, r.record_index
    FROM reps r
    SEMI JOIN (SELECT doc_id, position FROM read_parquet($minhash, hive_partitioning = false)) m USING (doc_id, position)
)
SELECT n.*, m.bands, m.signature
FROM numbered n JOIN read_parquet($minhash, hive_partitioning = false) m USING (doc_id, position)
ORDER BY n.i
