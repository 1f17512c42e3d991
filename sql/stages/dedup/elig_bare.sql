-- elig without its band keys once cur_bands holds them (the pass's later joins need only the narrow columns;
-- dropping the column keeps the others' storage, where a copy of the table rewrote it).
ALTER TABLE elig DROP COLUMN bands
