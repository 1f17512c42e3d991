-- Counts per site for one run (parameter $run_id), in stage order, for the run's table artifact.
-- Rejects have no site column: it is derived from source_uri the way ingest derives `site`
-- (URL host without www., else the file's folder name).
WITH d AS (
    SELECT site,
           count(DISTINCT input_index) AS inputs,
           count(*)                    AS documents,
           sum(n_kept)                 AS paragraphs_kept,
           sum(n_boilerplate)          AS boilerplate,
           sum(n_duplicate)            AS duplicates,
           count(published)            AS with_date
    FROM documents_all WHERE run_id = $run_id GROUP BY site
), r AS (
    SELECT coalesce(nullif(regexp_extract(source_uri, '^[A-Za-z][A-Za-z0-9+.-]*://(?:www\.)?([^/:?#]+)', 1), ''),
                    nullif(regexp_extract(split_part(source_uri, '#', 1), '([^/]+)/[^/]+$', 1), ''),
                    'unknown') AS site,
           count(*) AS rejects
    FROM rejects_all WHERE run_id = $run_id GROUP BY 1
)
SELECT coalesce(d.site, r.site) AS site,
       coalesce(d.inputs, 0)          AS inputs,
       coalesce(r.rejects, 0)         AS rejects,
       coalesce(d.documents, 0)       AS documents,
       coalesce(d.paragraphs_kept, 0) AS paragraphs_kept,
       coalesce(d.boilerplate, 0)     AS boilerplate,
       coalesce(d.duplicates, 0)      AS duplicates,
       coalesce(d.with_date, 0)       AS with_date
FROM d FULL OUTER JOIN r ON d.site = r.site
ORDER BY documents DESC, site
