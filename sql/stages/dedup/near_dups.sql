-- near_dups: near-duplicate and revision decisions, filled from the MinHash pass.
CREATE TEMP TABLE near_dups (shard INTEGER, doc_id VARCHAR, position INTEGER,
                             first_doc_id VARCHAR, first_position INTEGER, similarity FLOAT,
                             relation VARCHAR)
