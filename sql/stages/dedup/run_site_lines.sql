-- run_site_lines: per (site, short line hash), the documents of this run carrying the line.
CREATE TEMP TABLE run_site_lines AS
SELECT site, norm_hash, count(DISTINCT key >> 32)::BIGINT AS n_docs, $run_id::VARCHAR AS run_id
FROM cur
WHERE norm_hash IS NOT NULL AND n_chars <= $max_chars
      AND status <> 'metadata'
GROUP BY site, norm_hash
