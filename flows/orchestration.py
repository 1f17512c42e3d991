"""The pipeline DAG, orchestrated once: ingest -> admit -> clean -> dedup -> stories -> dates -> write -> publish.

This module imports no Prefect at load time: the CLI's quick path runs from here in about a
second; `flows/pipeline.py` wraps `run_pipeline` in the Prefect flow.

`run_pipeline` holds the orchestration once. It maps stage functions over shards through an
executor: `PrefectExecutor` submits the thin Prefect task wrappers (task runs in the UI, retries;
on a Dask cluster when the flow gets `dask_address`/$AKHBAR_DASK_ADDRESS or `workers` > 1, see
`stage_runner`); `LocalExecutor` calls the same stage functions directly, in a forked process pool
when workers > 1 (the CLI's quick path when no Prefect server is configured). Tasks receive the run folder
and a shard id and return small dicts of counts, so Prefect never hashes or ships big data.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable


from akhbar import __version__, store
from akhbar.settings import Settings
from flows.workers import LOST, map_in_pool
from tasks import clean, dates, dedup, ingest, stories, write

DEFAULT_INPUTS = ["data/sample"]


# Each stage call reports how long the stage function itself ran (`fn_seconds`), so a run can tell
# its work from its orchestration and I/O between stages (bench/pipeline.py prints the share).
FN_SECONDS = "fn_seconds"


def _call_timed(fn: Callable[..., Any], kwargs: dict) -> Any:
    t0 = time.perf_counter()
    result = fn(**kwargs)
    if isinstance(result, dict):
        result = {**result, FN_SECONDS: time.perf_counter() - t0}
    return result


class LocalExecutor:
    """Runs stage functions in this process, or in a process pool when workers > 1."""

    name = "local"

    def __init__(self, workers: int = 1):
        self.workers = max(1, int(workers))

    def n_workers(self) -> int:
        return self.workers

    def map(self, stage, shard_ids: list[int], **const) -> list[dict]:
        fn = stage.fn
        if self.workers == 1 or len(shard_ids) < 2:
            return [_call_timed(fn, dict(const, shard_id=i)) for i in shard_ids]
        # A forked pool per mapped stage (flows/workers.py): its workers die with this process, and a
        # worker killed for memory costs only its shard.
        return map_in_pool(_call_timed, stage, shard_ids, self.workers, const)

    def call(self, stage, **kwargs) -> Any:
        return _call_timed(stage.fn, kwargs)


def _timed_fn(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)  # keeps the signature Prefect reads for parameters
    def timed(**kwargs):
        return _call_timed(fn, kwargs)

    return timed


def release_free_memory() -> None:
    """Hand the heap memory this process has freed back to the OS (glibc's malloc_trim, Arrow's
    pool). A Dask worker lives through every stage of a run: without this it kept 50-90 MiB more
    per worker while the flow ran the corpus-wide dedup pass, the run's memory peak."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to do
        pass
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _batch_fn(fn: Callable[..., Any]) -> Callable[..., Any]:
    """fn over a batch of shards: parameter `shard_ids` (a list) in place of `shard_id`; returns one
    result dict per shard (with fn_seconds), in order."""
    import inspect

    sig = inspect.signature(fn)
    params = [p if p.name != "shard_id" else p.replace(name="shard_ids", annotation=list[int])
              for p in sig.parameters.values()]
    batch_sig = sig.replace(parameters=params)

    def batch(*args, **kwargs):
        kwargs = dict(batch_sig.bind(*args, **kwargs).arguments)  # Prefect passes them positionally
        shard_ids = kwargs.pop("shard_ids")
        results = [_call_timed(fn, dict(kwargs, shard_id=i)) for i in shard_ids]
        release_free_memory()
        return results

    batch.__signature__ = batch_sig  # what Prefect reads for parameters
    batch.__name__ = batch.__qualname__ = fn.__name__
    batch.__module__ = fn.__module__
    batch.__doc__ = fn.__doc__
    return batch


