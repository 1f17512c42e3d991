"""The pipeline DAG: ingest -> admit -> clean -> dedup -> dates -> write -> publish.

`run_pipeline` holds the orchestration once. It maps stage functions over shards through an
executor: `PrefectExecutor` submits the thin Prefect task wrappers (task runs in the UI, retries,
Dask when the flow runs with a DaskTaskRunner); `LocalExecutor` calls the same stage functions
directly (the CLI's quick path when no Prefect server is configured). Tasks receive the run folder
and a shard id and return small dicts of counts, so Prefect never hashes or ships big data.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable

from prefect import flow

from akhbar import __version__, store
from akhbar.settings import Settings
from tasks import clean, dates, dedup, ingest, write

DEFAULT_INPUTS = ["data/sample"]


class LocalExecutor:
    """Runs stage functions in this process, or in a process pool when workers > 1."""

    name = "local"

    def __init__(self, workers: int = 1):
        self.workers = max(1, int(workers))
        self._pool = ProcessPoolExecutor(self.workers) if self.workers > 1 else None

    def map(self, stage, shard_ids: list[int], **const) -> list[dict]:
        fn = stage.fn
        if self._pool is None or len(shard_ids) < 2:
            return [fn(shard_id=i, **const) for i in shard_ids]
        futures = [self._pool.submit(fn, shard_id=i, **const) for i in shard_ids]
        return [f.result() for f in futures]

    def call(self, stage, **kwargs) -> Any:
        return stage.fn(**kwargs)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()


class PrefectExecutor:
    """Submits Prefect task runs; must be used inside a flow run."""

    name = "prefect"

    def map(self, stage, shard_ids: list[int], **const) -> list[dict]:
        from prefect import unmapped

        if not shard_ids:
            return []
        futures = stage.map(shard_id=shard_ids, **{k: unmapped(v) for k, v in const.items()})
        return futures.result()

    def call(self, stage, **kwargs) -> Any:
        return stage(**kwargs)

    def close(self) -> None:
        pass


def _sum(results: list[dict]) -> dict:
    total: dict[str, int] = {}
    for r in results:
        for k, v in r.items():
            if isinstance(v, (int, float)):
                total[k] = total.get(k, 0) + v
    return total


def run_pipeline(
    inputs: list[str] | None = None,
    out: str | None = None,
    settings: Settings | None = None,
    executor=None,
    wait_for_lock: bool = False,
    on_stage: Callable[[str, dict], None] | None = None,
) -> dict:
    """Run every stage on the inputs not seen before; publish the run atomically. Returns a summary."""
    settings = settings or Settings()
    executor = executor or LocalExecutor()
    inputs = list(inputs or DEFAULT_INPUTS)
    out_path = store.resolve_out(out)
    notify = on_stage or (lambda stage, counts: None)
    seconds: dict[str, float] = {}
    counts: dict[str, dict] = {}

    def timed(stage: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        result = fn()
        seconds[stage] = round(time.perf_counter() - t0, 3)
        counts[stage] = result if isinstance(result, dict) else {}
        notify(stage, counts[stage])
        return result

    with store.run_lock(out_path, wait=wait_for_lock):
        store.init_layout(out_path)
        store.remove_incomplete(out_path)
        started = dt.datetime.now(dt.timezone.utc)
        run_id = store.new_run_id(started)
        run = store.staging_dir(out_path, run_id)
        run.mkdir(parents=True)
        settings.save(run)
        run_dir = str(run)

        files = ingest.discover_inputs(inputs)
        unchanged = ingest.unchanged_inputs(str(out_path), files)
        todo = [f for f in files if str(f) not in unchanged]
        summary = {"run_id": run_id, "out": str(out_path), "executor": executor.name,
                   "inputs": len(files), "inputs_skipped": len(unchanged)}
        if not todo:
            store.remove_incomplete(out_path)
            summary.update(published=False, message="no new inputs: nothing to do")
            notify("done", summary)
            return summary

        shards = ingest.plan_ingest_shards(todo, settings)
        (run / "ingest_shards.json").write_text(json.dumps(shards))
        ingested = timed("ingest", lambda: _sum(executor.map(ingest.ingest_task, list(range(len(shards))), run_dir=run_dir)))
        admitted = timed("admit", lambda: executor.call(ingest.admit_task, out_dir=str(out_path), run_dir=run_dir))
        record_shards = admitted["shards"]
        timed("clean", lambda: _sum(executor.map(clean.clean_task, record_shards, run_dir=run_dir)))
        if record_shards:
            timed("dedup", lambda: executor.call(dedup.dedup_task, out_dir=str(out_path), run_dir=run_dir, run_id=run_id))
        timed("dates", lambda: _sum(executor.map(dates.dates_task, record_shards, run_dir=run_dir)))
        written = timed("write", lambda: _sum(executor.map(
            write.write_task, record_shards, run_dir=run_dir, run_id=run_id, ingested_at=started.isoformat())))
        side = write.stage_side_tables(run_dir, run_id, started.isoformat())
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
                       stage_seconds=seconds, stage_counts=counts)
        notify("done", summary)
        return summary


# ---------------------------------------------------------------- the Prefect flow

@flow(name="akhbar-pipeline", log_prints=True)
def akhbar_pipeline(inputs: list[str] = DEFAULT_INPUTS, out: str = store.DEFAULT_OUT,
                    shard_size: int = Settings.shard_size) -> dict:
    """Ingest, clean, deduplicate and date the news pages under `inputs`; write Parquet under `out`."""
    summary = run_pipeline(inputs, out, Settings(shard_size=shard_size), PrefectExecutor())
    print(json.dumps({k: v for k, v in summary.items() if k != "stage_counts"}, default=str))
    return summary
