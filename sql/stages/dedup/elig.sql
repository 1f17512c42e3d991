-- elig: the eligible paragraphs numbered i (row i of the signature arrays).
CREATE TEMP TABLE elig AS SELECT e.i, r.* FROM elig_arrow e JOIN reps r USING (ord)