_DERIVED_TASKS: dict[str, Any] = {}


def _derived_task(stage, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]):
    """A Prefect task running wrap(stage's function), with the stage task's name, retries and cache
    policy; built once per stage and wrapper.

    `stage` is an akhbar.tasking.StageTask (its Prefect task is built on first use) or a Task."""
    from prefect import Task

    base = stage if isinstance(stage, Task) else stage.task
    key = f"{wrap.__name__}:{base.fn.__module__}.{base.fn.__qualname__}"
    if key not in _DERIVED_TASKS:
        _DERIVED_TASKS[key] = Task(fn=wrap(base.fn), name=base.name, cache_policy=base.cache_policy,
                                   retries=base.retries, retry_delay_seconds=base.retry_delay_seconds)
    return _DERIVED_TASKS[key]


# Prefect task runs per worker and mapped stage. Each task run costs 0.1-0.3 CPU-s of API work (the
# server, the flow and the worker, on the same cores here): one per shard was 28 % of a Dask run's
# wall time on the 72k corpus (286 task runs). More than one per worker lets a worker that finishes
# early take more work at the end of a stage. 2 rather than 4 (bench/README.md, sixth session): the
# 72k corpus on 2 Dask workers took 62-64 s against 66-70 s in three alternating pairs, with 110-112
# CPU-s against 113-121, and 1.62-1.89x the speed of 1 worker (4: 1.45-1.91x over 12 rounds).
TASKS_PER_WORKER = 2


def shard_batches(shard_ids: list[int], n_tasks: int) -> list[list[int]]:
    """shard_ids in at most n_tasks consecutive batches of near-equal size (input order kept)."""
    if not shard_ids:
        return []
    n_tasks = max(1, min(int(n_tasks), len(shard_ids)))
    size, extra = divmod(len(shard_ids), n_tasks)
    out, start = [], 0
    for k in range(n_tasks):
        end = start + size + (1 if k < extra else 0)
        out.append(list(shard_ids[start:end]))
        start = end
    return out


class PrefectExecutor:
    """Submits Prefect task runs; must be used inside a flow run.

    Mapped stages go to `task_runner` when one is given (an entered DaskTaskRunner or process
    pool, see `stage_runner`), else to the flow's own task runner. Single calls (admit, dedup,
    publish) run in the flow's process: each is one DuckDB pass that uses the cores itself.
    """

    name = "prefect"

    def __init__(self, task_runner=None, name: str | None = None, workers: int = 1):
        self.task_runner = task_runner
        self.workers = max(1, int(workers or 1))
        if name:
            self.name = name

    def n_workers(self) -> int:
        """Worker threads of the Dask cluster behind `task_runner`, else the `workers` parameter.

        DaskTaskRunner connects to its scheduler (or starts the temporary cluster) on first use of
        its `client` property, not when entered: reading it here is what makes a run on an existing
        cluster plan its shards and task runs for the cluster's workers (reading the private
        `_client` before the first task returned None, so such a run planned for 1 worker)."""
        if self.task_runner is not None and isinstance(getattr(type(self.task_runner), "client", None), property):
            try:
                return max(1, sum(self.task_runner.client.nthreads().values()))
            except Exception:  # noqa: BLE001 - an older/newer runner: fall back to the parameter
                pass
        return self.workers

    def map(self, stage, shard_ids: list[int], **const) -> list[dict]:
        from prefect import unmapped

        if not shard_ids:
            return []
        task = _derived_task(stage, _batch_fn)
        batches = shard_batches(shard_ids, TASKS_PER_WORKER * self.n_workers())
        params = dict({k: unmapped(v) for k, v in const.items()}, shard_ids=batches)
        if self.task_runner is not None:
            futures = self.task_runner.map(task, params)
        else:
            futures = task.map(**params)
        return [result for batch in futures.result() for result in batch]

    def call(self, stage, **kwargs) -> Any:
        return _derived_task(stage, _timed_fn)(**kwargs)


