"""Byte streams with limits: the one layer every reader of tasks/ingest reads
through, so ingest's memory is bounded by the settings whatever the input (a gzip, bz2 or zstd bomb,
a 2 GiB line, a zip member).

- compression_of / decompressed(fh, compression, problems): gzip, bz2 and zstd found by their magic
  bytes and decompressed in chunks (damage noted in problems, what came before it kept);
- capped(chunks, cap, notes): stops a (decompressed) stream past `cap` bytes
  (Settings.max_decompressed_bytes) and says so in notes;
- split_lines(chunks, max_len): the lines of a stream, an over-long line given by its length only
  (its bytes are dropped as they stream by, never held: Settings.max_input_bytes for a JSONL record);
- drop_long_lines(text, max_len): a text document without its lines over Settings.max_line_chars;
- ChunkReader: a file object over chunks, for readers that want one (warcio, pyarrow's CSV reader);
- head_of / head_of_stream: the first decompressed bytes, for format detection;
- spill / copy_to_temp / Prefixed: for formats that need seeking (Parquet, zip);
- gunzip_tolerant: a single gzipped document decompressed whole, past damaged members.
"""

from __future__ import annotations

import bz2
import io
import shutil
import tempfile
import zlib
from collections.abc import Iterable, Iterator

from akhbar import reasons
from akhbar.tasks.ingest.records import InputError

CHUNK = 1 << 20
COMPRESSION_SUFFIXES = {"gzip": ".gz", "bz2": ".bz2", "zstd": ".zst"}


def capped(chunks: Iterable[bytes], cap: int | None, notes: list[str]) -> Iterator[bytes]:
    """The chunks up to `cap` bytes in all; past it, the stream ends and a reason goes to notes."""
    if not cap:
        yield from chunks
        return
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > cap:
            keep = len(chunk) - (total - cap)
            if keep > 0:
                yield chunk[:keep]
            notes.append(reasons.DECOMPRESSED_OVER_LIMIT.format(limit=cap))
            return
        yield chunk


def split_lines(chunks: Iterable[bytes], max_len: int) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number from 1, line bytes or None when longer than max_len, its length) for every
    line, as bytes.splitlines() numbers them (\\n, \\r\\n and \\r end a line)."""
    n = 0
    buf = bytearray()
    over = 0  # bytes of the current over-long line seen so far (0: not over)
    for chunk in chunks:
        start = 0
        while True:
            nl = chunk.find(b"\n", start)
            end = len(chunk) if nl < 0 else nl
            if not over and not buf and nl >= 0 and end - start <= max_len:
                # a whole line inside this chunk: sliced once, not copied through the buffer
                for line in _cr_lines(chunk[start:end]):
                    n += 1
                    yield n, line, len(line)
                start = nl + 1
                continue
            if over:
                over += end - start
            else:
                buf += chunk[start:end]
                if len(buf) > max_len:
                    over, buf = len(buf), bytearray()
            if nl < 0:
                break
            start = nl + 1
            if over:
                n += 1
                yield n, None, over
                over = 0
            else:
                for line in _cr_lines(bytes(buf)):
                    n += 1
                    yield n, line, len(line)
                buf.clear()
    if over:
        yield n + 1, None, over
    elif buf:
        for line in _cr_lines(bytes(buf)):
            n += 1
            yield n, line, len(line)


def _cr_lines(line: bytes) -> list[bytes]:
    """A line without its \\n, split at lone \\r the way bytes.splitlines() does."""
    if b"\r" not in line:
        return [line]
    return line.splitlines() or [b""]


class ChunkReader(io.RawIOBase):
    """A read-only file object over an iterator of byte chunks."""

    def __init__(self, chunks: Iterable[bytes]):
        self._it = iter(chunks)
        self._buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while not self._buf:
            try:
                self._buf = next(self._it)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def drop_long_lines(text: str, max_len: int) -> tuple[str, list[tuple[int, int]]]:
    """The text without its lines longer than max_len characters, and (line number, length) of each
    line left out. Lines end at \\n, \\r\\n or \\r, as the clean stage splits them."""
    if len(text) <= max_len:
        return text, []
    kept: list[str] = []
    dropped: list[tuple[int, int]] = []
    for no, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if len(line) > max_len:
            dropped.append((no, len(line)))
        else:
            kept.append(line)
    return ("\n".join(kept), dropped) if dropped else (text, [])


def compression_of(head: bytes) -> str | None:
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:3] == b"BZh" and head[4:10] == b"\x31\x41\x59\x26\x53\x59":  # bzip2 block magic (pi)
        return "bz2"
    if head[:4] == b"\x28\xb5\x2f\xfd":
        return "zstd"
    return None


def strip_compression_suffix(name: str) -> str:
    for suffix in (".gz", ".bz2", ".zst", ".zstd"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def head_of(head: bytes, compression: str | None, n: int = 65536) -> bytes:
    """The first n decompressed bytes of a file's first 64 KiB (for format detection); b"" when damaged."""
    if compression is None:
        return head
    if compression == "gzip":
        import zlib

        try:
            return zlib.decompressobj(31).decompress(head, n)
        except zlib.error:
            return b""
    out = b""
    try:
        for chunk in decompressed(io.BytesIO(head), compression, []):
            out += chunk
            if len(out) >= n:
                break
    except Exception:
        pass
    return out[:n]


