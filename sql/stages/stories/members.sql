-- story_members rows: the run's story assignments (in publication order, $assigned: the order kept, as the
-- join alone would not) each with its document's signature.
SELECT a.doc_id, a.story_id, a.linked_doc_id, a.overlap, a.linked_by, $run_id::VARCHAR AS run_id, s.bands, s.signature
FROM read_parquet($assigned, file_row_number = true) a LEFT JOIN run_sigs s USING (doc_id)
ORDER BY a.file_row_number
