-- decided: the dedup pass's decisions on this run's paragraphs.
CREATE TEMP TABLE decided AS SELECT doc_id, position, status, first_doc_id
FROM read_parquet($decisions, hive_partitioning = false)
