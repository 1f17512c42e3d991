-- cur_bands: the band keys of the eligible paragraphs, one row per (i, band).
CREATE TEMP TABLE cur_bands AS
SELECT i, unnest(range($bands))::TINYINT AS band, unnest(bands) AS key FROM elig