def head_of_stream(fh, compression: str, n: int = 65536) -> bytes:
    """The first n decompressed bytes of a seekable compressed file, which is rewound (a bz2 block
    needs up to 900 KB of input before it gives any output)."""
    out = b""
    try:
        for chunk in decompressed(fh, compression, []):
            out += chunk
            if len(out) >= n:
                break
    except Exception:
        pass
    fh.seek(0)
    return out[:n]


def decompressed(fh, compression: str | None, problems: list[str]) -> Iterator[bytes]:
    """The decompressed bytes of a stream in chunks; damage is appended to `problems` (what was read
    before it is kept)."""
    if compression is None:
        yield from iter(lambda: fh.read(CHUNK), b"")
    elif compression == "gzip":
        yield from gunzip_stream(fh, problems)
    elif compression == "bz2":
        yield from _bunzip(fh, problems)
    else:
        yield from _unzstd(fh, problems)


def _bunzip(fh, problems: list[str]) -> Iterator[bytes]:
    d = bz2.BZ2Decompressor()
    pending = b""
    while True:
        block = pending or fh.read(CHUNK)
        pending = b""
        if not block:
            if not d.eof:
                problems.append("truncated bz2: the stream ends before its end")
            return
        try:
            out = d.decompress(block)
        except (OSError, EOFError) as exc:
            problems.append(f"corrupt bz2 stream ({exc})")
            return
        if out:
            yield out
        if d.eof:  # a multi-stream file (pbzip2): the next stream starts in unused_data
            pending = d.unused_data
            if not pending and not (pending := fh.read(CHUNK)):
                return
            d = bz2.BZ2Decompressor()


def _unzstd(fh, problems: list[str]) -> Iterator[bytes]:
    import pyarrow as pa

    try:
        stream = pa.CompressedInputStream(pa.PythonFile(_Borrowed(fh), mode="r"), "zstd")
        while True:
            out = stream.read(1 << 16)  # small reads: a cut-off stream still gives what precedes the cut
            if not out:
                return
            yield out
    except (OSError, pa.ArrowException) as exc:
        problems.append(f"corrupt zstd stream ({exc})")


class _Borrowed(io.RawIOBase):
    """A file object reading from `fh` that leaves it open when closed (pyarrow closes what it wraps)."""

    def __init__(self, fh):
        self.fh = fh

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.fh.read(len(b))
        b[: len(data)] = data
        return len(data)


