"""The Prefect flow `akhbar-pipeline`: the orchestration of flows/orchestration.py as a flow run,
with task runs, retries, artifacts in the UI and, given a Dask scheduler, its shard tasks on a cluster.
prefect.yaml and `akhbar serve` deploy `flows/pipeline.py:akhbar_pipeline`."""

from __future__ import annotations

import json

from prefect import flow, get_run_logger

from akhbar import store
from akhbar.flows.orchestration import (  # noqa: F401  (re-exported: the pipeline's public names)
    DEFAULT_INPUTS,
    LocalExecutor,
    PrefectExecutor,
    dask_address_from,
    run_pipeline,
    stage_runner,
)
from akhbar.settings import Settings


@flow(name="akhbar-pipeline", log_prints=True)
def akhbar_pipeline(
    inputs: list[str] = DEFAULT_INPUTS,
    out: str = store.DEFAULT_OUT,
    shard_size: int = Settings.shard_size,
    dask_address: str | None = None,
    workers: int = 1,
    wait_for_lock: bool = True,
    columns: dict[str, str] | None = None,
) -> dict:
    """Ingest, clean, deduplicate and date the news pages under `inputs`; write Parquet under `out`.

    Args:
        inputs: Folders or files to read (text, HTML, JSON/JSONL, <DOC>, Parquet, CSV/TSV, WARC/ARC,
            zip; gzip, bz2, zstd too); folders are read recursively, and files an earlier run read
            unchanged are skipped.
        out: Output folder of the corpus tables (Parquet); created if missing.
        shard_size: Documents per shard, the unit of work of the shard stages.
        dask_address: Dask scheduler for the shard tasks (tcp://host:8786), "local" for a temporary
            local cluster of `workers` processes, or empty ($AKHBAR_DASK_ADDRESS, else no Dask).
        workers: Processes of a local cluster; more than 1 alone also starts one.
        wait_for_lock: Wait while another run writes to `out` (scheduled and clicked runs queue up)
            instead of failing.
        columns: For JSON, JSONL, Parquet and CSV/TSV records whose fields have other names,
            {role: field name} with roles text, html, url, title, published, author, crawled_at
            (e.g. {"text": "body"}).
    """
    from akhbar.flows.artifacts import RunArtifacts  # progress, per-site table and summary in the UI
    from akhbar.tasks.ingest.readers.fields import check_columns

    artifacts = RunArtifacts(out)
    address = dask_address_from(dask_address)
    try:
        with stage_runner(address, workers) as runner:
            executor = PrefectExecutor(runner, name="prefect-dask" if runner is not None else None, workers=workers)
            summary = run_pipeline(
                inputs,
                out,
                Settings(shard_size=shard_size, columns=check_columns(columns)),
                executor,
                wait_for_lock=wait_for_lock,
                on_stage=artifacts.on_stage,
            )
    except Exception as exc:
        # the user's mistake (a missing input, a full disk...): the run's last lines say so plainly
        from akhbar.cli import plain_error

        message = plain_error(exc, out)
        if message is None:
            raise
        get_run_logger().error(f"akhbar: {message}")
        raise RuntimeError(message) from exc
    print(json.dumps({k: v for k, v in summary.items() if k != "stage_counts"}, default=str))
    return summary
