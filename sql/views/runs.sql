-- Completed runs. A run's row is written after all its files, so only completed runs appear.
CREATE OR REPLACE VIEW runs AS
SELECT * FROM read_parquet(getvariable('akhbar_out') || '/runs/*.parquet', union_by_name = true, hive_partitioning = false);
