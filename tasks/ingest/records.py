"""A record read from an input, a reject, and the staged record writer (ingest/records-N.parquet)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from operator import attrgetter
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


# An http(s) URL whose host is plain ASCII letters, digits, dots and dashes, up to its path, query or
# fragment: its hostname is that text in lower case, as urlsplit() gives it, at a tenth of the cost.
_PLAIN_HOST = re.compile(r"https?://([A-Za-z0-9.-]+)(?:[/?#]|\Z)")


def site_of(url: str | None, path: Path) -> str:
    if url:
        plain = _PLAIN_HOST.match(url)
        if plain:
            host = plain.group(1).lower()
        else:
            try:
                host = urlsplit(url).hostname or ""
            except ValueError:
                host = ""
        if host:
            return host[4:] if host.startswith("www.") else host
    return path.parent.name or "unknown"


# A Record's values in INGEST_SCHEMA's column order.
_ingest_values = attrgetter(*INGEST_SCHEMA.names)


class RecordWriter:
    """Staged records written in row groups as they come, so a shard's memory stays bounded."""

    # Small row groups: read_record_shard decodes the whole groups holding a record shard's rows (bench/pipeline.py).
    ROWS, CHARS = 2000, 1_000_000
    # columns whose values hardly repeat: a dictionary tried on them is dropped again
    PLAIN = ("doc_id", "source_uri", "url", "title", "source_meta", "content")

    def __init__(self, path: Path):
        self.writer = pq.ParquetWriter(path, STAGED_SCHEMA, **staging_options(STAGED_SCHEMA, plain=self.PLAIN))
        self.rows: list[tuple] = []
        self.chars = 0
        self.count = 0

    def add(self, rec: Record) -> None:
        n = len(rec.content)
        self.rows.append((*_ingest_values(rec), n))
        self.chars += n
        self.count += 1
        if len(self.rows) >= self.ROWS or self.chars >= self.CHARS:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            # column by column: a third of the cost of building the row group from one dict per row
            columns = [pa.array(values, f.type) for values, f in zip(zip(*self.rows), STAGED_SCHEMA)]
            self.writer.write_table(pa.Table.from_arrays(columns, schema=STAGED_SCHEMA))
            self.rows, self.chars = [], 0

    def close(self) -> None:
        self.flush()
        self.writer.close()
