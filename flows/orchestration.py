"""The pipeline DAG, orchestrated once: ingest -> admit -> clean -> dedup -> stories beside dates -> write -> publish.

This module imports no Prefect at load time: the CLI's quick path runs from here in about a
second; `flows/pipeline.py` wraps `run_pipeline` in the Prefect flow.

`STAGES` lists the stages with what each reads and writes; `run_pipeline` runs them in that order (a
stage declared `beside` a mapped stage runs in the driver while that stage's pool works), mapping the
per-shard ones over shards through an executor (flows/executors.py: `LocalExecutor`,
`PrefectExecutor`). Tasks receive the run folder and a shard id and return small dicts of counts,
so Prefect never hashes or ships big data.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from akhbar import __version__, store
from akhbar.flows.executors import (  # noqa: F401  (re-exported: callers import them from here)
    FN_SECONDS,
    LOCAL_CLUSTER_CONFIG,
    LocalExecutor,
    PrefectExecutor,
    dask_address_from,
    release_free_memory,
    shard_batches,
    stage_runner,
)
from akhbar.flows.workers import LOST
from akhbar.settings import Settings
from akhbar.tasks import clean, dates, dedup, ingest, stories, write

DEFAULT_INPUTS = [str(store.SAMPLE_DIR)]


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
    beside: str | None = None  # the mapped stage it runs beside, in the driver while that stage's pool works


# The DAG in the order run_pipeline runs it (docs/architecture.md has the same table with the columns).
STAGES: tuple[Stage, ...] = (
    Stage("ingest", "ingest.ingest_task", True, ("ingest_plan",), ("ingest_records", "ingest_rejects", "ingest_files")),
    Stage("admit", "ingest.admit_task", False, ("ingest_records", "table:documents"), ("record_index",)),
    Stage(
        "clean",
        "clean.clean_task",
        True,
        ("record_index", "ingest_records"),
        ("clean_paragraphs", "clean_docs", "clean_rejects", "clean_minhash", "clean_docsig"),
    ),
    Stage(
        "dedup",
        "dedup.dedup_task",
        False,
        (
            "clean_paragraphs",
            "clean_docs",
            "clean_minhash",
            "table:documents",
            "table:paragraphs",
            "table:site_lines",
            "table:paragraph_minhash",
        ),
        ("site_lines", "dedup_decisions", "final:paragraph_minhash"),
    ),
    Stage(
        "stories",
        "stories.stories_task",
        False,
        ("clean_docs", "clean_paragraphs", "dedup_decisions", "clean_docsig", "table:documents", "table:story_members"),
        ("story_assigned", "final:story_members"),
        beside="dates",  # neither reads what the other writes; stories' pass would leave a core idle alone
    ),
    Stage(
        "dates",
        "dates.dates_task",
        True,
        ("clean_docs", "clean_paragraphs", "dedup_decisions"),
        ("dates_published", "dates_mentions"),
    ),
    Stage(
        "write",
        "write.write_task",
        True,
        (
            "clean_docs",
            "clean_paragraphs",
            "dedup_decisions",
            "dates_published",
            "dates_mentions",
            "ingest_rejects",
            "clean_rejects",
            "ingest_files",
            "ingest_plan",
            "site_lines",
        ),
        (
            "final:documents",
            "final:paragraphs",
            "final:date_mentions",
            "final:rejects",
            "final:inputs",
            "final:site_lines",
        ),
    ),
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
        started = dt.datetime.now(dt.UTC)
        run_id = store.new_run_id(started)
        run = store.staging_dir(out_path, run_id)
        run.mkdir(parents=True)
        settings.save(run)
        run_dir = str(run)

        files = ingest.discover_input_paths(inputs)
        unchanged = ingest.unchanged_inputs(str(out_path), files)
        todo = [f for f in files if f not in unchanged]
        summary = {
            "run_id": run_id,
            "out": str(out_path),
            "executor": executor.name,
            "inputs": len(files),
            "inputs_skipped": len(unchanged),
        }
        if not todo:
            store.remove_incomplete(out_path)
            summary.update(published=False, message="no new inputs: nothing to do")
            notify("done", summary)
            return summary

        shards = ingest.plan_ingest_shards(todo, settings, executor.n_workers())
        ingest.save_ingest_plan(run_dir, shards)
        executor.prepare(clean.clean_task)  # its read-only state loads while the ingest stage runs
        ingested = timed(
            "ingest", lambda: _sum(executor.map(ingest.ingest_task, list(range(len(shards))), run_dir=run_dir))
        )
        admitted = timed(
            "admit",
            lambda: executor.call(
                ingest.admit_task, out_dir=str(out_path), run_dir=run_dir, workers=executor.n_workers()
            ),
        )
        cleaned: list[dict] = []

        def clean_all() -> dict:
            cleaned.extend(executor.map(clean.clean_task, admitted["shards"], run_dir=run_dir))
            return _sum(cleaned)

        timed("clean", clean_all)
        # a shard lost with its worker has its records in rejects and nothing for the later stages
        record_shards = [k for k, r in zip(admitted["shards"], cleaned) if not r.get(LOST)]
        stories_beside = None
        if record_shards:
            timed(
                "dedup", lambda: executor.call(dedup.dedup_task, out_dir=str(out_path), run_dir=run_dir, run_id=run_id)
            )

            def stories_beside() -> None:  # STAGES: stories runs beside dates
                timed(
                    "stories",
                    lambda: executor.call(stories.stories_task, out_dir=str(out_path), run_dir=run_dir, run_id=run_id),
                )

        timed(
            "dates", lambda: _sum(executor.map(dates.dates_task, record_shards, run_dir=run_dir, beside=stories_beside))
        )
        side: dict[str, int] = {}

        def write_all() -> dict:
            written = _sum(
                executor.map(
                    write.write_task, record_shards, run_dir=run_dir, run_id=run_id, ingested_at=started.isoformat()
                )
            )
            side.update(write.stage_side_tables(run_dir, run_id, started.isoformat()))
            return written

        written = timed("write", write_all)
        finished = dt.datetime.now(dt.UTC)
        runs_row = {
            "run_id": run_id,
            "started_at": started,
            "finished_at": finished,
            "parameters": {
                "inputs": inputs,
                "out": str(out_path),
                "settings": settings.as_dict(),
                "executor": executor.name,
            },
            "n_inputs": len(todo),
            "n_inputs_skipped": len(unchanged),
            "n_records": ingested.get("records", 0),
            "n_seen": admitted["seen"],
            "n_documents": written.get("documents", 0),
            "n_rejects": side["rejects"],
            "n_paragraphs": written.get("paragraphs", 0),
            "n_kept": written.get("kept", 0),
            "n_boilerplate": written.get("boilerplate", 0),
            "n_duplicate": written.get("duplicate", 0),
            "n_metadata": written.get("metadata", 0),
            "n_date_mentions": written.get("date_mentions", 0),
            "n_published": written.get("published", 0),
            "stage_seconds": seconds,
            "akhbar_version": __version__,
        }
        timed(
            "publish",
            lambda: (
                executor.call(
                    write.publish_task, out_dir=str(out_path), run_dir=run_dir, run_id=run_id, runs_row=runs_row
                )
                or {}
            ),
        )
        summary.update(
            {k: v for k, v in runs_row.items() if k.startswith("n_")},
            published=True,
            stage_seconds=seconds,
            stage_fn_seconds=fn_seconds,
            stage_counts=counts,
            shards={"ingest": len(shards), "records": len(record_shards)},
        )
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
