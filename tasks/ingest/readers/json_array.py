"""A JSON file of records, streamed: a top-level array of objects, or an object holding one (or
more) such arrays, e.g. {"articles": [...]}; an object with a text or html field is one record;
several top-level values one after another (concatenated JSON, JSONL saved as .json) are read in turn.

An incremental decoder over the decoded text (json.JSONDecoder.raw_decode, which needs no more
than one element in memory): memory is bounded by the largest record (max_record characters). A
top-level object up to that size is decoded whole; a bigger one can only be a holder, and its
arrays are streamed element by element. A syntax error ends the file there, with a reject naming
the element and what is lost.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterable, Iterator

from akhbar import reasons
from akhbar.tasks.ingest.readers.fields import Fields, Problem, from_mapping, resolve

_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\r\n]*")


class _TooBig(Exception):
    pass


class _Text:
    """Decoded text of a chunked byte stream, with a read position; earlier text is dropped."""

    def __init__(self, chunks: Iterable[bytes]):
        self.it = iter(chunks)
        self.dec = None
        self.buf = ""
        self.pos = 0
        self.base = 0  # characters dropped before buf[0]
        self.eof = False

    def more(self) -> bool:
        if self.eof:
            return False
        for chunk in self.it:
            if not chunk:
                continue
            if self.dec is None:
                self.dec = codecs.getincrementaldecoder(_codec_of(chunk))("strict")
            self.buf += self.dec.decode(chunk)
            return True
        if self.dec is not None:
            self.buf += self.dec.decode(b"", final=True)
        self.eof = True
        return False

    def compact(self) -> None:
        """Drop the text before the read position (called between records only)."""
        if self.pos > (1 << 20):
            self.base += self.pos
            self.buf, self.pos = self.buf[self.pos :], 0

    def peek(self) -> str:
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def value(self, max_chars: int):
        """The next JSON value and its text; raises json.JSONDecodeError (broken or cut off) or _TooBig."""
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
                if end < len(self.buf) or self.eof:  # a number at the very end may go on in the next chunk
                    text = self.buf[self.pos : end]
                    self.pos = end
                    return obj, text
            except json.JSONDecodeError:
                if self.eof:
                    raise
            if len(self.buf) - self.pos > max_chars:
                raise _TooBig()
            # read at least as much again as is pending, so a big record is re-parsed O(log n) times
            want, got = max(len(self.buf) - self.pos, 1 << 16), 0
            while got < want:
                before = len(self.buf)
                if not self.more():
                    break
                got += len(self.buf) - before


def _codec_of(first: bytes) -> str:
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def read_json(
    uri: str, chunks: Iterable[bytes], *, columns: dict[str, str], max_record: int, sanitize: Callable[[str], str]
) -> Iterator[Fields | Problem]:
    """The records of a JSON file; the n-th record (1-based) is `uri#n`. Several top-level values one
    after the other (concatenated JSON, JSONL named .json) are read in turn."""
    t = _Text(chunks)
    n = values = 0
    try:
        while True:
            t.compact()
            c = t.peek()
            if c == "":
                break
            values += 1
            if c == "[":
                n = yield from _array(t, uri, n, columns, max_record, sanitize)
            elif c == "{":
                n = yield from _object(t, uri, n, columns, max_record, sanitize)
            else:
                where = "starts" if values == 1 else f"goes on at character {t.base + t.pos}"
                yield Problem(
                    uri, f"{reasons.BROKEN_JSON}: {where} with {c!r}, not an array or object; the rest is not read"
                )
                return
        if not values:
            yield Problem(uri, reasons.EMPTY_FILE)
    except UnicodeDecodeError as exc:
        yield Problem(uri, f"{reasons.NOT_UTF8} (JSON is UTF-8): {exc}"[:500])


def _record(obj, uri: str, n: int, columns, max_record, sanitize) -> Fields | Problem:
    """One element: a record when it is an object. Its doc_id comes from its canonical JSON (sorted
    keys), so the same record gives the same document however the file is laid out."""
    at = f"{uri}#{n}"
    if not isinstance(obj, dict):
        return Problem(at, f"{reasons.NOT_AN_OBJECT} (a JSON {type(obj).__name__})")
    raw = json.dumps(obj, ensure_ascii=False, sort_keys=True).encode("utf-8", "surrogatepass")
    if len(raw) > 4 * max_record:
        return Problem(at, f"{reasons.TOO_BIG} ({len(raw)} bytes, limit {max_record} characters)")
    return from_mapping(
        obj, resolve(list(obj), columns), uri=at, record_index=n, raw=raw, encoding="utf-8", sanitize=sanitize
    )


def _stop(t: _Text) -> None:
    """After a syntax error nothing later can be trusted: the reading ends."""
    t.eof, t.buf, t.pos = True, "", 0


def _array(t: _Text, uri: str, n: int, columns, max_record, sanitize) -> Iterator[Fields | Problem]:
    """Elements of the array starting at t.pos, numbered on from n. Returns the last number."""
    t.pos += 1
    while True:
        t.compact()
        c = t.peek()
        if c == "]":
            t.pos += 1
            return n
        if c == ",":
            t.pos += 1
            continue
        if c == "":
            yield Problem(uri, f"{reasons.BROKEN_JSON}: the array is not closed (a cut-off file?)")
            return n
        n += 1
        at = t.base + t.pos
        try:
            obj, text = t.value(max_record)
        except _TooBig:
            yield Problem(
                f"{uri}#{n}", f"{reasons.TOO_BIG} ({max_record} characters); the records after it are not read"
            )
            _stop(t)
            return n
        except json.JSONDecodeError as exc:
            yield Problem(
                f"{uri}#{n}",
                f"{reasons.BROKEN_JSON} at character {at + (exc.pos - t.pos)}: {exc.msg}; "
                "this record and the rest of the file are not read",
            )
            _stop(t)
            return n
        if len(text) > max_record:
            yield Problem(f"{uri}#{n}", f"{reasons.TOO_BIG} ({len(text)} characters, limit {max_record})")
            continue
        yield _record(obj, uri, n, columns, max_record, sanitize)


def _object(t: _Text, uri: str, n: int, columns, max_record, sanitize) -> Iterator[Fields | Problem]:
    """A top-level object: one record when it has a text or html field, else a holder whose arrays
    of objects are the records. One that is bigger than a record can be is a holder, streamed."""
    at = t.base + t.pos
    try:
        obj, _ = t.value(max_record)
    except _TooBig:
        return (yield from _holder(t, uri, n, columns, max_record, sanitize))
    except json.JSONDecodeError as exc:
        yield Problem(
            f"{uri}#{n + 1}",
            f"{reasons.BROKEN_JSON} at character {at + (exc.pos - t.pos)}: {exc.msg}; "
            "this record and the rest of the file are not read",
        )
        _stop(t)
        return n
    if resolve(list(obj), columns).keys() & {"text", "html"}:
        n += 1
        yield _record(obj, uri, n, columns, max_record, sanitize)
        return n
    arrays = [v for v in obj.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
    for value in arrays:
        for element in value:
            n += 1
            yield _record(element, uri, n, columns, max_record, sanitize)
    if not arrays and not any(v == [] for v in obj.values()):  # {"articles": []} holds no record: no reject
        n += 1
        names = ", ".join(map(str, list(obj)[:20])) or "none"
        yield Problem(f"{uri}#{n}", f"{reasons.NO_TEXT_FIELD} (fields: {names})")
    return n


def _holder(t: _Text, uri: str, n: int, columns, max_record, sanitize) -> Iterator[Fields | Problem]:
    """An object too big to hold at once: each member that is an array of objects is streamed as
    records; other members are skipped."""
    t.pos += 1
    arrays = 0
    while True:
        t.compact()
        c = t.peek()
        if c == "}":
            t.pos += 1
            break
        if c == ",":
            t.pos += 1
            continue
        if c != '"':
            yield Problem(uri, f"{reasons.BROKEN_JSON} at character {t.base + t.pos}: expected a member name")
            _stop(t)
            return n
        try:
            key, _ = t.value(max_record)
        except (json.JSONDecodeError, _TooBig):
            yield Problem(uri, f"{reasons.BROKEN_JSON} at character {t.base + t.pos}: unreadable member name")
            _stop(t)
            return n
        if t.peek() != ":":
            yield Problem(uri, f"{reasons.BROKEN_JSON} at character {t.base + t.pos}: expected ':'")
            _stop(t)
            return n
        t.pos += 1
        if t.peek() == "[" and _array_of_objects(t):
            arrays += 1
            n = yield from _array(t, uri, n, columns, max_record, sanitize)
            continue
        try:
            t.value(max_record)
        except (json.JSONDecodeError, _TooBig) as exc:
            yield Problem(uri, f"{reasons.BROKEN_JSON} in member {key!r}: {getattr(exc, 'msg', 'too big')}")
            _stop(t)
            return n
    if not arrays:
        yield Problem(uri, f"{reasons.NO_RECORD_ARRAY} (an object of more than {max_record} characters)")
    return n


def _array_of_objects(t: _Text) -> bool:
    """Whether the array at t.pos starts with an object (or is empty); t.pos stays at its '['."""
    start = t.pos
    t.pos += 1
    c = t.peek()
    t.pos = start
    return c in ("{", "]")
