"""Stage 2, admit: the staged records not stored before, split into record shards; and the inputs left unread.

admit_records writes per record shard an index into the ingest staging files (akhbar/staging.py
"record_index"); read_record_shard reads a shard's records back through it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from akhbar import sqlfiles, staging
from akhbar.settings import Settings
from akhbar.staging import INGEST_SCHEMA
from akhbar.tasking import StageTask
from akhbar.tasks.ingest.discover import display_path, entry_problem, entry_stat, sha256_file


def admit_records(out_dir: str, run_dir: str, workers: int = 1) -> dict:
    """Keep the records not stored before (by doc_id, i.e. raw bytes) and first in this run, and
    split them into record shards of `shard_size` in input order (so results never depend on it);
    a small run is cut into enough shards for `workers` (Settings.balanced_cap).

    Writes records/shard=K/*.parquet, an index of the shard's records: every staged column but
    `content`, plus seq (input order) and ingest_file/ingest_row, where the record sits in the
    ingest staging files (read_record_shard takes the content from there: copying every page here
    was most of admit's time). Returns {"admitted": n, "seen": n, "shards": [K, ...]}.
    """
    from akhbar import store

    run, out = Path(run_dir), Path(out_dir)
    settings = Settings.load(run)
    con = store.work_connection(settings.duckdb_memory_limit, staging.duckdb_spill(run))
    # A view takes no parameters: its file patterns come from variables.
    con.execute("SET VARIABLE staged_files = ?", [staging.pattern(run, "ingest_records")])
    con.execute("SET VARIABLE stored_documents = ?", [store.table_glob(out, "documents")])
    con.execute(sqlfiles.load("admit/staged"))
    done = sorted(store.completed_runs(out))
    con.execute("CREATE TEMP TABLE done_runs (run_id VARCHAR)")
    if done:
        con.executemany("INSERT INTO done_runs VALUES (?)", [[r] for r in done])
    con.execute(sqlfiles.load("admit/stored_ids"))
    con.execute(sqlfiles.load("admit/admitted"))
    n_staged = con.execute("SELECT count(*) FROM staged").fetchone()[0]
    n_admitted, n_chars = con.execute("SELECT count(*), coalesce(sum(content_chars), 0) FROM admitted").fetchone()
    max_chars = settings.balanced_cap(settings.shard_max_chars, n_chars, settings.min_shard_chars, workers)
    shards = []
    if n_admitted:
        records = staging.folder(run, "record_index")
        params = {"shard_size": int(settings.shard_size), "max_chars": max(1, int(max_chars)), "records": str(records)}
        con.execute(sqlfiles.load("admit/record_shards"), params)
        shards = sorted(int(p.name.split("=")[1]) for p in staging.paths(run, "record_index"))
    con.close()
    store.crash_point("admit")
    return {"admitted": n_admitted, "seen": n_staged - n_admitted, "shards": shards}


def read_record_shard(run_dir: str, shard_id: int) -> pa.Table:
    """The admitted records of one shard in input order: the staged columns (content included)
    and seq. The content comes from the ingest staging files the shard's index points at, only
    those files and in them only the row groups holding the shard's rows (RecordWriter keeps row
    groups small), so memory stays about the shard's own size."""
    run = Path(run_dir)
    index = pq.read_table(staging.path(run, "record_index", shard_id))
    index = index.sort_by("seq")  # admit's COPY need not keep its ORDER BY inside a file
    files = index.column("ingest_file").to_numpy(zero_copy_only=False)
    rows = index.column("ingest_row").to_numpy()
    doc_ids: list[pa.ChunkedArray] = []
    contents: list[pa.ChunkedArray] = []
    at: list[np.ndarray] = []  # positions in `index` of the rows taken, in the order taken
    ingest_dir = staging.path(run, "ingest_records", 0).parent
    for name in np.unique(files):
        mine = np.flatnonzero(files == name)
        mine = mine[np.argsort(rows[mine], kind="stable")]
        wanted = rows[mine]
        with pq.ParquetFile(ingest_dir / name) as pf:
            sizes = np.array([pf.metadata.row_group(g).num_rows for g in range(pf.metadata.num_row_groups)])
            starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            group = np.searchsorted(starts, wanted, side="right") - 1
            needed = np.unique(group)
            part = pf.read_row_groups(needed.tolist(), columns=["doc_id", "content"])
        # row number in `part` = row in its group + the rows of the needed groups before it
        before = np.concatenate([[0], np.cumsum(sizes[needed])[:-1]])
        local = wanted - starts[group] + before[np.searchsorted(needed, group)]
        if local[-1] - local[0] + 1 == len(local):  # one run of rows (the usual case): no copy
            part = part.slice(int(local[0]), len(local))
        else:
            part = part.take(pa.array(local))
        doc_ids.append(part.column("doc_id"))
        contents.append(part.column("content"))
        at.append(mine)
    content = pa.chunked_array([c for ca in contents for c in ca.chunks], pa.string())
    doc_id = pa.chunked_array([c for ca in doc_ids for c in ca.chunks], pa.string())
    position = np.concatenate(at) if at else np.empty(0, np.int64)
    if not np.array_equal(position, np.arange(len(position))):
        order = pa.array(np.argsort(position))
        content, doc_id = content.take(order), doc_id.take(order)
    # a wrong pointer would pair a record with another page's text: fail rather than go on
    if not doc_id.equals(index.column("doc_id")):
        raise RuntimeError(f"record shard {shard_id}: the index does not match the ingest staging files")
    names = INGEST_SCHEMA.names + ["seq"]
    return pa.table([content if n == "content" else index.column(n) for n in names], names=names)


# A write within this long before a run started may leave size, mtime and ctime as the run
# recorded them (file systems stamp times from a coarse clock; FAT's is 2 s): such a row is not
# trusted on its stat alone and the file is hashed instead.
RACY_NS = 2_000_000_000


def unchanged_inputs(out_dir: str, files: list[str] | list[Path]) -> set[str]:
    """Entries a completed earlier run read that have not changed since: skipped unread.

    mtime and size alone cannot be trusted: tools set mtime back (touch -r, cp -p, rsync -t, tar)
    and an edit may keep the size. ctime can: the kernel sets it on every write or rename and no
    call sets it back. So an entry is unchanged without reading when size, mtime_ns and ctime_ns
    are as the latest run that read it recorded, and that ctime was RACY_NS before the run started.
    Otherwise a regular file of the recorded size is hashed and unchanged when its sha256 is the
    recorded one (a copy or a touch moves ctime without changing the bytes). An entry that run
    could not read (sha256 null) is tried again unless its stat is unchanged and trusted.
    """
    from akhbar import store

    out = Path(out_dir)
    done = store.completed_runs(out)
    if not done or not files:
        return set()
    import duckdb

    con = duckdb.connect()
    params = [store.table_glob(out, "inputs"), store.table_glob(out, "runs"), sorted(done)]
    rows = con.execute(sqlfiles.load("admit/last_reads"), params).fetchall()
    con.close()
    seen = {path: (stat_key, digest, started) for path, stat_key, digest, started in rows}
    unchanged = set()
    for f in files:
        f = str(f)
        last = seen.get(display_path(f))
        if last is not None and _unchanged(f, *last):
            unchanged.add(f)
    return unchanged


def _unchanged(path: str, stat_key: list, digest: str | None, started_ns: int) -> bool:
    st = entry_stat(path)
    if st is None:
        return False
    size, _mtime_ns, ctime_ns = stat_key
    if (
        ctime_ns is not None
        and [st.st_size, st.st_mtime_ns, st.st_ctime_ns] == stat_key
        and ctime_ns < started_ns - RACY_NS
    ):
        return True
    if digest is None or st.st_size != size or entry_problem(path) is not None:
        return False
    try:
        return sha256_file(path) == digest
    except OSError:
        return False


admit_task = StageTask(admit_records, name="admit", retries=2)
