-- elig: the eligible paragraphs with their staged band keys and signature, i their run order `ord`
-- (a paragraph without a staged row has too few words).
CREATE TEMP TABLE elig AS
SELECT r.ord AS i, r.doc_id, r.position, r.shard, r.input_index, r.record_index, m.bands, m.signature
FROM reps r JOIN read_parquet($minhash, hive_partitioning = false) m USING (doc_id, position)
