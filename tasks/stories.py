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

from akhbar import schema, sqlfiles, staging, store
from akhbar.settings import Settings
from akhbar.staging import MINHASH_STAGE_SCHEMA
from akhbar.tasks.dedup import pass_connection
from akhbar.tasks.minhash import BANDS, NUM_PERM, _fixed_rows, band_keys, similarity


def _sql(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> duckdb.DuckDBPyConnection:
    """Runs the statement of sql/stages/stories/<name>.sql."""
    return con.execute(sqlfiles.load(f"stories/{name}"), params or {})


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
    run, out = Path(run_dir), Path(out_dir)
    settings = Settings.load(run)
    con = pass_connection(run, out, settings)
    _sql(con, "run_docs", {"docs": staging.pattern(run, "clean_docs")})
    # Per paragraph of the run: its final status and the earlier paragraph's document it repeats or revises.
    if staging.paths(run, "dedup_decisions"):
        _sql(con, "decided", {"decisions": staging.pattern(run, "dedup_decisions")})
    else:  # nothing decided
        _sql(con, "decided_none")
    _sql(con, "run_paras", {"paragraphs": staging.pattern(run, "clean_paragraphs")})
    _sql(con, "links", {"documents": store.table_glob(out, "documents"), "run_id": run_id})
    # Joins: share and window; the linked article's stored story, when it has one.
    sig_links, sigs = _minhash_links(con, run, out, settings)
    rows = _sql(
        con,
        "paragraph_links",
        {
            "min_overlap": float(settings.story_min_overlap),
            "window": int(settings.story_window_days),
            "story_members": store.table_glob(out, "story_members"),
        },
    ).fetchall()
    con.close()
    story: dict[str, str] = {}
    members = {"doc_id": [], "story_id": [], "linked_doc_id": [], "overlap": [], "linked_by": []}
    for doc_id, linked, overlap, stored_story in rows:
        how = "paragraphs"
        if linked is None and doc_id in sig_links:
            linked, overlap, stored_story = sig_links[doc_id]
            how = "minhash"
        if linked is None:
            story[doc_id], how = doc_id, None
        else:  # a linked article of this run comes earlier in this order; one of an earlier run has a stored story
            story[doc_id] = stored_story or story.get(linked, linked)
        members["doc_id"].append(doc_id)
        members["story_id"].append(story[doc_id])
        members["linked_doc_id"].append(linked)
        members["overlap"].append(overlap)
        members["linked_by"].append(how)
    # each document's stored signature taken by row from the Arrow table (a Python object per band was most of the pass's memory)
    row = {d: i for i, d in enumerate(sigs.column("doc_id").to_pylist())} if sigs is not None else {}
    take = pa.array([row.get(d) for d in members["doc_id"]], pa.int64())
    bands = sigs.column("bands").take(take) if sigs is not None else pa.nulls(len(rows), pa.list_(pa.uint64()))
    signature = sigs.column("signature").take(take) if sigs is not None else pa.nulls(len(rows), pa.binary())
    del row, take
    table = (
        pa.table(
            {
                **members,
                "run_id": [run_id] * len(rows),
                "bands": bands.cast(pa.list_(pa.uint64())),
                "signature": signature.cast(pa.binary()),
            },
        )
        .select(schema.SCHEMAS["story_members"].names)
        .cast(schema.SCHEMAS["story_members"])
    )
    store.write_parquet_atomic(table, staging.final_dir(run, "story_members") / "00000.parquet")
    return {
        "documents": len(rows),
        "joined": sum(v is not None for v in members["linked_doc_id"]),
        "stories": len(set(members["story_id"])),
    }


def _minhash_links(
    con: duckdb.DuckDBPyConnection, run: Path, out: Path, settings: Settings
) -> tuple[dict, pa.Table | None]:
    """Per document of the run, the earlier document (this run or stored) within the window with the
    most similar word set, at least story_min_similarity: doc_id -> (linked, similarity, stored story).
    Also the run's signatures to store: a table of doc_id, bands, signature (None without signatures)."""
    if not staging.paths(run, "clean_docsig"):  # near-duplicate search off: no signatures
        return {}, None
    sig_table = _query(con, "doc_signatures", {"docsig": staging.pattern(run, "clean_docsig")}).to_arrow_table()
    n = sig_table.num_rows
    sig = (
        _fixed_rows(sig_table.column("signature").combine_chunks(), NUM_PERM, "<u2")
        if n
        else np.empty((0, NUM_PERM), "<u2")
    )
    keys = (
        _fixed_rows(sig_table.column("bands").combine_chunks(), BANDS, "uint64")
        if n
        else np.empty((0, BANDS), np.uint64)
    )
    con.register(
        "doc_bands",
        pa.table(
            {
                "i": np.repeat(np.arange(n, dtype=np.int64), BANDS),
                "band": np.tile(np.arange(BANDS, dtype=np.int8), n),
                "key": keys.reshape(-1),
            }
        ),
    )
    con.register("doc_days", pa.table({"i": np.arange(n, dtype=np.int64), "pub_day": sig_table.column("pub_day")}))
    window = int(settings.story_window_days)
    run_pairs = _query(con, "run_doc_pairs", {"window": window}).to_arrow_table()
    stored = _sql(
        con,
        "stored_doc_hits",
        {
            "window": window,
            "bands": BANDS,
            "members": store.table_glob(out, "story_members"),
            "documents": store.table_glob(out, "documents"),
        },
    ).fetchall()
    con.unregister("doc_bands")
    con.unregister("doc_days")
    threshold = float(settings.story_min_similarity)
    best: dict[int, tuple] = {}  # i -> (-similarity, order key, linked doc_id, stored story)
    for i, doc_id, story_id, signature, order_key in stored:
        s = float(similarity(sig[i : i + 1], np.frombuffer(signature, "<u2").reshape(1, NUM_PERM))[0])
        cand = (-s, (0, *order_key), doc_id, story_id)
        if s >= threshold and (i not in best or cand[:2] < best[i][:2]):
            best[i] = cand
    if run_pairs.num_rows:
        p, q = run_pairs.column("p").to_numpy(), run_pairs.column("q").to_numpy()
        sims = similarity(sig[p], sig[q])
        ids = sig_table.column("doc_id")
        for pk, qk, s in zip(p[sims >= threshold], q[sims >= threshold], sims[sims >= threshold]):
            cand = (-float(s), (1, int(qk)), ids[int(qk)].as_py(), None)
            if int(pk) not in best or cand[:2] < best[int(pk)][:2]:
                best[int(pk)] = cand
    ids = sig_table.column("doc_id")
    links = {ids[i].as_py(): (c[2], -c[0], c[3]) for i, c in best.items()}
    return links, sig_table.select(["doc_id", "bands", "signature"])


from akhbar.tasking import StageTask  # noqa: E402

stories_task = StageTask(stories_run, name="stories", retries=2)
