-- This run's candidate document pairs within the window, each once, p the later, q the earlier, with both signatures.
WITH pairs AS (SELECT DISTINCT p, q FROM doc_pair_ids)
SELECT x.p, x.q, a.signature AS sig_p, b.signature AS sig_q, a.doc_id AS p_doc, b.doc_id AS q_doc
FROM pairs x JOIN run_sigs a ON a.i = x.p JOIN run_sigs b ON b.i = x.q
WHERE (a.pub_day = no_day() OR b.pub_day = no_day() OR abs(a.pub_day - b.pub_day) <= $window)
