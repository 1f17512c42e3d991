-- The staged records not stored before, the first of each doc_id in input order, numbered (seq)
-- with the running count of their characters (chars_through) for the shard split.
CREATE TEMP TABLE admitted AS
WITH fresh AS (SELECT s.* FROM staged s ANTI JOIN stored_ids t ON s.doc_id = t.doc_id),
firsts AS (SELECT * FROM fresh
           QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY input_index, record_index) = 1)
SELECT *, row_number() OVER (ORDER BY input_index, record_index) - 1 AS seq,
       sum(content_chars) OVER (ORDER BY input_index, record_index
                                ROWS UNBOUNDED PRECEDING) AS chars_through
FROM firsts
