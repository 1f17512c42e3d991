-- doc_repeats: every later copy of a paragraph inside its document, whatever its class, with its first copy's key.
CREATE TEMP TABLE doc_repeats AS
SELECT key, shard, first_key FROM (
    SELECT key, shard, min(key) OVER (PARTITION BY key >> 32, norm_hash) AS first_key
    FROM cur WHERE norm_hash IS NOT NULL)
WHERE key > first_key
