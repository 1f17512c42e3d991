-- The staged records of the run without their content, with where each sits in the ingest staging
-- files. A view takes no parameters: its file pattern comes from the variable staged_files.
CREATE VIEW staged AS
SELECT * EXCLUDE (content, filename, file_row_number),
       parse_filename(filename) AS ingest_file, file_row_number AS ingest_row
FROM read_parquet(getvariable('staged_files'), filename = true, file_row_number = true,
                  hive_partitioning = false)
