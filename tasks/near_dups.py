"""The near-duplicate part of the dedup pass (akhbar.tasks.dedup): MinHash LSH joins in DuckDB.

Every per-paragraph array stays in DuckDB (temp tables `elig` and `cur_bands`, which it spills to
disk beyond its memory limit) or in the staged MinHash files: the eligible paragraphs' band keys and
signatures are never loaded into Python at once (the state file is written staged file by staged
file, on a thread of its own while the pairs are worked out). Candidate pairs stream out of DuckDB in
batches with both signatures, and Python keeps only the hits (pairs at or above the threshold) and
the candidates' signatures, so the pass's memory is DuckDB's limit plus those, whatever the number
of paragraphs.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from akhbar import schema, sqlfiles, staging, store
from akhbar.settings import Settings
from akhbar.tasks.minhash import BANDS, NUM_PERM, _fixed_rows, similarity

_BATCH = 20_000  # rows per Arrow batch streamed out of DuckDB (~10 MB with two signatures)
HASH_COLUMNS = ("bands", "signature")  # MinHash values: random bytes, which neither a dictionary nor zstd shrinks


def hash_columns_options(table_schema: pa.Schema) -> dict:
    """ParquetWriter options for a table with HASH_COLUMNS: those stored plain (dictionary and zstd
    tried on them cost most of the write and save nothing), the others zstd as every table."""
    others = [n for n in table_schema.names if n not in HASH_COLUMNS]
    return {
        "use_dictionary": others,
        "compression": {n: "none" if n in HASH_COLUMNS else "zstd" for n in table_schema.names},
    }


def _sql(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> duckdb.DuckDBPyConnection:
    """Runs the statement of sql/stages/dedup/<name>.sql."""
    return con.execute(sqlfiles.load(f"dedup/{name}"), params or {})


def _batches(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None):
    """The non-empty Arrow batches of the query of sql/stages/dedup/<name>.sql."""
    reader = con.sql(sqlfiles.load(f"dedup/{name}"), params=params or {}).to_arrow_reader(_BATCH)
    return (batch for batch in reader if batch.num_rows)


def near_dups(con: duckdb.DuckDBPyConnection, run: Path, out: Path, run_id: str, settings: Settings) -> dict:
    """Fill temp table near_dups; write this run's paragraph_minhash state file. Returns counts."""
    # Eligible: kept, not a template, the first copy of its text (not an exact duplicate), numbered i
    # in the stable order of the run (earlier runs always come before; numbers may be skipped). Their
    # signatures were staged by the clean shards (clean/minhash-K.parquet): a paragraph without one
    # has too few words.
    _sql(con, "reps")
    if not staging.paths(run, "clean_minhash"):
        raise RuntimeError(f"{run}/clean holds no minhash-*.parquet: the clean shards staged no signatures")
    minhash = staging.pattern(run, "clean_minhash")
    assert BANDS == 20, "sql/stages/dedup/elig.sql spells out the 20 band keys"
    _sql(con, "elig", {"minhash": minhash})
    state = _StateWriter(con, run, run_id, minhash)
    try:
        counts = _pairs_and_relations(con, run, out, minhash, settings)
    except BaseException:
        state.abandon()
        raise
    state.finish()
    return counts


