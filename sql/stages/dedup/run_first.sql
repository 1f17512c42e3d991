-- run_first: per candidate text, its earliest copy in this run.
CREATE TEMP TABLE run_first AS
SELECT norm_hash,
       arg_min(struct_pack(doc_id := doc_id, position := position),
               (pub_day, input_index, record_index, position)) AS first
FROM candidates GROUP BY norm_hash
