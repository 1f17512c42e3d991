-- run_pair_ids: this run's candidate pairs, eligible paragraphs sharing a band key (p the later, q
-- the earlier), filled band by band (run_band_pairs): a join of every band at once outgrew DuckDB's memory.
CREATE TEMP TABLE run_pair_ids (p BIGINT, q BIGINT)
