-- candidates: kept and metadata paragraphs that may repeat another document's (templates and in-document repeats aside).
CREATE TEMP TABLE candidates AS
SELECT c.key, c.norm_hash, c.status, c.shard FROM cur c
ANTI JOIN template_hits t USING (key)
ANTI JOIN doc_repeats r USING (key)
WHERE c.norm_hash IS NOT NULL AND c.status IN ('kept', 'metadata')
