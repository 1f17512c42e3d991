"""Fuzzing (hypothesis): random bytes and random mixtures of Arabic text, HTML fragments and control
characters through ingest (`read_input`) and the text path (`akhbar.tasks.clean.clean_text`).

Invariants: no exception escapes; a single-document input ends as exactly one document or one
reject; every document's text is storable UTF-8 without control characters; a container (WARC,
JSONL) gives one row per record. Example counts are modest so the file runs in well under a minute.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from akhbar.settings import Settings
from akhbar.tasks.ingest import INGEST_SCHEMA, Record, Reject, read_input
from tests.fixtures_bad_inputs import ARABIC, warc_response, warcinfo

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL = Settings(max_input_bytes=200_000)
NAMES = ["page.html", "page.htm", "notes.txt", "dump.jsonl", "crawl.warc", "x.arc", "odd.dat"]
CONTROL = [chr(c) for c in range(0, 32)] + ["\x7f", "\u200f", "\u202e", "\ufeff", "\ud800", "\uffff"]
FRAGMENTS = [
    "<p>",
    "</p>",
    "<div>",
    "</div>",
    "<script>",
    "</script>",
    "<!--",
    "-->",
    "<![CDATA[",
    "&amp;",
    "&#0;",
    "&#x110000;",
    "&lol;",
    '<meta charset="windows-1256">',
    "<meta charset=utf-16>",
    "<html>",
    "<body",
    "<table><tr><td>",
    "<br/>",
    "\r\n",
    "\n\n",
    "WARC/1.0\r\n",
    "{",
    "}",
    '"',
    "\\u0000",
]
WORDS = ARABIC.split() + ["قال", "الأربعاء", "١٤٤٥", "هـ", "2024", "م", "،", "؟", "ـــ", "ﷺ", "ﻻ"]

mixture = st.lists(
    st.one_of(st.sampled_from(WORDS), st.sampled_from(FRAGMENTS), st.sampled_from(CONTROL), st.text(max_size=8)),
    max_size=60,
).map(" ".join)


def _check(items: list, path: Path, single: bool) -> None:
    assert all(isinstance(i, (Record, Reject)) for i in items)
    if single:
        assert len(items) == 1, items
    for item in items:
        if isinstance(item, Reject):
            assert item.error and item.source_uri
            continue
        assert item.content.strip()
        item.content.encode("utf-8")  # no lone surrogates
        assert not any(ord(c) < 32 and c not in "\t\n\r" for c in item.content)
        # The staging table accepts the row.
        pa.Table.from_pylist([{f.name: getattr(item, f.name) for f in INGEST_SCHEMA}], schema=INGEST_SCHEMA)


def _read(name: str, data: bytes) -> list:
    path = Path("/fuzz") / name
    return list(read_input(path, data, 0, SMALL))


@FUZZ
@given(data=st.binary(max_size=4096), name=st.sampled_from(NAMES), gz=st.booleans())
def test_random_bytes_never_escape(data, name, gz):
    if gz:
        data = gzip.compress(data)
        name += ".gz"
    items = _read(name, data)
    fmt_single = not any(k in name for k in ("jsonl", "warc", "arc")) and not data.lstrip().startswith(
        (b"WARC/", b"{", b"filedesc")
    )
    _check(items, Path(name), single=fmt_single and not gz)


@FUZZ
@given(
    text=mixture,
    name=st.sampled_from(["page.html", "notes.txt"]),
    codec=st.sampled_from(["utf-8", "utf-8-sig", "cp1256", "iso8859_6", "utf-16", "utf-16-le"]),
)
def test_mixtures_through_ingest_and_clean_text(text, name, codec):
    from akhbar.tasks.clean import clean_text

    data = text.encode(codec, "ignore") if codec != "utf-8" else text.encode("utf-8", "surrogatepass")
    items = _read(name, data)
    if not data.lstrip().startswith((b"WARC/", b"{", b"filedesc")):
        _check(items, Path(name), single=True)
    clean_text(text.encode("utf-8", "replace").decode("utf-8"))
    for item in items:
        if isinstance(item, Record):
            doc = clean_text(item.content)
            assert all(isinstance(line.text, str) for line in doc.lines)


@FUZZ
@given(texts=st.lists(mixture, min_size=1, max_size=6), junk=st.sampled_from(["", "{", "[]", "null", '"x"', "\x00"]))
def test_jsonl_gives_one_row_per_line(texts, junk):
    lines = [json.dumps({"url": f"https://f.example/{i}", "text": t}) for i, t in enumerate(texts)]
    if junk:
        lines.append(junk)
    items = _read("dump.jsonl", ("\n".join(lines)).encode("utf-8", "surrogatepass"))
    non_blank = sum(1 for line in lines if line.strip())
    assert len(items) == non_blank
    _check(items, Path("dump.jsonl"), single=False)


@FUZZ
@given(
    bodies=st.lists(mixture, min_size=1, max_size=5),
    cut=st.integers(min_value=0, max_value=100_000),
    flip=st.integers(min_value=0, max_value=100_000),
    insert=st.binary(max_size=40),
    gz=st.booleans(),
)
def test_damaged_warc_never_escapes(bodies, cut, flip, insert, gz):
    recs = [warcinfo()] + [
        warc_response(
            f"https://w.example/{i}", f"<html><body><p>{b}</p></body></html>".encode("utf-8", "surrogatepass")
        )
        for i, b in enumerate(bodies)
    ]
    data = b"".join(gzip.compress(r) for r in recs) if gz else b"".join(recs)
    pos = flip % len(data)
    data = data[:pos] + insert + data[pos:]
    data = data[: len(data) - (cut % max(1, len(data) // 3))]
    items = _read("crawl.warc.gz" if gz else "crawl.warc", data)
    _check(items, Path("crawl.warc"), single=False)
    # At most one row per response record, plus one for gzip damage and one for junk before the first record.
    assert len(items) <= len(bodies) + 2


@FUZZ
@given(
    bodies=st.lists(mixture, min_size=1, max_size=4),
    size=st.integers(min_value=1, max_value=300),
    cut=st.integers(min_value=0, max_value=5000),
    insert=st.binary(max_size=30),
)
def test_warc_stream_reader_ignores_chunk_edges(bodies, size, cut, insert):
    from akhbar.tasks.ingest.readers.warc import read_warc

    data = b"".join(
        warc_response(f"https://s.example/{i}", f"<p>{b}</p>".encode("utf-8", "surrogatepass"))
        for i, b in enumerate(bodies)
    )
    pos = cut % len(data)
    data = data[:pos] + insert + data[pos:]
    whole = list(read_warc(Path("s.warc"), [data], 0, SMALL))
    pieces = [data[i : i + size] for i in range(0, len(data), size)]
    assert list(read_warc(Path("s.warc"), pieces, 0, SMALL)) == whole


@FUZZ
@given(
    parts=st.lists(st.binary(max_size=300), min_size=1, max_size=4),
    cut=st.integers(min_value=0, max_value=2000),
    insert=st.binary(max_size=20),
    size=st.integers(min_value=1, max_value=500),
)
def test_streaming_gunzip_matches_whole_gunzip(parts, cut, insert, size):
    import io

    from akhbar.tasks.ingest import gunzip_tolerant
    from akhbar.tasks.ingest.streams import gunzip_stream

    members = [gzip.compress(p) for p in parts]
    data = b"".join(members)
    pos = cut % len(data)
    data = data[:pos] + insert + data[pos:]
    whole, problem = gunzip_tolerant(data)

    class Slow(io.BytesIO):  # a file that returns small reads, like a pipe
        def read(self, n=-1):
            return super().read(min(n if n and n > 0 else size, size))

    problems: list[str] = []
    streamed = b"".join(gunzip_stream(Slow(data), problems))
    assert bool(problems) == bool(problem)
    if not problem:
        assert streamed == whole
    # What the whole-buffer reader recovers, the stream recovers too, in order (the stream may also
    # keep the part of a damaged member that decompressed before the damage).
    starts = [sum(map(len, members[:i])) for i in range(len(members))]
    untouched = [p for p, s0, m in zip(parts, starts, members) if s0 + len(m) <= pos or s0 > pos or not insert]
    rest = whole
    recovered = []
    for p in untouched:
        i = rest.find(p)
        if i >= 0:
            recovered.append(p)
            rest = rest[i + len(p) :]
    rest = streamed
    for p in recovered:
        i = rest.find(p)
        assert i >= 0, (p, streamed)
        rest = rest[i + len(p) :]
