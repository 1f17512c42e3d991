"""Story clusters: the articles that tell the same story, across outlets, within a time window.

Runs after the dedup pass, from its decisions (no text is read): an article is linked to the
earlier article whose paragraphs it repeats (exact or near duplicate) or revises most. When those
paragraphs hold at least `story_min_overlap` of the characters of its text paragraphs (kept,
duplicate or revision; not boilerplate, metadata or repeats inside itself: a shared footer or
caption weighs what its length weighs) and the two were published at most
`story_window_days` apart (undated articles are not held by the window), it joins the linked
article's story. Failing that, the earlier article within the window whose kept text's word set
it resembles most, at an estimated Jaccard similarity of at least `story_min_similarity`
(document MinHash with the project's signatures and LSH bands, akhbar.tasks.dedup: the same text split
into other paragraphs, or rewritten) is the link. Otherwise it starts a story, whose id is its own
doc_id. The document signatures are computed in the parallel clean shards (document_signatures)
and stored with the assignment (story_members.bands/signature) for later runs.

Dedup links always point at an earlier paragraph (earlier run, then publication day, then input
order), so stories form in that order in one pass: an article of a later run joins a stored story,
and stored assignments (`story_members`) are never rewritten. One run and the same input split
over several runs in publication order give the same story ids.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from akhbar import schema, sqlfiles, staging, store
from akhbar.settings import Settings
from akhbar.staging import MINHASH_STAGE_SCHEMA, STORY_ASSIGNED_SCHEMA
from akhbar.tasks.dedup import pass_connection, with_more_memory
from akhbar.tasks.minhash import BANDS, NUM_PERM, _fixed_rows, band_keys, similarity
from akhbar.tasks.near_dups import hash_columns_options


def _sql(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> duckdb.DuckDBPyConnection:
    """Runs the statement of sql/stages/stories/<name>.sql."""
    return con.execute(sqlfiles.load(f"stories/{name}"), params or {})


_BATCH = 20_000  # rows per Arrow batch streamed out of DuckDB


def _query(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> duckdb.DuckDBPyRelation:
    """The query of sql/stages/stories/<name>.sql as a relation (streamed to Arrow without a copy)."""
    return con.sql(sqlfiles.load(f"stories/{name}"), params=params or {})


def document_signatures(doc_ids: list[str], signatures: np.ndarray) -> pa.Table:
    """MinHash of each document's word set, from the full signatures of its kept lines that the clean
    shard computed for near-duplicate search (rows grouped by document): the minimum over a
    document's lines is the MinHash of the union of their words. Rows as minhash_stage_table's."""
    starts = (
        np.flatnonzero(np.r_[True, np.asarray(doc_ids[1:], object) != np.asarray(doc_ids[:-1], object)])
        if doc_ids
        else np.empty(0, np.int64)
    )
    sig = np.minimum.reduceat(signatures, starts, axis=0) if len(starts) else np.empty((0, NUM_PERM), np.uint32)
    n = len(starts)
    keys = band_keys(sig) if n else np.empty((0, BANDS), np.uint64)
    sig16 = (sig & 0xFFFF).astype("<u2")
    return pa.table(
        {
            "doc_id": pa.array([doc_ids[k] for k in starts], pa.string()),
            "position": pa.array(np.zeros(n, np.int32)),
            "bands": pa.FixedSizeListArray.from_arrays(pa.array(keys.reshape(-1), pa.uint64()), BANDS).cast(
                pa.list_(pa.uint64())
            ),
            "signature": pa.FixedSizeBinaryArray.from_buffers(
                pa.binary(NUM_PERM * 2), n, [None, pa.py_buffer(sig16.tobytes())]
            ).cast(pa.binary()),
        },
        schema=MINHASH_STAGE_SCHEMA,
    )


def stories_run(out_dir: str, run_dir: str, run_id: str) -> dict:
    """Assign every document of the run to a story; stage run/final/story_members. Returns counts."""
    run = Path(run_dir)
    return with_more_memory(lambda settings: _stories(Path(out_dir), run, run_id, settings), Settings.load(run))


def _stories(out: Path, run: Path, run_id: str, settings: Settings) -> dict:
    con = pass_connection(run, out, settings)
    _sql(con, "run_docs", {"docs": staging.pattern(run, "clean_docs")})
    # Per paragraph of the run: its final status and the earlier paragraph's document it repeats or revises.
    if staging.paths(run, "dedup_decisions"):
        _sql(con, "decided", {"decisions": staging.pattern(run, "dedup_decisions")})
    else:  # nothing decided
        _sql(con, "decided_none")
    _sql(con, "run_paras", {"paragraphs": staging.pattern(run, "clean_paragraphs")})
    _sql(con, "links", {"documents": store.table_glob(out, "documents"), "run_id": run_id})
    con.execute("DROP TABLE run_paras")  # DuckDB's memory for what comes next
    # Joins: share and window; the linked article's stored story, when it has one.
    sig_links = _minhash_links(con, run, out, settings)
    rows = _batches(
        con,
        "paragraph_links",
        {
            "min_overlap": float(settings.story_min_overlap),
            "window": int(settings.story_window_days),
            "story_members": store.table_glob(out, "story_members"),
        },
    )
    # the story of each joined document of the run (a document that starts a story is its own story)
    story: dict[str, str] = {}
    counts = {"documents": 0, "joined": 0}

    sig_docs = pa.array(list(sig_links), pa.string())

    def members(batch: pa.RecordBatch) -> pa.Table:
        names = ["doc_id", "linked_doc_id", "overlap", "story_id"]
        doc_ids, linked, overlap, stored = (batch.column(n).to_pylist() for n in names)
        story_ids, how = list(doc_ids), [None] * len(doc_ids)  # a document that starts a story is its own story
        # only the documents with a paragraph link or a MinHash link are looked at, in publication order
        joins = pc.or_(pc.is_valid(batch.column("linked_doc_id")), pc.is_in(batch.column("doc_id"), value_set=sig_docs))
        for k in np.flatnonzero(joins.to_numpy(zero_copy_only=False)):
            how[k] = "paragraphs"
            if linked[k] is None:
                linked[k], overlap[k], stored[k] = sig_links[doc_ids[k]]
                how[k] = "minhash"
            # a linked article of this run comes earlier in this order; one of an earlier run has a stored story
            story_ids[k] = story[doc_ids[k]] = stored[k] or story.get(linked[k], linked[k])
            counts["joined"] += 1
        cols = {"doc_id": doc_ids, "story_id": story_ids, "linked_doc_id": linked, "overlap": overlap, "linked_by": how}
        counts["documents"] += batch.num_rows
        return pa.table(cols, schema=STORY_ASSIGNED_SCHEMA)

    # the assignments, in publication order, to a staged file (removed with the run folder); then each
    # with its signature (sorting the signatures with them would be the pass's peak)
    assigned = staging.path(run, "story_assigned")
    store.write_parquet_batches_atomic(map(members, rows), STORY_ASSIGNED_SCHEMA, assigned)
    story.clear()  # held only while assigning
    sig_links.clear()
    target = schema.SCHEMAS["story_members"]
    pieces = (
        pa.Table.from_batches([b]).select(target.names).cast(target)
        for b in _batches(con, "members", {"assigned": store.duckdb_path(assigned), "run_id": run_id})
    )
    path = staging.final_dir(run, "story_members") / "00000.parquet"
    store.write_parquet_batches_atomic(pieces, target, path, **hash_columns_options(target))
    n_stories = con.execute(
        "SELECT count(DISTINCT story_id) FROM read_parquet(?)", [store.duckdb_path(path)]
    ).fetchall()[0][0]
    con.close()
    return {**counts, "stories": n_stories}


def _batches(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None):
    """The non-empty Arrow batches of the query of sql/stages/stories/<name>.sql."""
    reader = _query(con, name, params).to_arrow_reader(_BATCH)
    return (batch for batch in reader if batch.num_rows)


def _signatures(column: pa.Array) -> np.ndarray:
    """(rows, NUM_PERM) 16-bit signatures of a binary column."""
    return _fixed_rows(column, NUM_PERM, "<u2")


def _minhash_links(con: duckdb.DuckDBPyConnection, run: Path, out: Path, settings: Settings) -> dict:
    """Per document of the run, the earlier document (this run or stored) within the window with the
    most similar word set, at least story_min_similarity: doc_id -> (linked, similarity, stored story).
    Fills temp table run_sigs, the run's signatures to store (empty without signatures)."""
    if not staging.paths(run, "clean_docsig"):  # near-duplicate search off: no signatures
        _sql(con, "run_sigs_none")
        return {}
    _sql(con, "run_sigs", {"docsig": staging.pattern(run, "clean_docsig")})
    _sql(con, "doc_bands")
    _sql(con, "doc_pair_ids")
    for band in range(BANDS):
        _sql(con, "doc_band_keys", {"band": band})
        _sql(con, "doc_band_pairs", {"band": band})
    window = int(settings.story_window_days)
    threshold = float(settings.story_min_similarity)
    best: dict[int, tuple] = {}  # i -> (-similarity, order key, linked doc_id, stored story, i's doc_id)
    params = {
        "window": window,
        "bands": BANDS,
        "members": store.table_glob(out, "story_members"),
        "documents": store.table_glob(out, "documents"),
    }
    for batch in _batches(con, "stored_doc_hits", params):
        sims = similarity(_signatures(batch.column("sig_i")), _signatures(batch.column("signature")))
        hit = sims >= threshold
        names = ["i", "doc_id", "story_id", "order_key", "i_doc"]
        cols = batch.filter(pa.array(hit)).select(names).to_pydict()
        for i, doc_id, story_id, order_key, i_doc, s in zip(*(cols[n] for n in names), sims[hit]):
            cand = (-float(s), (0, *order_key), doc_id, story_id, i_doc)
            if i not in best or cand[:2] < best[i][:2]:
                best[i] = cand
    for batch in _batches(con, "run_doc_pairs", {"window": window}):
        sims = similarity(_signatures(batch.column("sig_p")), _signatures(batch.column("sig_q")))
        hit = sims >= threshold
        names = ["p", "q", "q_doc", "p_doc"]
        cols = batch.filter(pa.array(hit)).select(names).to_pydict()
        for p, q, q_doc, p_doc, s in zip(*(cols[n] for n in names), sims[hit]):
            cand = (-float(s), (1, q), q_doc, None, p_doc)
            if p not in best or cand[:2] < best[p][:2]:
                best[p] = cand
    con.execute("DROP TABLE doc_bands")
    return {c[4]: (c[2], -c[0], c[3]) for c in best.values()}


from akhbar.tasking import StageTask  # noqa: E402

stories_task = StageTask(stories_run, name="stories", retries=2)
