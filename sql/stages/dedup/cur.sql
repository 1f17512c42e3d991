-- cur: this run's staged paragraphs with their document's site, shard and order keys.
CREATE TEMP TABLE cur AS
SELECT p.doc_id, p.position, p.norm_hash, p.status, length(p.text) AS n_chars,
       d.site, d.input_index, d.record_index, d.shard, pub_day(d.published) AS pub_day
FROM read_parquet($paragraphs, hive_partitioning = false) p
JOIN read_parquet($docs, hive_partitioning = false) d USING (doc_id)
