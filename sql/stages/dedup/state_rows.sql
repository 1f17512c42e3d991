-- This run's paragraph_minhash rows (the eligible paragraphs' band keys and signatures), in elig's stored order i (run with preserve_insertion_order).
SELECT doc_id, position::INTEGER AS position, $run_id::VARCHAR AS run_id, input_index, record_index, bands, signature
FROM elig
