-- The pairs sharing band $band's key into run_pair_ids.
INSERT INTO run_pair_ids
SELECT a.i, b.i FROM cur_bands a JOIN cur_bands b ON a.key = b.key AND b.i < a.i
WHERE a.band = $band AND b.band = $band
