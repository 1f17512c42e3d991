-- cur_bands: the band keys of the eligible paragraphs, one row per (i, band).
CREATE TEMP TABLE cur_bands AS SELECT * FROM bands_arrow
