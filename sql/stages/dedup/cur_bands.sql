-- cur_bands: the band keys of the eligible paragraphs, one row per (i, band), filled band by band
-- (cur_band_keys) so a band's rows sit together and a scan of one band skips the others.
CREATE TEMP TABLE cur_bands (i BIGINT, band TINYINT, key UBIGINT)
