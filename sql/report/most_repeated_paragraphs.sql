-- The paragraphs repeated most often across documents (first occurrence with its copies), with
-- every site they appear on. Kept-class text only: the first occurrence is kept article text, and
-- repeats inside one page (in-page furniture such as a repeated «الموضوع :» label) are not counted.
WITH copies AS (
    SELECT p.first_doc_id, p.first_position, p.doc_id, d.site
    FROM paragraphs p JOIN documents d USING (doc_id)
    WHERE p.status = 'duplicate' AND p.doc_id <> p.first_doc_id
)
SELECT count(*) AS n_copies,
       len(list_distinct(list_append(list(c.site), fd.site))) AS n_sites,
       list_sort(list_distinct(list_append(list(c.site), fd.site))) AS sites,
       fd.site AS first_site,
       f.text
FROM copies c
JOIN paragraphs_all f ON f.doc_id = c.first_doc_id AND f.position = c.first_position
JOIN documents_all fd ON fd.doc_id = f.doc_id
WHERE f.status = 'kept'
GROUP BY f.doc_id, f.position, f.text, fd.site
ORDER BY n_copies DESC, n_sites DESC, f.doc_id, f.position
LIMIT 20;
