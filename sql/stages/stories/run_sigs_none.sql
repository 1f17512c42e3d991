-- run_sigs, when near-duplicate search is off (no document signatures).
CREATE TEMP TABLE run_sigs (doc_id VARCHAR, bands UBIGINT[], signature BLOB, pub_day BIGINT, i BIGINT)
