-- One band's keys of the eligible paragraphs into cur_bands.
INSERT INTO cur_bands SELECT i, $band::TINYINT, struct_extract_at(bands, $band + 1) FROM elig
