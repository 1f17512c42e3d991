-- Every stored paragraph of a completed run (files of a crashed run stay invisible), all versions.
CREATE OR REPLACE VIEW paragraphs_all AS
SELECT * FROM read_parquet(getvariable('akhbar_out') || '/paragraphs/*.parquet', union_by_name = true, hive_partitioning = false)
WHERE run_id IN (SELECT run_id FROM runs);

-- The paragraphs of the current documents (see document_versions).
CREATE OR REPLACE VIEW paragraphs AS
SELECT * FROM paragraphs_all
WHERE doc_id IN (SELECT doc_id FROM document_versions WHERE is_current);
