-- The akhbar views over the Parquet output folder.
--   duckdb -init sql/views.sql                      (from the repository root; reads data/out)
--   AKHBAR_OUT=/path/to/out duckdb -init sql/views.sql
-- akhbar.store.connect() runs the same files (the .read lines below), in this order.
-- The views append /<table>/*.parquet: * ? [ in the folder's own path are escaped as one-character classes
-- ([*] [?] [[]), the rule of akhbar.store.duckdb_path.
SET VARIABLE akhbar_out = regexp_replace(coalesce(nullif(getenv('AKHBAR_OUT'), ''), 'data/out'), '([*?\[])', '[\1]', 'g');
.read sql/views/runs.sql
.read sql/views/documents.sql
.read sql/views/paragraphs.sql
.read sql/views/date_mentions.sql
.read sql/views/inputs.sql
.read sql/views/rejects.sql
.read sql/views/duplicate_clusters.sql
.read sql/views/site_templates.sql
.read sql/views/first_publications.sql
.read sql/views/stories.sql
