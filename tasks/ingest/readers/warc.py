"""WARC files read as a stream: fastwarc parses each record, this reader finds where records start."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from akhbar import reasons
from akhbar.settings import Settings
from akhbar.tasks.ingest.decode import decode_bytes, sanitize_text
from akhbar.tasks.ingest.formats import check_bytes, detect_format
from akhbar.tasks.ingest.readers.fields import parse_timestamp
from akhbar.tasks.ingest.records import InputError, Record, Reject, doc_id_of, site_of

# A record header: the version line (0.1x: ClueWeb09), then a line. Not anchored at a line start:
# a truncated record runs straight into the next one. A match inside a payload is harmless: a
# record whose Content-Length ends exactly at a later record is read whole.
_WARC_START = re.compile(rb"WARC/(?:1\.[01]|0\.1[0-9])\r?\n[\x21-\x7e]")
HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


def declared_charset(content_type: str) -> str | None:
    """The charset a Content-Type header declares, if any."""
    m = _CHARSET.search(content_type)
    return m.group(1) if m else None


class _Window:
    """A growing/shrinking window over a stream of bytes, so a WARC of any size is read with
    memory bounded by its largest record."""

    def __init__(self, chunks: Iterable[bytes]):
        self.it = iter(chunks)
        self.buf = bytearray()
        self.base = 0  # absolute offset of buf[0]
        self.eof = False
        self.junk = False  # non-blank bytes were discarded while looking for a record
        self.max_buf = 0  # > 0: a search that keeps the bytes scanned stops at this many

    def more(self) -> bool:
        if self.eof:
            return False
        for chunk in self.it:
            if chunk:
                self.buf += chunk
                return True
        self.eof = True
        return False

    def fill(self, n: int) -> None:
        while len(self.buf) < n and self.more():
            pass

    def drop(self, n: int) -> None:
        if n <= 0:
            return
        if bytes(self.buf[:n]).strip():
            self.junk = True
        del self.buf[:n]
        self.base += n

    def boundary(self, start: int, discard: bool = False) -> int | None:
        """Position (relative) of the next 'WARC/x.y' line at or after `start`, loading as needed;
        with discard, the bytes scanned are dropped on the way (junk between records)."""
        pos = start
        while True:
            m = _WARC_START.search(self.buf, pos)
            if m is not None:
                return m.start()
            pos = max(pos, len(self.buf) - 80)  # a header line may straddle the edge
            if discard and pos > 0:
                self.drop(pos)
                pos = 0
            if not discard and self.max_buf and len(self.buf) > self.max_buf:
                return None  # junk after a record, longer than any record: not held in memory
            if not self.more():
                return None


def read_warc(path: Path, chunks: Iterable[bytes], input_index: int, settings: Settings) -> Iterator[Record | Reject]:
    """Records of a WARC, read as a stream. fastwarc parses each record; the reader only finds where
    records start, so that a broken record (wrong Content-Length, garbage header, truncation) is
    rejected and the records after it are still read."""
    win = _Window(chunks)
    p = win.boundary(0, discard=True)
    if p is None:
        yield Reject(str(path), reasons.NO_WARC_RECORD + (" (the file is not a WARC)" if win.junk else ""))
        return
    win.drop(p)
    if win.junk:
        yield Reject(f"{path}@0", reasons.WARC_JUNK_FIRST)
    record_no = 0
    limit = 2 * settings.max_input_bytes + 65536
    win.max_buf = limit + 2 * 65536
    while True:
        start = win.base
        at = f"{path}@{start}"
        nxt: int | None = None
        item: Record | Reject | None = None
        try:
            win.fill(65536)
            header_end = _header_end(win.buf)
            clen = _content_length(bytes(win.buf[:header_end]))
            body_end = header_end + clen
            if clen > limit:
                raise InputError(reasons.RECORD_OVER_LIMIT.format(size=clen, limit=settings.max_input_bytes))
            win.fill(body_end + 64)
            q = win.boundary(1)
            if len(win.buf) < body_end:
                nxt = q
                raise InputError(
                    f"{reasons.BROKEN_WARC}: Content-Length {clen} runs past the next record"
                    if q is not None
                    else reasons.TRUNCATED_WARC.format(length=clen, left=len(win.buf) - header_end)
                )
            if q is not None and q < body_end:
                # A 'WARC/1.0' line inside the payload (then the record ends where a later one
                # starts), or a Content-Length that runs into the next record.
                r = win.boundary(body_end)
                if bytes(win.buf[body_end : r if r is not None else len(win.buf)]).strip():
                    nxt = q
                    raise InputError(
                        f"{reasons.BROKEN_WARC}: Content-Length {clen} runs past the "
                        f"{q - header_end} bytes before the next record"
                    )
                nxt = r
            else:
                nxt = q
                if bytes(win.buf[body_end : q if q is not None else len(win.buf)]).strip():
                    raise InputError(
                        f"{reasons.BROKEN_WARC}: stray bytes after its Content-Length ({clen}); "
                        "the payload is not trustworthy"
                    )
            item = _warc_record(path, bytes(win.buf[:body_end]), start, input_index, record_no, settings)
        except InputError as exc:
            item = Reject(at, str(exc))
        except Exception as exc:  # fastwarc raises OSError/ValueError on malformed records
            item = Reject(at, f"{reasons.BROKEN_WARC}: {type(exc).__name__}: {exc}"[:500])
        if item is not None:
            yield item
        record_no += 1
        if nxt is None:
            nxt = win.boundary(1, discard=True)
        if nxt is None:
            return
        win.junk = False
        win.drop(nxt)


def _header_end(buf) -> int:
    head = bytes(buf[:65536])
    for sep in (b"\r\n\r\n", b"\n\n"):
        pos = head.find(sep)
        if pos >= 0:
            return pos + len(sep)
    raise InputError(f"{reasons.BROKEN_WARC}: no end of the header block")


def _content_length(header: bytes) -> int:
    m = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", header)
    if not m:
        raise InputError(f"{reasons.BROKEN_WARC}: no Content-Length")
    return int(m.group(1))


def _parse_one(buf: bytes, decode: str):
    from fastwarc.warc import ArchiveIterator

    record = next(
        iter(
            ArchiveIterator(
                io.BytesIO(buf), parse_http=True, auto_decode=decode, quirks_mode=True, max_content_length=None
            )
        ),
        None,
    )
    if record is None:
        raise InputError(f"{reasons.BROKEN_WARC}: unreadable header")
    return record


def _warc_record(
    path: Path, buf: bytes, start: int, input_index: int, record_no: int, settings: Settings
) -> Record | Reject | None:
    from fastwarc.warc import WarcRecordType

    record = _parse_one(buf, "all")
    rtype = record.record_type
    if rtype not in (WarcRecordType.response, WarcRecordType.resource):
        return None  # request, metadata, warcinfo, revisit, conversion: no page in them
    url = record.headers.get("WARC-Target-URI")
    url = url.strip().strip("<>") if url else None
    uri = url or f"{path}@{start}"
    if rtype == WarcRecordType.response:
        if not record.is_http or record.http_headers is None:
            return Reject(uri, reasons.WARC_NO_HTTP)
        status = record.http_headers.status_code
        if not 200 <= (status or 0) < 300:
            phrase = record.http_headers.reason_phrase or "no page"
            return Reject(uri, f"{reasons.HTTP_STATUS.format(status=status)} ({phrase})")
        ctype = (record.http_content_type or "").lower()
        charset = record.http_charset
    else:
        raw_type = record.headers.get("Content-Type") or ""
        ctype = raw_type.split(";")[0].strip().lower()
        charset = declared_charset(raw_type)
    if record.content_length > settings.max_input_bytes * 2:
        return Reject(uri, reasons.RECORD_OVER_LIMIT.format(size=record.content_length, limit=settings.max_input_bytes))
    try:
        payload = record.reader.read()
    except Exception as exc:
        # Crawlers (ClueWeb09) often store the payload already decoded but keep the
        # Content-Encoding / Transfer-Encoding header: read it as stored before giving up.
        try:
            payload = _parse_one(buf, "none").reader.read()
        except Exception:
            return Reject(uri, f"{reasons.UNREADABLE_PAYLOAD} ({type(exc).__name__}: {exc})"[:500])
    if ctype and not (ctype in HTML_TYPES or ctype.startswith("text/")):
        return Reject(uri, reasons.NOT_A_PAGE.format(ctype=ctype))
    try:
        check_bytes(payload, "HTTP payload", settings)
        is_html = ctype in HTML_TYPES or (
            (not ctype or ctype == "text/plain") and detect_format(Path("x"), payload) == "html"
        )
        text, how = decode_bytes(payload, declared=charset, is_html=is_html)
    except InputError as exc:
        return Reject(uri, str(exc))
    text = sanitize_text(text)
    if not text.strip():
        return Reject(uri, reasons.NO_TEXT_DECODED)
    return Record(
        doc_id_of(payload),
        uri,
        site_of(url, path),
        "warc",
        how,
        input_index,
        record_no,
        url,
        None,
        None,
        "html" if is_html else "text",
        text,
        crawled_at=parse_timestamp(record.headers.get("WARC-Date")),
    )
