-- Articles per site, with how much of their text survived cleaning.
SELECT site,
       count(*)                                  AS articles,
       count(published)                          AS with_date,
       sum(n_kept)                               AS paragraphs_kept,
       round(100.0 * sum(n_boilerplate) / nullif(sum(n_paragraphs), 0), 1) AS pct_boilerplate,
       round(100.0 * sum(n_duplicate) / nullif(sum(n_paragraphs), 0), 1)   AS pct_duplicate
FROM documents
GROUP BY site
ORDER BY articles DESC, site;
