"""The local process pool's workers: they end with the run, and a worker that dies costs only its shard.

- Each worker dies with its parent however the parent ends (SIGKILL too): on Linux the kernel
  sends it SIGKILL when the parent goes (PR_SET_PDEATHSIG); elsewhere a thread watches the
  parent's pid. Ctrl-C reaches the whole process group: workers ignore SIGINT, the parent stops them.
- A worker killed mid-shard (the kernel's OOM killer) breaks the pool: the shards not finished are
  run again in a fresh pool, and those that were running alone, one at a time; a shard whose worker
  dies again is lost: its records become rejects with LOST_REASON (see lose_shard) and the run goes on;
  its files are not recorded as read, so the next run reads them again.

Test hook: AKHBAR_TEST_KILL_SHARD=<stage>:<shard> makes the worker running that shard SIGKILL
itself, as the OOM killer would (no effect unless set; only in pool workers).
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from akhbar import reasons, staging

LOST_REASON = reasons.WORKER_LOST
LOST = "lost_shards"  # key of a stage result: 1 when the shard was lost


class StageWorkerDied(RuntimeError):
    pass


def _start_worker(parent_pid: int) -> None:
    """Pool initializer, in each forked worker."""
    # The objects inherited from the parent (modules, numba's kernels, preloaded models) are left out of the
    # cyclic GC: a full pass writes to each object it visits, copying the pages shared with the parent.
    gc.freeze()
    _die_with_parent(parent_pid)


def _die_with_parent(parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's stop handler
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    else:
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before the signal was asked for
        os._exit(1)


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(1)
    os._exit(1)


def _call_marked(call: Callable[..., Any], fn: Callable[..., Any], kwargs: dict, stage: str, mark: str) -> Any:
    Path(mark).touch()  # the parent learns which shards were running when a worker died
    if os.environ.get("AKHBAR_TEST_KILL_SHARD") == f"{stage}:{kwargs.get('shard_id')}":
        os.kill(os.getpid(), signal.SIGKILL)
    return call(fn, kwargs)


def _pool(n: int) -> ProcessPoolExecutor:
    import multiprocessing as mp

    # Forked when the stage starts (the children inherit the imported modules) and gone with it, so
    # their memory is not held during the corpus-wide DuckDB passes (bench/pipeline.py).
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    return ProcessPoolExecutor(n, mp_context=ctx, initializer=_start_worker, initargs=(os.getpid(),))


def _stop(pool: ProcessPoolExecutor) -> None:
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.kill()


def _run_pool(
    call, fn, stage: str, shard_ids: list[int], const: dict, n: int, results: dict, on_done=None, meanwhile=None
) -> set[int]:
    """Run the shards in a pool of n workers, filling results[shard]; returns the shards that started.
    meanwhile() runs here once every shard is handed out (the workers are forked by then).
    A broken pool leaves the unfinished shards out of `results`; any other error is raised."""
    marks = Path(tempfile.mkdtemp(prefix="akhbar-shards-"))
    pool = _pool(n)
    try:
        futures = {}
        try:
            for i in shard_ids:
                futures[i] = pool.submit(_call_marked, call, fn, dict(const, shard_id=i), stage, str(marks / str(i)))
        except BrokenProcessPool:  # a worker died while shards were still being handed out
            pass
        if meanwhile:
            meanwhile()
        for i, future in futures.items():
            try:
                results[i] = future.result()
            except BrokenProcessPool:
                pass
            else:
                if on_done:
                    on_done(len(results))
    except BaseException:
        _stop(pool)  # a stop (signal) or a stage's error: no worker goes on
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        started = {int(p.name) for p in marks.iterdir()}
        shutil.rmtree(marks, ignore_errors=True)
    return started


def map_in_pool(call, stage, shard_ids: list[int], workers: int, const: dict, on_done=None, meanwhile=None) -> list:
    """call(stage.fn, kwargs) for each shard in a forked pool; a shard whose worker dies twice is lost.
    on_done(n) is called with the number of shards done each time one finishes; meanwhile(), when
    given, once while the first pool works (after its workers are forked, so they do not inherit it)."""
    name = getattr(stage, "name", stage.fn.__name__)
    results: dict[int, Any] = {}
    todo = list(shard_ids)
    while todo:
        started = _run_pool(call, stage.fn, name, todo, const, min(workers, len(todo)), results, on_done, meanwhile)
        meanwhile = None
        suspects = [i for i in todo if i not in results and i in started]
        if not suspects and any(i not in results for i in todo):
            raise StageWorkerDied(f"the {name} stage's worker processes died before running any shard")
        for i in suspects:  # alone, so a second death names its shard
            _run_pool(call, stage.fn, name, [i], const, 1, results, on_done)
            if i not in results:
                results[i] = lose_shard(name, const["run_dir"], i)
        todo = [i for i in todo if i not in results]
    return [results[i] for i in shard_ids]


def lose_shard(stage: str, run_dir: str, shard_id: int) -> dict:
    """A shard whose worker died: its partial files go, its inputs or records become rejects."""
    if stage == "ingest":
        return _lose_ingest_shard(Path(run_dir), shard_id)
    if stage == "clean":
        return _lose_clean_shard(Path(run_dir), shard_id)
    # Later stages feed the corpus-wide decisions already taken: the run cannot go on without the shard.
    raise StageWorkerDied(
        f"a worker process died in the {stage} stage (shard {shard_id}; out of memory?): "
        "the run stopped; try fewer --workers or a smaller --shard-size"
    )


def _rejects(uris: list[str], stage: str, path: Path) -> int:
    from akhbar.store import write_staged
    from akhbar.tasks.ingest import REJECT_SCHEMA

    rows = [{"source_uri": u, "stage": stage, "error": LOST_REASON} for u in uris]
    write_staged(pa.Table.from_pylist(rows, schema=REJECT_SCHEMA), path)
    return len(rows)


def _lose_ingest_shard(run: Path, shard_id: int) -> dict:
    from akhbar import staging
    from akhbar.store import write_staged
    from akhbar.tasks import ingest

    staging.folder(run, "ingest_records")
    for kind in ("ingest_records", "ingest_rejects", "ingest_files"):
        staging.path(run, kind, shard_id).unlink(missing_ok=True)
    # admit reads every records file: an empty one keeps that true when every shard is lost
    write_staged(ingest.STAGED_SCHEMA.empty_table(), staging.path(run, "ingest_records", shard_id))
    manifest = json.loads(staging.path(run, "ingest_plan", shard_id).read_text())
    n = _rejects([path for _index, path in manifest], "ingest", staging.path(run, "ingest_rejects", shard_id))
    return {"records": 0, "rejects": n, "files": 0, LOST: 1}


def _lose_clean_shard(run: Path, shard_id: int) -> dict:
    staging.folder(run, "clean_docs")
    for kind in ("clean_docs", "clean_paragraphs", "clean_minhash", "clean_rejects"):
        staging.path(run, kind, shard_id).unlink(missing_ok=True)
    index = pq.read_table(staging.path(run, "record_index", shard_id), columns=["source_uri", "input_index"])
    n = _rejects(index.column("source_uri").to_pylist(), "clean", staging.path(run, "clean_rejects", shard_id))
    _forget_inputs(run, set(index.column("input_index").to_pylist()))
    return {"documents": 0, "paragraphs": 0, "rejects": n, LOST: 1}


def _forget_inputs(run: Path, input_indexes: set[int]) -> None:
    """Leave these files out of the run's `inputs` rows, so the next run reads them again and stores
    the lost records (those already stored are known by doc_id and skipped)."""
    import pyarrow.compute as pc

    from akhbar.store import write_staged

    paths: set[str] = set()
    for plan in staging.paths(run, "ingest_plan"):
        paths.update(path for index, path in json.loads(plan.read_text()) if index in input_indexes)
    for files in staging.paths(run, "ingest_files"):
        table = pq.read_table(files)
        keep = pc.invert(pc.is_in(table.column("path"), pa.array(sorted(paths), pa.string())))
        if not pc.all(keep).as_py():
            write_staged(table.filter(keep), files)
