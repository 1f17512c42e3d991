"""JSONL: one JSON record per line, read line by line from a chunked stream; a line over the record
limit is rejected by its length while its bytes stream by (memory bounded by the limit, not the line)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

import orjson

from akhbar import reasons
from akhbar.tasks.ingest.decode import json_needs_no_sanitizing
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
            obj, how, clean = _parse(line, decode)
        except (ValueError, RecursionError) as exc:
            yield Problem(at, f"{reasons.MALFORMED_JSON}: {exc}"[:500])
            continue
        if not isinstance(obj, dict):
            yield Problem(at, f"{reasons.NOT_AN_OBJECT} (a JSON {type(obj).__name__})")
            continue
        yield from_mapping(
            obj, roles_of(obj), uri=at, record_index=n, raw=line, encoding=how, sanitize=None if clean else sanitize
        )


def _parse(line: bytes, decode: Callable[[bytes], tuple[str, str]]) -> tuple[object, str, bool]:
    """A line's JSON value, its encoding, and whether its strings need no sanitizing. orjson reads only
    strict UTF-8 JSON (no BOM, no NUL, no lone surrogate), which `decode` would call plain "utf-8"; a value
    with a number is read again by json, since orjson reads an integer past 64 bits as a float and its
    floats need not match json's."""
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        pass
    else:
        if not _has_number_orjson_may_misread(obj):
            return obj, "utf-8", json_needs_no_sanitizing(line)
    text, how = decode(line)
    return json.loads(text), how, False


def _has_number_orjson_may_misread(value) -> bool:
    """Whether the value is or holds a float (as orjson also reads an integer past 64 bits)."""
    kind = type(value)
    if kind is dict:
        value = value.values()
    elif kind is not list:
        return kind is float
    kinds = set(map(type, value))  # a record's values at C speed: nearly always str, int, None
    if float in kinds:
        return True
    return (dict in kinds or list in kinds) and any(_has_number_orjson_may_misread(v) for v in value)
