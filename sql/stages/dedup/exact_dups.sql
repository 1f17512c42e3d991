-- exact_dups: kept paragraphs whose text appeared earlier in another document (this run or a stored one).
CREATE TEMP TABLE exact_dups AS
SELECT c.doc_id, c.position, c.shard,
       coalesce(p.first, r.first) AS first
FROM candidates c
JOIN run_first r USING (norm_hash)
LEFT JOIN prior_first p USING (norm_hash)
WHERE c.status = 'kept'
  AND (p.first IS NOT NULL OR r.first <> struct_pack(doc_id := c.doc_id, position := c.position))
