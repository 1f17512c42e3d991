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
paragraphs): this serial pass only joins them, in DuckDB (akhbar.tasks.near_dups), so its memory is
DuckDB's `duckdb_memory_limit` plus the similar pairs found, whatever the number of paragraphs. Each run stores the band keys and a 240-byte
signature of its eligible paragraphs (never the text) in `paragraph_minhash`; the next runs join
their band keys with it in DuckDB. near_dup_threshold > 1 switches the near-duplicate search off
(exact repeats only; the clean shards then stage no signatures).

Known limit: a line becomes a site template once the site's count reaches template_min_docs, over
all runs; documents of runs before that keep the line (earlier runs' files are never rewritten),
so template decisions can differ between one big run and the same corpus over several runs.
"""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from akhbar import sqlfiles, staging, store
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
from akhbar.tasks.near_dups import near_dups as _near_dups

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


def with_more_memory(pass_fn, settings: Settings):
    """pass_fn(settings); when DuckDB runs out of memory under duckdb_memory_limit (a sort or window
    of millions of rows may need more than a small limit), again with twice the limit, up to 8x."""
    for attempt in range(4):
        try:
            return pass_fn(settings)
        except duckdb.OutOfMemoryException:
            if attempt == 3:
                raise
            settings = dataclasses.replace(settings, duckdb_memory_limit=_doubled(settings.duckdb_memory_limit))


def _doubled(limit: str) -> str:
    """A DuckDB memory limit ("256MB", "1GiB") twice as big, in MiB."""
    m = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]?)(i?)B\s*", limit, re.IGNORECASE)
    if not m:
        raise ValueError(f"duckdb_memory_limit {limit!r}: expected a size such as 256MB or 1GB")
    base = 1024 if m.group(3) else 1000
    size = float(m.group(1)) * base ** "BKMGT".index(m.group(2).upper() or "B")
    return f"{int(2 * size / 2**20)}MiB"


def dedup_run(out_dir: str, run_dir: str, run_id: str) -> dict:
    """The corpus-wide pass. Returns counts per decision."""
    run = Path(run_dir)
    return with_more_memory(lambda settings: _dedup(Path(out_dir), run, run_id, settings), Settings.load(run))


def _dedup(out: Path, run: Path, run_id: str, settings: Settings) -> dict:
    t0 = time.perf_counter()
    con = pass_connection(run, out, settings)
    docs = staging.pattern(run, "clean_docs")
    documents = store.table_glob(out, "documents")
    _sql(con, "docs", {"docs": docs})
    _sql(con, "cur", {"paragraphs": staging.pattern(run, "clean_paragraphs")})
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
    paras = store.read_staged(staging.path(run_dir, "clean_paragraphs", shard_id))
    decisions = read_decisions(run_dir, shard_id)
    n = paras.num_rows
    status = paras.column("status").to_pylist()
    reason = paras.column("reason").to_pylist()
    first_doc: list = [None] * n
    first_pos: list = [None] * n
    sims: list = [None] * n
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
            sims[i] = dec["similarity"][j]
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
        .append_column("similarity", pa.array(sims, pa.float32()))
        .append_column("relation", pa.array(relation, pa.string()))
        .append_column("similar_doc_id", pa.array(similar_doc, pa.string()))
        .append_column("similar_position", pa.array(similar_pos, pa.int32()))
    )


# ---------------------------------------------------------------- Prefect task wrapper

from akhbar.tasking import StageTask  # noqa: E402

dedup_task = StageTask(dedup_run, name="dedup", retries=2)
