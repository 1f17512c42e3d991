"""MinHash LSH of normalized texts: word hashes, minimum hashes and band keys in numba kernels.

120 minimum hashes of the normalized words (multiply-shift hash families with fixed constants), 20
bands of 6 rows (a pair at similarity 0.8 shares a band with probability 0.998, at 0.5 with 0.27);
candidate pairs are pairs sharing a band key, and a candidate counts when the share of equal minimum
hashes reaches the threshold. Used by the clean shards (minhash_stage_table), the dedup pass
(near-duplicates) and the stories pass (document signatures).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa
import xxhash

from akhbar.kernels import compiled as _compiled
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
_POLY = np.uint64(_const("poly", 0) | 1)


def preload() -> Callable[[], None]:
    """Compile the kernels, or load them from numba's cache, now: in a parent before a fork, so that its
    workers inherit them (the clean stage's StageTask.preload). Returns the call that drops them:
    nothing to do, numba keeps compiled code for the life of the process."""
    minhash_stage_table(["d"], [0], ["a b"], 1)  # every kernel, with the argument types of the clean shards
    _unmap_llvm_pages()
    return _keep


def _unmap_llvm_pages() -> None:
    """Unmap the pages of LLVM's library that loading numba read (~65 MiB of the process's PSS, which forked
    workers would share): the kernels run without them, and they map back in from the page cache if numba
    compiles again. Only mappings holding no anonymous (written) page, so nothing is lost; Linux only."""
    import ctypes

    try:
        with open("/proc/self/smaps") as smaps:
            lines = smaps.read().splitlines()
        madvise = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    span = path = anonymous = None
    for fields in filter(None, map(str.split, lines)):
        if not fields[0].endswith(":"):  # a mapping: address range, permissions, offset, device, inode, path
            span, path = fields[0], fields[-1]
        elif fields[0] == "Anonymous:":
            anonymous = fields[1]
        elif fields[0] == "Swap:" and anonymous == fields[1] == "0" and path.endswith("/libllvmlite.so"):
            lo, hi = (int(x, 16) for x in span.split("-"))
            madvise(lo, hi - lo, 4)  # MADV_DONTNEED


def _keep() -> None:
    pass


def _word_hashes_kernel(b: np.ndarray, poly: np.uint64) -> np.ndarray:
    """_word_hashes in one pass over the bytes."""
    n_words = 1
    for c in b:
        n_words += c == 32
    out = np.empty(n_words, np.uint64)
    h, power, length, k = np.uint64(0), np.uint64(1), np.uint64(0), 0
    for at in range(len(b) + 1):
        if at < len(b) and b[at] != 32:
            h += (np.uint64(b[at]) + np.uint64(1)) * power  # wraps modulo 2^64, as intended
            power *= poly
            length += np.uint64(1)
            continue
        h ^= length * np.uint64(0x9E3779B97F4A7C15)
        h ^= h >> np.uint64(30)  # splitmix64's finalizer: spreads the bits of a weak hash
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
        out[k] = h
        h, power, length, k = np.uint64(0), np.uint64(1), np.uint64(0), k + 1
    return out


def _minhash_kernel(flat: np.ndarray, lengths: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """minhash_flat: the minimum of each hash function over each set, one set after the other."""
    out = np.empty((len(lengths), len(a)), np.uint32)
    mins = np.empty(len(a), np.uint64)
    at = 0
    for s in range(len(lengths)):
        mins[:] = np.uint64(0xFFFFFFFFFFFFFFFF)
        for t in range(at, at + lengths[s]):
            x = flat[t]
            for r in range(len(a)):  # the 120 hash functions of one token: a loop LLVM vectorizes
                v = a[r] * x + b[r]
                if v < mins[r]:
                    mins[r] = v
        at += lengths[s]
        for r in range(len(a)):
            out[s, r] = np.uint32(mins[r] >> np.uint64(32))
    return out


def _band_keys_kernel(sig: np.ndarray, bands: int, mul: np.uint64) -> np.ndarray:
    """band_keys: each band's rows folded into a key (xor, multiply, xorshift), row after row."""
    rows = sig.shape[1] // bands
    out = np.empty((sig.shape[0], bands), np.uint64)
    for i in range(sig.shape[0]):
        for band in range(bands):
            key = np.uint64(0)
            for r in range(band * rows, (band + 1) * rows):
                key ^= np.uint64(sig[i, r])
                key *= mul
                key ^= key >> np.uint64(29)
            out[i, band] = key
    return out


