"""Reading one input file into Records and Rejects: the format decides the reader, a container is read as a stream.

Never raises for bad data: what cannot be read is a Reject with its reason (akhbar/reasons.py).
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from akhbar import reasons
from akhbar.settings import Settings
from akhbar.tasks.ingest import streams
from akhbar.tasks.ingest.decode import decode_bytes, sanitize_text
from akhbar.tasks.ingest.discover import open_regular
from akhbar.tasks.ingest.formats import CONTAINERS, check_bytes, detect_format, magic_name, unrecognised
from akhbar.tasks.ingest.readers.arc import read_arc
from akhbar.tasks.ingest.readers.fields import Fields, Problem
from akhbar.tasks.ingest.readers.warc import read_warc
from akhbar.tasks.ingest.records import InputError, Record, Reject, doc_id_of, site_of
from akhbar.tasks.ingest.streams import ChunkReader, capped, gunzip_tolerant


def read_input(
    path: Path, file_bytes: bytes, input_index: int, settings: Settings, probe: bytes | None = None
) -> Iterator[Record | Reject]:
    """All records of one input file, or Rejects for what cannot be read. Never raises for bad data.
    `probe`: the file's first 64 KiB, decompressed (streams.head_of), when the caller already has it."""
    uri = str(path)
    try:
        yield from _read_input(path, file_bytes, input_index, settings, probe)
    except Exception as exc:  # a reader bug on strange bytes is still a reject, never the end of the run
        yield Reject(uri, f"{reasons.UNREADABLE_INPUT} ({type(exc).__name__}: {exc})"[:500])


def _read_input(
    path: Path, file_bytes: bytes, input_index: int, settings: Settings, probe: bytes | None
) -> Iterator[Record | Reject]:
    uri = str(path)
    problem = None
    raw = file_bytes
    if not file_bytes.strip():
        yield Reject(uri, reasons.EMPTY_FILE)
        return
    compression = streams.compression_of(file_bytes[:16])
    if probe is None:
        probe = streams.head_of(file_bytes[:65536], compression)
    fmt = detect_format(path, probe)
    if fmt in CONTAINERS or compression in ("bz2", "zstd"):
        yield from (
            read_stream(path, uri, io.BytesIO(file_bytes), compression, fmt, input_index, settings)
            if fmt in CONTAINERS
            else _read_decompressed(path, io.BytesIO(file_bytes), compression, input_index, settings)
        )
        return
    try:
        if compression == "gzip":
            # A single document: decompressed up to the size limit of one record.
            raw, problem = gunzip_tolerant(file_bytes, settings.max_input_bytes)
            if not raw and problem:
                raise InputError(f"{reasons.CORRUPT_GZIP}: {problem}")
        if not raw.strip():
            raise InputError(reasons.EMPTY_FILE if not problem else f"{reasons.CORRUPT_GZIP}: {problem}")
        fmt = detect_format(path, raw)
        if fmt == "unknown":
            raise InputError(unrecognised(path, raw))
        if problem and fmt not in CONTAINERS:
            raise InputError(f"{reasons.CORRUPT_GZIP}: {problem}")
        if fmt not in CONTAINERS:
            check_bytes(raw, "file", settings)
    except InputError as exc:
        yield Reject(uri, str(exc))
        return
    if fmt in CONTAINERS:  # the whole text tells what its head did not; raw is within max_input_bytes
        if problem:
            yield Reject(uri, f"{reasons.CORRUPT_GZIP}: {problem}")
        yield from read_stream(path, uri, io.BytesIO(raw), None, fmt, input_index, settings)
    else:
        try:
            text, how = decode_bytes(raw, is_html=fmt == "html")
        except InputError as exc:
            yield Reject(uri, str(exc))
            return
        text = sanitize_text(text)
        if not text.strip():
            yield Reject(uri, f"{reasons.NO_TEXT_DECODED} (only control characters)")
            return
        yield Record(
            doc_id_of(raw),
            uri,
            site_of(None, path),
            fmt,
            how,
            input_index,
            0,
            None,
            None,
            None,
            "html" if fmt == "html" else "text",
            text,
        )


def read_path(path: Path, input_index: int, settings: Settings) -> Iterator[Record | Reject]:
    """All records of one input file, reading WARC, ARC and JSONL files as a stream (memory bounded
    by the largest record, whatever the file size) and rejecting a single document over the size limit from its
    first 64 KiB. Only a regular file is opened (discover.open_regular). Raises OSError when the
    file cannot be opened."""
    with open_regular(str(path)) as fh:
        head = fh.read(65536)
        compression = streams.compression_of(head)
        if compression in ("bz2", "zstd"):
            probe = streams.head_of_stream(fh, compression)
        else:
            probe = streams.head_of(head, compression)
        fmt = detect_format(path, probe) if head.strip() else None
        if fmt in CONTAINERS:
            fh.seek(0)
            yield from read_stream(path, str(path), fh, compression, fmt, input_index, settings)
            return
        if fmt is not None and compression in ("bz2", "zstd"):
            fh.seek(0)
            yield from _read_decompressed(path, fh, compression, input_index, settings)
            return
        file_bytes, too_big = _read_file(fh, head, path, settings, probe)
    if file_bytes is None:
        yield Reject(str(path), too_big)
        return
    yield from read_input(path, file_bytes, input_index, settings, probe)


