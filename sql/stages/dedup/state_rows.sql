-- This run's paragraph_minhash rows: the eligible paragraphs' band keys and signatures (in no order: a sort of every signature would be the pass's peak).
SELECT doc_id, position::INTEGER AS position, $run_id::VARCHAR AS run_id, input_index, record_index, bands, signature
FROM elig