def token_hashes(norm_texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the words of normalized texts, all in one pass (no per-word Python).

    Returns (hashes of every word, texts in order; words per text). A word's hash is a polynomial
    over its UTF-8 bytes modulo 2^64, mixed with its length through splitmix64's finalizer."""
    lengths = np.fromiter((t.count(" ") + 1 if t else 0 for t in norm_texts), np.int64, len(norm_texts))
    return _word_hashes(" ".join(t for t in norm_texts if t).encode("utf-8")), lengths


def _word_hashes(big: bytes) -> np.ndarray:
    """The hash of every space-separated word of `big` (UTF-8): sum over its bytes of (byte + 1) *
    P^(position in the word), mod 2^64, xor its length in bytes * 0x9E3779B97F4A7C15, through
    splitmix64's finalizer."""
    if not big:
        return np.empty(0, np.uint64)
    return _compiled(_word_hashes_kernel)(np.frombuffer(big, np.uint8), _POLY)


def minhash_signatures(token_sets: list[list[int]]) -> np.ndarray:
    """(n, NUM_PERM) uint32 minimum hashes of each (non-empty) set of 64-bit token hashes."""
    lengths = np.fromiter((len(t) for t in token_sets), dtype=np.int64, count=len(token_sets))
    flat = np.fromiter(itertools.chain.from_iterable(token_sets), dtype=np.uint64, count=int(lengths.sum()))
    return minhash_flat(flat, lengths)


def minhash_flat(flat: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """minhash_signatures over concatenated token hashes; lengths[k] >= 1 tokens per set.

    Hash i of token x is the high 32 bits of (a_i * x + b_i) mod 2^64 (multiply-shift; x is already
    well mixed). Repeated tokens change no minimum, so multisets need no dedup. The minimum is taken
    over the whole 64-bit values (the high half of the minimum is the minimum of the high halves)."""
    flat, lengths = np.ascontiguousarray(flat, np.uint64), np.ascontiguousarray(lengths, np.int64)
    if lengths.sum() > len(flat):
        raise ValueError(f"{lengths.sum()} tokens in the sets, {len(flat)} given")
    return _compiled(_minhash_kernel)(flat, lengths, _A, _B)


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """(n, BANDS) uint64 keys: a hash of each band's ROWS minimum hashes."""
    signatures = np.ascontiguousarray(signatures, np.uint32).reshape(len(signatures), NUM_PERM)
    return _compiled(_band_keys_kernel)(signatures, BANDS, _BAND_MUL)


# Texts go to the kernels in passes of about this many characters (a pass holds ~4 bytes a character);
# a word longer than this is hashed as pieces of this many characters, as in the first stored signatures.
_STAGE_CHARS = 250_000


def minhash_stage_table(
    doc_ids: list[str],
    positions: list[int],
    norm_texts: list[str],
    min_words: int,
    full_signatures: list | None = None,
    words: list[int] | None = None,
) -> pa.Table:
    """Band keys and 16-bit signatures of the normalized texts with at least min_words words (>= 1).

    Rows in the given order, the shorter texts left out. A text's words are counted as
    token_hashes counts them (spaces + 1), so the rows are exactly the texts it would keep; `words`:
    those counts when the caller has them. full_signatures, when given, receives the rows' full
    (n, NUM_PERM) uint32 signatures."""
    min_words = max(int(min_words), 1)
    if words is None:
        words = [t.count(" ") + 1 if t else 0 for t in norm_texts]
    words = np.array(words, np.int64)
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
    """(len(texts), NUM_PERM) uint32 signatures of non-empty texts of words[k] words (spaces + 1) each,
    in passes of about _STAGE_CHARS characters. A text longer than that is hashed as its _pieces joined
    by spaces: the same words, but a word longer than _STAGE_CHARS cut as _pieces cuts it."""
    texts, words = list(texts), np.array(words, np.int64)
    chars = np.fromiter(map(len, texts), np.int64, len(texts))
    for k in np.flatnonzero(chars > _STAGE_CHARS).tolist():
        texts[k] = " ".join(_pieces(texts[k], _STAGE_CHARS))
        words[k], chars[k] = texts[k].count(" ") + 1, len(texts[k])
    out = np.empty((len(texts), NUM_PERM), np.uint32)
    ends = np.cumsum(chars + 1)  # a space after each text
    at = 0
    while at < len(texts):
        stop = max(int(np.searchsorted(ends, (ends[at - 1] if at else 0) + _STAGE_CHARS, side="right")), at + 1)
        tokens = _word_hashes(" ".join(texts[at:stop]).encode("utf-8"))
        out[at:stop] = minhash_flat(tokens, words[at:stop])
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
