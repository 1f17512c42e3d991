-- The stored hits with their signature and publication day (column order read by tasks.dedup._near_dups).
SELECT h.i, h.doc_id, h.position, h.run_id, h.input_index, h.record_index, m.signature,
       coalesce(dd.pub_day, no_day()) AS pub_day
FROM stored_hits h
JOIN (SELECT doc_id, position, run_id, signature
      FROM read_parquet($paragraph_minhash, hive_partitioning = false)
      WHERE run_id IN (SELECT run_id FROM done_runs)) m USING (doc_id, position, run_id)
LEFT JOIN (SELECT doc_id, run_id, pub_day(d.published) AS pub_day
           FROM read_parquet($documents, hive_partitioning = false) d
           WHERE run_id IN (SELECT run_id FROM done_runs)) dd USING (doc_id, run_id)
