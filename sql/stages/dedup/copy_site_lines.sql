-- The run's site lines seen on two documents or more, staged for publishing (table site_lines).
COPY (SELECT site, norm_hash, n_docs, run_id FROM run_site_lines
      WHERE n_docs >= 2 ORDER BY site, norm_hash)
TO $path (FORMAT parquet)
