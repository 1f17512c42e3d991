-- run_first: per candidate text, the key of its earliest copy in this run.
CREATE TEMP TABLE run_first AS
SELECT norm_hash, min(key) AS first_key FROM candidates GROUP BY norm_hash
