-- Per document of the run in publication order: its paragraph link if it shares enough within the window, the linked article's stored story.
SELECT d.doc_id, k.best.linked_doc_id AS linked_doc_id, k.best.n_shared / k.n_text AS overlap, m.story_id
FROM run_docs d
LEFT JOIN links k ON k.doc_id = d.doc_id
     AND k.best.n_shared / k.n_text >= $min_overlap
     AND (d.pub_day = no_day() OR k.best.pub_day = no_day() OR abs(d.pub_day - k.best.pub_day) <= $window)
LEFT JOIN (SELECT doc_id, story_id FROM read_parquet($story_members, hive_partitioning = false)
           WHERE run_id IN (SELECT run_id FROM done_runs)) m ON m.doc_id = k.best.linked_doc_id
ORDER BY d.pub_day, d.input_index, d.record_index
