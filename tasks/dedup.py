"""Stage 3, dedup: one corpus-wide pass (CCNet-style) over the hashes of normalized paragraphs.

Runs after every clean shard has written its paragraphs. It reads only compact columns: the
run's staged (doc_id, position, norm_hash, status) and, from earlier runs, the hashes and order
keys of stored paragraphs (Parquet column projection: never their text). DuckDB does the joins
and window functions, spilling to disk beyond its memory limit, so the index is never a Python
set of every hash.

"First occurrence" is the smallest (run_id, publication day, input_index, record_index, position):
inside a run the earliest published copy (undated ones after dated ones, then input order); an
earlier run always comes first, since stored decisions are never rewritten. A stable order, so the
result does not depend on shard count, batch size or scheduling. The publication date is decided
by the clean stage (staged with the document) for that reason.

Decisions (status changes only) go to dedup/decisions/shard=K/, joined back per shard later:
  - site_template: a short line that the same site repeats on many of its documents
    (counted over this run plus the counts earlier runs stored in `site_lines`);
  - exact_dup: inside a document, any later copy of a paragraph (whatever its class); across
    documents, a kept paragraph whose normalized text appeared earlier (this run or any earlier
    run) as a kept, metadata or duplicate paragraph;
  - near_dup: a kept paragraph, the first copy of its normalized text, of at least
    `near_dup_min_words` words, whose word set has an estimated Jaccard similarity of at least
    `near_dup_threshold` with an earlier such paragraph (this run or any earlier run); first_* names
    the earliest one that similar, `similarity` the estimate. A decision about a paragraph depends
    only on the paragraphs before it, never on the decisions about them (no chaining), so it is
    the same for any shard count and however the corpus is split into runs.

Near-duplicates use MinHash LSH written here with numpy (word hashes computed vectorized): 120 minimum hashes
of the normalized words (multiply-shift hash families with fixed constants), 20 bands of 6 rows
(a pair at similarity 0.8 shares a band with probability 0.998, at 0.5 with 0.27); candidate pairs
are pairs sharing a band key, and a candidate counts when the share of equal minimum hashes
reaches the threshold. The signatures are computed in the parallel clean shards (`minhash_stage_table`,
staged as clean/minhash-K.parquet for every kept line of enough words, a superset of the eligible
paragraphs): this serial pass only joins them. Each run stores the band keys and a 240-byte
signature of its eligible paragraphs (never the text) in `paragraph_minhash`; the next runs join
their band keys with it in DuckDB. near_dup_threshold > 1 switches the near-duplicate search off
(exact repeats only; the clean shards then stage no signatures).

Known limit: a line becomes a site template once the site's count reaches template_min_docs, over
all runs; documents of runs before that keep the line (earlier runs' files are never rewritten),
so template decisions can differ between one big run and the same corpus over several runs.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Iterator

import duckdb
import numpy as np
import pyarrow as pa
import xxhash

from akhbar import schema, store
from akhbar.arabic import normalize_arabic
from akhbar.settings import Settings

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


# ---------------------------------------------------------------- MinHash (pure functions)

def word_tokens(text: str) -> list[str]:
    """The words near-duplicate search compares: the normalized text split on spaces."""
    return normalize_arabic(text).split()


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
        tok = flat[starts[i]:ends[j - 1]]
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


# Staged by each clean shard (clean/minhash-K.parquet; staging only, never published): the
# signatures of its kept lines of at least near_dup_min_words words, in the paragraph_minhash form.
MINHASH_STAGE_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("position", pa.int32()),
    ("bands", pa.list_(pa.uint64())), ("signature", pa.binary()),
])
_STAGE_BATCH = 10_000  # texts per numpy pass
# ... and at most this many characters per pass: token_hashes holds ~40 bytes of work arrays per
# byte of text, so one 10 MB paragraph took 1 GB. A longer text is hashed in pieces cut at spaces
# and its signature is the minimum over the pieces' signatures: the same words, the same minimums.
_STAGE_CHARS = 250_000


def minhash_stage_table(doc_ids: list[str], positions: list[int], norm_texts: list[str], min_words: int,
                        full_signatures: list | None = None) -> pa.Table:
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
    return pa.table({
        "doc_id": pa.array([doc_ids[k] for k in keep], pa.string()),
        "position": pa.array([positions[k] for k in keep], pa.int32()),
        "bands": pa.FixedSizeListArray.from_arrays(pa.array(key_arr.reshape(-1), pa.uint64()), BANDS).cast(pa.list_(pa.uint64())),
        "signature": pa.FixedSizeBinaryArray.from_buffers(pa.binary(NUM_PERM * 2), n, [None, pa.py_buffer(sig_arr.tobytes())]).cast(pa.binary()),
    }, schema=MINHASH_STAGE_SCHEMA)


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
            yield text[start:start + size]
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


# ---------------------------------------------------------------- the corpus-wide pass

# The publication day as a sort key (documents alias d): undated documents after every dated one.
PUB_DAY = "coalesce(date_diff('day', DATE '1970-01-01', d.published), 2147483647)"

def dedup_run(out_dir: str, run_dir: str, run_id: str) -> dict:
    """The corpus-wide pass. Returns counts per decision."""
    run, out = Path(run_dir), Path(out_dir)
    settings = Settings.load(run)
    (run / "dedup").mkdir(exist_ok=True)
    t0 = time.perf_counter()
    con = store.work_connection(settings.duckdb_memory_limit, run / "duckdb_tmp")
    con.execute("CREATE TEMP TABLE done_runs (run_id VARCHAR)")
    done = sorted(store.completed_runs(out))
    if done:
        con.executemany("INSERT INTO done_runs VALUES (?)", [[r] for r in done])

    con.execute(
        f"""CREATE TEMP TABLE cur AS
            SELECT p.doc_id, p.position, p.norm_hash, p.status, length(p.text) AS n_chars,
                   d.site, d.input_index, d.record_index, d.shard, {PUB_DAY} AS pub_day
            FROM read_parquet($paragraphs, hive_partitioning = false) p
            JOIN read_parquet($docs, hive_partitioning = false) d USING (doc_id)""",
        {"paragraphs": store.files_glob(run / "clean", "paragraphs-*.parquet"),
         "docs": store.files_glob(run / "clean", "docs-*.parquet")},
    )

    # Stored documents this run brings a new version of (same source_uri, new content): the new
    # version's paragraphs are not copies of the version it replaces.
    con.execute(
        """CREATE TEMP TABLE superseded AS
           SELECT doc_id FROM read_parquet(?, hive_partitioning = false)
           WHERE run_id IN (SELECT run_id FROM done_runs)
             AND source_uri IN (SELECT source_uri FROM read_parquet(?, hive_partitioning = false))""",
        [store.table_glob(out, "documents"), store.files_glob(run / "clean", "docs-*.parquet")],
    )

    # Site templates: per (site, line hash), the documents carrying the line, in this run and before.
    con.execute(
        """CREATE TEMP TABLE run_site_lines AS
            SELECT site, norm_hash, count(DISTINCT doc_id)::BIGINT AS n_docs, $run_id::VARCHAR AS run_id
            FROM cur
            WHERE norm_hash IS NOT NULL AND n_chars <= $max_chars
                  AND status <> 'metadata'
            GROUP BY site, norm_hash""",
        {"run_id": run_id, "max_chars": int(settings.template_max_chars)},
    )
    con.execute(
        """CREATE TEMP TABLE templates AS
            WITH prior AS (
                SELECT site, norm_hash, sum(n_docs) AS n_docs
                FROM read_parquet(?, hive_partitioning = false)
                WHERE run_id IN (SELECT run_id FROM done_runs)
                GROUP BY ALL
            )
            SELECT r.site, r.norm_hash
            FROM run_site_lines r LEFT JOIN prior p USING (site, norm_hash)
            WHERE r.n_docs + coalesce(p.n_docs, 0) >= ?""",
        [store.table_glob(out, "site_lines"), int(settings.template_min_docs)],
    )
    con.execute(
        """COPY (SELECT site, norm_hash, n_docs, run_id FROM run_site_lines
                  WHERE n_docs >= 2 ORDER BY site, norm_hash)
            TO ? (FORMAT parquet)""",
        [str(run / "dedup" / "site_lines.parquet")],
    )
    # Inside a document every later copy of a paragraph is a duplicate of its first copy, whatever
    # the classifier said of it (a page printing its body twice, a caption repeated, a comment
    # thread's "الموضوع :" lines): that is what a reader of the page would call a repeat.
    con.execute(
        """CREATE TEMP TABLE doc_repeats AS
           SELECT doc_id, position, shard, first_position FROM (
               SELECT doc_id, position, shard,
                      min(position) OVER (PARTITION BY doc_id, norm_hash) AS first_position
               FROM cur WHERE norm_hash IS NOT NULL)
           WHERE position > first_position"""
    )
    con.execute(
        """CREATE TEMP TABLE template_hits AS
           SELECT c.doc_id, c.position, c.shard FROM cur c
           SEMI JOIN templates t ON c.site = t.site AND c.norm_hash = t.norm_hash
           ANTI JOIN doc_repeats r ON c.doc_id = r.doc_id AND c.position = r.position
           WHERE c.status = 'kept'"""
    )

    # Across documents: a kept paragraph whose text appeared earlier (this run or any stored run).
    con.execute(
        """CREATE TEMP TABLE candidates AS
           SELECT c.* FROM cur c
           ANTI JOIN template_hits t USING (doc_id, position)
           ANTI JOIN doc_repeats r USING (doc_id, position)
           WHERE c.norm_hash IS NOT NULL AND c.status IN ('kept', 'metadata')"""
    )
    # Stored 'duplicate' rows count too: the first copy of a text may itself be a near-duplicate of
    # something else, and the same corpus in one run would point at it (run-split independence).
    con.execute(
        f"""CREATE TEMP TABLE prior_first AS
            WITH hashes AS (SELECT DISTINCT norm_hash FROM candidates),
            stored AS (
                SELECT p.norm_hash, p.doc_id, p.position, p.run_id
                FROM read_parquet($paragraphs, hive_partitioning = false) p
                SEMI JOIN hashes h ON p.norm_hash = h.norm_hash
                WHERE p.status IN ('kept', 'metadata', 'duplicate')
                  AND p.run_id IN (SELECT run_id FROM done_runs)
                  AND p.doc_id NOT IN (SELECT doc_id FROM superseded)
            ),
            docs AS (
                SELECT doc_id, input_index, record_index, run_id, {PUB_DAY.replace('d.', '')} AS pub_day
                FROM read_parquet($documents, hive_partitioning = false)
                WHERE run_id IN (SELECT run_id FROM done_runs)
            )
            SELECT s.norm_hash,
                   arg_min(struct_pack(doc_id := s.doc_id, position := s.position),
                           (s.run_id, d.pub_day, d.input_index, d.record_index, s.position)) AS first
            FROM stored s JOIN docs d USING (doc_id, run_id)
            GROUP BY s.norm_hash""",
        {"paragraphs": store.table_glob(out, "paragraphs"), "documents": store.table_glob(out, "documents")},
    )
    con.execute(
        """CREATE TEMP TABLE run_first AS
           SELECT norm_hash,
                  arg_min(struct_pack(doc_id := doc_id, position := position),
                          (pub_day, input_index, record_index, position)) AS first
           FROM candidates GROUP BY norm_hash"""
    )
    con.execute(
        """CREATE TEMP TABLE exact_dups AS
           SELECT c.doc_id, c.position, c.shard,
                  coalesce(p.first, r.first) AS first
           FROM candidates c
           JOIN run_first r USING (norm_hash)
           LEFT JOIN prior_first p USING (norm_hash)
           WHERE c.status = 'kept'
             AND (p.first IS NOT NULL OR r.first <> struct_pack(doc_id := c.doc_id, position := c.position))"""
    )
    t_exact = time.perf_counter() - t0

    near = {"near_dup": 0, "revision": 0, "near_dup_eligible": 0, "near_dup_pairs": 0}
    con.execute(
        """CREATE TEMP TABLE near_dups (shard INTEGER, doc_id VARCHAR, position INTEGER,
                                        first_doc_id VARCHAR, first_position INTEGER, similarity FLOAT,
                                        relation VARCHAR)"""
    )
    if settings.near_dup_threshold <= 1.0:
        near = _near_dups(con, run, out, run_id, settings)

    con.execute(
        """COPY (
                SELECT shard, doc_id, position::INTEGER AS position, 'boilerplate' AS status,
                       'site_template' AS reason, NULL::VARCHAR AS first_doc_id,
                       NULL::INTEGER AS first_position, NULL::FLOAT AS similarity, NULL::VARCHAR AS relation
                FROM template_hits
                UNION ALL
                SELECT shard, doc_id, position::INTEGER, 'duplicate', 'exact_dup',
                       doc_id, first_position::INTEGER, 1.0::FLOAT, 'duplicate'
                FROM doc_repeats
                UNION ALL
                SELECT shard, doc_id, position::INTEGER, 'duplicate', 'exact_dup',
                       first.doc_id, first.position::INTEGER, 1.0::FLOAT, 'duplicate'
                FROM exact_dups
                UNION ALL
                -- a revision stays kept (status and reason NULL: the clean stage's stand)
                SELECT shard, doc_id, position,
                       CASE relation WHEN 'duplicate' THEN 'duplicate' END,
                       CASE relation WHEN 'duplicate' THEN 'near_dup' END,
                       first_doc_id, first_position, similarity, relation
                FROM near_dups
                ORDER BY shard, doc_id, position
            ) TO ? (FORMAT parquet, PARTITION_BY (shard), OVERWRITE_OR_IGNORE true)""",
        [str(run / "dedup" / "decisions")],
    )
    counts = {
        "site_template": con.execute("SELECT count(*) FROM template_hits").fetchone()[0],
        "exact_dup": con.execute("SELECT (SELECT count(*) FROM exact_dups) + (SELECT count(*) FROM doc_repeats)").fetchone()[0],
        **near,
        "exact_seconds": round(t_exact, 3),
        "seconds": round(time.perf_counter() - t0, 3),
    }
    con.close()
    return counts


def _near_dups(con: duckdb.DuckDBPyConnection, run: Path, out: Path, run_id: str, settings: Settings) -> dict:
    """Fill temp table near_dups; write this run's paragraph_minhash state file. Returns counts."""
    threshold = float(settings.near_dup_threshold)
    # Eligible: kept, not a template, the first copy of its text (not an exact duplicate). `ord` is
    # the stable order inside the run (earlier runs always come before).
    con.execute(
        """CREATE TEMP TABLE reps AS
           SELECT c.doc_id, c.position, c.shard, c.input_index, c.record_index,
                  (row_number() OVER (ORDER BY c.pub_day, c.input_index, c.record_index, c.position) - 1)::BIGINT AS ord
           FROM candidates c
           JOIN run_first r USING (norm_hash)
           LEFT JOIN prior_first p USING (norm_hash)
           WHERE c.status = 'kept' AND p.first IS NULL
             AND r.first = struct_pack(doc_id := c.doc_id, position := c.position)"""
    )
    # Their signatures were staged by the clean shards (clean/minhash-K.parquet, one file per shard
    # when near-dup search is on): a paragraph without a staged row has too few words.
    if not any(run.glob("clean/minhash-*.parquet")):
        raise RuntimeError(f"{run}/clean holds no minhash-*.parquet: the clean shards staged no signatures")
    reader = con.sql(
        """SELECT r.ord, m.bands, m.signature FROM reps r
           JOIN read_parquet(?, hive_partitioning = false) m USING (doc_id, position)
           ORDER BY r.ord""", params=[store.files_glob(run / "clean", "minhash-*.parquet")]
    ).to_arrow_reader(100_000)
    ords: list[np.ndarray] = []
    sig16: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    for batch in reader:
        if batch.num_rows == 0:
            continue
        ords.append(batch.column(0).to_numpy())
        keys.append(_fixed_rows(batch.column(1), BANDS, "uint64"))
        sig16.append(_fixed_rows(batch.column(2), NUM_PERM, "<u2"))
    ord_arr = np.concatenate(ords) if ords else np.empty(0, np.int64)
    sig_arr = np.concatenate(sig16) if sig16 else np.empty((0, NUM_PERM), "<u2")
    key_arr = np.concatenate(keys) if keys else np.empty((0, BANDS), np.uint64)
    # This pass is the run's memory peak: references are dropped as soon as their data has a copy
    # (the per-batch arrays, the state table once written: 1,425 -> 1,201 MiB on the 72k corpus).
    del ords, sig16, keys
    n = len(ord_arr)
    # Row i of the arrays is eligible paragraph number i; `ord` -> i for the joins below.
    con.register("elig_arrow", pa.table({"i": np.arange(n, dtype=np.int64), "ord": ord_arr}))
    con.execute("CREATE TEMP TABLE elig AS SELECT e.i, r.* FROM elig_arrow e JOIN reps r USING (ord)")
    con.unregister("elig_arrow")
    con.register("bands_arrow", pa.table({
        "i": np.repeat(np.arange(n, dtype=np.int64), BANDS),
        "band": np.tile(np.arange(BANDS, dtype=np.int8), n),
        "key": key_arr.reshape(-1),
    }))
    con.execute("CREATE TEMP TABLE cur_bands AS SELECT * FROM bands_arrow")
    con.unregister("bands_arrow")

    # This run's state for the next runs (published with the run: final/<table>/ is picked up).
    meta = con.sql("SELECT i, doc_id, position, input_index, record_index FROM elig ORDER BY i").to_arrow_table()
    state = pa.table({
        "doc_id": meta.column("doc_id"),
        "position": meta.column("position").cast(pa.int32()),
        "run_id": pa.array([run_id] * n, pa.string()),
        "input_index": meta.column("input_index").cast(pa.int64()),
        "record_index": meta.column("record_index").cast(pa.int64()),
        "bands": pa.FixedSizeListArray.from_arrays(pa.array(key_arr.reshape(-1), pa.uint64()), BANDS).cast(pa.list_(pa.uint64())),
        "signature": pa.FixedSizeBinaryArray.from_buffers(pa.binary(NUM_PERM * 2), n, [None, pa.py_buffer(sig_arr.tobytes())]).cast(pa.binary()),
    }).cast(schema.SCHEMAS["paragraph_minhash"])
    state_dir = run / "final" / "paragraph_minhash"
    state_dir.mkdir(parents=True, exist_ok=True)
    store.write_parquet_atomic(state, state_dir / "00000.parquet")
    del state, key_arr

    # Earlier runs: join their stored band keys with this run's (DuckDB streams the stored side).
    # (An output folder laid out before this table existed has no folder for it yet.)
    stored_glob = store.table_glob(out, "paragraph_minhash")
    if not any((out / "paragraph_minhash").glob("*.parquet")):
        stored_glob = store.duckdb_path(state_dir / "00000.parquet")  # same schema, filtered out by run_id below
    con.execute(
        f"""CREATE TEMP TABLE stored_hits AS
            WITH stored AS (
                SELECT doc_id, position, run_id, input_index, record_index,
                       unnest(range({BANDS})) AS band, unnest(bands) AS key
                FROM read_parquet(?, hive_partitioning = false)
                WHERE run_id IN (SELECT run_id FROM done_runs) AND doc_id NOT IN (SELECT doc_id FROM superseded)
            )
            SELECT DISTINCT c.i, s.doc_id, s.position, s.run_id, s.input_index, s.record_index
            FROM stored s JOIN cur_bands c ON c.band = s.band AND c.key = s.key""",
        [stored_glob],
    )
    # Every similar earlier paragraph of each eligible one (the hits), with its order key: an
    # earlier run's paragraph (0, run, day, input, record, position) comes before any of this run's (1, ord).
    hits: list[tuple] = []  # (i, order key, doc_id, position, similarity)
    n_pairs = 0
    stored_reader = con.sql(
        f"""SELECT h.i, h.doc_id, h.position, h.run_id, h.input_index, h.record_index, m.signature,
                   coalesce(dd.pub_day, 2147483647) AS pub_day
            FROM stored_hits h
            JOIN (SELECT doc_id, position, run_id, signature
                  FROM read_parquet(?, hive_partitioning = false)
                  WHERE run_id IN (SELECT run_id FROM done_runs)) m USING (doc_id, position, run_id)
            LEFT JOIN (SELECT doc_id, run_id, {PUB_DAY} AS pub_day
                       FROM read_parquet(?, hive_partitioning = false) d
                       WHERE run_id IN (SELECT run_id FROM done_runs)) dd USING (doc_id, run_id)""",
        params=[stored_glob, store.table_glob(out, "documents")],
    ).to_arrow_reader(200_000)
    for batch in stored_reader:
        if batch.num_rows == 0:
            continue
        n_pairs += batch.num_rows
        i = batch.column(0).to_numpy()
        blob = b"".join(batch.column(6).to_pylist())
        other = np.frombuffer(blob, "<u2").reshape(-1, NUM_PERM)
        sim = similarity(sig_arr[i], other)
        hit = sim >= threshold
        if not hit.any():
            continue
        cols = batch.filter(pa.array(hit)).select(
            ["i", "doc_id", "position", "run_id", "input_index", "record_index", "pub_day"]).to_pydict()
        for k, s in enumerate(sim[hit]):
            order = (0, cols["run_id"][k], cols["pub_day"][k], cols["input_index"][k], cols["record_index"][k],
                     cols["position"][k])
            hits.append((cols["i"][k], order, cols["doc_id"][k], cols["position"][k], float(s)))

    # This run: pairs sharing a band key, the later paragraph p, the earlier q.
    pair_reader = con.sql(
        """SELECT DISTINCT a.i AS p, b.i AS q FROM cur_bands a
           JOIN cur_bands b ON a.band = b.band AND a.key = b.key AND b.i < a.i"""
    ).to_arrow_reader(1_000_000)
    meta_doc = meta.column("doc_id")
    meta_pos = meta.column("position")
    for batch in pair_reader:
        if batch.num_rows == 0:
            continue
        n_pairs += batch.num_rows
        p = batch.column(0).to_numpy()
        q = batch.column(1).to_numpy()
        sim = similarity(sig_arr[p], sig_arr[q])
        hit = sim >= threshold
        p, q, sim = p[hit], q[hit], sim[hit]
        q_doc = meta_doc.take(pa.array(q)).to_pylist()
        q_pos = meta_pos.take(pa.array(q)).to_pylist()
        hits.extend((int(pk), (1, int(qk)), d, qp, float(s)) for pk, qk, d, qp, s in zip(p, q, q_doc, q_pos, sim))

    chosen = _choose_relations(con, run, out, meta, hits)
    con.register("near_arrow", pa.table({
        "i": pa.array([c[0] for c in chosen], pa.int64()),
        "first_doc_id": pa.array([c[1] for c in chosen], pa.string()),
        "first_position": pa.array([c[2] for c in chosen], pa.int32()),
        "similarity": pa.array([c[3] for c in chosen], pa.float32()),
        "relation": pa.array([c[4] for c in chosen], pa.string())}))
    con.execute(
        """INSERT INTO near_dups
           SELECT e.shard, e.doc_id, e.position::INTEGER, a.first_doc_id, a.first_position, a.similarity, a.relation
           FROM near_arrow a JOIN elig e USING (i)"""
    )
    con.unregister("near_arrow")
    n_rev = sum(1 for c in chosen if c[4] == "revision")
    return {"near_dup": len(chosen) - n_rev, "revision": n_rev, "near_dup_eligible": n, "near_dup_pairs": n_pairs}


def _choose_relations(con: duckdb.DuckDBPyConnection, run: Path, out: Path, meta: pa.Table, hits: list[tuple]) -> list[tuple]:
    """Per eligible paragraph with hits: the earliest hit it repeats (a duplicate), else the earliest
    it revises (tasks.revisions). Returns (i, doc_id, position, similarity, relation) rows."""
    from tasks.revisions import relation

    if not hits:
        return []
    later = sorted({h[0] for h in hits})
    con.register("text_keys", pa.table({
        "doc_id": pa.concat_arrays([meta.column("doc_id").combine_chunks().take(pa.array(later)),
                                    pa.array([h[2] for h in hits], pa.string())]),
        "position": pa.concat_arrays([meta.column("position").combine_chunks().cast(pa.int32()).take(pa.array(later)),
                                      pa.array([h[3] for h in hits], pa.int32())])}))
    # the texts of both sides: this run's staged paragraphs, earlier runs' stored ones
    texts = con.execute(
        """WITH keys AS (SELECT DISTINCT doc_id, position FROM text_keys)
           SELECT p.doc_id, p.position, p.text FROM read_parquet(?) p SEMI JOIN keys k USING (doc_id, position)
           UNION ALL
           SELECT s.doc_id, s.position, s.text FROM read_parquet(?) s SEMI JOIN keys k USING (doc_id, position)
           WHERE s.run_id IN (SELECT run_id FROM done_runs)""",
        [str(run / "clean" / "paragraphs-*.parquet"), store.table_glob(out, "paragraphs")],
    ).fetchall()
    con.unregister("text_keys")
    text = {(d, p): t for d, p, t in texts}
    meta_doc = meta.column("doc_id").to_pylist()
    meta_pos = meta.column("position").to_pylist()
    chosen: dict[int, tuple] = {}
    # per paragraph, its hits earliest first: the first it repeats ends the search (usually the first hit)
    for i, order, doc_id, position, sim in sorted(hits, key=lambda h: (h[0], h[1])):
        if i in chosen and chosen[i][3] == "duplicate":
            continue
        rel = relation(text.get((meta_doc[i], meta_pos[i]), ""), text.get((doc_id, position), ""))
        if i not in chosen or rel == "duplicate":
            chosen[i] = (doc_id, position, sim, rel)
    return [(i, *c) for i, c in sorted(chosen.items())]


def kept_after_document_repeats(lines) -> set[int]:
    """line_no of the kept lines that stay kept once dedup_run's in-document rule is applied: every
    later copy of a line (normalized; empty ones aside), whatever its class, is a duplicate. For
    scoring the clean stage on its own (tests, bench/boilerplate.py) without a DuckDB pass."""
    seen: set[str] = set()
    kept: set[int] = set()
    for ln in lines:
        key = normalize_arabic(ln.text)
        if key and key in seen:
            continue
        seen.add(key)
        if ln.status == "kept":
            kept.add(ln.line_no)
    return kept


def read_decisions(run_dir: str, shard_id: int):
    """This shard's decisions as a pyarrow table (empty when none)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    part = Path(run_dir) / "dedup" / "decisions" / f"shard={shard_id}"
    if not part.exists():
        return pa.table({"doc_id": pa.array([], pa.string()), "position": pa.array([], pa.int32()),
                         "status": pa.array([], pa.string()), "reason": pa.array([], pa.string()),
                         "first_doc_id": pa.array([], pa.string()), "first_position": pa.array([], pa.int32()),
                         "similarity": pa.array([], pa.float32()), "relation": pa.array([], pa.string())})
    return pq.read_table(part)


def final_paragraphs(run_dir: str, shard_id: int):
    """A shard's staged paragraphs with the corpus-wide decisions applied, in document order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    paras = pq.read_table(Path(run_dir) / "clean" / f"paragraphs-{shard_id:05d}.parquet")
    decisions = read_decisions(run_dir, shard_id)
    n = paras.num_rows
    status = paras.column("status").to_pylist()
    reason = paras.column("reason").to_pylist()
    first_doc: list = [None] * n
    first_pos: list = [None] * n
    similarity: list = [None] * n
    relation: list = [None] * n
    similar_doc: list = [None] * n
    similar_pos: list = [None] * n
    if decisions.num_rows:
        index = {(d, p): i for i, (d, p) in enumerate(zip(paras.column("doc_id").to_pylist(),
                                                          paras.column("position").to_pylist()))}
        dec = decisions.to_pydict()
        for j in range(decisions.num_rows):
            i = index[(dec["doc_id"][j], dec["position"][j])]
            similarity[i] = dec["similarity"][j]
            relation[i] = dec["relation"][j]
            if relation[i] == "revision":  # kept, linked to the paragraph it revises
                first_doc[i], first_pos[i] = None, None
                similar_doc[i], similar_pos[i] = dec["first_doc_id"][j], dec["first_position"][j]
                continue
            status[i] = dec["status"][j]
            reason[i] = dec["reason"][j]
            first_doc[i] = dec["first_doc_id"][j]
            first_pos[i] = dec["first_position"][j]
            if relation[i] == "duplicate":
                similar_doc[i], similar_pos[i] = first_doc[i], first_pos[i]
    return (
        paras.set_column(paras.schema.get_field_index("status"), "status", pa.array(status, pa.string()))
        .set_column(paras.schema.get_field_index("reason"), "reason", pa.array(reason, pa.string()))
        .append_column("first_doc_id", pa.array(first_doc, pa.string()))
        .append_column("first_position", pa.array(first_pos, pa.int32()))
        .append_column("similarity", pa.array(similarity, pa.float32()))
        .append_column("relation", pa.array(relation, pa.string()))
        .append_column("similar_doc_id", pa.array(similar_doc, pa.string()))
        .append_column("similar_position", pa.array(similar_pos, pa.int32()))
    )


# ---------------------------------------------------------------- Prefect task wrapper

from akhbar.tasking import StageTask  # noqa: E402

dedup_task = StageTask(dedup_run, name="dedup", retries=2)
