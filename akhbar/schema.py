"""Table schemas: the one place that defines every output table and documents its columns.

Each table lives in its own folder under the output folder (default ``data/out/``), as Parquet
files named ``<run_id>-<part>.parquet``. A run's files become visible to the views only once its
row is in ``runs`` (written last), so a crashed run is invisible and is cleaned up by the next one.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str


def _schema(columns: list[Column]) -> pa.Schema:
    return pa.schema([pa.field(c.name, c.type) for c in columns])


DOCUMENTS = [
    Column("doc_id", pa.string(), "Stable id: first 16 hex digits of sha256 of the record's raw bytes."),
    Column(
        "source_uri",
        pa.string(),
        "The record's URL when the input gives one, else the file path (with #N for the N-th record of a JSON, JSONL, CSV, Parquet or SGML DOC file, 1-based; a zip member is 'archive.zip!/member').",
    ),
    Column(
        "site",
        pa.string(),
        "Host of the URL without www.; for files without a URL, the name of the folder holding the file.",
    ),
    Column(
        "format",
        pa.string(),
        "Input format: text, html, json, jsonl, sgml, csv, parquet, warc, arc (a zip member: the member's format).",
    ),
    Column(
        "encoding",
        pa.string(),
        "Character encoding the raw bytes were decoded with, and how it was decided (e.g. 'utf-8', 'windows-1256 (detected)').",
    ),
    Column(
        "language", pa.string(), "Detected language of the kept text ('ar', 'en', ... or 'und' when too short to tell)."
    ),
    Column("run_id", pa.string(), "The run that ingested the document (see runs)."),
    Column("ingested_at", TS, "When the run ingested it (UTC)."),
    Column(
        "input_index",
        pa.int64(),
        "Position of the input file in the run's sorted input list; with record_index and the run it defines 'first'.",
    ),
    Column("record_index", pa.int64(), "Position of the record inside its input file (0 for single-page files)."),
    Column("url", pa.string(), "URL of the page when the input states it, else null."),
    Column("title", pa.string(), "Title: from the record/HTML metadata, or the headline line of a text scrape."),
    Column(
        "author",
        pa.string(),
        "Author or byline stated by the page; else the record's author field (JSON/JSONL/CSV/Parquet author, the AUTHOR tag of an SGML DOC).",
    ),
    Column("source_attribution", pa.string(), "Attributed source ('المصدر: ...'), e.g. a news agency."),
    Column("tags", pa.list_(pa.string()), "Tags/keywords stated on the page ('كلمات دلالية')."),
    Column("text", pa.string(), "The kept paragraphs, in order, joined by blank lines."),
    Column(
        "published",
        pa.date32(),
        "Publication date stated by the page; null when it states none (never guessed from crawl time).",
    ),
    Column("published_precision", pa.string(), "day, month or year."),
    Column("published_evidence", pa.string(), "The text or field the publication date was read from."),
    Column(
        "published_method",
        pa.string(),
        "Which reader decided: record_field, json_ld, html_meta, time_tag, page_date_line (the visible date line by an HTML page's title), htmldate, header_line (a text scrape's date line) or url_path.",
    ),
    Column("n_paragraphs", pa.int32(), "Paragraphs (non-empty lines or extracted blocks) in the document."),
    Column("n_kept", pa.int32(), "Paragraphs kept as article text."),
    Column("n_boilerplate", pa.int32(), "Paragraphs removed as boilerplate."),
    Column("n_duplicate", pa.int32(), "Paragraphs removed as repeats of an earlier paragraph."),
    Column("n_metadata", pa.int32(), "Paragraphs that carry metadata (title, date line, byline, source, tags)."),
    Column(
        "crawled_at",
        TS,
        "When the page was fetched (UTC): WARC-Date of a WARC/ARC record, or a record field named like it (crawled_at, date_extracted, crawl_date, fetch_time, ...; a time without offset is taken as UTC); null when the input does not say. Never used as the publication date.",
    ),
    Column(
        "source_meta",
        pa.string(),
        "Every other field the input record carries, as a JSON object (JSON/JSONL/CSV/Parquet fields other than text or html, url, title, published, author, crawled_at; SGML DOC tags and attributes such as docno, src, cat, abstract, dateline, id, type); null when there are none.",
    ),
]

PARAGRAPHS = [
    Column("doc_id", pa.string(), "Document the paragraph belongs to."),
    Column("position", pa.int32(), "0-based position of the paragraph in its document."),
    Column("line_no", pa.int32(), "1-based line in the raw text scrape; null for HTML paragraphs."),
    Column("text", pa.string(), "The paragraph as written (whitespace-trimmed)."),
    Column("norm_hash", pa.uint64(), "xxh64 of the normalized paragraph (akhbar.arabic.normalize_arabic)."),
    Column("status", pa.string(), "kept, boilerplate, duplicate or metadata (title, date line, byline, source, tags)."),
    Column(
        "reason",
        pa.string(),
        "Short machine-readable rule name that decided the status (e.g. body, cue_trailer, site_template, exact_dup, near_dup).",
    ),
    Column("first_doc_id", pa.string(), "For duplicates: the document holding the first occurrence."),
    Column("first_position", pa.int32(), "For duplicates: the position of the first occurrence in first_doc_id."),
    Column(
        "similarity",
        pa.float32(),
        "For duplicates: 1.0 for exact repeats, the estimated Jaccard similarity for near-duplicates; for revisions the estimated similarity with the paragraph revised.",
    ),
    Column("run_id", pa.string(), "The run that stored the paragraph."),
    Column(
        "relation",
        pa.string(),
        "duplicate (a repeat: status duplicate, removed) or revision (a near-duplicate stating a different fact, e.g. a changed number: kept) of the paragraph similar_doc_id/similar_position; null otherwise. Null in runs before the column existed.",
    ),
    Column(
        "similar_doc_id",
        pa.string(),
        "For duplicates and revisions: the document of the earlier paragraph it repeats or revises (for duplicates the same as first_doc_id).",
    ),
    Column("similar_position", pa.int32(), "For duplicates and revisions: the position of that earlier paragraph."),
]

DATE_MENTIONS = [
    Column("doc_id", pa.string(), "Document of the mention."),
    Column("position", pa.int32(), "Paragraph position of the mention."),
    Column("start", pa.int32(), "Start character offset in the paragraph text."),
    Column("end", pa.int32(), "End character offset (exclusive)."),
    Column("surface", pa.string(), "The expression as written."),
    Column(
        "value",
        pa.string(),
        "Normalized value: YYYY, YYYY-MM, YYYY-MM-DD, with THH:MM[:SS][offset] when a time is stated; YYYY-Www for ISO weeks; YYYY-SP/SU/FA/WI for seasons; --MM, weekday names or THH:MM when no reference resolves them.",
    ),
    Column("granularity", pa.string(), "year, season, month, week, day, datetime, time or weekday."),
    Column(
        "calendar", pa.string(), "gregorian or hijri (the value is always Gregorian; the surface keeps the Hijri form)."
    ),
    Column("run_id", pa.string(), "The run that stored the mention."),
]

REJECTS = [
    Column("source_uri", pa.string(), "The input (file path, #N for a record, or URL) that could not be processed."),
    Column("stage", pa.string(), "Stage that rejected it: ingest, clean, dates."),
    Column(
        "error",
        pa.string(),
        "A clear reason, e.g. 'empty file', 'unrecognised format: ...', 'broken JSON at "
        "character 413: ...'. It starts with one of the reasons declared, each with its meaning, in "
        "`akhbar/reasons.py` (file system entries, size limits, formats), or with a stage's own message "
        "('HTTP 404 response').",
    ),
    Column("run_id", pa.string(), "The run that met it."),
    Column("at", TS, "When (UTC)."),
    Column(
        "input_path",
        pa.string(),
        "The input file (inputs.path) the reject came from; the rejects view shows, per input file, only the rejects of the latest run that read it (rejects_all keeps every run's). Null in runs before the column existed.",
    ),
]

INPUTS = [
    Column(
        "path",
        pa.string(),
        "Input entry path, absolute (undecodable bytes of a name as \\xNN): every entry found, read or rejected.",
    ),
    Column("size", pa.int64(), "Size in bytes when read."),
    Column("mtime_ns", pa.int64(), "Modification time when read (of the target, for a symlink)."),
    Column(
        "sha256",
        pa.string(),
        "sha256 of the file's bytes; null when the entry was not read (rejected unopened, or unreadable): the next run tries it again.",
    ),
    Column("n_records", pa.int64(), "Records found in the file."),
    Column("run_id", pa.string(), "The run that read it."),
    Column(
        "ctime_ns",
        pa.int64(),
        "Status-change time when read: the kernel sets it on every write and no tool can set it back, so a later run skips the file unread only when size, mtime_ns and ctime_ns are all unchanged (and ctime_ns was before the run started); otherwise it compares sha256. Null in runs before the column existed.",
    ),
]

RUNS = [
    Column("run_id", pa.string(), "Sortable run id (UTC start time)."),
    Column("started_at", TS, "Start (UTC)."),
    Column("finished_at", TS, "End (UTC); the row is written last, so a run is complete iff it is here."),
    Column("parameters", pa.string(), "The run's parameters as JSON."),
    Column("n_inputs", pa.int64(), "Input files read (unchanged files skipped are not counted)."),
    Column("n_inputs_skipped", pa.int64(), "Input files skipped because an earlier run read them unchanged."),
    Column("n_records", pa.int64(), "Records read from the inputs."),
    Column("n_seen", pa.int64(), "Records skipped because their raw bytes were stored before."),
    Column("n_documents", pa.int64(), "Documents stored."),
    Column("n_rejects", pa.int64(), "Rejects."),
    Column("n_paragraphs", pa.int64(), "Paragraphs stored."),
    Column("n_kept", pa.int64(), "Paragraphs kept."),
    Column("n_boilerplate", pa.int64(), "Paragraphs removed as boilerplate."),
    Column("n_duplicate", pa.int64(), "Paragraphs removed as duplicates."),
    Column("n_metadata", pa.int64(), "Metadata paragraphs."),
    Column("n_date_mentions", pa.int64(), "Date mentions stored."),
    Column("n_published", pa.int64(), "Documents with a publication date."),
    Column("stage_seconds", pa.string(), "Wall seconds per stage, as JSON."),
    Column("akhbar_version", pa.string(), "Version of akhbar that wrote the run."),
]

# Compact state the next runs read (never the text of earlier runs).
SITE_LINES = [
    Column("site", pa.string(), "Site."),
    Column("norm_hash", pa.uint64(), "Normalized line hash."),
    Column("n_docs", pa.int64(), "Documents of the site in this run that contain the line."),
    Column("run_id", pa.string(), "Run that counted them."),
]

PARAGRAPH_MINHASH = [
    Column(
        "doc_id",
        pa.string(),
        "Document of a paragraph the near-duplicate search compares later paragraphs with (the first copy of its normalized text, kept, not a site template, at least near_dup_min_words words).",
    ),
    Column("position", pa.int32(), "Its position in the document."),
    Column(
        "run_id",
        pa.string(),
        "Run that stored it; with input_index, record_index and position the order that decides 'first'.",
    ),
    Column("input_index", pa.int64(), "The document's input_index (see documents)."),
    Column("record_index", pa.int64(), "The document's record_index (see documents)."),
    Column(
        "bands",
        pa.list_(pa.uint64()),
        "MinHash LSH band keys (akhbar.tasks.dedup: 20 bands of 6 of the 120 minimum hashes of the paragraph's normalized words); paragraphs sharing a key in the same band are compared.",
    ),
    Column(
        "signature",
        pa.binary(),
        "The 120 minimum hashes, low 16 bits each, little-endian (240 bytes): the share of equal entries estimates the Jaccard similarity of the word sets. Never the text.",
    ),
]

STORY_MEMBERS = [
    Column("doc_id", pa.string(), "A document of the run."),
    Column(
        "story_id",
        pa.string(),
        "The story it tells: the doc_id of the story's first document (the earliest published, akhbar.tasks.stories). Stored ids never change; a later run's article joins an existing story.",
    ),
    Column(
        "linked_doc_id",
        pa.string(),
        "The earlier document whose paragraphs it repeats or revises most (the link that put it in the story); null when it starts a story.",
    ),
    Column(
        "overlap",
        pa.float32(),
        "linked_by paragraphs: share of the characters of its text paragraphs in paragraphs that repeat or revise linked_doc_id's; linked_by minhash: the estimated Jaccard similarity of the two documents' word sets; null when it starts a story.",
    ),
    Column("run_id", pa.string(), "Run that assigned it."),
    Column(
        "linked_by",
        pa.string(),
        "paragraphs (its paragraphs repeat or revise the linked document's) or minhash (the same text split into other paragraphs or rewritten: document MinHash); null when it starts a story.",
    ),
    Column(
        "bands",
        pa.list_(pa.uint64()),
        "MinHash LSH band keys of the document's kept lines of at least near_dup_min_words words (as paragraph_minhash), for later runs to find it; null when it has none or near-duplicate search is off.",
    ),
    Column(
        "signature",
        pa.binary(),
        "The document's 120 minimum hashes, low 16 bits each (as paragraph_minhash). Never the text.",
    ),
]

TABLES: dict[str, list[Column]] = {
    "documents": DOCUMENTS,
    "paragraphs": PARAGRAPHS,
    "date_mentions": DATE_MENTIONS,
    "rejects": REJECTS,
    "inputs": INPUTS,
    "site_lines": SITE_LINES,
    "paragraph_minhash": PARAGRAPH_MINHASH,
    "story_members": STORY_MEMBERS,
    "runs": RUNS,
}

SCHEMAS: dict[str, pa.Schema] = {name: _schema(cols) for name, cols in TABLES.items()}


def empty_table(name: str) -> pa.Table:
    return SCHEMAS[name].empty_table()


def table_from_rows(name: str, rows: list[dict]) -> pa.Table:
    """Rows (dicts) -> a table with exactly the schema's columns and types."""
    schema = SCHEMAS[name]
    return pa.Table.from_pylist(rows, schema=schema)


def markdown_docs() -> str:
    """The column reference, rendered for sql/README.md (kept in sync by a test)."""
    out = []
    for name, cols in TABLES.items():
        out.append(f"### `{name}`\n\n| column | type | meaning |\n|---|---|---|")
        for c in cols:
            out.append(f"| `{c.name}` | {c.type} | {c.doc} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown_docs())
