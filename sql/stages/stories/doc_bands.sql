-- doc_bands: the band keys of the run's document signatures, one row per (i, band).
CREATE TEMP TABLE doc_bands AS
SELECT i, unnest(range($bands))::TINYINT AS band, unnest(bands) AS key FROM run_sigs
