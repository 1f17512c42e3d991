-- elig: the eligible paragraphs with their staged band keys and signature, numbered i in run order (a paragraph without a staged row has too few words).
CREATE TEMP TABLE elig AS
SELECT (row_number() OVER (ORDER BY r.ord) - 1)::BIGINT AS i, r.doc_id, r.position, r.shard,
       r.input_index, r.record_index, m.bands, m.signature
FROM reps r JOIN read_parquet($minhash, hive_partitioning = false) m USING (doc_id, position)
