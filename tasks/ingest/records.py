"""A record read from an input, a reject, and the staged record writer (ingest/records-N.parquet)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq

from akhbar.staging import INGEST_SCHEMA, STAGED_SCHEMA
from akhbar.store import staging_options


@dataclass(slots=True)
class Record:
    doc_id: str
    source_uri: str
    site: str | None
    format: str
    encoding: str
    input_index: int
    record_index: int
    url: str | None
    title: str | None
    published_field: str | None
    content_kind: str
    content: str
    author: str | None = None
    crawled_at: dt.datetime | None = None
    source_meta: str | None = None


@dataclass(slots=True)
class Reject:
    source_uri: str
    error: str
    stage: str = "ingest"


class InputError(ValueError):
    """An input (or record) that cannot be read; its message is the reject reason."""


def doc_id_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def site_of(url: str | None, path: Path) -> str:
    if url:
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            host = ""
        if host:
            return host[4:] if host.startswith("www.") else host
    return path.parent.name or "unknown"


class RecordWriter:
    """Staged records written in row groups as they come, so a shard's memory stays bounded."""

    # Small row groups: read_record_shard decodes the whole groups holding a record shard's rows (bench/pipeline.py).
    ROWS, CHARS = 2000, 1_000_000

    def __init__(self, path: Path):
        self.writer = pq.ParquetWriter(path, STAGED_SCHEMA, **staging_options(STAGED_SCHEMA, plain=("content",)))
        self.rows: list[dict] = []
        self.chars = 0
        self.count = 0

    def add(self, rec: Record) -> None:
        row = {f.name: getattr(rec, f.name) for f in INGEST_SCHEMA}
        row["content_chars"] = n = len(rec.content)
        self.rows.append(row)
        self.chars += n
        self.count += 1
        if len(self.rows) >= self.ROWS or self.chars >= self.CHARS:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=STAGED_SCHEMA))
            self.rows, self.chars = [], 0

    def close(self) -> None:
        self.flush()
        self.writer.close()
