-- doc_bands: the band keys of the run's document signatures, one row per (i, band), filled band by
-- band (doc_band_keys) so a band's rows sit together and a scan of one band skips the others.
CREATE TEMP TABLE doc_bands (i BIGINT, band TINYINT, key UBIGINT)
