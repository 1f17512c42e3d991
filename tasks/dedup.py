"""Stage 4, dedup: one corpus-wide pass (CCNet-style) over the hashes of normalized paragraphs.

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

Near-duplicates use MinHash LSH (akhbar.tasks.minhash): candidate pairs are pairs sharing a band key,
and a candidate counts when the share of equal minimum hashes reaches the threshold. The signatures are computed in the parallel clean shards (`minhash_stage_table`,
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

import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from akhbar import schema, sqlfiles, staging, store
from akhbar.arabic import normalize_arabic
from akhbar.settings import Settings

# MinHash lives in akhbar.tasks.minhash; re-exported for callers that use dedup.X
from akhbar.tasks.minhash import (  # noqa: F401
    BANDS,
    MINHASH_STAGE_SCHEMA,
    NUM_PERM,
    ROWS,
    _fixed_rows,
    band_keys,
    minhash_flat,
    minhash_signatures,
    minhash_stage_table,
    similarity,
    token_hashes,
)

# ---------------------------------------------------------------- the corpus-wide pass


def _sql(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> duckdb.DuckDBPyConnection:
    """Runs the statement of sql/stages/dedup/<name>.sql."""
    return con.execute(sqlfiles.load(f"dedup/{name}"), params or {})


def _query(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> duckdb.DuckDBPyRelation:
    """The query of sql/stages/dedup/<name>.sql as a relation (streamed to Arrow without a copy)."""
    return con.sql(sqlfiles.load(f"dedup/{name}"), params=params or {})


def pass_connection(run: Path, out: Path, settings: Settings) -> duckdb.DuckDBPyConnection:
    """A connection for a corpus-wide pass: the order-key macros and `done_runs`, the completed runs."""
    con = store.work_connection(settings.duckdb_memory_limit, staging.duckdb_spill(run))
    con.execute(sqlfiles.load("order_keys"))
    con.execute("CREATE TEMP TABLE done_runs (run_id VARCHAR)")
    done = sorted(store.completed_runs(out))
    if done:
        con.executemany("INSERT INTO done_runs VALUES (?)", [[r] for r in done])
    return con


def dedup_run(out_dir: str, run_dir: str, run_id: str) -> dict:
    """The corpus-wide pass. Returns counts per decision."""
    run, out = Path(run_dir), Path(out_dir)
    settings = Settings.load(run)
    t0 = time.perf_counter()
    con = pass_connection(run, out, settings)
    docs = staging.pattern(run, "clean_docs")
    documents = store.table_glob(out, "documents")
    _sql(con, "cur", {"paragraphs": staging.pattern(run, "clean_paragraphs"), "docs": docs})
    # Stored documents this run brings a new version of (same source_uri, new content): the new
    # version's paragraphs are not copies of the version it replaces.
    _sql(con, "superseded", {"documents": documents, "docs": docs})
    # Site templates: per (site, line hash), the documents carrying the line, in this run and before.
    _sql(con, "run_site_lines", {"run_id": run_id, "max_chars": int(settings.template_max_chars)})
    _sql(
        con,
        "templates",
        {"site_lines": store.table_glob(out, "site_lines"), "min_docs": int(settings.template_min_docs)},
    )
    staging.folder(run, "site_lines")
    _sql(con, "copy_site_lines", {"path": str(staging.path(run, "site_lines"))})
    # Inside a document every later copy of a paragraph is a duplicate of its first copy, whatever
    # the classifier said of it (a page printing its body twice, a caption repeated, a comment
    # thread's "الموضوع :" lines): that is what a reader of the page would call a repeat.
    _sql(con, "doc_repeats")
    _sql(con, "template_hits")
    # Across documents: a kept paragraph whose text appeared earlier (this run or any stored run).
    _sql(con, "candidates")
    # Stored 'duplicate' rows count too: the first copy of a text may itself be a near-duplicate of
    # something else, and the same corpus in one run would point at it (run-split independence).
    _sql(con, "prior_first", {"paragraphs": store.table_glob(out, "paragraphs"), "documents": documents})
    _sql(con, "run_first")
    _sql(con, "exact_dups")
    t_exact = time.perf_counter() - t0

    near = {"near_dup": 0, "revision": 0, "near_dup_eligible": 0, "near_dup_pairs": 0}
    _sql(con, "near_dups")
    if settings.near_dup_threshold <= 1.0:
        near = _near_dups(con, run, out, run_id, settings)

    _sql(con, "copy_decisions", {"path": str(staging.folder(run, "dedup_decisions"))})
    counts = {
        "site_template": con.execute("SELECT count(*) FROM template_hits").fetchone()[0],
        "exact_dup": con.execute(
            "SELECT (SELECT count(*) FROM exact_dups) + (SELECT count(*) FROM doc_repeats)"
        ).fetchone()[0],
        **near,
        "exact_seconds": round(t_exact, 3),
        "seconds": round(time.perf_counter() - t0, 3),
    }
    con.close()
    return counts


def _near_dups(con: duckdb.DuckDBPyConnection, run: Path, out: Path, run_id: str, settings: Settings) -> dict:
    """Fill temp table near_dups; write this run's paragraph_minhash state file. Returns counts."""
    threshold = float(settings.near_dup_threshold)
    sig_arr, key_arr = _eligible_signatures(con, run)
    n = len(sig_arr)
    meta, state_file = _write_state(con, run, run_id, sig_arr, key_arr)
    del key_arr  # this pass is the run's memory peak: dropped once the state file holds a copy
    # Earlier runs: join their stored band keys with this run's (DuckDB streams the stored side).
    # (An output folder laid out before this table existed has no folder for it yet.)
    stored_glob = store.table_glob(out, "paragraph_minhash")
    if not any((out / "paragraph_minhash").glob("*.parquet")):
        stored_glob = store.duckdb_path(state_file)  # same schema, filtered out by run_id below
    # Every similar earlier paragraph of each eligible one (the hits), with its order key: an
    # earlier run's paragraph (0, run, day, input, record, position) comes before any of this run's (1, ord).
    hits, n_stored = _stored_hits(con, out, stored_glob, sig_arr, threshold)
    run_hits, n_run = _run_hits(con, meta, sig_arr, threshold)
    hits.extend(run_hits)
    n_pairs = n_stored + n_run

    chosen = _choose_relations(con, run, out, meta, hits)
    con.register(
        "near_arrow",
        pa.table(
            {
                "i": pa.array([c[0] for c in chosen], pa.int64()),
                "first_doc_id": pa.array([c[1] for c in chosen], pa.string()),
                "first_position": pa.array([c[2] for c in chosen], pa.int32()),
                "similarity": pa.array([c[3] for c in chosen], pa.float32()),
                "relation": pa.array([c[4] for c in chosen], pa.string()),
            }
        ),
    )
    _sql(con, "insert_near_dups")
    con.unregister("near_arrow")
    n_rev = sum(1 for c in chosen if c[4] == "revision")
    return {"near_dup": len(chosen) - n_rev, "revision": n_rev, "near_dup_eligible": n, "near_dup_pairs": n_pairs}