def _pairs_and_relations(
    con: duckdb.DuckDBPyConnection, run: Path, out: Path, minhash: str, settings: Settings
) -> dict:
    """Fill temp table near_dups from the eligible paragraphs' candidate pairs (temp table elig). Returns counts."""
    threshold = float(settings.near_dup_threshold)
    # the exact pass's working tables are done with (its decisions are in doc_repeats, template_hits
    # and exact_dups): DuckDB's memory goes to what comes next
    for table in ("reps", "candidates", "run_first", "prior_first", "cur"):
        con.execute(f"DROP TABLE {table}")
    _sql(con, "cur_bands")
    for band in range(BANDS):
        _sql(con, "cur_band_keys", {"band": band})
    _sql(con, "elig_bare")
    n = con.execute("SELECT count(*) FROM elig").fetchall()[0][0]
    # Earlier runs: join their stored band keys with this run's (DuckDB streams the stored side).
    # (An output folder laid out before this table existed has no folder for it yet: _schema.parquet
    # of the same schema and no rows stands for it.)
    stored_glob = store.table_glob(out, "paragraph_minhash")
    if not any((out / "paragraph_minhash").glob("*.parquet")):
        stored_glob = store.duckdb_path(_empty_state(run))
    # Candidates: every stored paragraph and every earlier paragraph of this run sharing a band key.
    _sql(con, "stored_hits", {"bands": BANDS, "paragraph_minhash": stored_glob})
    _sql(con, "run_pair_ids")
    for band in range(BANDS):
        _sql(con, "run_band_pairs", {"band": band})
    _sql(con, "pair_sigs", {"minhash": minhash})
    # Every similar earlier paragraph of each eligible one (the hits), with its order key: an
    # earlier run's paragraph (0, run, day, input, record, position) comes before any of this run's (1, i).
    hits, n_stored = _stored_hits(con, out, stored_glob, threshold)
    run_hits, n_run = _run_hits(con, threshold)
    hits.extend(run_hits)
    del run_hits

    chosen = _choose_relations(con, run, out, hits)
    del hits
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
    return {
        "near_dup": len(chosen) - n_rev,
        "revision": n_rev,
        "near_dup_eligible": n,
        "near_dup_pairs": n_stored + n_run,
    }


class _StateWriter:
    """This run's paragraph_minhash rows for the next runs (published with the run: final/<table>/ is
    picked up), written atomically staged file by staged file on a thread of its own while the pass
    goes on (pyarrow reads, takes and writes without the GIL). `finish` waits for the file and raises
    the writer's error; `abandon` (the pass failed) stops it at its next staged file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run: Path, run_id: str, minhash: str) -> None:
        self.path = staging.final_dir(run, "paragraph_minhash") / "00000.parquet"
        files = dict(_sql(con, "state_files", {"minhash": minhash}).fetchall())
        rows = con.sql(sqlfiles.load("dedup/state_rows")).to_arrow_table()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="paragraph_minhash")
        self._done = self._pool.submit(self._write, files, rows, run_id)

    def _write(self, files: dict, rows: pa.Table, run_id: str) -> None:
        target = schema.SCHEMAS["paragraph_minhash"]
        # an empty run still writes a file with the table's schema
        pieces = (self._piece(files[file], part, run_id, target) for file, part in _by_file(rows))
        store.write_parquet_batches_atomic(pieces, target, self.path, **hash_columns_options(target))

    def _piece(self, file: str, part: pa.Table, run_id: str, target: pa.Schema) -> pa.Table:
        """The paragraph_minhash rows of one staged file's eligible rows (`part`: their rows in it)."""
        if self._stop.is_set():
            raise _Abandoned
        # one thread (read_staged): the pass runs beside it
        staged = store.read_staged(file, columns=["doc_id", "position", "bands", "signature"]).take(part.column("row"))
        columns = {
            "doc_id": staged.column("doc_id"),
            "position": staged.column("position"),
            "run_id": pa.array([run_id] * part.num_rows, pa.string()),
            "input_index": part.column("input_index"),
            "record_index": part.column("record_index"),
            "bands": staged.column("bands"),
            "signature": staged.column("signature"),
        }
        return pa.table(columns).cast(target)

    def finish(self) -> Path:
        """The written file; the writer's error if it failed."""
        try:
            self._done.result()
        finally:
            self._pool.shutdown()
        return self.path

    def abandon(self) -> None:
        """Stop the writer at its next staged file (the file then stays unpublished, unless it was already
        written whole) and wait for it: a retry of the pass never races it. Its error does not count."""
        self._stop.set()
        self._pool.shutdown()


class _Abandoned(Exception):
    """The pass failed: the state file is not to be published."""


def _empty_state(run: Path) -> Path:
    """A paragraph_minhash file without rows, in the run folder: the stored side when none is stored."""
    path = staging.folder(run, "site_lines") / "paragraph_minhash_none.parquet"
    store.write_parquet_atomic(schema.empty_table("paragraph_minhash"), path)
    return path


