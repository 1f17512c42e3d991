-- The eligible paragraphs' staged band keys and signatures, in run order.
SELECT r.ord, m.bands, m.signature FROM reps r
JOIN read_parquet($minhash, hive_partitioning = false) m USING (doc_id, position)
ORDER BY r.ord
