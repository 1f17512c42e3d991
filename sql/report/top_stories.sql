-- The stories carried by the most articles (view stories): first publisher and day, outlets in order.
SELECT title, first_site, first_published, n_articles, n_sites, sites_in_order, span_days
FROM stories
WHERE n_articles >= 2
ORDER BY n_articles DESC, n_sites DESC, first_published, story_id
LIMIT 15;
