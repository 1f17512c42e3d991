-- Lines learned as a site's template (repeated on many of its pages), with how many pages carry them.
CREATE OR REPLACE VIEW site_templates AS
SELECT d.site, p.norm_hash, any_value(p.text) AS example_text, count(DISTINCT p.doc_id) AS n_docs
FROM paragraphs p JOIN documents d USING (doc_id)
WHERE p.status = 'boilerplate' AND p.reason = 'site_template'
GROUP BY ALL;
