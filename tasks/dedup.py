"""Stage 3, dedup: one corpus-wide pass (CCNet-style) over the hashes of normalized paragraphs.

Runs after every clean shard has written its paragraphs. It reads only compact columns: the
run's staged (doc_id, position, norm_hash, status) and, from earlier runs, the hashes and order
keys of stored paragraphs (Parquet column projection: never their text). DuckDB does the joins
and window functions, spilling to disk beyond its memory limit, so the index is never a Python
set of every hash.

"First occurrence" is the smallest (run_id, input_index, record_index, position): a stable order,
so the result does not depend on shard count, batch size or scheduling.

Decisions (status changes only) go to dedup/decisions/shard=K/, joined back per shard later:
  - site_template: a short line that the same site repeats on many of its documents
    (counted over this run plus the counts earlier runs stored in `site_lines`);
  - exact_dup: a kept paragraph whose normalized text appeared earlier (in this document,
    this run, or any earlier run) as a kept or metadata paragraph.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from akhbar import store
from akhbar.settings import Settings


def _connect(settings: Settings, run: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
    spill = run / "duckdb_tmp"
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def dedup_run(out_dir: str, run_dir: str, run_id: str) -> dict:
    """The corpus-wide pass. Returns counts per decision."""
    run, out = Path(run_dir), Path(out_dir)
    settings = Settings.load(run)
    (run / "dedup").mkdir(exist_ok=True)
    t0 = time.perf_counter()
    con = _connect(settings, run)
    con.execute("CREATE TEMP TABLE done_runs (run_id VARCHAR)")
    done = sorted(store.completed_runs(out))
    if done:
        con.executemany("INSERT INTO done_runs VALUES (?)", [[r] for r in done])

    con.execute(
        f"""CREATE TEMP TABLE cur AS
            SELECT p.doc_id, p.position, p.norm_hash, p.status, length(p.text) AS n_chars,
                   d.site, d.input_index, d.record_index, d.shard
            FROM read_parquet('{run}/clean/paragraphs-*.parquet') p
            JOIN read_parquet('{run}/clean/docs-*.parquet') d USING (doc_id)"""
    )

    # Site templates: per (site, line hash), the documents carrying the line, in this run and before.
    con.execute(
        f"""CREATE TEMP TABLE run_site_lines AS
            SELECT site, norm_hash, count(DISTINCT doc_id)::BIGINT AS n_docs, '{run_id}' AS run_id
            FROM cur
            WHERE norm_hash IS NOT NULL AND n_chars <= {int(settings.template_max_chars)}
                  AND status <> 'metadata'
            GROUP BY site, norm_hash"""
    )
    con.execute(
        f"""CREATE TEMP TABLE templates AS
            WITH prior AS (
                SELECT site, norm_hash, sum(n_docs) AS n_docs
                FROM read_parquet('{store.table_glob(out, "site_lines")}')
                WHERE run_id IN (SELECT run_id FROM done_runs)
                GROUP BY ALL
            )
            SELECT r.site, r.norm_hash
            FROM run_site_lines r LEFT JOIN prior p USING (site, norm_hash)
            WHERE r.n_docs + coalesce(p.n_docs, 0) >= {int(settings.template_min_docs)}"""
    )
    con.execute(
        f"""COPY (SELECT site, norm_hash, n_docs, run_id FROM run_site_lines
                  WHERE n_docs >= 2 ORDER BY site, norm_hash)
            TO '{run}/dedup/site_lines.parquet' (FORMAT parquet)"""
    )
    con.execute(
        """CREATE TEMP TABLE template_hits AS
           SELECT c.doc_id, c.position, c.shard FROM cur c
           SEMI JOIN templates t ON c.site = t.site AND c.norm_hash = t.norm_hash
           WHERE c.status = 'kept'"""
    )

    # Exact duplicates against everything stored before and everything earlier in this run.
    con.execute(
        f"""CREATE TEMP TABLE candidates AS
            SELECT c.* FROM cur c ANTI JOIN template_hits t USING (doc_id, position)
            WHERE c.norm_hash IS NOT NULL AND c.status IN ('kept', 'metadata')"""
    )
    con.execute(
        f"""CREATE TEMP TABLE prior_first AS
            WITH hashes AS (SELECT DISTINCT norm_hash FROM candidates),
            stored AS (
                SELECT p.norm_hash, p.doc_id, p.position, p.run_id
                FROM read_parquet('{store.table_glob(out, "paragraphs")}') p
                SEMI JOIN hashes h ON p.norm_hash = h.norm_hash
                WHERE p.status IN ('kept', 'metadata') AND p.run_id IN (SELECT run_id FROM done_runs)
            ),
            docs AS (
                SELECT doc_id, input_index, record_index
                FROM read_parquet('{store.table_glob(out, "documents")}')
                WHERE run_id IN (SELECT run_id FROM done_runs)
            )
            SELECT s.norm_hash,
                   arg_min(struct_pack(doc_id := s.doc_id, position := s.position),
                           (s.run_id, d.input_index, d.record_index, s.position)) AS first
            FROM stored s JOIN docs d USING (doc_id)
            GROUP BY s.norm_hash"""
    )
    con.execute(
        """CREATE TEMP TABLE run_first AS
           SELECT norm_hash,
                  arg_min(struct_pack(doc_id := doc_id, position := position),
                          (input_index, record_index, position)) AS first
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
    con.execute(
        f"""COPY (
                SELECT shard, doc_id, position::INTEGER AS position, 'boilerplate' AS status,
                       'site_template' AS reason, NULL::VARCHAR AS first_doc_id,
                       NULL::INTEGER AS first_position, NULL::FLOAT AS similarity
                FROM template_hits
                UNION ALL
                SELECT shard, doc_id, position::INTEGER, 'duplicate', 'exact_dup',
                       first.doc_id, first.position::INTEGER, 1.0::FLOAT
                FROM exact_dups
                ORDER BY shard, doc_id, position
            ) TO '{run}/dedup/decisions' (FORMAT parquet, PARTITION_BY (shard), OVERWRITE_OR_IGNORE true)"""
    )
    counts = {
        "site_template": con.execute("SELECT count(*) FROM template_hits").fetchone()[0],
        "exact_dup": con.execute("SELECT count(*) FROM exact_dups").fetchone()[0],
        "seconds": round(time.perf_counter() - t0, 3),
    }
    con.close()
    return counts


