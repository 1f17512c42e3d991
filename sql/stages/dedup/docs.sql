-- docs: this run's documents, numbered k in the order of first occurrence (publication day, then
-- input order). A paragraph's key is k << 32 | position: one integer that names it and sorts in that order.
CREATE TEMP TABLE docs AS
SELECT doc_id, site, shard, input_index, record_index,
       row_number() OVER (ORDER BY pub_day(published), input_index, record_index)::BIGINT AS k
FROM read_parquet($docs, hive_partitioning = false)
