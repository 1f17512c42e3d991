"""Readers of the record formats beyond a single page, one small module each, all streaming.

json_array  a JSON file holding an array of records (or an object holding one)
jsonl       one JSON record per line
sgml_doc    TREC/SGML <DOC> files (ANT, LDC Gigaword), one or many <DOC> per file
tabular     Parquet and CSV/TSV with a text or html column, read in batches with pyarrow
zip_members a .zip of any of the formats, read member by member

Each reader yields `fields.Fields` (one record, its raw bytes and its mapped fields) or
`fields.Problem` (a record or file that cannot be read, with its reason from akhbar/reasons.py);
they read the decompressed chunks tasks/ingest/streams.py gives, within the Settings limits, and
tasks/ingest/read.py turns what they yield into staged records and rejects.
"""
