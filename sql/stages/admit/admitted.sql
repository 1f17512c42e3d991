-- The staged records not stored before, the first of each doc_id in input order, numbered (seq)
-- with the running count of their characters (chars_through) for the shard split. Narrow rows:
-- where each sits in the ingest staging files; record_shards takes their other columns from there
-- (sorting every column through the windows was most of admit's time).
CREATE TEMP TABLE admitted AS
WITH fresh AS (
    SELECT s.doc_id, s.input_index, s.record_index, s.content_chars, s.ingest_file, s.ingest_row
    FROM staged s ANTI JOIN stored_ids t ON s.doc_id = t.doc_id
),
firsts AS (SELECT * FROM fresh
           QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY input_index, record_index) = 1)
SELECT ingest_file, ingest_row, content_chars,
       row_number() OVER (ORDER BY input_index, record_index) - 1 AS seq,
       sum(content_chars) OVER (ORDER BY input_index, record_index
                                ROWS UNBOUNDED PRECEDING) AS chars_through
FROM firsts
