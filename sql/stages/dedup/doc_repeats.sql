-- doc_repeats: every later copy of a paragraph inside its document, whatever its class, with its first copy's position.
CREATE TEMP TABLE doc_repeats AS
SELECT doc_id, position, shard, first_position FROM (
    SELECT doc_id, position, shard,
           min(position) OVER (PARTITION BY doc_id, norm_hash) AS first_position
    FROM cur WHERE norm_hash IS NOT NULL)
WHERE position > first_position
