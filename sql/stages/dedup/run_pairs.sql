-- This run's candidate pairs, each once, with both signatures.
WITH pairs AS (SELECT DISTINCT p, q FROM run_pair_ids)
SELECT x.p, x.q, sp.signature AS sig_p, sq.signature AS sig_q,
       ep.doc_id AS p_doc, ep.position::INTEGER AS p_pos, eq.doc_id AS q_doc, eq.position::INTEGER AS q_pos
FROM pairs x JOIN elig ep ON ep.i = x.p JOIN elig eq ON eq.i = x.q
JOIN pair_sigs sp ON sp.i = x.p JOIN pair_sigs sq ON sq.i = x.q
