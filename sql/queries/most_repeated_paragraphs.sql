-- The paragraphs repeated most often across documents, with the sites they appear on. Kept-class
-- text only: the first occurrence is kept article text, and repeats inside one page (a thread's
-- repeated «الموضوع :» label, a caption printed twice) are not counted.
-- Columns: n_copies, n_docs, n_sites, first_site, copy_sites, text.
WITH copies AS (
    SELECT p.first_doc_id, p.first_position, p.doc_id, d.site
    FROM paragraphs p JOIN documents d USING (doc_id)
    WHERE p.status = 'duplicate' AND p.doc_id <> p.first_doc_id
)
SELECT count(*) AS n_copies,
       count(DISTINCT c.doc_id) AS n_docs,
       len(list_distinct(list_append(list(c.site), fd.site))) AS n_sites,
       fd.site AS first_site,
       list(DISTINCT c.site ORDER BY c.site) AS copy_sites,
       left(f.text, 120) AS text
FROM copies c
JOIN paragraphs_all f ON f.doc_id = c.first_doc_id AND f.position = c.first_position
JOIN documents_all fd ON fd.doc_id = f.doc_id
WHERE f.status = 'kept'
GROUP BY f.doc_id, f.position, f.text, fd.site
ORDER BY n_copies DESC, n_sites DESC, f.doc_id, f.position
LIMIT 20;
