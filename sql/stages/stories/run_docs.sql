-- run_docs: this run's documents with their order keys.
CREATE TEMP TABLE run_docs AS
SELECT doc_id, pub_day(d.published) AS pub_day, input_index, record_index
FROM read_parquet($docs, hive_partitioning = false) d