def dask_address_from(dask_address: str | None = None) -> str | None:
    """The scheduler to use: the argument, else $AKHBAR_DASK_ADDRESS; "local" = a temporary local cluster."""
    return (dask_address or os.environ.get("AKHBAR_DASK_ADDRESS") or "").strip() or None


@contextmanager
def stage_runner(dask_address: str | None = None, workers: int = 1):
    """The task runner for the mapped stages, entered for the duration of a run (None = the flow's).

    - a scheduler address (argument or $AKHBAR_DASK_ADDRESS): DaskTaskRunner on that cluster;
      its workers must import akhbar/tasks/flows (the installed package) and see the output folder;
    - "local", or workers > 1 with no address: a temporary local Dask cluster of `workers`
      single-threaded processes (the stage code holds the GIL, so threads would not add cores).
    """
    address = dask_address_from(dask_address)
    workers = max(1, int(workers or 1))
    if address is None and workers == 1:
        yield None
        return
    from prefect_dask import DaskTaskRunner

    if address and address != "local":
        with DaskTaskRunner(address=address) as runner:
            yield runner
        return
    import dask

    runner = DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1,
                                            "processes": True, "dashboard_address": None})
    with dask.config.set(LOCAL_CLUSTER_CONFIG), runner:  # the cluster starts inside, on first use
        yield runner


# The temporary local cluster's worker settings (bench/README.md has the measurements):
# - the nanny gives its workers MALLOC_TRIM_THRESHOLD_=65536 by default, which also turns off glibc's
#   adaptive mmap threshold: ingest ran 1.6x slower with it. None = leave glibc's defaults;
# - the statistical profiler samples every thread's stack every 10 ms for a dashboard this cluster
#   does not have: the dates stage on 2 workers took 8-9 % longer with it;
# - every event loop (the workers', and the scheduler's and nannies' in the flow process) wakes every
#   20 ms to check it is not blocked, the nannies read their workers' memory every 100 ms and each
#   worker its system metrics every 500 ms, taking the GIL from the stage code each time. At 1 s,
#   1 s and 5 s the dates stage on 2 workers took 23.4 s (median of 4) against 24.8 s, and the
#   scheduler's process used 0.3-0.4 CPU-s against 1.2 (bench/README.md);
# - each worker imports the stage modules and Prefect's task engine (1.2-1.4 s) as it starts, with the
#   others, instead of in its first task run, which may come late (on the sample the second worker's
#   first task was in the clean stage): the sample ran in 4.3-4.9 s on 2 workers against 6.3-6.9 s,
#   and in 4.2-4.3 s on 1 worker either way.
LOCAL_CLUSTER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.preload": ["flows.orchestration", "prefect.task_engine"],
}


def _sum(results: list[dict]) -> dict:
    total: dict[str, int] = {}
    for r in results:
        for k, v in r.items():
            if isinstance(v, (int, float)):
                total[k] = total.get(k, 0) + v
    return total


@dataclass(frozen=True)
class Stage:
    """One stage of the DAG: what it reads and writes (akhbar.staging kinds, `table:<name>` for a
    published table of earlier runs, `final:<name>` for a table's files assembled for publish)."""

    name: str
    task: str  # the StageTask, "module.attribute" under tasks/
    per_shard: bool  # mapped over shards, or one corpus-wide call
    reads: tuple[str, ...]
    writes: tuple[str, ...]


