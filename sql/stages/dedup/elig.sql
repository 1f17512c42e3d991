-- elig: the eligible paragraphs with their staged band keys, i their key `ord` (a paragraph without
-- a staged row has too few words). The 20 band keys (minhash.BANDS) as a struct: cur_band_keys reads
-- one field per band, where a list is read whole. The signatures stay in the staged files, where
-- (file, row) finds them (state_rows, pair_sigs): held here, they made DuckDB spill.
CREATE TEMP TABLE elig AS
SELECT r.ord AS i, d.doc_id, (r.ord & 4294967295)::INTEGER AS position, r.shard, d.input_index, d.record_index,
       m.file_index AS file, m.file_row_number AS row,
       struct_pack(b0 := m.bands[1], b1 := m.bands[2], b2 := m.bands[3], b3 := m.bands[4], b4 := m.bands[5],
                    b5 := m.bands[6], b6 := m.bands[7], b7 := m.bands[8], b8 := m.bands[9], b9 := m.bands[10],
                    b10 := m.bands[11], b11 := m.bands[12], b12 := m.bands[13], b13 := m.bands[14], b14 := m.bands[15],
                    b15 := m.bands[16], b16 := m.bands[17], b17 := m.bands[18], b18 := m.bands[19], b19 := m.bands[20]) AS bands
FROM reps r
JOIN docs d ON d.k = r.ord >> 32
JOIN read_parquet($minhash, hive_partitioning = false, file_row_number = true) m
  ON m.doc_id = d.doc_id AND m.position = (r.ord & 4294967295)::INTEGER
