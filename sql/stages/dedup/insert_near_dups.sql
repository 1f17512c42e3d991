-- Fills near_dups from the chosen relations (near_arrow, by eligible number i).
INSERT INTO near_dups
SELECT e.shard, e.doc_id, e.position::INTEGER, a.first_doc_id, a.first_position, a.similarity, a.relation
FROM near_arrow a JOIN elig e USING (i)
