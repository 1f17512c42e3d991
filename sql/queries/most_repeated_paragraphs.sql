-- The paragraphs repeated most often, with the sites they appear on.
SELECT n_copies, n_sites, first_site, copy_sites, left(text, 120) AS text
FROM duplicate_clusters
ORDER BY n_copies DESC, n_sites DESC, first_doc_id, first_position
LIMIT 20;
