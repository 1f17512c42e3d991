-- Share of each site's paragraphs removed as boilerplate and as duplicates (percent of all its paragraphs).
SELECT site,
       count(*)                                            AS documents,
       sum(n_paragraphs)                                   AS paragraphs,
       sum(n_boilerplate)                                  AS boilerplate,
       sum(n_duplicate)                                    AS duplicate,
       round(100.0 * sum(n_boilerplate) / nullif(sum(n_paragraphs), 0), 1) AS pct_boilerplate,
       round(100.0 * sum(n_duplicate) / nullif(sum(n_paragraphs), 0), 1)   AS pct_duplicate
FROM documents
GROUP BY site
ORDER BY documents DESC, site;
