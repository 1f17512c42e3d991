-- run_paras: per paragraph of the run, its final status and the document of the earlier paragraph it repeats or revises.
CREATE TEMP TABLE run_paras AS
SELECT p.doc_id, coalesce(x.status, p.status) AS status, x.first_doc_id AS linked_doc_id,
       p.n_chars
FROM read_parquet($paragraphs, hive_partitioning = false) p LEFT JOIN decided x USING (doc_id, position)
