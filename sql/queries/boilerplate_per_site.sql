-- What boilerplate removal took out, per site and rule.
SELECT d.site, p.reason, count(*) AS paragraphs, any_value(left(p.text, 80)) AS example
FROM paragraphs p JOIN documents d USING (doc_id)
WHERE p.status = 'boilerplate'
GROUP BY ALL
ORDER BY d.site, paragraphs DESC;
