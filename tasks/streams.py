"""Byte streams with limits: the building blocks that keep ingest's memory bounded by the settings,
whatever the input (a gzip bomb, a 2 GiB line).

- capped(chunks, cap, notes): stops a (decompressed) stream past `cap` bytes and says so in notes;
- split_lines(chunks, max_len): the lines of a stream, an over-long line given by its length only
  (its bytes are dropped as they stream by, never held);
- ChunkReader: a file object over chunks, for readers that want one (warcio).
"""

from __future__ import annotations

import io
from typing import Iterable, Iterator

from akhbar import reasons


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
