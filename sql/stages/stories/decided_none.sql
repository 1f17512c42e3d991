-- decided, when the dedup pass decided nothing.
CREATE TEMP TABLE decided (doc_id VARCHAR, position INTEGER, status VARCHAR, first_doc_id VARCHAR)
