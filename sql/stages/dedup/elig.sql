-- elig: the eligible paragraphs with their staged band keys, i their key `ord` (a paragraph without
-- a staged row has too few words). Their signatures stay in the staged files (state_rows reads
-- them from there): held here, they made DuckDB spill.
CREATE TEMP TABLE elig AS
SELECT r.ord AS i, d.doc_id, (r.ord & 4294967295)::INTEGER AS position, r.shard, d.input_index, d.record_index, m.bands
FROM reps r
JOIN docs d ON d.k = r.ord >> 32
JOIN read_parquet($minhash, hive_partitioning = false) m
  ON m.doc_id = d.doc_id AND m.position = (r.ord & 4294967295)::INTEGER
