-- template_hits: kept paragraphs that are a site template line (and not an in-document repeat).
CREATE TEMP TABLE template_hits AS
SELECT c.key, c.shard FROM cur c
SEMI JOIN templates t ON c.site = t.site AND c.norm_hash = t.norm_hash
ANTI JOIN doc_repeats r ON c.key = r.key
WHERE c.status = 'kept'