def _eligible_signatures(con: duckdb.DuckDBPyConnection, run: Path) -> tuple[np.ndarray, np.ndarray]:
    """Fill temp tables reps, elig and cur_bands; return the eligible paragraphs' 16-bit signatures
    and band keys, row i = eligible paragraph i."""
    # Eligible: kept, not a template, the first copy of its text (not an exact duplicate). `ord` is
    # the stable order inside the run (earlier runs always come before).
    _sql(con, "reps")
    # Their signatures were staged by the clean shards (clean/minhash-K.parquet, one file per shard
    # when near-dup search is on): a paragraph without a staged row has too few words.
    if not staging.paths(run, "clean_minhash"):
        raise RuntimeError(f"{run}/clean holds no minhash-*.parquet: the clean shards staged no signatures")
    reader = _query(con, "rep_signatures", {"minhash": staging.pattern(run, "clean_minhash")}).to_arrow_reader(100_000)
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
    # The run's memory peak: references are dropped as soon as their data has a copy (bench/dedup.py).
    del ords, sig16, keys
    n = len(ord_arr)
    # Row i of the arrays is eligible paragraph number i; `ord` -> i for the joins below.
    con.register("elig_arrow", pa.table({"i": np.arange(n, dtype=np.int64), "ord": ord_arr}))
    _sql(con, "elig")
    con.unregister("elig_arrow")
    con.register(
        "bands_arrow",
        pa.table(
            {
                "i": np.repeat(np.arange(n, dtype=np.int64), BANDS),
                "band": np.tile(np.arange(BANDS, dtype=np.int8), n),
                "key": key_arr.reshape(-1),
            }
        ),
    )
    _sql(con, "cur_bands")
    con.unregister("bands_arrow")
    return sig_arr, key_arr


def _write_state(
    con: duckdb.DuckDBPyConnection, run: Path, run_id: str, sig_arr: np.ndarray, key_arr: np.ndarray
) -> tuple[pa.Table, Path]:
    """This run's paragraph_minhash rows for the next runs (published with the run: final/<table>/ is
    picked up). Returns the eligible paragraphs' (i, doc_id, position, ...) in order, and the file."""
    n = len(sig_arr)
    meta = con.sql("SELECT i, doc_id, position, input_index, record_index FROM elig ORDER BY i").to_arrow_table()
    state = pa.table(
        {
            "doc_id": meta.column("doc_id"),
            "position": meta.column("position").cast(pa.int32()),
            "run_id": pa.array([run_id] * n, pa.string()),
            "input_index": meta.column("input_index").cast(pa.int64()),
            "record_index": meta.column("record_index").cast(pa.int64()),
            "bands": pa.FixedSizeListArray.from_arrays(pa.array(key_arr.reshape(-1), pa.uint64()), BANDS).cast(
                pa.list_(pa.uint64())
            ),
            "signature": pa.FixedSizeBinaryArray.from_buffers(
                pa.binary(NUM_PERM * 2), n, [None, pa.py_buffer(sig_arr.tobytes())]
            ).cast(pa.binary()),
        }
    ).cast(schema.SCHEMAS["paragraph_minhash"])
    state_file = staging.final_dir(run, "paragraph_minhash") / "00000.parquet"
    store.write_parquet_atomic(state, state_file)
    return meta, state_file


