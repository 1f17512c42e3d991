-- The pass's decisions (status changes only), staged per shard in dedup/decisions/shard=K/.
COPY (
    SELECT t.shard, d.doc_id, (t.key & 4294967295)::INTEGER AS position, 'boilerplate' AS status,
           'site_template' AS reason, NULL::VARCHAR AS first_doc_id,
           NULL::INTEGER AS first_position, NULL::FLOAT AS similarity, NULL::VARCHAR AS relation
    FROM template_hits t JOIN docs d ON d.k = t.key >> 32
    UNION ALL
    SELECT r.shard, d.doc_id, (r.key & 4294967295)::INTEGER, 'duplicate', 'exact_dup',
           d.doc_id, (r.first_key & 4294967295)::INTEGER, 1.0::FLOAT, 'duplicate'
    FROM doc_repeats r JOIN docs d ON d.k = r.key >> 32
    UNION ALL
    SELECT shard, doc_id, position::INTEGER, 'duplicate', 'exact_dup',
           first.doc_id, first.position::INTEGER, 1.0::FLOAT, 'duplicate'
    FROM exact_dups
    UNION ALL
    -- a revision stays kept (status and reason NULL: the clean stage's stand)
    SELECT shard, doc_id, position,
           CASE relation WHEN 'duplicate' THEN 'duplicate' END,
           CASE relation WHEN 'duplicate' THEN 'near_dup' END,
           first_doc_id, first_position, similarity, relation
    FROM near_dups
    ORDER BY shard, doc_id, position
) TO $path (FORMAT parquet, PARTITION_BY (shard), OVERWRITE_OR_IGNORE true)
