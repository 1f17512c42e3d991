-- The stored hits with both signatures (sig_i: the eligible paragraph's), its doc_id and position, and the stored one's publication day.
SELECT h.i, h.doc_id, h.position, h.run_id, h.input_index, h.record_index, m.signature,
       coalesce(dd.pub_day, no_day()) AS pub_day,
       si.signature AS sig_i, si.doc_id AS i_doc, si.position::INTEGER AS i_pos
FROM stored_hits h
JOIN (SELECT doc_id, position, run_id, signature
      FROM read_parquet($paragraph_minhash, hive_partitioning = false)
      WHERE run_id IN (SELECT run_id FROM done_runs)) m
  ON m.doc_id = h.doc_id AND m.position = h.position AND m.run_id = h.run_id
LEFT JOIN (SELECT doc_id, run_id, pub_day(d.published) AS pub_day
           FROM read_parquet($documents, hive_partitioning = false) d
           WHERE run_id IN (SELECT run_id FROM done_runs)) dd ON dd.doc_id = h.doc_id AND dd.run_id = h.run_id
JOIN pair_sigs si ON si.i = h.i