def _by_file(rows: pa.Table):
    """(file, its rows) from rows ordered by file."""
    file = rows.column("file").to_numpy()
    cuts = [0, *(np.flatnonzero(file[1:] != file[:-1]) + 1).tolist(), len(file)]
    for a, b in zip(cuts, cuts[1:]):
        if b > a:
            yield int(file[a]), rows.slice(a, b - a)


def _signatures(column: pa.Array) -> np.ndarray:
    """(rows, NUM_PERM) 16-bit signatures of a binary column."""
    return _fixed_rows(column, NUM_PERM, "<u2")


def _stored_hits(
    con: duckdb.DuckDBPyConnection, out: Path, stored_glob: str, threshold: float
) -> tuple[list[tuple], int]:
    """Stored paragraphs of earlier runs similar to an eligible one (temp table stored_hits): (i, order
    key, doc_id, position, similarity, i's doc_id, i's position) rows, and the number of candidate pairs compared."""
    hits: list[tuple] = []
    n_pairs = 0
    params = {"paragraph_minhash": stored_glob, "documents": store.table_glob(out, "documents")}
    for batch in _batches(con, "stored_hit_signatures", params):
        n_pairs += batch.num_rows
        sim = similarity(_signatures(batch.column("sig_i")), _signatures(batch.column("signature")))
        hit = sim >= threshold
        if not hit.any():
            continue
        names = ["i", "doc_id", "position", "run_id", "input_index", "record_index", "pub_day", "i_doc", "i_pos"]
        cols = batch.filter(pa.array(hit)).select(names).to_pydict()
        hits.extend(
            (i, (0, run_id, day, inp, rec, pos), doc_id, pos, float(s), i_doc, i_pos)
            for i, doc_id, pos, run_id, inp, rec, day, i_doc, i_pos, s in zip(*(cols[n] for n in names), sim[hit])
        )
    return hits, n_pairs


def _run_hits(con: duckdb.DuckDBPyConnection, threshold: float) -> tuple[list[tuple], int]:
    """This run's similar pairs (temp table run_pair_ids: sharing a band key, the later paragraph p,
    the earlier q) as _stored_hits's rows, and the number of candidate pairs compared."""
    hits: list[tuple] = []
    n_pairs = 0
    for batch in _batches(con, "run_pairs"):
        n_pairs += batch.num_rows
        sim = similarity(_signatures(batch.column("sig_p")), _signatures(batch.column("sig_q")))
        hit = sim >= threshold
        if not hit.any():
            continue
        cols = batch.filter(pa.array(hit)).select(["p", "q", "q_doc", "q_pos", "p_doc", "p_pos"]).to_pydict()
        hits.extend(
            (p, (1, q), qd, qp, float(s), pd, pp)
            for p, q, qd, qp, s, pd, pp in zip(
                cols["p"], cols["q"], cols["q_doc"], cols["q_pos"], sim[hit], cols["p_doc"], cols["p_pos"]
            )
        )
    return hits, n_pairs


def _choose_relations(con: duckdb.DuckDBPyConnection, run: Path, out: Path, hits: list[tuple]) -> list[tuple]:
    """Per eligible paragraph with hits: the earliest hit it repeats (a duplicate), else the earliest
    it revises (akhbar.tasks.revisions). Returns (i, doc_id, position, similarity, relation) rows."""
    from akhbar.tasks.revisions import relation

    if not hits:
        return []
    con.register(
        "text_keys",
        pa.table(
            {
                "doc_id": pa.array([h[5] for h in hits] + [h[2] for h in hits], pa.string()),
                "position": pa.array([h[6] for h in hits] + [h[3] for h in hits], pa.int32()),
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
    del texts
    chosen: dict[int, tuple] = {}
    # per paragraph, its hits earliest first: the first it repeats ends the search (usually the first hit)
    hits.sort(key=lambda h: (h[0], h[1]))
    for i, _order, doc_id, position, sim, i_doc, i_pos in hits:
        if i in chosen and chosen[i][3] == "duplicate":
            continue
        rel = relation(text.get((i_doc, i_pos), ""), text.get((doc_id, position), ""))
        if i not in chosen or rel == "duplicate":
            chosen[i] = (doc_id, position, sim, rel)
    return [(i, *c) for i, c in sorted(chosen.items())]
