-- How many of each site's documents state a publication date, by precision (day, month, year, none).
SELECT site,
       count(*)                                                    AS documents,
       count(*) FILTER (WHERE published_precision = 'day')         AS day,
       count(*) FILTER (WHERE published_precision = 'month')       AS month,
       count(*) FILTER (WHERE published_precision = 'year')        AS year,
       count(*) FILTER (WHERE published IS NULL)                   AS none
FROM documents
GROUP BY site
ORDER BY documents DESC, site;
