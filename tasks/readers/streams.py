"""Byte streams for the readers: compression by magic bytes (gzip, bz2, zstd), decompressed chunks
read 1 MiB at a time, lines, a file object over chunks, a spill to a temporary file."""

from __future__ import annotations

import bz2
import io
import shutil
import tempfile
from typing import Iterable, Iterator

CHUNK = 1 << 20
COMPRESSION_SUFFIXES = {"gzip": ".gz", "bz2": ".bz2", "zstd": ".zst"}


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
    except Exception:  # noqa: BLE001 - a damaged head reads as nothing
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
    except Exception:  # noqa: BLE001 - a damaged head reads as nothing
        pass
    fh.seek(0)
    return out[:n]


def decompressed(fh, compression: str | None, problems: list[str]) -> Iterator[bytes]:
    """The decompressed bytes of a stream in chunks; damage is appended to `problems` (what was read
    before it is kept)."""
    if compression is None:
        yield from iter(lambda: fh.read(CHUNK), b"")
    elif compression == "gzip":
        from tasks.ingest import _gunzip_stream  # resynchronises at the next member after damage

        yield from _gunzip_stream(fh, problems)
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
        b[:len(data)] = data
        return len(data)


def lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Lines (without their end) of a chunked stream; memory bounded by the longest line."""
    rest = b""
    for chunk in chunks:
        buf = rest + chunk if rest else chunk
        parts = buf.split(b"\n")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


class ChunkFile(io.RawIOBase):
    """A read-only file object over an iterator of byte chunks (for pyarrow's CSV reader)."""

    def __init__(self, chunks: Iterable[bytes]):
        self.it = iter(chunks)
        self.buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while not self.buf:
            try:
                self.buf = next(self.it)
            except StopIteration:
                return 0
        n = min(len(b), len(self.buf))
        b[:n] = self.buf[:n]
        self.buf = self.buf[n:]
        return n


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
