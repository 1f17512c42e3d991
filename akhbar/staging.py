"""The run folder's layout: every file a stage stages for a later stage of the same run.

A run works in OUT/_staging/<run_id>/ (akhbar.store.staging_dir) and publishes from there. Each
kind of staged file is declared once in STAGED: the stage folder and the name per shard. Stages
never spell a staged path themselves; they ask this module:

    staging.path(run, "clean_docs", shard_id)      one shard's file (to write or read)
    staging.paths(run, "clean_docs")               every shard's file, sorted
    staging.pattern(run, "clean_docs")             a DuckDB file pattern of every shard's file,
                                                   taken literally whatever the run folder's name
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from akhbar.schema import TS

# kind -> (folder in the run folder, file name with {shard} for the shard id)
STAGED: dict[str, tuple[str, str]] = {
    # ingest: the records read from a shard of input files, their rejects, the files read
    "ingest_records": ("ingest", "records-{shard:05d}.parquet"),
    "ingest_rejects": ("ingest", "rejects-{shard:05d}.parquet"),
    "ingest_files": ("ingest", "files-{shard:05d}.parquet"),
    "ingest_plan": ("ingest/plan", "{shard:05d}.json"),
    # admit: per record shard, the index of its rows in the ingest staging files
    "record_index": ("records", "shard={shard}"),
    # clean: paragraphs and documents of a record shard, its rejects, MinHash of lines and documents
    "clean_paragraphs": ("clean", "paragraphs-{shard:05d}.parquet"),
    "clean_docs": ("clean", "docs-{shard:05d}.parquet"),
    "clean_rejects": ("clean", "rejects-{shard:05d}.parquet"),
    "clean_minhash": ("clean", "minhash-{shard:05d}.parquet"),
    "clean_docsig": ("clean", "docsig-{shard:05d}.parquet"),
    # dedup: the run's site lines, and per record shard the decisions on its paragraphs
    "site_lines": ("dedup", "site_lines.parquet"),
    "dedup_decisions": ("dedup/decisions", "shard={shard}"),
    # stories: the run's story assignments before their signatures are joined to them
    "story_assigned": ("stories", "assigned.parquet"),
    # dates: per record shard, the publication dates and the date mentions
    "dates_published": ("dates", "published-{shard:05d}.parquet"),
    "dates_mentions": ("dates", "mentions-{shard:05d}.parquet"),
}


def folder(run: str | Path, kind: str) -> Path:
    """The folder holding the staged files of `kind` (created on first use)."""
    d = Path(run) / STAGED[kind][0]
    d.mkdir(parents=True, exist_ok=True)
    return d


def path(run: str | Path, kind: str, shard: int | None = None) -> Path:
    """One staged file of `kind` (for shard `shard` where the kind is per shard)."""
    where, name = STAGED[kind]
    return Path(run) / where / name.format(shard=shard)


def paths(run: str | Path, kind: str) -> list[Path]:
    """Every staged file of `kind` that exists, sorted."""
    where, name = STAGED[kind]
    return sorted((Path(run) / where).glob(name.replace("{shard:05d}", "*").replace("{shard}", "*")))


def pattern(run: str | Path, kind: str) -> str:
    """A DuckDB file pattern of every staged file of `kind`, the run folder's name taken literally."""
    from akhbar.store import files_glob

    where, name = STAGED[kind]
    glob = name.replace("{shard:05d}", "*").replace("{shard}", "*")
    if not glob.endswith(".parquet"):  # a partition folder: the files inside it
        glob += "/*.parquet"
    return files_glob(Path(run) / where, glob)


def final_dir(run: str | Path, table: str) -> Path:
    """Where a run assembles the files of a published table before publish() moves them."""
    d = Path(run) / "final" / table
    d.mkdir(parents=True, exist_ok=True)
    return d


def duckdb_spill(run: str | Path) -> Path:
    """DuckDB's spill folder for the run's corpus-wide passes."""
    return Path(run) / "duckdb_tmp"


def final_files(run: str | Path, table: str) -> list[Path]:
    """The files a run has assembled for a published table, sorted (none when it has none)."""
    return sorted((Path(run) / "final" / table).glob("*.parquet"))