def read_stream(
    path: Path, uri: str, fh, compression: str | None, fmt: str, input_index: int, settings: Settings
) -> Iterator[Record | Reject]:
    """The records of a file object in a streamed format (CONTAINERS), read record by record from
    its decompressed chunks (streams.py), so memory is bounded by a record (max_input_bytes)
    whatever the file's size; a decompressed stream stops at max_decompressed_bytes (the records
    before it are kept). `uri` names the file (a zip member: 'archive.zip!/member')."""
    if fmt == "zip":
        if compression is not None:
            yield Reject(uri, reasons.NESTED_ZIP)
            return
        yield from _read_zip(path, fh, input_index, settings)
        return
    problems: list[str] = []
    notes: list[str] = []
    seen = [False]
    chunks = streams.decompressed(fh, compression, problems)
    if compression is not None:
        chunks = capped(chunks, settings.max_decompressed_bytes, notes)
    first, chunks = _peek(_noting_content(chunks, seen))
    binary = magic_name(first[:16]) if fmt not in ("warc", "parquet") else None
    n = 0
    try:
        if binary:
            raise InputError(f"{reasons.BINARY} ({binary}) in file")
        for item in _records_of(path, uri, fh, compression, fmt, chunks, input_index, settings):
            n += 1
            yield _item_of(item, path, fmt, input_index)
    except InputError as exc:
        n += 1
        yield Reject(uri, str(exc))
    except Exception as exc:  # a reader bug must not lose the file silently
        n += 1
        yield Reject(uri, f"{reasons.UNREADABLE_INPUT} ({type(exc).__name__}: {exc})"[:500])
    if n == 0 and not seen[0] and not problems and not notes:
        yield Reject(uri, reasons.EMPTY_FILE)
    for note in notes:
        yield Reject(uri, note)
    if problems:
        # The records read before (and after) the damage are kept; this row says what was lost.
        what = reasons.CORRUPT_GZIP if compression == "gzip" else reasons.CORRUPT_STREAM
        yield Reject(uri, f"{what}: {'; '.join(problems)}"[:500])


def _records_of(
    path: Path,
    uri: str,
    fh,
    compression: str | None,
    fmt: str,
    chunks: Iterator[bytes],
    input_index: int,
    settings: Settings,
) -> Iterator:
    """The reader of `fmt` over the decompressed chunks: Records, Rejects, Fields or Problems."""
    from akhbar.tasks.ingest.readers import json_array, jsonl, sgml_doc, tabular

    columns = dict(settings.columns)
    limit = settings.max_input_bytes
    if fmt == "warc":
        return read_warc(path, chunks, input_index, settings)
    if fmt == "arc":
        return read_arc(path, io.BufferedReader(ChunkReader(chunks), streams.CHUNK), input_index, settings)
    if fmt == "jsonl":
        return jsonl.read_jsonl(
            uri, chunks, columns=columns, max_record=limit, sanitize=sanitize_text, decode=decode_bytes
        )
    if fmt == "json":
        return json_array.read_json(uri, chunks, columns=columns, max_record=limit, sanitize=sanitize_text)
    if fmt == "sgml":
        return sgml_doc.read_sgml(uri, chunks, max_record=limit, sanitize=sanitize_text, decode=decode_bytes)
    if fmt == "csv":
        delimiter = {".tsv": "\t", ".csv": ","}.get(Path(streams.strip_compression_suffix(path.name.lower())).suffix)
        return tabular.read_csv(
            uri, chunks, delimiter=delimiter, columns=columns, sanitize=sanitize_text, max_record=limit
        )
    # parquet needs seeking: a plain file is read in place, anything else through a temporary file
    seekable = compression is None and isinstance(fh, (io.BufferedReader, io.BytesIO))
    if seekable:
        fh.seek(0)
    return tabular.read_parquet(
        uri, fh if seekable else streams.spill(chunks), columns=columns, sanitize=sanitize_text, max_record=limit
    )


