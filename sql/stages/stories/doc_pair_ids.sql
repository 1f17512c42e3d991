-- doc_pair_ids: this run's candidate document pairs, sharing a band key (p the later, q the earlier),
-- filled band by band (doc_band_pairs): a join of every band at once outgrows DuckDB's memory.
CREATE TEMP TABLE doc_pair_ids (p BIGINT, q BIGINT)
