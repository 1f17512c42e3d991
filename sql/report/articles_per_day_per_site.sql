-- Articles per publication day and site; documents dated only to a month or year are left out.
SELECT published AS day, site, count(*) AS articles
FROM documents
WHERE published IS NOT NULL AND published_precision = 'day'
GROUP BY ALL
ORDER BY day, site;
