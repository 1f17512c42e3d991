"""Run settings: every tunable number of the pipeline in one place, saved with each run."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    # Orchestration: ingest shards group input files; record shards group admitted documents.
    # 1000 (bench/README.md): on the local path 250..2500 measure the same; on Prefect/Dask each
    # task run costs ~0.1-0.3 CPU-s, so fewer, larger shards (72 per stage on the 72k corpus)
    # keep orchestration down while two workers still balance; larger would hold more HTML in memory.
    # Ingest shards also close at ingest_shard_bytes of files on disk: 1000 text scrapes are ~3 MB
    # and stay together, while gzipped HTML pages (~45 KB each) come in ~90-page shards, so a few
    # hundred pages are decoded on every worker rather than on one.
    ingest_shard_files: int = 1000
    ingest_shard_bytes: int = 4 * 1024 * 1024
    shard_size: int = 1000
    # ... and at most this many characters of content per record shard: 1000 text articles are
    # ~3M characters, but 1000 HTML pages are ~250M and a few hundred pages would be one shard, so
    # one core (HTML extraction is 35 ms a page: 242 dev pages as 1 shard ran on 1 of 2 workers).
    shard_max_chars: int = 8_000_000
    # A run smaller than shards_per_worker x workers full shards is cut into that many smaller ones
    # (by bytes on disk for ingest, by characters for records), so the last shard of a stage does
    # not leave a worker idle (242 HTML pages: 7 record shards on 2 workers ran as 4 + 3). Never
    # below the floors: each shard costs ~20 ms in every stage, whatever its size.
    shards_per_worker: int = 4
    min_ingest_shard_bytes: int = 256 * 1024
    min_shard_chars: int = 1_000_000
    # Input limits, applied while streaming, so a worker's memory is bounded by them and not by
    # the input (README: "Memory"). A file that is one document, or one record of a container (a
    # JSONL line, a WARC/ARC record, a JSON record, a <DOC>, a table row), larger than
    # max_input_bytes is rejected with the reason.
    max_input_bytes: int = 50 * 1024 * 1024
    # A compressed input (gzip, bz2, zstd, a zip member) stops at this many decompressed bytes (a
    # bomb); the records before it are kept and a reject says what was not read. Large enough for
    # a Common Crawl WARC (~5 GB).
    max_decompressed_bytes: int = 16 * 1024**3
    # A line of a text document longer than this many characters is left out with a reject (no
    # paragraph is that long, and the line classifier works per line: a 45 MB line took 5 GB).
    max_line_chars: int = 1_000_000
    # Per-document time limit for extraction (seconds); a page over it is rejected.
    doc_time_limit: float = 30.0
    # Site templates: a short line a site repeats on at least this many of its documents.
    template_min_docs: int = 5
    template_max_chars: int = 200
    # Near-duplicate paragraphs (MinHash LSH): Jaccard threshold and minimum size in words.
    near_dup_threshold: float = 0.8
    near_dup_min_words: int = 8
    # Story clusters (akhbar.tasks.stories): an article joins the story of the earlier article whose
    # paragraphs it repeats or revises most, when they hold at least this share of its text's
    # characters and the two were published at most story_window_days apart.
    story_min_overlap: float = 0.5
    story_window_days: int = 3
    # ... or, failing that, of the earlier article whose kept text's word set it shares at least this
    # estimated Jaccard similarity with (document MinHash: the same text split into other paragraphs).
    story_min_similarity: float = 0.6
    # DuckDB memory cap for the corpus-wide passes (they spill to disk beyond it). Each pass holds
    # about this plus 200-300 MiB whatever the run's size; below ~200MB its sorts may fail to pin blocks.
    duckdb_memory_limit: str = "256MB"
    # Column mapping for JSON/JSONL/Parquet/CSV records whose fields have other names: role -> field,
    # roles text, html, url, title, published, author, crawled_at (tasks/ingest/readers/fields.py).
    columns: dict = field(default_factory=dict, hash=False)

    def balanced_cap(self, cap: int, total: int, floor: int, workers: int) -> int:
        """`cap`, lowered so a run of `total` splits into shards_per_worker x workers shards, never
        below `floor`."""
        n = max(1, int(self.shards_per_worker) * max(1, int(workers)))
        return min(int(cap), max(int(floor), -(-int(total) // n)))

    def save(self, run_dir: Path) -> None:
        (run_dir / "settings.json").write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, run_dir: Path) -> Settings:
        return cls.from_dict(json.loads((Path(run_dir) / "settings.json").read_text()))

    @classmethod
    def from_dict(cls, values: dict) -> Settings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    def as_dict(self) -> dict:
        return asdict(self)
