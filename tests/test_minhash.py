"""tasks/minhash.py: MinHash signatures and band keys of normalized texts (the hash family is frozen)."""

from __future__ import annotations

import os
import random

import duckdb
import numpy as np
import pyarrow.parquet as pq
import xxhash

from akhbar.tasks import minhash


def test_minhash_estimates_jaccard():
    rng = random.Random(1)
    errors = []
    for _ in range(60):
        universe = [rng.getrandbits(64) for _ in range(60)]
        a = set(rng.sample(universe, 40))
        b = set(rng.sample(universe, 40))
        true = len(a & b) / len(a | b)
        sig = minhash.minhash_signatures([sorted(a), sorted(b)])
        est = float(minhash.similarity((sig[:1] & 0xFFFF).astype("<u2"), (sig[1:] & 0xFFFF).astype("<u2"))[0])
        errors.append(abs(est - true))
    assert np.mean(errors) < 0.04 and max(errors) < 0.15, (np.mean(errors), max(errors))


def test_minhash_constants_are_frozen():
    """Stored band keys of earlier runs must stay comparable: the hash family never changes."""
    tokens, lengths = minhash.token_hashes(["قال وزير الخارجيه"])
    assert list(lengths) == [3] and len(set(tokens.tolist())) == 3
    sig = minhash.minhash_flat(tokens, lengths)
    keys = minhash.band_keys(sig)
    assert sig.shape == (1, minhash.NUM_PERM) and keys.shape == (1, minhash.BANDS)
    assert (int(sig[0, 0]), int(sig[0, 1]), int(keys[0, 0])) == FROZEN


def test_signature_is_order_and_batch_independent():
    rng = random.Random(3)
    sets = [[rng.getrandbits(64) for _ in range(rng.randint(1, 50))] for _ in range(300)]
    whole = minhash.minhash_signatures(sets)
    assert all((minhash.minhash_signatures([s])[0] == whole[k]).all() for k, s in enumerate(sets[:20]))
    assert (minhash.minhash_signatures([sets[5][::-1]])[0] == whole[5]).all()


# Values of the implementation as first stored (changing them would orphan stored state).
FROZEN = (857842154, 1523438267, 34339204264812097)


def test_token_hashes_are_per_word():
    texts = ["قال وزير الخارجيه", "", "الخارجيه قال", "x"]
    tokens, lengths = minhash.token_hashes(texts)
    assert lengths.tolist() == [3, 0, 2, 1]
    t = tokens.tolist()
    assert t[0] == t[4] and t[2] == t[3]  # same word, same hash, wherever it is
    assert len(set(t)) == 4
    # a word's hash does not depend on its neighbours
    alone, _ = minhash.token_hashes(["وزير"])
    assert alone.tolist() == [t[1]]


def test_stage_table_of_nothing_and_of_short_texts(tmp_path):
    t = minhash.minhash_stage_table(["a", "b"], [0, 3], ["", "قال وزير"], 3)
    assert t.num_rows == 0 and t.schema == minhash.MINHASH_STAGE_SCHEMA
    texts = ["قال وزير الخارجيه", "قال وزير", "وزير الخارجيه قال اليوم"]
    t = minhash.minhash_stage_table(["a", "b", "c"], [0, 3, 5], texts, 3)
    assert t.column("doc_id").to_pylist() == ["a", "c"] and t.column("position").to_pylist() == [0, 5]
    sig = minhash.minhash_flat(*minhash.token_hashes([texts[0], texts[2]]))
    # written and read back through DuckDB, as the dedup pass reads it
    pq.write_table(t, tmp_path / "minhash-00000.parquet")
    back = duckdb.connect().sql(f"SELECT bands, signature FROM '{tmp_path}/minhash-00000.parquet'").to_arrow_table()
    assert (
        minhash._fixed_rows(back.column("bands").combine_chunks(), minhash.BANDS, "uint64") == minhash.band_keys(sig)
    ).all()
    sig16 = minhash._fixed_rows(back.column("signature").combine_chunks(), minhash.NUM_PERM, "<u2")
    assert (sig16 == (sig & 0xFFFF)).all()


# A plain-Python reference of the hash definitions (the stored state): the numba kernels must give its values.
_M64 = (1 << 64) - 1


def _ref_const(tag: str, i: int) -> int:
    return xxhash.xxh64_intdigest(f"akhbar-minhash-{tag}-{i}".encode())


def _ref_word_hash(word: bytes) -> int:
    poly = _ref_const("poly", 0) | 1
    h = sum((c + 1) * pow(poly, i, 1 << 64) for i, c in enumerate(word)) & _M64
    h ^= (len(word) * 0x9E3779B97F4A7C15) & _M64
    h ^= h >> 30
    h = (h * 0xBF58476D1CE4E5B9) & _M64
    h ^= h >> 27
    h = (h * 0x94D049BB133111EB) & _M64
    return h ^ (h >> 31)


def _ref_signature(tokens: list[int]) -> list[int]:
    perms = [(_ref_const("a", i) | 1, _ref_const("b", i)) for i in range(minhash.NUM_PERM)]
    return [min(((a * x + b) & _M64) for x in tokens) >> 32 for a, b in perms]


def _ref_band_keys(sig: list[int]) -> list[int]:
    mul, keys = _ref_const("band", 0) | 1, []
    for band in range(minhash.BANDS):
        key = 0
        for value in sig[band * minhash.ROWS : (band + 1) * minhash.ROWS]:
            key = ((key ^ value) * mul) & _M64
            key ^= key >> 29
        keys.append(key)
    return keys


