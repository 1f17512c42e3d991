-- exact_dups: kept paragraphs whose text appeared earlier in another document (this run or a stored one).
CREATE TEMP TABLE exact_dups AS
WITH dups AS (
    SELECT c.key, c.shard, p.first AS prior, r.first_key
    FROM candidates c
    JOIN run_first r USING (norm_hash)
    LEFT JOIN prior_first p USING (norm_hash)
    WHERE c.status = 'kept' AND (p.first IS NOT NULL OR r.first_key <> c.key)
)
SELECT x.shard, d.doc_id, (x.key & 4294967295)::INTEGER AS position,
       coalesce(x.prior, struct_pack(doc_id := f.doc_id, position := (x.first_key & 4294967295)::INTEGER)) AS first
FROM dups x
JOIN docs d ON d.k = x.key >> 32
JOIN docs f ON f.k = x.first_key >> 32
