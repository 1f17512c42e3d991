"""tasks/minhash.py: MinHash signatures and band keys of normalized texts (the hash family is frozen)."""

from __future__ import annotations

import random

import duckdb
import numpy as np
import pyarrow.parquet as pq

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


def test_signature_is_order_and_chunk_independent():
    rng = random.Random(3)
    sets = [[rng.getrandbits(64) for _ in range(rng.randint(1, 50))] for _ in range(300)]
    whole = minhash.minhash_signatures(sets)
    old = minhash._CHUNK_TOKENS
    try:
        minhash._CHUNK_TOKENS = 7
        chunked = minhash.minhash_signatures(sets)
    finally:
        minhash._CHUNK_TOKENS = old
    assert (whole == chunked).all()
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
