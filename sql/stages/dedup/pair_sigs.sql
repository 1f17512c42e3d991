-- pair_sigs: the signatures of the eligible paragraphs in a candidate pair (this run's or a stored hit), by i,
-- taken while the state file is written (wanted_sigs).
CREATE TEMP TABLE pair_sigs AS SELECT i, signature FROM wanted_sigs
