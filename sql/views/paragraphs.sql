-- The paragraphs table, restricted to completed runs (files of a crashed run stay invisible).
CREATE OR REPLACE VIEW paragraphs AS
SELECT * FROM read_parquet(getvariable('akhbar_out') || '/paragraphs/*.parquet', union_by_name = true, hive_partitioning = false)
WHERE run_id IN (SELECT run_id FROM runs);