def _random_word(rng: random.Random) -> str:
    """1-12 characters from ASCII, Arabic, and 3- and 4-byte UTF-8 code points (no space)."""
    ranges = [(0x21, 0x7E), (0x600, 0x6FF), (0x2000, 0x2FFF), (0x1F300, 0x1F6FF)]
    return "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(rng.randint(1, 12)))


def test_stage_table_with_the_callers_word_counts_is_the_same():
    texts = ["قال وزير الخارجيه اليوم", "", "x y", "a  b", "واحد"]
    words = [t.count(" ") + 1 if t else 0 for t in texts]
    ids, positions = list("abcde"), [0, 1, 2, 3, 4]
    for min_words in (1, 2, 4):
        full = minhash.minhash_stage_table(ids, positions, texts, min_words)
        assert minhash.minhash_stage_table(ids, positions, texts, min_words, words=words).equals(full)


def test_word_hashes_match_the_definition():
    rng = random.Random(5)
    texts = [" ".join(_random_word(rng) for _ in range(rng.randint(1, 30))) for _ in range(60)] + ["x", ""]
    tokens, lengths = minhash.token_hashes(texts)
    words = [w.encode("utf-8") for t in texts if t for w in t.split(" ")]
    assert lengths.tolist() == [len(t.split(" ")) if t else 0 for t in texts]
    assert tokens.tolist() == [_ref_word_hash(w) for w in words]
    # any bytes, not only UTF-8; runs of spaces make empty words
    raw = bytes(rng.choice([32, rng.randrange(256)]) for _ in range(3000)) + b"  a"
    assert minhash._word_hashes(raw).tolist() == [_ref_word_hash(w) for w in raw.split(b" ")]
    assert minhash._word_hashes(b"").tolist() == []
    tokens, lengths = minhash.token_hashes(["", ""])
    assert tokens.tolist() == [] and lengths.tolist() == [0, 0]


def test_signatures_and_band_keys_match_the_definition():
    rng = random.Random(6)
    sets = [[rng.getrandbits(64) for _ in range(rng.choice([1, 1, 2, 7, 300]))] for _ in range(40)]
    sets += [[0], [_M64], [_M64, 0, 1]]
    sig = minhash.minhash_signatures(sets)
    assert sig.dtype == np.uint32 and sig.tolist() == [_ref_signature(s) for s in sets]
    keys = minhash.band_keys(sig)
    assert keys.dtype == np.uint64 and keys.tolist() == [_ref_band_keys(row) for row in sig.tolist()]
    assert minhash.minhash_signatures([]).shape == (0, minhash.NUM_PERM)
    assert minhash.band_keys(np.empty((0, minhash.NUM_PERM), np.uint32)).shape == (0, minhash.BANDS)


def test_stage_table_matches_the_definition_for_long_texts_and_words(monkeypatch):
    """A text longer than _STAGE_CHARS has the words it has, but a word longer than that counts as its
    pieces of _STAGE_CHARS characters (as the first stored signatures were computed)."""
    monkeypatch.setattr(minhash, "_STAGE_CHARS", 40)
    rng = random.Random(7)
    texts = [" ".join(_random_word(rng) for _ in range(rng.randint(1, 25))) for _ in range(30)]
    texts += ["a" * 95, "b" * 80 + " c " + "d" * 40, " ".join(["x" * 40] * 3), "ك" * 41 + " كتب"]
    texts += [" ".join(_random_word(rng) for _ in range(400))]
    rng.shuffle(texts)
    t = minhash.minhash_stage_table([str(k) for k in range(len(texts))], list(range(len(texts))), texts, 2)
    kept = [k for k, text in enumerate(texts) if text.count(" ") >= 1]
    assert t.column("position").to_pylist() == kept

    sigs = []
    for k in kept:
        words = [w[i : i + 40] for w in texts[k].split(" ") for i in range(0, len(w), 40)]
        sigs.append(_ref_signature([_ref_word_hash(w.encode("utf-8")) for w in words]))
    assert minhash._fixed_rows(t.column("bands").combine_chunks(), minhash.BANDS, "uint64").tolist() == [
        _ref_band_keys(sig) for sig in sigs
    ]
    assert minhash._fixed_rows(t.column("signature").combine_chunks(), minhash.NUM_PERM, "<u2").tolist() == [
        [v & 0xFFFF for v in sig] for sig in sigs
    ]


def _kernels() -> list:
    return [
        minhash._compiled(k) for k in (minhash._word_hashes_kernel, minhash._minhash_kernel, minhash._band_keys_kernel)
    ]


def _llvm_library_rss_kib() -> int:
    rss, in_library = 0, False
    with open("/proc/self/smaps") as smaps:
        for fields in map(str.split, smaps):
            if not fields[0].endswith(":"):
                in_library = fields[-1].endswith("/libllvmlite.so")
            elif fields[0] == "Rss:" and in_library:
                rss += int(fields[1])
    return rss


def test_preload_loads_every_kernel_a_clean_shard_calls_so_a_forked_worker_compiles_none():
    minhash.preload()
    compiled = [len(k.signatures) for k in _kernels()]
    assert all(compiled)
    if os.path.exists("/proc/self/smaps"):  # LLVM's library pages that were only read are unmapped
        assert _llvm_library_rss_kib() < 8 << 10, _llvm_library_rss_kib()
    texts = ["قال وزير الخارجيه اليوم", "x y", "y" * 300_000 + " z"]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # as a pool worker running a clean shard
        rows = minhash.minhash_stage_table(["a", "b", "c"], [0, 1, 2], texts, 2).num_rows
        os.write(write, f"{rows} {[len(k.signatures) for k in _kernels()]}".encode())
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 200).decode() == f"3 {compiled}"
