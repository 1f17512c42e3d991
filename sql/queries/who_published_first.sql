-- Who published a repeated paragraph first: per duplicate cluster carried by two or more outlets,
-- the earliest published copy and the order in which outlets carried it (view first_publications).
-- Columns: earliest_site, earliest_published, earliest_doc_id, n_members (copies + the first),
--          n_sites, sites_in_order (outlets by first carrying date), site_first_published, text.
SELECT f.earliest_site,
       f.earliest_published,
       f.earliest_doc_id,
       f.n_members,
       len(f.sites_in_order) AS n_sites,
       f.sites_in_order,
       f.site_first_published,
       left(p.text, 160) AS text
FROM first_publications f
JOIN paragraphs_all p ON p.doc_id = f.earliest_doc_id AND p.position = f.earliest_position
WHERE len(f.sites_in_order) >= 2
ORDER BY n_sites DESC, f.n_members DESC, f.earliest_published, f.first_doc_id, f.first_position
LIMIT 50;
