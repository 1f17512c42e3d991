"""The JSONL reader's fast path (orjson, sanitizing skipped on clean lines) against the general one
(decode_bytes, json.loads, sanitize_text on every text): the same Fields or Problem for any line."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from akhbar.tasks.ingest.decode import decode_bytes, sanitize_text
from akhbar.tasks.ingest.readers.fields import Problem, from_mapping, resolve
from akhbar.tasks.ingest.readers.jsonl import read_jsonl

# text with what sanitizing and JSON escapes are about: controls, DEL, lone surrogates, Arabic, quotes
_CHARS = st.sampled_from(
    [
        "ا",
        "ب",
        " ",
        "\n",
        "\t",
        "\x00",
        "\x08",
        "\x0b",
        "\x0c",
        "\x1f",
        "\x7f",
        "\ud800",
        "\udc00",
        "\\",
        '"',
        "u",
        "a",
        "😀",
    ]
)
_TEXT = st.lists(_CHARS, max_size=12).map("".join)
_NUMBER = st.one_of(st.integers(), st.integers(min_value=2**63, max_value=2**80), st.floats(allow_nan=False))
_VALUE = st.recursive(
    st.one_of(st.none(), _TEXT, _NUMBER, st.booleans()),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_TEXT, inner, max_size=3)),
    max_leaves=6,
)
_RECORD = st.fixed_dictionaries(
    {"text": st.one_of(_TEXT, _VALUE)},
    optional={"url": _VALUE, "title": _VALUE, "date": _VALUE, "author": _VALUE, "extra": _VALUE, "n": _NUMBER},
)


def _reference(line: bytes, n: int):
    try:
        text, how = decode_bytes(line)
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return Problem
    if not isinstance(obj, dict):
        return Problem
    uri = f"f.jsonl#{n}"
    return from_mapping(
        obj, resolve(list(obj), {}), uri=uri, record_index=n, raw=line, encoding=how, sanitize=sanitize_text
    )


@settings(max_examples=400, deadline=None)
@given(_RECORD, st.booleans())
def test_jsonl_fast_path_reads_every_line_as_the_general_path(record, ascii_only):
    line = json.dumps(record, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    (got,) = read_jsonl(
        "f.jsonl", [line + b"\n"], columns={}, max_record=1 << 20, sanitize=sanitize_text, decode=decode_bytes
    )
    want = _reference(line, 1)
    if want is Problem:
        assert isinstance(got, Problem)
    else:
        assert got == want
