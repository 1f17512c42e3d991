-- template_hits: kept paragraphs that are a site template line (and not an in-document repeat).
CREATE TEMP TABLE template_hits AS
SELECT c.doc_id, c.position, c.shard FROM cur c
SEMI JOIN templates t ON c.site = t.site AND c.norm_hash = t.norm_hash
ANTI JOIN doc_repeats r ON c.doc_id = r.doc_id AND c.position = r.position
WHERE c.status = 'kept'
