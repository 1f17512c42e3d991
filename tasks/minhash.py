"""MinHash LSH of normalized texts, written with numpy (word hashes computed vectorized).

120 minimum hashes of the normalized words (multiply-shift hash families with fixed constants), 20
bands of 6 rows (a pair at similarity 0.8 shares a band with probability 0.998, at 0.5 with 0.27);
candidate pairs are pairs sharing a band key, and a candidate counts when the share of equal minimum
hashes reaches the threshold. Used by the clean shards (minhash_stage_table), the dedup pass
(near-duplicates) and the stories pass (document signatures).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import xxhash

from akhbar.staging import MINHASH_STAGE_SCHEMA

# MinHash LSH constants. They are part of the stored state (paragraph_minhash): changing them makes
# earlier runs' band keys incomparable, so they are fixed here, not settings.
NUM_PERM = 120
BANDS = 20
ROWS = NUM_PERM // BANDS


def _const(tag: str, i: int) -> int:
    # Derived from a hash, not a random generator, so they are the same on every machine and version.
    return xxhash.xxh64_intdigest(f"akhbar-minhash-{tag}-{i}".encode())


_A = np.array([_const("a", i) | 1 for i in range(NUM_PERM)], dtype=np.uint64)
_B = np.array([_const("b", i) for i in range(NUM_PERM)], dtype=np.uint64)
_BAND_MUL = np.uint64(_const("band", 0) | 1)
# Work on (_ROW_BLOCK x _CHUNK_TOKENS) uint64 blocks (768 KiB, L2-sized): three numpy calls a block, each one
# pass over memory that stays in cache (one 120-row buffer: 1.6x the time; smaller chunks: more calls)
_CHUNK_TOKENS = 8_192
_ROW_BLOCK = 12


_POLY = np.uint64(_const("poly", 0) | 1)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer (in place where possible): spreads the bits of a weak hash."""
    x ^= x >> np.uint64(30)
    x *= _MIX1
    x ^= x >> np.uint64(27)
    x *= _MIX2
    x ^= x >> np.uint64(31)
    return x


