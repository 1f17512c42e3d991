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
_CHUNK_TOKENS = 4_096  # (NUM_PERM x tokens) uint64 work buffer: ~4 MB, cache-sized


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
    big = " ".join(t for t in norm_texts if t).encode("utf-8")
    if not big:
        return np.empty(0, np.uint64), lengths
    b = np.frombuffer(big, np.uint8)
    is_sep = b == 32
    starts = np.concatenate([[0], np.flatnonzero(is_sep) + 1])
    word_of_byte = np.cumsum(is_sep)
    pos = np.arange(len(b)) - starts[word_of_byte]
    max_len = int(pos.max()) + 1
    powers = np.ones(max_len, np.uint64)
    with np.errstate(over="ignore"):
        for k in range(1, max_len):
            powers[k] = powers[k - 1] * _POLY
        contrib = (b.astype(np.uint64) + np.uint64(1)) * powers[pos]
    contrib[is_sep] = 0
    h = np.add.reduceat(contrib, starts)
    word_len = np.diff(np.append(starts, len(b) + 1)) - 1
    h ^= word_len.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return _mix64(h), lengths


def minhash_signatures(token_sets: list[list[int]]) -> np.ndarray:
    """(n, NUM_PERM) uint32 minimum hashes of each (non-empty) set of 64-bit token hashes."""
    lengths = np.fromiter((len(t) for t in token_sets), dtype=np.int64, count=len(token_sets))
    flat = np.fromiter(itertools.chain.from_iterable(token_sets), dtype=np.uint64, count=int(lengths.sum()))
    return minhash_flat(flat, lengths)


def minhash_flat(flat: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """minhash_signatures over concatenated token hashes; lengths[k] >= 1 tokens per set.

    Hash i of token x is the high 32 bits of (a_i * x + b_i) mod 2^64 (multiply-shift; x is already
    well mixed). Repeated tokens change no minimum, so multisets need no dedup. Work goes in
    chunks of ~_CHUNK_TOKENS tokens with in-place numpy operations on a cache-sized buffer."""
    n = len(lengths)
    out = np.empty((n, NUM_PERM), np.uint32)
    if n == 0:
        return out
    ends = np.cumsum(lengths)
    starts = ends - lengths
    a, b, shift = _A[:, None], _B[:, None], np.uint64(32)
    i = 0
    while i < n:
        # sets [i, j) with at most _CHUNK_TOKENS tokens (at least one set)
        j = max(i + 1, int(np.searchsorted(ends, starts[i] + _CHUNK_TOKENS, side="right")))
        tok = flat[starts[i] : ends[j - 1]]
        buf = np.multiply(a, tok[None, :])  # uint64 arithmetic wraps modulo 2^64, as intended
        buf += b
        buf >>= shift
        out[i:j] = np.minimum.reduceat(buf, starts[i:j] - starts[i], axis=1).T
        i = j
    return out


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """(n, BANDS) uint64 keys: a hash of each band's ROWS minimum hashes."""
    sig = signatures.astype(np.uint64).reshape(len(signatures), BANDS, ROWS)
    key = np.zeros((len(signatures), BANDS), np.uint64)
    with np.errstate(over="ignore"):
        for r in range(ROWS):
            key = (key ^ sig[:, :, r]) * _BAND_MUL
            key ^= key >> np.uint64(29)
    return key


_STAGE_BATCH = 10_000  # texts per numpy pass
# ... and at most this many characters per pass (token_hashes holds ~40 bytes of work per byte of text):
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
    keep = [k for k, t in enumerate(norm_texts) if t and t.count(" ") + 1 >= min_words]
    owners: list[np.ndarray] = []
    piece_sigs: list[np.ndarray] = []
    for batch in _stage_batches([norm_texts[k] for k in keep]):
        owner, pieces = zip(*batch)
        tokens, n_words = token_hashes(list(pieces))
        piece_sigs.append(minhash_flat(tokens, n_words))
        owners.append(np.asarray(owner, np.int64))
    sig16: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    if piece_sigs:
        owner_arr = np.concatenate(owners)
        sig = np.minimum.reduceat(np.concatenate(piece_sigs), np.flatnonzero(np.diff(owner_arr, prepend=-1)), axis=0)
        sig16.append((sig & 0xFFFF).astype("<u2"))
        keys.append(band_keys(sig))
    if full_signatures is not None:
        full_signatures.append(sig if piece_sigs else np.empty((0, NUM_PERM), np.uint32))
    n = len(keep)
    key_arr = np.concatenate(keys) if keys else np.empty((0, BANDS), np.uint64)
    sig_arr = np.concatenate(sig16) if sig16 else np.empty((0, NUM_PERM), "<u2")
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


def _stage_batches(texts: list[str]) -> Iterator[list[tuple[int, str]]]:
    """(text number, piece) lists, in order, of at most _STAGE_BATCH pieces and about _STAGE_CHARS
    characters: a long text's pieces may fall in several batches."""
    batch: list[tuple[int, str]] = []
    chars = 0
    for k, text in enumerate(texts):
        for piece in _pieces(text, _STAGE_CHARS):
            if batch and (len(batch) >= _STAGE_BATCH or chars + len(piece) > _STAGE_CHARS):
                yield batch
                batch, chars = [], 0
            batch.append((k, piece))
            chars += len(piece)
    if batch:
        yield batch


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
