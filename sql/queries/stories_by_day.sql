-- Stories per day of their first publication (view stories): how many stories started that day,
-- how many were carried by several articles and by several outlets, and the largest of them.
-- Columns: day, n_stories, n_multi_article (2+ articles), n_multi_outlet (2+ sites),
--          articles_in_multi (articles in the multi-article stories), top_title, top_n_articles, top_sites.
SELECT first_day AS day,
       count(*) AS n_stories,
       count(*) FILTER (WHERE n_articles >= 2) AS n_multi_article,
       count(*) FILTER (WHERE n_sites >= 2) AS n_multi_outlet,
       coalesce(sum(n_articles) FILTER (WHERE n_articles >= 2), 0) AS articles_in_multi,
       arg_max(title, (n_articles, n_sites, story_id)) AS top_title,
       max(n_articles) AS top_n_articles,
       arg_max(sites_in_order, (n_articles, n_sites, story_id)) AS top_sites
FROM stories
WHERE first_day IS NOT NULL
GROUP BY first_day
ORDER BY first_day;
