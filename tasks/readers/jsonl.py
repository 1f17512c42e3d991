"""JSONL: one JSON record per line, read line by line from a chunked stream (memory bounded by the
longest line)."""

from __future__ import annotations

import json
from typing import Callable, Iterable, Iterator

from tasks.readers import reasons
from tasks.readers.fields import Fields, Problem, from_mapping, resolve
from tasks.readers.streams import lines


def read_jsonl(uri: str, chunks: Iterable[bytes], *, columns: dict[str, str], max_record: int,
               sanitize: Callable[[str], str],
               decode: Callable[[bytes], tuple[str, str]]) -> Iterator[Fields | Problem]:
    """The records of a JSONL stream; the record on line n (1-based) is `uri#n`. `decode` turns a
    line's bytes into (text, encoding) (tasks.ingest.decode_bytes) and raises ValueError when it can't."""
    for n, line in enumerate(lines(chunks), start=1):
        line = line.rstrip(b"\r")
        at = f"{uri}#{n}"
        if not line.strip():
            continue
        if len(line) > max_record:
            yield Problem(at, f"{reasons.TOO_BIG}: a line of {len(line)} bytes (limit {max_record})")
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
        yield from_mapping(obj, resolve(list(obj), columns), uri=at, record_index=n, raw=line, encoding=how,
                           sanitize=sanitize)
