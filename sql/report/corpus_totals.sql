-- One row: the corpus at a glance (header of the report).
SELECT (SELECT count(*) FROM documents)                        AS documents,
       (SELECT count(DISTINCT site) FROM documents)            AS sites,
       (SELECT count(published) FROM documents)                AS with_date,
       (SELECT count(*) FROM paragraphs WHERE status = 'kept') AS paragraphs_kept,
       (SELECT count(*) FROM rejects)                          AS rejects,
       (SELECT count(*) FROM runs)                             AS runs,
       (SELECT max(finished_at) FROM runs)                     AS last_run_finished_at;
