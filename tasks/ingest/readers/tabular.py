"""Parquet and CSV/TSV files with a text or html column, read in batches with pyarrow (never the
whole file): Parquet in batches of rows (ParquetFile.iter_batches over buffered column reads, so a
row group is decoded page by page), CSV by blocks (pyarrow.csv.open_csv, every column read as
text). Memory is bounded by a batch of rows and a block (CSV, 8 MiB), not by the file; a CSV row
must fit in one block (pyarrow reads a row within a block), a longer one ends the file's reading
with a reject.

A row is a record: its doc_id is made from the row as canonical JSON (sorted keys), so the same
rows in a Parquet and a CSV file give the same documents.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator

from akhbar import reasons
from akhbar.tasks.ingest.readers.fields import Fields, Problem, from_mapping, missing_mapped, resolve
from akhbar.tasks.ingest.streams import ChunkReader

BATCH_ROWS = 1000
PARQUET_BUFFER = 4 << 20
CSV_BLOCK = 8 << 20


def read_parquet(
    uri: str, source, *, columns: dict[str, str], sanitize: Callable[[str], str], max_record: int | None = None
) -> Iterator[Fields | Problem]:
    """Rows of a Parquet file; `source` is a path, a seekable file object or a pyarrow buffer."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        # buffered column reads: a row group is decoded page by page, not loaded whole
        pf = pq.ParquetFile(source, pre_buffer=False, buffer_size=PARQUET_BUFFER)
    except (pa.ArrowException, OSError) as exc:
        yield Problem(uri, f"{reasons.BROKEN_TABLE}: not a readable Parquet file ({exc})"[:500])
        return
    with pf:
        names = pf.schema_arrow.names
        problem = _check_names(uri, names, columns, pf.metadata.num_rows)
        if problem:
            yield problem
            return
        try:
            yield from _rows(uri, pf.iter_batches(batch_size=BATCH_ROWS), names, columns, sanitize, max_record)
        except (pa.ArrowException, OSError) as exc:
            yield Problem(uri, f"{reasons.BROKEN_TABLE}: {exc}; the rows after the last read are lost"[:500])


def read_csv(
    uri: str,
    chunks: Iterable[bytes],
    *,
    delimiter: str | None,
    columns: dict[str, str],
    sanitize: Callable[[str], str],
    max_record: int | None = None,
) -> Iterator[Fields | Problem]:
    """Rows of a CSV/TSV stream (UTF-8, a header line). `delimiter` None: tab or comma, whichever
    the header line has more of."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    it = iter(chunks)
    head = b""
    for chunk in it:
        head += chunk
        if b"\n" in head or len(head) > CSV_BLOCK:
            break
    header_line = head.split(b"\n", 1)[0].rstrip(b"\r").lstrip(b"\xef\xbb\xbf")
    try:
        header_text = header_line.decode("utf-8")
    except UnicodeDecodeError:
        yield Problem(uri, f"{reasons.NOT_UTF8}: the CSV header line does not decode as UTF-8")
        return
    if not header_text.strip():
        yield Problem(uri, reasons.EMPTY_FILE)
        return
    delimiter = delimiter or ("\t" if header_text.count("\t") > header_text.count(",") else ",")
    names = next(csv.reader([header_text], delimiter=delimiter))
    problem = _check_names(uri, names, columns, None)
    if problem:
        yield problem
        return

    def stream():
        yield head
        yield from it

    bad_rows: list[str] = []

    def on_bad_row(row) -> str:  # a row with too many or too few fields is a reject; the others are read
        bad_rows.append(
            f"{reasons.BAD_CSV_ROW} ({row.actual_columns} fields, the header has "
            f"{row.expected_columns}): {row.text[:80]!r}"
        )
        return "skip"

    try:
        reader = pacsv.open_csv(
            ChunkReader(stream()),
            read_options=pacsv.ReadOptions(block_size=CSV_BLOCK, use_threads=False),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_bad_row
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        for item in _rows(uri, reader, names, columns, sanitize, max_record):
            while bad_rows:
                yield Problem(uri, bad_rows.pop(0))
            yield item
        while bad_rows:
            yield Problem(uri, bad_rows.pop(0))
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
        yield Problem(uri, f"{reasons.BROKEN_TABLE}: {exc}; the rows after the last read are lost"[:500])


def _check_names(uri: str, names: list[str], columns: dict[str, str], n_rows: int | None) -> Problem | None:
    rows = f"; its {n_rows} rows are not read" if n_rows is not None else "; no row is read"
    missing = missing_mapped(names, columns)
    if missing:
        return Problem(uri, f"{reasons.MISSING_COLUMN}: {', '.join(missing)} (columns: {', '.join(names[:30])}){rows}")
    roles = resolve(names, columns)
    if "text" not in roles and "html" not in roles:
        return Problem(
            uri,
            f"{reasons.NO_TEXT_COLUMN} (columns: {', '.join(names[:30])}; name one with "
            f"--text-column or --html-column){rows}",
        )
    return None


def _rows(uri: str, batches, names: list[str], columns, sanitize, max_record: int | None) -> Iterator[Fields | Problem]:
    """A Fields per row; a row over max_record bytes (Settings.max_input_bytes) is a reject, as any record."""
    roles = resolve(names, columns)
    n = 0
    for batch in batches:
        for row in batch.to_pylist():
            n += 1
            raw = json.dumps(row, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8", "surrogatepass")
            if max_record and len(raw) > max_record:
                yield Problem(f"{uri}#{n}", reasons.RECORD_OVER_LIMIT.format(size=len(raw), limit=max_record))
                continue
            yield from_mapping(
                row, roles, uri=f"{uri}#{n}", record_index=n, raw=raw, encoding="utf-8", sanitize=sanitize
            )


def csv_header_names(head: bytes) -> list[str]:
    """The fields of a CSV/TSV header line (for format detection)."""
    line = head.split(b"\n", 1)[0].rstrip(b"\r").lstrip(b"\xef\xbb\xbf")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return []
    delimiter = "\t" if text.count("\t") > text.count(",") else ","
    if delimiter not in text:
        return []
    return next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