def token_hashes(norm_texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the words of normalized texts, all in one numpy pass (no per-word Python).

    Returns (hashes of every word, texts in order; words per text). A word's hash is a polynomial
    over its UTF-8 bytes modulo 2^64, mixed with its length through splitmix64's finalizer."""
    lengths = np.fromiter((t.count(" ") + 1 if t else 0 for t in norm_texts), np.int64, len(norm_texts))
    return _word_hashes(" ".join(t for t in norm_texts if t).encode("utf-8")), lengths


_powers: list[np.ndarray] = []  # [P^g, P^-g] mod 2^64 for g < the longest text hashed so far (grown by doubling)


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P^g and P^-g modulo 2^64 for g = 0 .. n-1 (P = _POLY is odd, so it has an inverse)."""
    if not _powers or len(_powers[0]) < n:
        size = max(1 << 16, 1 << (n - 1).bit_length())
        out = []
        for base in (_POLY, np.uint64(pow(int(_POLY), -1, 1 << 64))):
            table = np.full(size, base, np.uint64)
            table[0] = 1
            np.multiply.accumulate(table, out=table)  # wraps modulo 2^64, as intended
            out.append(table)
        _powers[:] = out
    return _powers[0], _powers[1]


def _word_hashes(big: bytes) -> np.ndarray:
    """The hash of every space-separated word of `big` (UTF-8): sum over its bytes of (byte + 1) *
    P^(position in the word), mod 2^64, computed as P^-start * sum of (byte + 1) * P^(position in
    `big`), so that no per-byte word position is needed; then mixed with the word's length."""
    if not big:
        return np.empty(0, np.uint64)
    b = np.frombuffer(big, np.uint8)
    seps = np.flatnonzero(b == 32)
    starts = np.empty(len(seps) + 1, np.int64)
    starts[0] = 0
    np.add(seps, 1, out=starts[1:])
    powers, inverses = _power_tables(len(b))
    contrib = np.add(b, 1, dtype=np.uint64)
    contrib *= powers[: len(b)]
    h = np.add.reduceat(contrib, starts)
    with np.errstate(over="ignore"):
        h[:-1] -= powers[seps] * np.uint64(33)  # each word's sum ran over the space after it (32 + 1)
        h *= inverses[starts]
        word_len = np.diff(starts, append=len(b) + 1) - 1
        h ^= word_len.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return _mix64(h)


def minhash_signatures(token_sets: list[list[int]]) -> np.ndarray:
    """(n, NUM_PERM) uint32 minimum hashes of each (non-empty) set of 64-bit token hashes."""
    lengths = np.fromiter((len(t) for t in token_sets), dtype=np.int64, count=len(token_sets))
    flat = np.fromiter(itertools.chain.from_iterable(token_sets), dtype=np.uint64, count=int(lengths.sum()))
    return minhash_flat(flat, lengths)


def minhash_flat(flat: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """minhash_signatures over concatenated token hashes; lengths[k] >= 1 tokens per set.

    Hash i of token x is the high 32 bits of (a_i * x + b_i) mod 2^64 (multiply-shift; x is already
    well mixed). Repeated tokens change no minimum, so multisets need no dedup. Work goes in
    chunks of ~_CHUNK_TOKENS tokens and _ROW_BLOCK hash functions with in-place numpy operations; the
    minimum is taken over the whole 64-bit values (the high half of the minimum is the minimum of the
    high halves)."""
    n = len(lengths)
    out = np.empty((n, NUM_PERM), np.uint32)
    if n == 0:
        return out
    ends = np.cumsum(lengths)
    starts = ends - lengths
    a, b = _A[:, None], _B[:, None]
    i = 0
    while i < n:
        # sets [i, j) with at most _CHUNK_TOKENS tokens (at least one set)
        j = max(i + 1, int(np.searchsorted(ends, starts[i] + _CHUNK_TOKENS, side="right")))
        tok = flat[starts[i] : ends[j - 1]][None, :]
        offsets = starts[i:j] - starts[i]
        buf = np.empty((_ROW_BLOCK, tok.shape[1]), np.uint64)
        mins = np.empty((NUM_PERM, j - i), np.uint64)
        for r in range(0, NUM_PERM, _ROW_BLOCK):
            rows = buf[: min(_ROW_BLOCK, NUM_PERM - r)]
            np.multiply(a[r : r + _ROW_BLOCK], tok, out=rows)  # uint64 arithmetic wraps modulo 2^64, as intended
            rows += b[r : r + _ROW_BLOCK]
            np.minimum.reduceat(rows, offsets, axis=1, out=mins[r : r + _ROW_BLOCK])
        mins >>= np.uint64(32)
        out[i:j] = mins.T
        i = j
    return out


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """(n, BANDS) uint64 keys: a hash of each band's ROWS minimum hashes."""
    sig = signatures.reshape(len(signatures), BANDS, ROWS)
    key = np.zeros((len(signatures), BANDS), np.uint64)
    shifted = np.empty_like(key)
    with np.errstate(over="ignore"):
        for r in range(ROWS):  # in place: no temporary (n, BANDS) arrays
            key ^= sig[:, :, r].astype(np.uint64)
            key *= _BAND_MUL
            np.right_shift(key, np.uint64(29), out=shifted)
            key ^= shifted
    return key


_STAGE_BATCH = 10_000  # texts per numpy pass
# ... and at most this many characters per pass (_word_hashes holds ~10 bytes of work per byte of text, and
# keeps power tables of 16 bytes per byte of the longest pass: 8-16 MiB):
# a longer text is hashed in pieces cut at spaces, its signature the minimum over the pieces' (same words).
_STAGE_CHARS = 250_000


def minhash_stage_table(
    doc_ids: list[str], positions: list[int], norm_texts: list[str], min_words: int, full_signatures: list | None = None
) -> pa.Table:
    """Band keys and 16-bit signatures of the normalized texts with at least min_words words (>= 1).

    Rows in the given order, the shorter texts left out. A text's words are counted as
    token_hashes counts them (spaces + 1), so the rows are exactly the texts it would keep.
    full_signatures, when given, receives the rows' full (n, NUM_PERM) uint32 signatures."""
    min_words = max(int(min_words), 1)
    words = np.fromiter((t.count(" ") + 1 if t else 0 for t in norm_texts), np.int64, len(norm_texts))
    keep = np.flatnonzero(words >= min_words).tolist()
    sig = _text_signatures([norm_texts[k] for k in keep], words[keep])
    if full_signatures is not None:
        full_signatures.append(sig)
    n = len(keep)
    key_arr = band_keys(sig)
    sig_arr = (sig & 0xFFFF).astype("<u2")
    return pa.table(
        {
            "doc_id": pa.array([doc_ids[k] for k in keep], pa.string()),
            "position": pa.array([positions[k] for k in keep], pa.int32()),
            "bands": pa.FixedSizeListArray.from_arrays(pa.array(key_arr.reshape(-1), pa.uint64()), BANDS).cast(
                pa.list_(pa.uint64())
            ),
            "signature": pa.FixedSizeBinaryArray.from_buffers(
                pa.binary(NUM_PERM * 2), n, [None, pa.py_buffer(sig_arr.tobytes())]
            ).cast(pa.binary()),
        },
        schema=MINHASH_STAGE_SCHEMA,
    )


def _text_signatures(texts: list[str], words: np.ndarray) -> np.ndarray:
    """(len(texts), NUM_PERM) uint32 signatures of non-empty texts of words[k] words (spaces + 1) each:
    in numpy passes of at most _STAGE_BATCH texts and about _STAGE_CHARS characters; a longer text
    alone, in pieces cut at spaces (its signature the minimum over the pieces', same words)."""
    out = np.empty((len(texts), NUM_PERM), np.uint32)
    chars = np.fromiter(map(len, texts), np.int64, len(texts))
    long = np.flatnonzero(chars > _STAGE_CHARS)
    for k in long.tolist():
        pieces = _pieces(texts[k], _STAGE_CHARS)
        out[k] = np.minimum.reduce([minhash_flat(*token_hashes([piece]))[0] for piece in pieces], axis=0)
    short = np.flatnonzero(chars <= _STAGE_CHARS) if len(long) else np.arange(len(texts))
    if len(long):
        texts = [texts[k] for k in short.tolist()]
    ends = np.cumsum(chars[short] + 1)  # a space after each text
    at = 0
    while at < len(short):
        stop = int(np.searchsorted(ends, (ends[at - 1] if at else 0) + _STAGE_CHARS, side="right"))
        stop = min(max(stop, at + 1), at + _STAGE_BATCH)
        tokens = _word_hashes(" ".join(texts[at:stop]).encode("utf-8"))
        out[short[at:stop]] = minhash_flat(tokens, words[short[at:stop]])
        at = stop
    return out


def _pieces(text: str, size: int) -> Iterator[str]:
    """The text cut at single spaces into pieces of at most `size` characters (the words are the
    same); a word longer than `size` is cut where it must be."""
    start = 0
    while len(text) - start > size:
        cut = text.rfind(" ", start, start + size + 1)
        if cut <= start:
            yield text[start : start + size]
            start += size
        else:
            yield text[start:cut]
            start = cut + 1
    yield text[start:]


def _fixed_rows(column: pa.Array, width: int, dtype: str) -> np.ndarray:
    """(rows, width) numpy view of a list or binary column whose rows all hold `width` items."""
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        return column.flatten().to_numpy().astype(dtype, copy=False).reshape(-1, width)
    item = np.dtype(dtype).itemsize
    fixed = column.cast(pa.binary(width * item))  # fails loudly on a row of another length
    data = fixed.buffers()[1]
    return np.frombuffer(data, dtype, len(fixed) * width, fixed.offset * width * item).reshape(-1, width)


def similarity(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of row pairs of 16-bit signatures."""
    return (sig_a == sig_b).sum(axis=1, dtype=np.int32) / np.float32(NUM_PERM)
