-- superseded: stored documents this run brings a new version of (same source_uri, new content).
CREATE TEMP TABLE superseded AS
SELECT doc_id FROM read_parquet($documents, hive_partitioning = false)
WHERE run_id IN (SELECT run_id FROM done_runs)
  AND source_uri IN (SELECT source_uri FROM read_parquet($docs, hive_partitioning = false))