# The DAG in the order run_pipeline runs it (docs/architecture.md has the same table with the columns).
STAGES: tuple[Stage, ...] = (
    Stage("ingest", "ingest.ingest_task", True, ("ingest_plan",),
          ("ingest_records", "ingest_rejects", "ingest_files")),
    Stage("admit", "ingest.admit_task", False, ("ingest_records", "table:documents"), ("record_index",)),
    Stage("clean", "clean.clean_task", True, ("record_index", "ingest_records"),
          ("clean_paragraphs", "clean_docs", "clean_rejects", "clean_minhash", "clean_docsig")),
    Stage("dedup", "dedup.dedup_task", False,
          ("clean_paragraphs", "clean_docs", "clean_minhash", "table:documents", "table:paragraphs",
           "table:site_lines", "table:paragraph_minhash"),
          ("site_lines", "dedup_decisions", "final:paragraph_minhash")),
    Stage("stories", "stories.stories_task", False,
          ("clean_docs", "clean_paragraphs", "dedup_decisions", "clean_docsig", "table:documents",
           "table:story_members"),
          ("final:story_members",)),
    Stage("dates", "dates.dates_task", True, ("clean_docs", "clean_paragraphs", "dedup_decisions"),
          ("dates_published", "dates_mentions")),
    Stage("write", "write.write_task", True,
          ("clean_docs", "clean_paragraphs", "dedup_decisions", "dates_published", "dates_mentions",
           "ingest_rejects", "clean_rejects", "ingest_files", "ingest_plan", "site_lines"),
          ("final:documents", "final:paragraphs", "final:date_mentions", "final:rejects", "final:inputs",
           "final:site_lines")),
    Stage("publish", "write.publish_task", False, ("final:*",), ("table:*", "table:runs")),
)


