-- A new shard every shard_size records or max_chars characters, whichever comes first (both only
-- grow along seq, so shards stay in input order; numbers may skip).
COPY (SELECT * EXCLUDE (chars_through, content_chars),
             greatest(seq // $shard_size, (chars_through - 1) // $max_chars)::INTEGER AS shard
      FROM admitted ORDER BY seq)
TO $records (FORMAT parquet, PARTITION_BY (shard), OVERWRITE_OR_IGNORE true)
