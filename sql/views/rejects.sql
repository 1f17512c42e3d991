-- Every reject of a completed run (files of a crashed run stay invisible).
CREATE OR REPLACE VIEW rejects_all AS
SELECT * FROM read_parquet(getvariable('akhbar_out') || '/rejects/*.parquet', union_by_name = true, hive_partitioning = false)
WHERE run_id IN (SELECT run_id FROM runs);

-- The rejects that stand: per input file, those of the latest run that read it (or rejected it
-- unread); re-reading a changed file replaces its rejects. Rows without input_path (runs before
-- the column) always show.
CREATE OR REPLACE VIEW rejects AS
WITH latest AS (
    SELECT input_path, max(run_id) AS latest_run FROM (
        SELECT path AS input_path, run_id FROM inputs
        UNION ALL
        SELECT input_path, run_id FROM rejects_all WHERE input_path IS NOT NULL)
    GROUP BY input_path
)
SELECT r.* FROM rejects_all r LEFT JOIN latest l ON r.input_path = l.input_path
WHERE r.input_path IS NULL OR r.run_id = l.latest_run;
