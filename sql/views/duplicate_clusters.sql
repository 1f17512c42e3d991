-- Each repeated paragraph (its first occurrence) with its copies, the sites and publication dates involved.
-- Copies are exact repeats (similarity 1.0) and near-duplicates (estimated Jaccard similarity of the
-- normalized word sets, at least near_dup_threshold); min_similarity is the loosest copy.
CREATE OR REPLACE VIEW duplicate_clusters AS
WITH copies AS (
    SELECT p.first_doc_id, p.first_position, p.doc_id, p.position, p.reason, p.similarity,
           d.site, d.published
    FROM paragraphs p JOIN documents d USING (doc_id)
    WHERE p.status = 'duplicate'
)
SELECT
    f.doc_id                                   AS first_doc_id,
    f.position                                 AS first_position,
    f.text                                     AS text,
    fd.site                                    AS first_site,
    fd.published                               AS first_published,
    count(*)                                   AS n_copies,
    count(DISTINCT c.doc_id)                   AS n_docs_with_copy,
    list(DISTINCT c.site ORDER BY c.site)      AS copy_sites,
    len(list_distinct(list_append(list(c.site), fd.site))) AS n_sites,
    min(c.published)                           AS min_copy_published,
    max(c.published)                           AS max_copy_published,
    count(*) FILTER (WHERE c.reason = 'near_dup') AS n_near_dup,
    min(c.similarity)                          AS min_similarity,
    list({'doc_id': c.doc_id, 'position': c.position, 'site': c.site,
          'published': c.published, 'reason': c.reason, 'similarity': c.similarity}
         ORDER BY c.doc_id, c.position) AS copies
FROM copies c
-- the first occurrence may be in an earlier version of its document: the _all views keep it
JOIN paragraphs_all f ON f.doc_id = c.first_doc_id AND f.position = c.first_position
JOIN documents_all fd ON fd.doc_id = f.doc_id
GROUP BY f.doc_id, f.position, f.text, fd.site, fd.published;