def gunzip_stream(fh, problems: list[str]) -> Iterator[bytes]:
    """Decompressed bytes of every gzip member of a stream, read 1 MiB at a time. A corrupt member is
    skipped (reading resumes at the next member header) and a truncated tail keeps what
    decompressed; each problem is appended to `problems` (once per kind of damage)."""
    cbuf, consumed, eof_in = b"", 0, False
    d = None
    member_start = 0

    def note(msg: str) -> None:
        if not problems or len(problems) < 5:
            problems.append(msg)

    while True:
        if not eof_in and len(cbuf) < CHUNK:
            block = fh.read(CHUNK)
            if block:
                cbuf += block
            else:
                eof_in = True
        if not cbuf:
            if eof_in:
                if d is not None and not d.eof:
                    note(f"truncated gzip: the stream ends at byte {consumed} before its end")
                return
            continue
        if d is None:
            if len(cbuf) < 3 and not eof_in:
                continue
            if not cbuf.startswith(b"\x1f\x8b"):
                nxt = cbuf.find(b"\x1f\x8b\x08", 1)
                # No member header in view: drop all but the last 2 bytes (one may start there).
                drop = nxt if nxt >= 0 else (len(cbuf) if eof_in else max(0, len(cbuf) - 2))
                if cbuf[:drop].strip(b"\x00 \t\r\n"):
                    note(f"bytes that are not gzip at byte {consumed}")
                consumed += drop
                cbuf = cbuf[drop:]
                if nxt < 0 and eof_in:
                    return
                continue
            d = zlib.decompressobj(31)
            member_start = consumed
        try:
            out = d.decompress(cbuf, CHUNK)
        except zlib.error as exc:
            note(f"corrupt gzip member at byte {member_start} ({exc}); its content is lost")
            d = None
            nxt = cbuf.find(b"\x1f\x8b\x08", 1)
            # No next member in view yet: keep the last bytes, a member header may start there.
            skip = nxt if nxt >= 0 else (len(cbuf) if eof_in else max(1, len(cbuf) - 2))
            consumed += skip
            cbuf = cbuf[skip:]
            continue
        rest = d.unused_data if d.eof else d.unconsumed_tail
        consumed += len(cbuf) - len(rest)
        cbuf = rest
        if d.eof:
            d = None
        if out:
            yield out


def spill(chunks: Iterable[bytes]):
    """The chunks written to an anonymous temporary file, rewound (formats that need seeking: Parquet)."""
    tmp = tempfile.TemporaryFile(prefix="akhbar-")
    for chunk in chunks:
        tmp.write(chunk)
    tmp.seek(0)
    return tmp


def copy_to_temp(fh):
    tmp = tempfile.TemporaryFile(prefix="akhbar-")
    shutil.copyfileobj(fh, tmp, CHUNK)
    tmp.seek(0)
    return tmp


class Prefixed:
    """A file object that returns `head` (already read) and then the rest of `fh`."""

    def __init__(self, head: bytes, fh):
        self.head, self.fh = head, fh

    def read(self, n: int = -1) -> bytes:
        if self.head:
            if n is None or n < 0:
                out, self.head = self.head + self.fh.read(), b""
                return out
            out, self.head = self.head[:n], self.head[n:]
            return out
        return self.fh.read(n)


def gunzip_tolerant(raw: bytes, cap: int | None = None) -> tuple[bytes, str | None]:
    """Decompress every gzip member; return (data, problem). A corrupt member is skipped (resync at
    the next member header) and a truncated tail keeps what decompressed, so the records of a
    multi-member .warc.gz before and after the damage survive. Raises InputError past `cap` bytes."""
    out: list[bytes] = []
    total, pos, problem = 0, 0, None
    view = memoryview(raw)
    while pos < len(raw):
        if raw[pos : pos + 2] != b"\x1f\x8b":
            nxt = raw.find(b"\x1f\x8b\x08", pos + 1)
            if raw[pos : nxt if nxt >= 0 else len(raw)].strip(b"\x00 \t\r\n"):  # NUL/blank padding is no damage
                problem = problem or f"bytes that are not gzip at byte {pos}"
            if nxt < 0:
                break
            pos = nxt
            continue
        d = zlib.decompressobj(31)
        try:
            chunk = d.decompress(view[pos:], (cap - total + 1) if cap else 0)
        except zlib.error as exc:
            problem = problem or f"corrupt gzip member at byte {pos} ({exc}); its content is lost"
            nxt = raw.find(b"\x1f\x8b\x08", pos + 1)
            if nxt < 0:
                break
            pos = nxt
            continue
        total += len(chunk)
        if cap and (d.unconsumed_tail or total > cap):
            raise InputError(reasons.DECOMPRESSES_OVER_SIZE_LIMIT.format(limit=cap))
        out.append(chunk)
        if not d.eof:
            try:
                out.append(d.flush())
            except zlib.error:
                pass
            problem = problem or f"truncated gzip: the stream ends at byte {len(raw)} before its end"
            break
        pos = len(raw) - len(d.unused_data)
    return b"".join(out), problem
