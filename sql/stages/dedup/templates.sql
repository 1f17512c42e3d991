-- templates: the (site, line hash) pairs carried by at least $min_docs documents, this run and stored runs together.
CREATE TEMP TABLE templates AS
WITH prior AS (
    SELECT site, norm_hash, sum(n_docs) AS n_docs
    FROM read_parquet($site_lines, hive_partitioning = false)
    WHERE run_id IN (SELECT run_id FROM done_runs)
    GROUP BY ALL
)
SELECT r.site, r.norm_hash
FROM run_site_lines r LEFT JOIN prior p USING (site, norm_hash)
WHERE r.n_docs + coalesce(p.n_docs, 0) >= $min_docs
