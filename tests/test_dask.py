"""The flow on a real Dask cluster: a `dask scheduler` and two `dask worker` processes on 127.0.0.1.

The tables must be identical to a single-process run of the same inputs (minus run_id and
ingested_at), with a different shard size, so scheduling and sharding cannot change results.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from akhbar import schema, store
from akhbar.flows.pipeline import LocalExecutor, akhbar_pipeline, dask_address_from, run_pipeline
from tests.conftest import REPO, SAMPLE, SHARED

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

COMPARED = ["documents", "paragraphs", "date_mentions"]
VOLATILE = {"run_id", "ingested_at"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs: list[subprocess.Popen]) -> None:
    """Stop by PID: SIGTERM, then SIGKILL whatever is still alive after 10 s."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


@pytest.fixture
def dask_cluster(tmp_path):
    """Scheduler + 2 single-threaded workers as subprocesses; yields (address, worker log paths)."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    dask = [sys.executable, "-m", "dask"]
    procs: list[subprocess.Popen] = []
    logs = {name: tmp_path / f"{name}.log" for name in ("scheduler", "worker-0", "worker-1")}
    try:
        procs.append(
            subprocess.Popen(
                dask + ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                cwd=REPO,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=open(logs["scheduler"], "w"),
            )
        )
        for i in range(2):
            procs.append(
                subprocess.Popen(
                    dask
                    + [
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--no-nanny",
                        "--host",
                        "127.0.0.1",
                        "--no-dashboard",
                        "--name",
                        f"w{i}",
                        "--local-directory",
                        str(tmp_path / f"w{i}"),
                    ],
                    cwd=REPO,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=open(logs[f"worker-{i}"], "w"),
                )
            )
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            assert len(client.scheduler_info()["workers"]) == 2
        yield address, [logs["worker-0"], logs["worker-1"]]
    finally:
        _stop(procs)
    assert all(p.poll() is not None for p in procs), "a dask process survived the test"


def _inputs() -> list[str]:
    inputs = [str(SAMPLE)]
    # A few real HTML pages when ../shared is there: the trafilatura path on the workers too.
    html = SHARED / "dev" / "html" / "newspaper4k"
    if html.exists():
        inputs += [str(p) for p in sorted(html.glob("*.html"))]
    return inputs


def _rows(out: Path, table: str) -> list[tuple]:
    cols = [f'"{c}"' for c in schema.SCHEMAS[table].names if c not in VOLATILE]
    con = store.connect(out)
    try:
        return con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_dask_address_from_env(monkeypatch):
    monkeypatch.setenv("AKHBAR_DASK_ADDRESS", "tcp://127.0.0.1:9")
    assert dask_address_from(None) == "tcp://127.0.0.1:9"
    assert dask_address_from("tcp://10.0.0.1:8786") == "tcp://10.0.0.1:8786"
    monkeypatch.delenv("AKHBAR_DASK_ADDRESS")
    assert dask_address_from(None) is None


def test_flow_on_dask_cluster_matches_single_process(prefect_server, dask_cluster, tmp_path):
    address, worker_logs = dask_cluster
    inputs = _inputs()

    single = tmp_path / "single"
    expected = run_pipeline(inputs, str(single), executor=LocalExecutor(workers=1))
    assert expected["published"] and expected["n_documents"] >= 5

    on_dask = tmp_path / "dask"
    # shard_size 2: several shards per stage, so both workers get some and shard count differs
    summary = akhbar_pipeline(inputs=inputs, out=str(on_dask), shard_size=2, dask_address=address)
    assert summary["published"] and summary["executor"] == "prefect-dask"
    assert summary["shards"]["records"] >= 3

    for table in COMPARED:
        got, want = _rows(on_dask, table), _rows(single, table)
        assert want, f"the single-process run wrote no {table} rows"
        assert got == want, f"{table} differs between the Dask run and the single-process run"

    # The shard tasks really ran in the worker processes (their logs show the task runs).
    logged = "".join(p.read_text(errors="replace") for p in worker_logs)
    assert "Task run 'clean" in logged and "Finished in state Completed" in logged, logged[-2000:]


def test_local_cluster_workers_settings():
    # The nanny's default MALLOC_TRIM_THRESHOLD_=65536 made ingest 1.6x slower, the statistical
    # profiler the dates stage 8-9 % slower, and the 20 ms event-loop ticks and frequent monitors
    # another 5 % (bench/README.md): the temporary local cluster starts its workers without them,
    # with the stage modules imported, and leaves this process's Dask config as it was.
    import dask
    import distributed  # noqa: F401  (loads distributed's default config)

    from akhbar.flows.orchestration import LOCAL_CLUSTER_CONFIG, stage_runner

    before = {key: dask.config.get(key) for key in LOCAL_CLUSTER_CONFIG}
    settings = [key for key in LOCAL_CLUSTER_CONFIG if ".pre-spawn-environ." not in key]
    assert dask.config.get("distributed.admin.tick.interval") != LOCAL_CLUSTER_CONFIG["distributed.admin.tick.interval"]
    with stage_runner("local", workers=1) as runner:
        malloc = runner.client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
        seen = runner.client.run(lambda: {key: __import__("dask").config.get(key) for key in settings})
        # the preloaded stage modules are imported before any task ran
        preloaded = runner.client.run(lambda: {"akhbar.tasks.clean", "prefect.task_engine"} <= set(sys.modules))
    assert malloc and set(malloc.values()) == {None}, malloc
    assert preloaded and set(preloaded.values()) == {True}, preloaded
    assert seen and all(config == {key: LOCAL_CLUSTER_CONFIG[key] for key in settings} for config in seen.values()), (
        seen
    )
    assert seen and all(config["distributed.worker.profile.enabled"] is False for config in seen.values())
    assert {key: dask.config.get(key) for key in LOCAL_CLUSTER_CONFIG} == before


def test_a_run_on_an_existing_cluster_plans_for_its_workers(dask_cluster):
    # Shards and task runs are planned for the cluster's worker threads (here 2), not for the
    # `workers` parameter's default of 1, which on a big cluster would leave most workers idle.
    from akhbar.flows.orchestration import PrefectExecutor, stage_runner

    address, _ = dask_cluster
    with stage_runner(address) as runner:
        assert PrefectExecutor(runner, workers=1).n_workers() == 2


def test_readme_worker_config_is_the_local_clusters():
    # The README's Dask config file for one's own workers sets exactly what the temporary local
    # cluster sets (so the two cannot drift apart).
    import re

    import yaml

    from akhbar.flows.orchestration import LOCAL_CLUSTER_CONFIG

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    assert len(blocks) == 1, "one Dask config block in the README"

    def flat(tree: dict, prefix: str = "") -> dict:
        out = {}
        for key, value in tree.items():
            if isinstance(value, dict):
                out.update(flat(value, f"{prefix}{key}."))
            else:
                out[f"{prefix}{key}"] = value
        return out

    assert flat(yaml.safe_load(blocks[0])) == LOCAL_CLUSTER_CONFIG
