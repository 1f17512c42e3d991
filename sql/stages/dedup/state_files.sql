-- The staged MinHash files by number (file_index, as state_rows reads them).
SELECT file_index, any_value(filename) FROM read_parquet($minhash, hive_partitioning = false, filename = true)
GROUP BY file_index
