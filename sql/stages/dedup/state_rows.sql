-- Where each eligible paragraph's staged MinHash row sits (file: state_files's number, row), in file order, with what
-- its paragraph_minhash row takes from the run. Narrow rows: the band keys and signatures are taken from the files
-- themselves, file by file.
SELECT file, row, input_index, record_index FROM elig ORDER BY file, row
