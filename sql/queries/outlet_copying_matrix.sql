-- Which outlet copies which: for every duplicate cluster, each copy on another site than the earliest
-- published member's counts as that site copying the original site.
-- Columns: original_site, copying_site, n_paragraphs (copies), n_docs (copying documents),
--          median_delay_days (copy's publication day minus the original's; dated pairs only),
--          same_day_share (share of the dated copies published the day of the original).
WITH members AS (
    SELECT p.first_doc_id, p.first_position, p.doc_id
    FROM paragraphs p WHERE p.status = 'duplicate' AND p.doc_id <> p.first_doc_id
)
SELECT f.earliest_site AS original_site,
       d.site AS copying_site,
       count(*) AS n_paragraphs,
       count(DISTINCT m.doc_id) AS n_docs,
       median(date_diff('day', f.earliest_published, d.published)) AS median_delay_days,
       round(avg(CASE WHEN d.published = f.earliest_published THEN 1.0 ELSE 0.0 END)
             FILTER (WHERE d.published IS NOT NULL AND f.earliest_published IS NOT NULL), 3) AS same_day_share
FROM members m
JOIN first_publications f USING (first_doc_id, first_position)
JOIN documents_all d ON d.doc_id = m.doc_id
WHERE d.site <> f.earliest_site AND m.doc_id <> f.earliest_doc_id
GROUP BY ALL
ORDER BY n_paragraphs DESC, original_site, copying_site;
