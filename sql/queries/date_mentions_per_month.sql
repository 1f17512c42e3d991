-- Dates written in the text, per month they point at (Gregorian), day precision or coarser.
SELECT substr(value, 1, 7) AS month, count(*) AS mentions, count(DISTINCT doc_id) AS documents
FROM date_mentions
WHERE granularity IN ('day', 'datetime', 'month') AND value SIMILAR TO '[0-9]{4}-[0-9]{2}.*'
GROUP BY ALL
ORDER BY month;
