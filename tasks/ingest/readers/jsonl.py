"""JSONL: one JSON record per line, read line by line from a chunked stream; a line over the record
limit is rejected by its length while its bytes stream by (memory bounded by the limit, not the line)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from akhbar import reasons
from akhbar.tasks.ingest.readers.fields import Fields, Problem, from_mapping, resolver
from akhbar.tasks.ingest.streams import split_lines


def read_jsonl(
    uri: str,
    chunks: Iterable[bytes],
    *,
    columns: dict[str, str],
    max_record: int,
    sanitize: Callable[[str], str],
    decode: Callable[[bytes], tuple[str, str]],
) -> Iterator[Fields | Problem]:
    """The records of a JSONL stream; the record on line n (1-based) is `uri#n`. `decode` turns a
    line's bytes into (text, encoding) (akhbar.tasks.ingest.decode_bytes) and raises ValueError when it can't."""
    roles_of = resolver(columns)
    for n, line, size in split_lines(chunks, max_record):
        at = f"{uri}#{n}"
        if line is None:
            yield Problem(at, reasons.RECORD_OVER_LIMIT.format(size=size, limit=max_record))
            continue
        if not line.strip():
            continue
        try:
            text, how = decode(line)
            obj = json.loads(text)
        except (ValueError, RecursionError) as exc:
            yield Problem(at, f"{reasons.MALFORMED_JSON}: {exc}"[:500])
            continue
        if not isinstance(obj, dict):
            yield Problem(at, f"{reasons.NOT_AN_OBJECT} (a JSON {type(obj).__name__})")
            continue
        yield from_mapping(obj, roles_of(obj), uri=at, record_index=n, raw=line, encoding=how, sanitize=sanitize)
