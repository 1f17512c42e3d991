-- This run's candidate pairs: eligible paragraphs sharing a band key, p the later, q the earlier, with both signatures.
WITH pairs AS (
    SELECT DISTINCT a.i AS p, b.i AS q FROM cur_bands a
    JOIN cur_bands b ON a.band = b.band AND a.key = b.key AND b.i < a.i
)
SELECT x.p, x.q, ep.signature AS sig_p, eq.signature AS sig_q,
       ep.doc_id AS p_doc, ep.position::INTEGER AS p_pos, eq.doc_id AS q_doc, eq.position::INTEGER AS q_pos
FROM pairs x JOIN elig ep ON ep.i = x.p JOIN elig eq ON eq.i = x.q
