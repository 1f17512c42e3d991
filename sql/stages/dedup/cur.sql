-- cur: this run's staged paragraphs by key (docs), with their document's site and shard.
CREATE TEMP TABLE cur AS
SELECT (d.k << 32) | p.position::BIGINT AS key, p.norm_hash, p.status, p.n_chars, d.site, d.shard
FROM read_parquet($paragraphs, hive_partitioning = false) p
JOIN docs d USING (doc_id)