def run_pipeline(
    inputs: list[str] | None = None,
    out: str | None = None,
    settings: Settings | None = None,
    executor=None,
    wait_for_lock: bool = False,
    on_stage: Callable[[str, dict], None] | None = None,
) -> dict:
    """Run every stage of STAGES on the inputs not seen before; publish the run atomically. Returns a summary."""
    settings = settings or Settings()
    executor = executor or LocalExecutor()
    inputs = list(inputs or DEFAULT_INPUTS)
    out_path = store.resolve_out(out)
    notify = on_stage or (lambda stage, counts: None)
    seconds: dict[str, float] = {}
    fn_seconds: dict[str, float] = {}  # summed over shards: > wall when shards ran in parallel
    counts: dict[str, dict] = {}

    def timed(stage: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        result = fn()
        seconds[stage] = round(time.perf_counter() - t0, 3)
        if isinstance(result, dict) and FN_SECONDS in result:
            result = dict(result)
            fn_seconds[stage] = round(result.pop(FN_SECONDS), 3)
        counts[stage] = result if isinstance(result, dict) else {}
        notify(stage, counts[stage])
        return result

    with locked_run_folder(out_path, wait=wait_for_lock):
        store.init_layout(out_path)
        store.remove_incomplete(out_path)
        started = dt.datetime.now(dt.timezone.utc)
        run_id = store.new_run_id(started)
        run = store.staging_dir(out_path, run_id)
        run.mkdir(parents=True)
        settings.save(run)
        run_dir = str(run)

        files = ingest.discover_input_paths(inputs)
        unchanged = ingest.unchanged_inputs(str(out_path), files)
        todo = [f for f in files if f not in unchanged]
        summary = {"run_id": run_id, "out": str(out_path), "executor": executor.name,
                   "inputs": len(files), "inputs_skipped": len(unchanged)}
        if not todo:
            store.remove_incomplete(out_path)
            summary.update(published=False, message="no new inputs: nothing to do")
            notify("done", summary)
            return summary

        shards = ingest.plan_ingest_shards(todo, settings, executor.n_workers())
        ingest.save_ingest_plan(run_dir, shards)
        ingested = timed("ingest", lambda: _sum(executor.map(ingest.ingest_task, list(range(len(shards))), run_dir=run_dir)))
        admitted = timed("admit", lambda: executor.call(ingest.admit_task, out_dir=str(out_path), run_dir=run_dir,
                                                                workers=executor.n_workers()))
        cleaned: list[dict] = []

        def clean_all() -> dict:
            cleaned.extend(executor.map(clean.clean_task, admitted["shards"], run_dir=run_dir))
            return _sum(cleaned)

        timed("clean", clean_all)
        # a shard lost with its worker has its records in rejects and nothing for the later stages
        record_shards = [k for k, r in zip(admitted["shards"], cleaned) if not r.get(LOST)]
        if record_shards:
            timed("dedup", lambda: executor.call(dedup.dedup_task, out_dir=str(out_path), run_dir=run_dir, run_id=run_id))
            timed("stories", lambda: executor.call(stories.stories_task, out_dir=str(out_path), run_dir=run_dir,
                                                   run_id=run_id))
        timed("dates", lambda: _sum(executor.map(dates.dates_task, record_shards, run_dir=run_dir)))
        side: dict[str, int] = {}

        def write_all() -> dict:
            written = _sum(executor.map(write.write_task, record_shards, run_dir=run_dir, run_id=run_id,
                                        ingested_at=started.isoformat()))
            side.update(write.stage_side_tables(run_dir, run_id, started.isoformat()))
            return written

        written = timed("write", write_all)
        finished = dt.datetime.now(dt.timezone.utc)
        runs_row = {
            "run_id": run_id, "started_at": started, "finished_at": finished,
            "parameters": {"inputs": inputs, "out": str(out_path), "settings": settings.as_dict(),
                           "executor": executor.name},
            "n_inputs": len(todo), "n_inputs_skipped": len(unchanged),
            "n_records": ingested.get("records", 0), "n_seen": admitted["seen"],
            "n_documents": written.get("documents", 0), "n_rejects": side["rejects"],
            "n_paragraphs": written.get("paragraphs", 0), "n_kept": written.get("kept", 0),
            "n_boilerplate": written.get("boilerplate", 0), "n_duplicate": written.get("duplicate", 0),
            "n_metadata": written.get("metadata", 0), "n_date_mentions": written.get("date_mentions", 0),
            "n_published": written.get("published", 0), "stage_seconds": seconds,
            "akhbar_version": __version__,
        }
        timed("publish", lambda: executor.call(write.publish_task, out_dir=str(out_path), run_dir=run_dir,
                                               run_id=run_id, runs_row=runs_row) or {})
        summary.update({k: v for k, v in runs_row.items() if k.startswith("n_")}, published=True,
                       stage_seconds=seconds, stage_fn_seconds=fn_seconds, stage_counts=counts,
                       shards={"ingest": len(shards), "records": len(record_shards)})
        notify("done", summary)
        return summary


RUN_NOTE = "akhbar run folder: "  # the note a failed run's error carries: what became of its files


class RunStopped(KeyboardInterrupt):
    """A run stopped by a signal, its folder cleaned up; the message says what the tables hold."""


@contextmanager
def locked_run_folder(out: Path, wait: bool = False):
    """The output folder, locked for one run. A run that fails or is stopped leaves neither its
    staging nor any file it had moved into the tables; its error says so (RunStopped's message,
    or a note starting with RUN_NOTE)."""
    with store.run_lock(out, wait=wait):
        before = store.completed_runs(out) if (out / "runs").is_dir() else set()
        try:
            yield
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM as the CLI turns it
            raise RunStopped(_clean_up(out, before)) from exc
        except BaseException as exc:
            exc.add_note(RUN_NOTE + _clean_up(out, before))
            raise


def _clean_up(out: Path, before: set[str]) -> str:
    """Remove a failed or stopped run's staging and any file it had moved into the tables."""
    try:
        store.remove_incomplete(out)
    except OSError:
        pass
    staging = out / store.STAGING
    left = staging.is_dir() and any(staging.iterdir())
    try:
        published = sorted(store.completed_runs(out) - before)
    except OSError:
        published = []
    tables = f"run {published[0]} was published" if published else "tables unchanged"
    return f"{tables}; " + (f"staging left in {staging} (the next run removes it)" if left else "staging removed")
