-- The paragraphs repeated most often (first occurrence with its copies), with every site they appear on.
SELECT n_copies,
       n_sites,
       list_sort(list_distinct(list_append(copy_sites, first_site))) AS sites,
       first_site,
       text
FROM duplicate_clusters
ORDER BY n_copies DESC, n_sites DESC, first_doc_id, first_position
LIMIT 20;
