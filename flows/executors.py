"""Executors of the pipeline's stages: how run_pipeline maps a stage function over shards.

`LocalExecutor` calls the stage functions directly, in a forked process pool when workers > 1;
`PrefectExecutor` submits the thin Prefect task wrappers (task runs in the UI, retries; on a Dask
cluster when given a task runner, see `stage_runner`). Neither imports Prefect at load time.
"""

from __future__ import annotations

import functools
import gc
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from akhbar.flows.workers import map_in_pool

# Each stage call reports how long the stage function itself ran (`fn_seconds`), so a run can tell
# its work from its orchestration and I/O between stages (bench/pipeline.py prints the share).
FN_SECONDS = "fn_seconds"


def _call_timed(fn: Callable[..., Any], kwargs: dict) -> Any:
    t0 = time.perf_counter()
    result = fn(**kwargs)
    if isinstance(result, dict):
        result = {**result, FN_SECONDS: time.perf_counter() - t0}
    return result


def _call_released(fn: Callable[..., Any], kwargs: dict) -> Any:
    """_call_timed in a pool worker, then the heap the shard freed handed back: a worker runs many
    shards, and its allocator would otherwise keep every shard's high-water mark. The cyclic GC waits
    for the shard's end: its objects die with it, and tracing them while it ran cost the clean stage 0.6
    of its 13 CPU-s (bench/stage_cpu.py); what cycles it left are collected then."""
    gc.disable()
    try:
        result = _call_timed(fn, kwargs)
    finally:
        gc.enable()
        gc.collect(0)  # the shard's objects are all in the youngest generation
    release_free_memory()
    return result


class LocalExecutor:
    """Runs stage functions in this process, or in a process pool when workers > 1."""

    name = "local"

    def __init__(self, workers: int = 1, on_shard: Callable[[str, int, int], None] | None = None):
        self.workers = max(1, int(workers))
        self.on_shard = on_shard  # (stage, shards done, shards in all) after each shard: the CLI's progress bar
        self._to_preload: list[Callable[[], Callable[[], None]]] = []  # during the next pool stage
        self._preloaded: dict[Callable[[], Callable[[], None]], Callable[[], None]] = {}  # preload -> release

    def n_workers(self) -> int:
        return self.workers

    def prepare(self, stage) -> None:
        """Run `stage`'s preload while the next mapped stage's pool works, not before `stage`'s own
        pool: this process only waits for that pool's workers, and the load (the language model's
        is ~0.4 s) would otherwise hold both cores idle but one (bench/html_vs_trafilatura.py)."""
        preload = getattr(stage, "preload", None)
        if self.workers > 1 and preload is not None and preload not in self._to_preload:
            self._to_preload.append(preload)

    def _preload_pending(self) -> None:
        while self._to_preload:
            preload = self._to_preload.pop(0)
            if preload not in self._preloaded:
                self._preloaded[preload] = preload()

    def map(self, stage, shard_ids: list[int], beside: Callable[[], Any] | None = None, **const) -> list[dict]:
        """stage.fn(shard_id=i, **const) for each shard, in a forked pool when workers > 1. `beside()`, when
        given, runs once in this process while the pool's workers work (they are forked before it starts,
        so none inherits its state); without a pool, before the shards."""
        fn = stage.fn
        name = getattr(stage, "name", fn.__name__)
        done = self.on_shard and (lambda n: self.on_shard(name, n, len(shard_ids)))
        preload = getattr(stage, "preload", None)
        if preload is not None and preload in self._to_preload:
            self._to_preload.remove(preload)  # no pool stage ran before this one: loaded below, as usual
        release = self._preloaded.pop(preload, None)
        try:
            if self.workers == 1 or len(shard_ids) < 2:
                if beside:
                    beside()
                results = []
                for i in shard_ids:
                    results.append(_call_timed(fn, dict(const, shard_id=i)))
                    if done:
                        done(len(results))
                return results
            # A forked pool per mapped stage (flows/workers.py): its workers die with this process, and a
            # worker killed for memory costs only its shard.
            if preload is not None and release is None:
                release = preload()
            return map_in_pool(
                _call_released, stage, shard_ids, self.workers, const, on_done=done, meanwhile=self._meanwhile(beside)
            )
        finally:
            if release:
                release()
                release_free_memory()

    def _meanwhile(self, beside: Callable[[], Any] | None) -> Callable[[], None]:
        """What this process does while a pool works: the pending preloads, then `beside`."""

        def meanwhile() -> None:
            self._preload_pending()
            if beside:
                beside()

        return meanwhile

    def call(self, stage, **kwargs) -> Any:
        result = _call_timed(stage.fn, kwargs)
        # a corpus-wide pass runs here, and the next stage's forked workers would inherit the heap it freed
        release_free_memory()
        return result


def _timed_fn(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)  # keeps the signature Prefect reads for parameters
    def timed(**kwargs):
        return _call_timed(fn, kwargs)

    return timed


def release_free_memory() -> None:
    """Hand the heap memory this process has freed back to the OS (glibc's malloc_trim, Arrow's
    pool): a Dask worker lives through every stage, and would hold it during the dedup pass, the
    run's memory peak (bench/pipeline.py)."""
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
    params = [
        p if p.name != "shard_id" else p.replace(name="shard_ids", annotation=list[int])
        for p in sig.parameters.values()
    ]
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
        _DERIVED_TASKS[key] = Task(
            fn=wrap(base.fn),
            name=base.name,
            cache_policy=base.cache_policy,
            retries=base.retries,
            retry_delay_seconds=base.retry_delay_seconds,
        )
    return _DERIVED_TASKS[key]


# Prefect task runs per worker and mapped stage: each task run costs API work, so not one per shard;
# more than one lets a worker that finishes early take more at the end of a stage (bench/pipeline.py).
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
            except Exception:
                pass
        return self.workers

    def prepare(self, stage) -> None:
        """Nothing to do ahead: the stage's task runs load what they need (LocalExecutor.prepare)."""

    def map(self, stage, shard_ids: list[int], beside: Callable[[], Any] | None = None, **const) -> list[dict]:
        """The stage's task runs over shard batches; `beside()` (LocalExecutor.map) first, in the flow's process."""
        from prefect import unmapped

        if beside:
            beside()
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

    runner = DaskTaskRunner(
        cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None}
    )
    with dask.config.set(LOCAL_CLUSTER_CONFIG), runner:  # the cluster starts inside, on first use
        yield runner


# The temporary local cluster's worker settings (bench/README.md has the measurements):
# - glibc's defaults, not the nanny's MALLOC_TRIM_THRESHOLD_ (it turns off the adaptive mmap threshold);
# - no statistical profiler: it samples every thread's stack for a dashboard this cluster does not have;
# - slower event-loop ticks and memory/system monitors: each wake-up takes the GIL from the stage code;
# - each worker imports the stage modules and Prefect's task engine as it starts, not in its first
#   task run, which may come late.
LOCAL_CLUSTER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.preload": ["akhbar.flows.orchestration", "prefect.task_engine"],
}