# ---- ingest staged schemas
# A record as read from an input (tasks/ingest/records.py Record).
INGEST_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source_uri", pa.string()),
        ("site", pa.string()),
        ("format", pa.string()),
        ("encoding", pa.string()),
        ("input_index", pa.int64()),
        ("record_index", pa.int64()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("published_field", pa.string()),
        ("author", pa.string()),
        ("crawled_at", TS),
        ("source_meta", pa.string()),  # the record's other fields, as JSON
        ("content_kind", pa.string()),  # text | html
        ("content", pa.string()),
    ]
)
# The staged file adds each record's length, so admit splits shards by characters without
# reading (decompressing) the content column.
STAGED_SCHEMA = INGEST_SCHEMA.append(pa.field("content_chars", pa.int64()))
# input_index: the input file the reject came from (write.stage_side_tables turns it into rejects.input_path)
REJECT_SCHEMA = pa.schema(
    [("source_uri", pa.string()), ("stage", pa.string()), ("error", pa.string()), ("input_index", pa.int64())]
)
# One row per input entry read: what unchanged_inputs compares the next run's entries with.
FILE_SCHEMA = pa.schema(
    [
        ("path", pa.string()),
        ("size", pa.int64()),
        ("mtime_ns", pa.int64()),
        ("sha256", pa.string()),
        ("n_records", pa.int64()),
        ("ctime_ns", pa.int64()),
    ]
)


# ---- clean staged schemas
# clean_paragraphs: every line of a cleaned document with its status, reason and exact-dedup key
CLEAN_PARAGRAPH_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("position", pa.int32()),
        ("line_no", pa.int32()),
        ("text", pa.string()),
        ("n_chars", pa.int32()),  # text's length, for the corpus-wide passes that would read text only for it
        ("norm_hash", pa.uint64()),
        ("status", pa.string()),
        ("reason", pa.string()),
    ]
)
# clean_docs: the record's columns, the page's metadata and the publication date decided in clean
CLEAN_DOC_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source_uri", pa.string()),
        ("site", pa.string()),
        ("format", pa.string()),
        ("encoding", pa.string()),
        ("input_index", pa.int64()),
        ("record_index", pa.int64()),
        ("url", pa.string()),
        ("crawled_at", TS),
        ("source_meta", pa.string()),
        ("shard", pa.int32()),
        ("content_kind", pa.string()),
        ("title", pa.string()),
        ("author", pa.string()),
        ("source_attribution", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("header_lines", pa.list_(pa.string())),
        ("published_field", pa.string()),
        ("published_html", pa.date32()),
        ("published_html_precision", pa.string()),
        ("published_html_evidence", pa.string()),
        ("published_html_method", pa.string()),
        ("language", pa.string()),
        # the publication-date decision, made in clean so the dedup pass can order copies by it
        ("published", pa.date32()),
        ("published_precision", pa.string()),
        ("published_evidence", pa.string()),
        ("published_method", pa.string()),
    ]
)


# ---- dates staged schemas
# the publication date decided in clean, as the dates stage hands it to write
PUBLISHED_SCHEMA = pa.schema(
    [
        CLEAN_DOC_SCHEMA.field(name)
        for name in ("doc_id", "published", "published_precision", "published_evidence", "published_method")
    ]
)
MENTION_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("position", pa.int32()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("surface", pa.string()),
        ("value", pa.string()),
        ("granularity", pa.string()),
        ("calendar", pa.string()),
    ]
)


# ---- dedup staged schemas (also read by stories)
# clean/minhash-K.parquet and clean/docsig-K.parquet (staging only, never published): band keys and
# 16-bit signatures of kept lines of at least near_dup_min_words words (per document for docsig).
MINHASH_STAGE_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("position", pa.int32()),
        ("bands", pa.list_(pa.uint64())),
        ("signature", pa.binary()),
    ]
)
# dedup/decisions/shard=K/: the corpus-wide pass's status changes on a shard's paragraphs.
DEDUP_DECISIONS_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("position", pa.int32()),
        ("status", pa.string()),
        ("reason", pa.string()),
        ("first_doc_id", pa.string()),
        ("first_position", pa.int32()),
        ("similarity", pa.float32()),
        ("relation", pa.string()),
    ]
)

# ---- stories staged schema
# stories/assigned.parquet: a document's story assignment, before its signature is joined to it
STORY_ASSIGNED_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("story_id", pa.string()),
        ("linked_doc_id", pa.string()),
        ("overlap", pa.float64()),
        ("linked_by", pa.string()),
    ]
)
