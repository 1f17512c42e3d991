-- Every stored date mention of a completed run (files of a crashed run stay invisible), all versions.
CREATE OR REPLACE VIEW date_mentions_all AS
SELECT * FROM read_parquet(getvariable('akhbar_out') || '/date_mentions/*.parquet', union_by_name = true, hive_partitioning = false)
WHERE run_id IN (SELECT run_id FROM runs);

-- The date mentions of the current documents (see document_versions).
CREATE OR REPLACE VIEW date_mentions AS
SELECT * FROM date_mentions_all
WHERE doc_id IN (SELECT doc_id FROM document_versions WHERE is_current);
