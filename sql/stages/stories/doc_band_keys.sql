-- One band's keys of the run's document signatures into doc_bands.
INSERT INTO doc_bands SELECT i, $band::TINYINT, bands[$band + 1] FROM run_sigs