def _stored_hits(
    con: duckdb.DuckDBPyConnection, out: Path, stored_glob: str, sig_arr: np.ndarray, threshold: float
) -> tuple[list[tuple], int]:
    """Stored paragraphs of earlier runs similar to an eligible one: (i, order key, doc_id, position,
    similarity) rows, and the number of candidate pairs compared."""
    _sql(con, "stored_hits", {"bands": BANDS, "paragraph_minhash": stored_glob})
    hits: list[tuple] = []
    n_pairs = 0
    stored_reader = _query(
        con,
        "stored_hit_signatures",
        {"paragraph_minhash": stored_glob, "documents": store.table_glob(out, "documents")},
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
        cols = (
            batch.filter(pa.array(hit))
            .select(["i", "doc_id", "position", "run_id", "input_index", "record_index", "pub_day"])
            .to_pydict()
        )
        for k, s in enumerate(sim[hit]):
            order = (
                0,
                cols["run_id"][k],
                cols["pub_day"][k],
                cols["input_index"][k],
                cols["record_index"][k],
                cols["position"][k],
            )
            hits.append((cols["i"][k], order, cols["doc_id"][k], cols["position"][k], float(s)))
    return hits, n_pairs


def _run_hits(
    con: duckdb.DuckDBPyConnection, meta: pa.Table, sig_arr: np.ndarray, threshold: float
) -> tuple[list[tuple], int]:
    """This run's similar pairs (sharing a band key, the later paragraph p, the earlier q) as
    _stored_hits's rows, and the number of candidate pairs compared."""
    hits: list[tuple] = []
    n_pairs = 0
    pair_reader = _query(con, "run_pairs").to_arrow_reader(1_000_000)
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
    return hits, n_pairs


def _choose_relations(
    con: duckdb.DuckDBPyConnection, run: Path, out: Path, meta: pa.Table, hits: list[tuple]
) -> list[tuple]:
    """Per eligible paragraph with hits: the earliest hit it repeats (a duplicate), else the earliest
    it revises (akhbar.tasks.revisions). Returns (i, doc_id, position, similarity, relation) rows."""
    from akhbar.tasks.revisions import relation

    if not hits:
        return []
    later = sorted({h[0] for h in hits})
    con.register(
        "text_keys",
        pa.table(
            {
                "doc_id": pa.concat_arrays(
                    [
                        meta.column("doc_id").combine_chunks().take(pa.array(later)),
                        pa.array([h[2] for h in hits], pa.string()),
                    ]
                ),
                "position": pa.concat_arrays(
                    [
                        meta.column("position").combine_chunks().cast(pa.int32()).take(pa.array(later)),
                        pa.array([h[3] for h in hits], pa.int32()),
                    ]
                ),
            }
        ),
    )
    # the texts of both sides: this run's staged paragraphs, earlier runs' stored ones
    texts = _sql(
        con,
        "pair_texts",
        {"paragraphs": staging.pattern(run, "clean_paragraphs"), "stored": store.table_glob(out, "paragraphs")},
    ).fetchall()
    con.unregister("text_keys")
    text = {(d, p): t for d, p, t in texts}
    meta_doc = meta.column("doc_id").to_pylist()
    meta_pos = meta.column("position").to_pylist()
    chosen: dict[int, tuple] = {}
    # per paragraph, its hits earliest first: the first it repeats ends the search (usually the first hit)
    for i, _order, doc_id, position, sim in sorted(hits, key=lambda h: (h[0], h[1])):
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


def read_decisions(run_dir: str, shard_id: int) -> pa.Table:
    """This shard's decisions as a pyarrow table (empty when none)."""
    part = staging.path(run_dir, "dedup_decisions", shard_id)
    if not part.exists():
        return staging.DEDUP_DECISIONS_SCHEMA.empty_table()
    return pq.read_table(part)


def final_paragraphs(run_dir: str, shard_id: int):
    """A shard's staged paragraphs with the corpus-wide decisions applied, in document order."""
    paras = pq.read_table(staging.path(run_dir, "clean_paragraphs", shard_id))
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
        index = {
            (d, p): i
            for i, (d, p) in enumerate(zip(paras.column("doc_id").to_pylist(), paras.column("position").to_pylist()))
        }
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
