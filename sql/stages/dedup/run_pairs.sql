-- This run's candidate pairs, each once, with both signatures.
WITH pairs AS (SELECT DISTINCT p, q FROM run_pair_ids)
SELECT x.p, x.q, sp.signature AS sig_p, sq.signature AS sig_q,
       sp.doc_id AS p_doc, sp.position::INTEGER AS p_pos, sq.doc_id AS q_doc, sq.position::INTEGER AS q_pos
FROM pairs x JOIN pair_sigs sp ON sp.i = x.p JOIN pair_sigs sq ON sq.i = x.q
