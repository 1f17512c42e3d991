-- This run's candidate pairs: eligible paragraphs sharing a band key, p the later, q the earlier.
SELECT DISTINCT a.i AS p, b.i AS q FROM cur_bands a
JOIN cur_bands b ON a.band = b.band AND a.key = b.key AND b.i < a.i