def _peek(chunks: Iterable[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """The first non-empty chunk, and the chunks with it still in front."""
    it = iter(chunks)
    for chunk in it:
        if chunk:
            return chunk, itertools.chain([chunk], it)
    return b"", iter(())


def _noting_content(chunks: Iterable[bytes], seen: list[bool]) -> Iterator[bytes]:
    """The chunks, noting in seen[0] whether any holds more than whitespace."""
    for chunk in chunks:
        if not seen[0] and chunk.strip():
            seen[0] = True
        yield chunk


def _item_of(item, path: Path, fmt: str, input_index: int) -> Record | Reject:
    """A reader's Fields or Problem as a staged Record or a Reject."""
    if type(item) is not Fields:  # the usual item first, by one check
        if isinstance(item, (Record, Reject)):
            return item
        return Reject(item.uri, item.error[:500])  # a Problem
    f: Fields = item
    return Record(
        doc_id_of(f.raw),
        f.url or f.uri,
        site_of(f.url, path),
        fmt,
        f.encoding,
        input_index,
        f.record_index,
        f.url,
        f.title,
        f.published,
        f.content_kind,
        f.content,
        f.author,
        f.crawled_at,
        f.source_meta,
    )


def _read_zip(path: Path, fh, input_index: int, settings: Settings) -> Iterator[Record | Reject]:
    """Every member of a zip, read as the file it is; record_index runs on across members, and a
    record without a URL takes its site from the member's folder, else the zip's."""
    from akhbar.tasks.ingest.readers.zip_members import members

    base = 0
    for entry in members(str(path), fh):
        if isinstance(entry, Problem):
            yield Reject(entry.uri, entry.error)
            continue
        uri, info, zf = entry
        member_path = Path(uri)
        folder = info.filename.rsplit("/", 1)[0].rsplit("/", 1)[-1] if "/" in info.filename else None
        top = base
        notes: list[str] = []
        try:
            with zf.open(info) as member:
                # a member's decompression stops at max_decompressed_bytes, as a gzip stream's does
                chunks = capped(iter(lambda: member.read(1 << 18), b""), settings.max_decompressed_bytes, notes)
                mf = ChunkReader(chunks)
                for item in _read_member(member_path, uri, mf, input_index, settings):
                    if isinstance(item, Record):
                        item.record_index += base
                        top = max(top, item.record_index)
                        if item.url is None:
                            item.site = folder or site_of(None, path)
                    yield item
        except Exception as exc:  # a damaged member (bad CRC, unsupported compression) is one reject
            yield Reject(uri, f"{reasons.BROKEN_ZIP}: {type(exc).__name__}: {exc}"[:500])
        for note in notes:
            yield Reject(uri, note)
        base = top + 1


def _read_member(path: Path, uri: str, mf, input_index: int, settings: Settings) -> Iterator[Record | Reject]:
    head = mf.read(65536)
    if not head.strip():
        yield Reject(uri, reasons.EMPTY_FILE)
        return
    compression = streams.compression_of(head)
    fmt = detect_format(path, streams.head_of(head, compression))
    if fmt == "zip" and compression is None:  # a zip in a zip: zipfile needs to seek
        with streams.copy_to_temp(streams.Prefixed(head, mf)) as tmp:
            yield from read_stream(path, uri, tmp, None, "zip", input_index, settings)
        return
    if fmt in CONTAINERS:
        yield from read_stream(path, uri, streams.Prefixed(head, mf), compression, fmt, input_index, settings)
        return
    data = head + mf.read(settings.max_input_bytes + 1 - len(head))
    if len(data) > settings.max_input_bytes:
        yield Reject(uri, reasons.MEMBER_OVER_LIMIT.format(limit=settings.max_input_bytes))
        return
    for item in read_input(path, data, input_index, settings):
        if isinstance(item, Reject) and item.source_uri == str(path):
            item.source_uri = uri
        yield item


def _read_decompressed(
    path: Path, fh, compression: str, input_index: int, settings: Settings
) -> Iterator[Record | Reject]:
    """A single document compressed with bz2 or zstd, decompressed up to the size limit."""
    problems: list[str] = []
    data, total = [], 0
    for chunk in streams.decompressed(fh, compression, problems):
        total += len(chunk)
        if total > settings.max_input_bytes:
            yield Reject(str(path), reasons.DECOMPRESSES_OVER_SIZE_LIMIT.format(limit=settings.max_input_bytes))
            return
        data.append(chunk)
    if problems:
        yield Reject(str(path), f"{reasons.CORRUPT_STREAM}: {'; '.join(problems)}"[:500])
        if not total:
            return
    yield from read_input(path, b"".join(data), input_index, settings)


def _read_file(fh, head: bytes, path: Path, settings: Settings, probe: bytes) -> tuple[bytes | None, str | None]:
    """The file's bytes (`head` already read from `fh`), or (None, reason) for a single document
    over the size limit, which is rejected from its first 64 KiB without reading the rest."""
    size = os.fstat(fh.fileno()).st_size
    if size <= settings.max_input_bytes:
        return head + fh.read(), None
    return None, reasons.OVER_SIZE_LIMIT.format(what="file", size=size, limit=settings.max_input_bytes)
