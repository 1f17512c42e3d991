-- reps: the paragraphs eligible for near-duplicate search (kept, no template, first copy of their text), in run order `ord`.
CREATE TEMP TABLE reps AS
SELECT c.doc_id, c.position, c.shard, c.input_index, c.record_index,
       (row_number() OVER (ORDER BY c.pub_day, c.input_index, c.record_index, c.position) - 1)::BIGINT AS ord
FROM candidates c
JOIN run_first r USING (norm_hash)
LEFT JOIN prior_first p USING (norm_hash)
WHERE c.status = 'kept' AND p.first IS NULL
  AND r.first = struct_pack(doc_id := c.doc_id, position := c.position)
