-- The document pairs sharing band $band's key into doc_pair_ids.
INSERT INTO doc_pair_ids
SELECT x.i, y.i FROM doc_bands x JOIN doc_bands y ON x.key = y.key AND y.i < x.i
WHERE x.band = $band AND y.band = $band
