-- Macros of the publication order: a document's day as a sort key, undated documents after every dated one.
CREATE OR REPLACE TEMP MACRO no_day() AS 2147483647;
CREATE OR REPLACE TEMP MACRO pub_day(published) AS coalesce(date_diff('day', DATE '1970-01-01', published), no_day());
