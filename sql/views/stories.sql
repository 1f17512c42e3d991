-- Story membership of every stored document (tasks.stories), completed runs only.
CREATE OR REPLACE VIEW story_members AS
SELECT * FROM read_parquet(getvariable('akhbar_out') || '/story_members/*.parquet', union_by_name = true, hive_partitioning = false)
WHERE run_id IN (SELECT run_id FROM runs);

-- Per story: first publisher and time, the outlets in the order they carried it, articles, span of days.
-- "First" is the earliest published article (undated ones last, then run and input order).
CREATE OR REPLACE VIEW stories AS
WITH members AS (
    SELECT m.story_id, d.doc_id, d.site, d.published, d.title,
           row_number() OVER (PARTITION BY m.story_id
                              ORDER BY d.published NULLS LAST, d.run_id, d.input_index, d.record_index) AS rank
    FROM story_members m JOIN documents_all d USING (doc_id)
),
site_order AS (
    SELECT story_id, site, min(rank) AS first_rank FROM members GROUP BY ALL
)
SELECT
    m.story_id,
    any_value(m.doc_id)    FILTER (WHERE m.rank = 1) AS first_doc_id,
    any_value(m.site)      FILTER (WHERE m.rank = 1) AS first_site,
    any_value(m.published) FILTER (WHERE m.rank = 1) AS first_published,
    any_value(m.title)     FILTER (WHERE m.rank = 1) AS title,
    count(*)                                         AS n_articles,
    count(DISTINCT m.site)                           AS n_sites,
    (SELECT list(s.site ORDER BY s.first_rank, s.site) FROM site_order s WHERE s.story_id = m.story_id) AS sites_in_order,
    min(m.published)                                 AS first_day,
    max(m.published)                                 AS last_day,
    date_diff('day', min(m.published), max(m.published)) AS span_days,
    list(m.doc_id ORDER BY m.rank)                   AS doc_ids
FROM members m
GROUP BY m.story_id;
