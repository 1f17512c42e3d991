-- elig: the eligible paragraphs with their staged band keys, i their run order `ord` (a paragraph
-- without a staged row has too few words). Their signatures stay in the staged files (elig_bare,
-- pair_sigs, state_rows read them from there): held here, they made DuckDB spill.
CREATE TEMP TABLE elig AS
SELECT r.ord AS i, r.doc_id, r.position, r.shard, r.input_index, r.record_index, m.bands
FROM reps r JOIN read_parquet($minhash, hive_partitioning = false) m USING (doc_id, position)
