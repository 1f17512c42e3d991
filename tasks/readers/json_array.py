"""A JSON file of records, streamed: a top-level array of objects, or an object holding one (or
more) such arrays, e.g. {"articles": [...]}; an object that is itself one record is one record.

An incremental decoder over the decoded text (json.JSONDecoder.raw_decode, which needs no more
than one element in memory): memory is bounded by the largest record (max_record characters).
A syntax error ends the file there, with a reject naming the element and what is lost.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Callable, Iterable, Iterator

from tasks.readers import reasons
from tasks.readers.fields import Fields, Problem, from_mapping, resolve

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
            self.buf, self.pos = self.buf[self.pos:], 0

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
                    text = self.buf[self.pos:end]
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


def read_json(uri: str, chunks: Iterable[bytes], *, columns: dict[str, str], max_record: int,
              sanitize: Callable[[str], str]) -> Iterator[Fields | Problem]:
    """The records of a JSON file; source_uri of the n-th record (1-based) is `uri#n`."""
    t = _Text(chunks)
    try:
        first = t.peek()
        if first == "[":
            yield from _array(t, uri, 0, columns, max_record, sanitize)
        elif first == "{":
            yield from _object(t, uri, columns, max_record, sanitize)
        elif first == "":
            yield Problem(uri, reasons.EMPTY_FILE)
            return
        else:
            yield Problem(uri, f"{reasons.BROKEN_JSON}: starts with {first!r}, not an array or object")
            return
        if t.peek() != "":
            yield Problem(uri, f"{reasons.BROKEN_JSON}: data after the end of the JSON value "
                               f"(character {t.base + t.pos}) is not read")
    except UnicodeDecodeError as exc:
        yield Problem(uri, f"{reasons.NOT_UTF8} (JSON is UTF-8): {exc}"[:500])


def _array(t: _Text, uri: str, n: int, columns, max_record, sanitize) -> Iterator[Fields | Problem]:
    """Elements of the array starting at t.pos; the n-th record overall is `uri#n`. Returns the count."""
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
            yield Problem(f"{uri}#{n}", f"{reasons.TOO_BIG} ({max_record} characters); the records after it "
                                        "are not read")
            t.eof, t.buf, t.pos = True, "", 0
            return n
        except json.JSONDecodeError as exc:
            yield Problem(f"{uri}#{n}", f"{reasons.BROKEN_JSON} at character {at + (exc.pos - t.pos)}: {exc.msg}; "
                                        "this record and the rest of the file are not read")
            t.eof, t.buf, t.pos = True, "", 0
            return n
        if len(text) > max_record:
            yield Problem(f"{uri}#{n}", f"{reasons.TOO_BIG} ({len(text)} characters, limit {max_record})")
            continue
        if not isinstance(obj, dict):
            yield Problem(f"{uri}#{n}", f"{reasons.NOT_AN_OBJECT} (a JSON {type(obj).__name__})")
            continue
        yield from_mapping(obj, resolve(list(obj), columns), uri=f"{uri}#{n}", record_index=n,
                           raw=text.encode("utf-8", "surrogatepass"), encoding="utf-8", sanitize=sanitize)


def _object(t: _Text, uri: str, columns, max_record, sanitize) -> Iterator[Fields | Problem]:
    """An object: each member that is an array of objects is streamed as records; when there is
    none, the object itself is one record (if it has a text or html field)."""
    t.pos += 1
    n = 0
    arrays = 0
    top: dict = {}
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
            return
        try:
            key, _ = t.value(max_record)
        except (json.JSONDecodeError, _TooBig):
            yield Problem(uri, f"{reasons.BROKEN_JSON} at character {t.base + t.pos}: unreadable member name")
            return
        if t.peek() != ":":
            yield Problem(uri, f"{reasons.BROKEN_JSON} at character {t.base + t.pos}: expected ':'")
            return
        t.pos += 1
        if t.peek() == "[" and _array_of_objects(t):
            arrays += 1
            n = yield from _array(t, uri, n, columns, max_record, sanitize)
            continue
        try:
            top[key], _ = t.value(max_record)
        except (json.JSONDecodeError, _TooBig) as exc:
            yield Problem(uri, f"{reasons.BROKEN_JSON} in member {key!r}: {getattr(exc, 'msg', 'too big')}")
            return
    if arrays:
        return
    roles = resolve(list(top), columns)
    if "text" in roles or "html" in roles:
        yield from_mapping(top, roles, uri=uri, record_index=0, encoding="utf-8", sanitize=sanitize,
                           raw=json.dumps(top, ensure_ascii=False, sort_keys=True).encode("utf-8", "surrogatepass"))
    else:
        yield Problem(uri, f"{reasons.NO_RECORD_ARRAY} (members: {', '.join(list(top)[:20]) or 'none'})")


def _array_of_objects(t: _Text) -> bool:
    """Whether the array at t.pos starts with an object (or is empty); t.pos stays at its '['."""
    start = t.pos
    t.pos += 1
    c = t.peek()
    t.pos = start
    return c in ("{", "]")
