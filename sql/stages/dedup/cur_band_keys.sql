-- One band's keys of the eligible paragraphs into cur_bands.
INSERT INTO cur_bands SELECT i, $band::TINYINT, bands[$band + 1] FROM elig
