-- A new shard every shard_size records or max_chars characters, whichever comes first (both only
-- grow along seq, so shards stay in input order; numbers may skip).
COPY (SELECT s.* EXCLUDE (content_chars), a.seq,
             greatest(a.seq // $shard_size, (a.chars_through - 1) // $max_chars)::INTEGER AS shard
      FROM staged s JOIN admitted a ON a.ingest_file = s.ingest_file AND a.ingest_row = s.ingest_row
      ORDER BY a.seq)
TO $records (FORMAT parquet, PARTITION_BY (shard), OVERWRITE_OR_IGNORE true)
