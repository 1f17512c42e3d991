-- Every stored document of a completed run (files of a crashed run stay invisible), all versions.
CREATE OR REPLACE VIEW documents_all AS
SELECT * FROM read_parquet(getvariable('akhbar_out') || '/documents/*.parquet', union_by_name = true, hive_partitioning = false)
WHERE run_id IN (SELECT run_id FROM runs);

-- The versions of each source_uri: a source that comes back with new content is a new version;
-- the latest (by run, then input order) is current.
CREATE OR REPLACE VIEW document_versions AS
SELECT doc_id, source_uri, run_id,
       row_number() OVER (PARTITION BY source_uri ORDER BY run_id, input_index, record_index) AS version,
       count(*) OVER (PARTITION BY source_uri) AS n_versions,
       version = n_versions AS is_current
FROM documents_all;

-- The current version of each source_uri.
CREATE OR REPLACE VIEW documents AS
SELECT * FROM documents_all
WHERE doc_id IN (SELECT doc_id FROM document_versions WHERE is_current);
