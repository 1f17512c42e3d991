-- elig without its band keys once cur_bands holds them (the pass's later joins need only the narrow columns).
CREATE TEMP TABLE elig_bare AS SELECT * EXCLUDE (bands) FROM elig;
DROP TABLE elig;
ALTER TABLE elig_bare RENAME TO elig
