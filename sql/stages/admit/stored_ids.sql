-- The doc_ids of the documents stored by completed runs (done_runs).
CREATE VIEW stored_ids AS
SELECT doc_id FROM read_parquet(getvariable('stored_documents'), hive_partitioning = false)
WHERE run_id IN (SELECT run_id FROM done_runs)
