-- links: the best paragraph link of each article: most shared text, then the earliest linked article.
CREATE TEMP TABLE links AS
WITH text_paras AS (
    SELECT * FROM run_paras
    WHERE status IN ('kept', 'duplicate') AND linked_doc_id IS DISTINCT FROM doc_id
),
n_text AS (SELECT doc_id, sum(n_chars) AS n FROM text_paras GROUP BY doc_id),
shared AS (
    SELECT doc_id, linked_doc_id, sum(n_chars) AS n_shared FROM text_paras
    WHERE linked_doc_id IS NOT NULL GROUP BY ALL
),
stored_docs AS (
    SELECT doc_id, run_id, pub_day(d.published) AS pub_day, input_index, record_index
    FROM read_parquet($documents, hive_partitioning = false) d WHERE run_id IN (SELECT run_id FROM done_runs)
),
linked AS (
    SELECT doc_id, $run_id AS run_id, pub_day, input_index, record_index FROM run_docs
    UNION ALL SELECT * FROM stored_docs
)
SELECT s.doc_id,
       arg_min(struct_pack(linked_doc_id := s.linked_doc_id, n_shared := s.n_shared, pub_day := l.pub_day),
               (-s.n_shared, l.run_id, l.pub_day, l.input_index, l.record_index)) AS best,
       any_value(t.n) AS n_text
FROM shared s JOIN n_text t USING (doc_id) JOIN linked l ON l.doc_id = s.linked_doc_id
GROUP BY s.doc_id
