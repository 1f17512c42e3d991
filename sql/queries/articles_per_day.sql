-- Articles per publication day and site (documents without a stated date are left out).
SELECT published AS day, site, count(*) AS articles
FROM documents
WHERE published IS NOT NULL AND published_precision = 'day'
GROUP BY ALL
ORDER BY day, site;