def read_decisions(run_dir: str, shard_id: int):
    """This shard's decisions as a pyarrow table (empty when none)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    part = Path(run_dir) / "dedup" / "decisions" / f"shard={shard_id}"
    if not part.exists():
        return pa.table({"doc_id": pa.array([], pa.string()), "position": pa.array([], pa.int32()),
                         "status": pa.array([], pa.string()), "reason": pa.array([], pa.string()),
                         "first_doc_id": pa.array([], pa.string()), "first_position": pa.array([], pa.int32()),
                         "similarity": pa.array([], pa.float32())})
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
    if decisions.num_rows:
        index = {(d, p): i for i, (d, p) in enumerate(zip(paras.column("doc_id").to_pylist(),
                                                          paras.column("position").to_pylist()))}
        dec = decisions.to_pydict()
        for j in range(decisions.num_rows):
            i = index[(dec["doc_id"][j], dec["position"][j])]
            status[i] = dec["status"][j]
            reason[i] = dec["reason"][j]
            first_doc[i] = dec["first_doc_id"][j]
            first_pos[i] = dec["first_position"][j]
            similarity[i] = dec["similarity"][j]
    return (
        paras.set_column(paras.schema.get_field_index("status"), "status", pa.array(status, pa.string()))
        .set_column(paras.schema.get_field_index("reason"), "reason", pa.array(reason, pa.string()))
        .append_column("first_doc_id", pa.array(first_doc, pa.string()))
        .append_column("first_position", pa.array(first_pos, pa.int32()))
        .append_column("similarity", pa.array(similarity, pa.float32()))
    )


# ---------------------------------------------------------------- Prefect task wrapper

from prefect import task  # noqa: E402
from prefect.cache_policies import NONE as NO_CACHE  # noqa: E402

dedup_task = task(dedup_run, name="dedup", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
