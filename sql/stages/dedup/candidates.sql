-- candidates: kept and metadata paragraphs that may repeat another document's (templates and in-document repeats aside).
CREATE TEMP TABLE candidates AS
SELECT c.* FROM cur c
ANTI JOIN template_hits t USING (doc_id, position)
ANTI JOIN doc_repeats r USING (doc_id, position)
WHERE c.norm_hash IS NOT NULL AND c.status IN ('kept', 'metadata')
