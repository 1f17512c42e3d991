-- The inputs table, restricted to completed runs (files of a crashed run stay invisible).
CREATE OR REPLACE VIEW inputs AS
SELECT * FROM read_parquet(getvariable('akhbar_out') || '/inputs/*.parquet', union_by_name = true, hive_partitioning = false)
WHERE run_id IN (SELECT run_id FROM runs);
