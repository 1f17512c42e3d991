-- run_sigs: the run's staged document signatures, numbered i in publication order.
CREATE TEMP TABLE run_sigs AS
SELECT s.doc_id, s.bands, s.signature, r.pub_day,
       (row_number() OVER (ORDER BY r.pub_day, r.input_index, r.record_index) - 1)::BIGINT AS i
FROM read_parquet($docsig, hive_partitioning = false) s JOIN run_docs r USING (doc_id)
