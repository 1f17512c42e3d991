-- Per duplicate cluster (a first occurrence and every copy of it): the earliest published member
-- (undated ones last, then run and input order) and the order in which outlets carried it.
-- The stored first occurrence (first_doc_id) is the earliest published copy within a run; across
-- runs stored decisions stand, so a later run may bring an earlier copy: this view still names it.
CREATE OR REPLACE VIEW first_publications AS
WITH copies AS (
    SELECT first_doc_id AS cluster_doc_id, first_position AS cluster_position, doc_id, position
    FROM paragraphs WHERE status = 'duplicate' AND doc_id <> first_doc_id
),
members AS (
    SELECT * FROM copies
    UNION ALL
    SELECT DISTINCT cluster_doc_id, cluster_position, cluster_doc_id, cluster_position FROM copies
),
ranked AS (
    SELECT m.*, d.site, d.published,
           row_number() OVER (PARTITION BY m.cluster_doc_id, m.cluster_position
                              ORDER BY d.published NULLS LAST, d.run_id, d.input_index, d.record_index, m.position) AS rank
    FROM members m JOIN documents_all d USING (doc_id)
),
site_order AS (
    SELECT cluster_doc_id, cluster_position, site, min(rank) AS first_rank, min(published) AS first_published
    FROM ranked GROUP BY ALL
)
SELECT
    r.cluster_doc_id                                    AS first_doc_id,
    r.cluster_position                                  AS first_position,
    any_value(r.doc_id)    FILTER (WHERE r.rank = 1)    AS earliest_doc_id,
    any_value(r.position)  FILTER (WHERE r.rank = 1)    AS earliest_position,
    any_value(r.site)      FILTER (WHERE r.rank = 1)    AS earliest_site,
    any_value(r.published) FILTER (WHERE r.rank = 1)    AS earliest_published,
    count(*)                                            AS n_members,
    (SELECT list(s.site ORDER BY s.first_rank) FROM site_order s
     WHERE s.cluster_doc_id = r.cluster_doc_id AND s.cluster_position = r.cluster_position) AS sites_in_order,
    (SELECT list(s.first_published ORDER BY s.first_rank) FROM site_order s
     WHERE s.cluster_doc_id = r.cluster_doc_id AND s.cluster_position = r.cluster_position) AS site_first_published
FROM ranked r
GROUP BY r.cluster_doc_id, r.cluster_position;
