"""Story clusters: the articles that tell the same story, across outlets, within a time window.

Runs after the dedup pass, from its decisions (no text is read): an article is linked to the
earlier article whose paragraphs it repeats (exact or near duplicate) or revises most. When those
paragraphs hold at least `story_min_overlap` of the characters of its text paragraphs (kept,
duplicate or revision; not boilerplate, metadata or repeats inside itself: a shared footer or
caption weighs what its length weighs) and the two were published at most
`story_window_days` apart (undated articles are not held by the window), it joins the linked
article's story. Failing that, the earlier article within the window whose kept text's word set
it resembles most, at an estimated Jaccard similarity of at least `story_min_similarity`
(document MinHash with the project's signatures and LSH bands, tasks.dedup: the same text split
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

from akhbar import schema, store
from akhbar.settings import Settings
from tasks.dedup import BANDS, MINHASH_STAGE_SCHEMA, NUM_PERM, PUB_DAY, _fixed_rows, band_keys, similarity

NO_DAY = 2147483647  # PUB_DAY of an undated document


def document_signatures(doc_ids: list[str], signatures: np.ndarray) -> pa.Table:
    """MinHash of each document's word set, from the full signatures of its kept lines that the clean
    shard computed for near-duplicate search (rows grouped by document): the minimum over a
    document's lines is the MinHash of the union of their words. Rows as minhash_stage_table's."""
    starts = np.flatnonzero(np.r_[True, np.asarray(doc_ids[1:], object) != np.asarray(doc_ids[:-1], object)]) \
        if doc_ids else np.empty(0, np.int64)
    sig = np.minimum.reduceat(signatures, starts, axis=0) if len(starts) else np.empty((0, NUM_PERM), np.uint32)
    n = len(starts)
    keys = band_keys(sig) if n else np.empty((0, BANDS), np.uint64)
    sig16 = (sig & 0xFFFF).astype("<u2")
    return pa.table({
        "doc_id": pa.array([doc_ids[k] for k in starts], pa.string()),
        "position": pa.array(np.zeros(n, np.int32)),
        "bands": pa.FixedSizeListArray.from_arrays(pa.array(keys.reshape(-1), pa.uint64()), BANDS).cast(pa.list_(pa.uint64())),
        "signature": pa.FixedSizeBinaryArray.from_buffers(pa.binary(NUM_PERM * 2), n, [None, pa.py_buffer(sig16.tobytes())]).cast(pa.binary()),
    }, schema=MINHASH_STAGE_SCHEMA)


def stories_run(out_dir: str, run_dir: str, run_id: str) -> dict:
    """Assign every document of the run to a story; stage run/final/story_members. Returns counts."""
    run, out = Path(run_dir), Path(out_dir)
    settings = Settings.load(run)
    con = store.work_connection(settings.duckdb_memory_limit, run / "duckdb_tmp")
    done = sorted(store.completed_runs(out))
    con.execute("CREATE TEMP TABLE done_runs (run_id VARCHAR)")
    if done:
        con.executemany("INSERT INTO done_runs VALUES (?)", [[r] for r in done])
    con.execute(
        f"""CREATE TEMP TABLE run_docs AS
            SELECT doc_id, {PUB_DAY} AS pub_day, input_index, record_index
            FROM read_parquet(?, hive_partitioning = false) d""",
        [store.files_glob(run / "clean", "docs-*.parquet")],
    )
    # Per paragraph of the run: its final status and the earlier paragraph's document it repeats or revises.
    decisions = run / "dedup" / "decisions"
    if any(decisions.glob("*/*.parquet")):
        con.execute("""CREATE TEMP TABLE decided AS SELECT doc_id, position, status, first_doc_id
                       FROM read_parquet(?, hive_partitioning = false)""", [store.files_glob(decisions, "*/*.parquet")])
    else:  # nothing decided
        con.execute("""CREATE TEMP TABLE decided (doc_id VARCHAR, position INTEGER, status VARCHAR,
                                                  first_doc_id VARCHAR)""")
    con.execute(
        """CREATE TEMP TABLE run_paras AS
           SELECT p.doc_id, coalesce(x.status, p.status) AS status, x.first_doc_id AS linked_doc_id,
                  length(p.text) AS n_chars
           FROM read_parquet(?, hive_partitioning = false) p LEFT JOIN decided x USING (doc_id, position)""",
        [store.files_glob(run / "clean", "paragraphs-*.parquet")],
    )
    # The best link of each article: most shared text, then the earliest linked article.
    con.execute(
        f"""CREATE TEMP TABLE links AS
            WITH text_paras AS (
                SELECT * FROM run_paras
                WHERE status IN ('kept', 'duplicate') AND linked_doc_id IS DISTINCT FROM doc_id
            ),
            n_text AS (SELECT doc_id, sum(n_chars) AS n FROM text_paras GROUP BY doc_id),
            shared AS (
                SELECT doc_id, linked_doc_id, sum(n_chars) AS n_shared FROM text_paras
                WHERE linked_doc_id IS NOT NULL GROUP BY ALL
            ),
            stored_docs AS (
                SELECT doc_id, run_id, {PUB_DAY} AS pub_day, input_index, record_index
                FROM read_parquet(?, hive_partitioning = false) d WHERE run_id IN (SELECT run_id FROM done_runs)
            ),
            linked AS (
                SELECT doc_id, ? AS run_id, pub_day, input_index, record_index FROM run_docs
                UNION ALL SELECT * FROM stored_docs
            )
            SELECT s.doc_id,
                   arg_min(struct_pack(linked_doc_id := s.linked_doc_id, n_shared := s.n_shared, pub_day := l.pub_day),
                           (-s.n_shared, l.run_id, l.pub_day, l.input_index, l.record_index)) AS best,
                   any_value(t.n) AS n_text
            FROM shared s JOIN n_text t USING (doc_id) JOIN linked l ON l.doc_id = s.linked_doc_id
            GROUP BY s.doc_id""",
        [store.table_glob(out, "documents"), run_id],
    )
    # Joins: share and window; the linked article's stored story, when it has one.
    sig_links, sigs = _minhash_links(con, run, out, settings)
    rows = con.execute(
        """SELECT d.doc_id, k.best.linked_doc_id, k.best.n_shared / k.n_text AS overlap, m.story_id
           FROM run_docs d
           LEFT JOIN links k ON k.doc_id = d.doc_id
                AND k.best.n_shared / k.n_text >= ?
                AND (d.pub_day = 2147483647 OR k.best.pub_day = 2147483647 OR abs(d.pub_day - k.best.pub_day) <= ?)
           LEFT JOIN (SELECT doc_id, story_id FROM read_parquet(?, hive_partitioning = false)
                      WHERE run_id IN (SELECT run_id FROM done_runs)) m ON m.doc_id = k.best.linked_doc_id
           ORDER BY d.pub_day, d.input_index, d.record_index""",
        [float(settings.story_min_overlap), int(settings.story_window_days), store.table_glob(out, "story_members")],
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
    bands = [sigs.get(d, (None, None))[0] for d in members["doc_id"]]
    signature = [sigs.get(d, (None, None))[1] for d in members["doc_id"]]
    table = pa.table({**members, "run_id": [run_id] * len(rows),
                      "bands": pa.array(bands, pa.list_(pa.uint64())), "signature": pa.array(signature, pa.binary())},
                     ).select(schema.SCHEMAS["story_members"].names).cast(schema.SCHEMAS["story_members"])
    final = run / "final" / "story_members"
    final.mkdir(parents=True, exist_ok=True)
    store.write_parquet_atomic(table, final / "00000.parquet")
    return {"documents": len(rows), "joined": sum(v is not None for v in members["linked_doc_id"]),
            "stories": len(set(members["story_id"]))}


def _minhash_links(con: duckdb.DuckDBPyConnection, run: Path, out: Path, settings: Settings) -> tuple[dict, dict]:
    """Per document of the run, the earlier document (this run or stored) within the window with the
    most similar word set, at least story_min_similarity: doc_id -> (linked, similarity, stored story).
    Also the run's signatures to store: doc_id -> (bands, signature)."""
    if not any(run.glob("clean/docsig-*.parquet")):  # near-duplicate search off: no signatures
        return {}, {}
    sig_table = con.sql(
        """SELECT s.doc_id, s.bands, s.signature, r.pub_day,
                  (row_number() OVER (ORDER BY r.pub_day, r.input_index, r.record_index) - 1)::BIGINT AS i
           FROM read_parquet(?, hive_partitioning = false) s JOIN run_docs r USING (doc_id) ORDER BY i""",
        params=[store.files_glob(run / "clean", "docsig-*.parquet")],
    ).to_arrow_table()
    n = sig_table.num_rows
    sig = _fixed_rows(sig_table.column("signature").combine_chunks(), NUM_PERM, "<u2") if n else np.empty((0, NUM_PERM), "<u2")
    keys = _fixed_rows(sig_table.column("bands").combine_chunks(), BANDS, "uint64") if n else np.empty((0, BANDS), np.uint64)
    con.register("doc_bands", pa.table({"i": np.repeat(np.arange(n, dtype=np.int64), BANDS),
                                        "band": np.tile(np.arange(BANDS, dtype=np.int8), n),
                                        "key": keys.reshape(-1)}))
    con.register("doc_days", pa.table({"i": np.arange(n, dtype=np.int64), "pub_day": sig_table.column("pub_day")}))
    window = int(settings.story_window_days)
    in_window = "(a.pub_day = $no_day OR b.pub_day = $no_day OR abs(a.pub_day - b.pub_day) <= $window)"
    window_params = {"no_day": NO_DAY, "window": window}
    run_pairs = con.sql(
        f"""SELECT DISTINCT a.i AS p, b.i AS q FROM doc_bands x JOIN doc_bands y
                ON x.band = y.band AND x.key = y.key AND y.i < x.i
            JOIN doc_days a ON a.i = x.i JOIN doc_days b ON b.i = y.i
            WHERE {in_window}""", params=window_params).to_arrow_table()
    stored = con.execute(
        f"""WITH s AS (
                SELECT doc_id, story_id, unnest(range({BANDS})) AS band, unnest(bands) AS key
                FROM read_parquet($members, union_by_name = true, hive_partitioning = false)
                WHERE run_id IN (SELECT run_id FROM done_runs) AND bands IS NOT NULL),
            hits AS (SELECT DISTINCT x.i, s.doc_id, s.story_id FROM doc_bands x JOIN s ON x.band = s.band AND x.key = s.key)
            SELECT h.i, h.doc_id, h.story_id, m.signature,
                   [b.run_id, lpad(b.pub_day::VARCHAR, 10, '0'), lpad(b.input_index::VARCHAR, 12, '0'),
                    lpad(b.record_index::VARCHAR, 12, '0')] AS order_key
            FROM hits h JOIN doc_days a ON a.i = h.i
            JOIN (SELECT doc_id, signature FROM read_parquet($members, union_by_name = true, hive_partitioning = false)
                  WHERE run_id IN (SELECT run_id FROM done_runs)) m ON m.doc_id = h.doc_id
            JOIN (SELECT doc_id, run_id, {PUB_DAY} AS pub_day, input_index, record_index FROM read_parquet($documents, hive_partitioning = false) d
                  WHERE run_id IN (SELECT run_id FROM done_runs)) b ON b.doc_id = h.doc_id
            WHERE {in_window}""",
        {**window_params, "members": store.table_glob(out, "story_members"),
         "documents": store.table_glob(out, "documents")}).fetchall()
    con.unregister("doc_bands")
    con.unregister("doc_days")
    threshold = float(settings.story_min_similarity)
    best: dict[int, tuple] = {}  # i -> (-similarity, order key, linked doc_id, stored story)
    for i, doc_id, story_id, signature, order_key in stored:
        s = float(similarity(sig[i:i + 1], np.frombuffer(signature, "<u2").reshape(1, NUM_PERM))[0])
        cand = (-s, (0, *order_key), doc_id, story_id)
        if s >= threshold and (i not in best or cand[:2] < best[i][:2]):
            best[i] = cand
    if run_pairs.num_rows:
        p, q = run_pairs.column("p").to_numpy(), run_pairs.column("q").to_numpy()
        sims = similarity(sig[p], sig[q])
        ids = sig_table.column("doc_id").to_pylist()
        for pk, qk, s in zip(p[sims >= threshold], q[sims >= threshold], sims[sims >= threshold]):
            cand = (-float(s), (1, int(qk)), ids[qk], None)
            if int(pk) not in best or cand[:2] < best[int(pk)][:2]:
                best[int(pk)] = cand
    ids = sig_table.column("doc_id").to_pylist()
    links = {ids[i]: (c[2], -c[0], c[3]) for i, c in best.items()}
    bands = sig_table.column("bands").to_pylist()
    blobs = sig_table.column("signature").to_pylist()
    return links, {d: (b, g) for d, b, g in zip(ids, bands, blobs)}


from akhbar.tasking import StageTask  # noqa: E402

stories_task = StageTask(stories_run, name="stories", retries=2)
