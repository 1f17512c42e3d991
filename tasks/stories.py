"""Story clusters: the articles that tell the same story, across outlets, within a time window.

Runs after the dedup pass, from its decisions (no text is read): an article is linked to the
earlier article whose paragraphs it repeats (exact or near duplicate) or revises most. When those
paragraphs hold at least `story_min_overlap` of the characters of its text paragraphs (kept,
duplicate or revision; not boilerplate, metadata or repeats inside itself: a shared footer or
caption weighs what its length weighs) and the two were published at most
`story_window_days` apart (undated articles are not held by the window), it joins the linked
article's story; otherwise it starts a story, whose id is its own doc_id.

Dedup links always point at an earlier paragraph (earlier run, then publication day, then input
order), so stories form in that order in one pass: an article of a later run joins a stored story,
and stored assignments (`story_members`) are never rewritten. One run and the same input split
over several runs in publication order give the same story ids.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from akhbar import schema, store
from akhbar.settings import Settings
from tasks.dedup import PUB_DAY


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
            FROM read_parquet(?) d""",
        [str(run / "clean" / "docs-*.parquet")],
    )
    # Per paragraph of the run: its final status and the earlier paragraph's document it repeats or revises.
    decisions = run / "dedup" / "decisions"
    decided = "SELECT doc_id, position, status, first_doc_id FROM read_parquet(?, hive_partitioning = false)"
    if not any(decisions.glob("*/*.parquet")):  # nothing decided: an empty table of the same shape
        decided = "SELECT NULL::VARCHAR AS doc_id, NULL::INTEGER AS position, NULL::VARCHAR AS status, NULL::VARCHAR AS first_doc_id WHERE ? IS NULL AND false"
    con.execute(
        f"""CREATE TEMP TABLE run_paras AS
            SELECT p.doc_id, coalesce(x.status, p.status) AS status, x.first_doc_id AS linked_doc_id,
                   length(p.text) AS n_chars
            FROM read_parquet(?) p LEFT JOIN ({decided}) x USING (doc_id, position)""",
        [str(run / "clean" / "paragraphs-*.parquet"), str(decisions / "*" / "*.parquet")],
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
                FROM read_parquet(?) d WHERE run_id IN (SELECT run_id FROM done_runs)
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
    rows = con.execute(
        """SELECT d.doc_id, k.best.linked_doc_id, k.best.n_shared / k.n_text AS overlap, m.story_id
           FROM run_docs d
           LEFT JOIN links k ON k.doc_id = d.doc_id
                AND k.best.n_shared / k.n_text >= ?
                AND (d.pub_day = 2147483647 OR k.best.pub_day = 2147483647 OR abs(d.pub_day - k.best.pub_day) <= ?)
           LEFT JOIN (SELECT doc_id, story_id FROM read_parquet(?)
                      WHERE run_id IN (SELECT run_id FROM done_runs)) m ON m.doc_id = k.best.linked_doc_id
           ORDER BY d.pub_day, d.input_index, d.record_index""",
        [float(settings.story_min_overlap), int(settings.story_window_days), store.table_glob(out, "story_members")],
    ).fetchall()
    con.close()
    story: dict[str, str] = {}
    members = {"doc_id": [], "story_id": [], "linked_doc_id": [], "overlap": []}
    for doc_id, linked, overlap, stored_story in rows:
        if linked is None:
            story[doc_id] = doc_id
        else:  # a linked article of this run comes earlier in this order; one of an earlier run has a stored story
            story[doc_id] = stored_story or story.get(linked, linked)
        members["doc_id"].append(doc_id)
        members["story_id"].append(story[doc_id])
        members["linked_doc_id"].append(linked)
        members["overlap"].append(overlap)
    table = pa.table({**members, "run_id": [run_id] * len(rows)}).cast(schema.SCHEMAS["story_members"])
    final = run / "final" / "story_members"
    final.mkdir(parents=True, exist_ok=True)
    store.write_parquet_atomic(table, final / "00000.parquet")
    return {"documents": len(rows), "joined": sum(v is not None for v in members["linked_doc_id"]),
            "stories": len(set(members["story_id"]))}


from akhbar.tasking import StageTask  # noqa: E402

stories_task = StageTask(stories_run, name="stories", retries=2)
