-- reps: the paragraphs eligible for near-duplicate search (kept, no template, first copy of their text), by key `ord`.
CREATE TEMP TABLE reps AS
SELECT c.key AS ord, c.shard
FROM candidates c
JOIN run_first r ON r.norm_hash = c.norm_hash AND r.first_key = c.key
ANTI JOIN prior_first p ON p.norm_hash = c.norm_hash
WHERE c.status = 'kept'
