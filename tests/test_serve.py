"""Operating akhbar: a real Prefect server, `akhbar serve`, the UI's Run button, artifacts; `akhbar up`.

Everything runs for real: `prefect server start` on a free loopback port with its own PREFECT_HOME
(under tmp), `akhbar serve` / `akhbar up` as subprocesses, runs triggered through the API call the
UI's Run button makes (create a flow run from the deployment), results read back with DuckDB.
Every process is stopped by its own PID (its process group), also when a test fails.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from akhbar import store

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
STARTUP_TIMEOUT = 150  # a cold server start (database migrations) takes 30-60 s on 2 cores


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(api: str) -> bool:
    try:
        with urllib.request.urlopen(api + "/health", timeout=5) as resp:
            return resp.status == 200
    except OSError:
        return False


def child_env(home: Path, api: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "AKHBAR_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    if api:
        env["PREFECT_API_URL"] = api
    return env


def spawn(args: list[str], env: dict, log: Path, cwd: Path) -> subprocess.Popen:
    with open(log, "ab") as fh:
        # Own session: the group id is the child's PID, so stopping it reaches its helpers too.
        return subprocess.Popen(
            args,
            env=env,
            cwd=cwd,
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )


def stop(proc: subprocess.Popen | None, first=signal.SIGINT) -> int | None:
    """Stop a process we started, by its PID (process group); escalate if it lingers."""
    if proc is None:
        return None
    if proc.poll() is None:
        for sig, wait in ((first, 30), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
    # Helpers left in the group (e.g. a flow-run process) go too.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return proc.returncode


def tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="module")
def served_server(tmp_path_factory):
    """A real Prefect server on a free loopback port, with its own PREFECT_HOME."""
    home = tmp_path_factory.mktemp("prefect_home")
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    log = home / "server.log"
    proc = spawn(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        child_env(home, None),
        log,
        home,
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not healthy(api):
            if proc.poll() is not None:
                pytest.fail(f"prefect server exited with {proc.returncode}:\n{tail(log)}")
            if time.monotonic() > deadline:
                pytest.fail(f"prefect server not healthy after {STARTUP_TIMEOUT} s:\n{tail(log)}")
            time.sleep(0.5)
        yield {"api": api, "home": home, "log": log}
    finally:
        stop(proc, signal.SIGTERM)


def client_settings(api: str):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    return temporary_settings(updates={PREFECT_API_URL: api})


def wait_for_deployment(api: str, name: str, proc: subprocess.Popen, log: Path, timeout: float = 120):
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + timeout
    with client_settings(api), get_client(sync_client=True) as client:
        while True:
            try:
                return client.read_deployment_by_name(name)
            except ObjectNotFound:
                pass
            if proc.poll() is not None:
                pytest.fail(f"`akhbar serve` exited with {proc.returncode}:\n{tail(log)}")
            if time.monotonic() > deadline:
                pytest.fail(f"deployment {name} not registered after {timeout} s:\n{tail(log)}")
            time.sleep(1)


def run_manual(api: str, parameters: dict | None = None):
    """What the UI's Run button does: create a flow run from the deployment; then wait for it."""
    from prefect.deployments import run_deployment

    with client_settings(api):
        return run_deployment("akhbar-pipeline/manual", parameters=parameters, timeout=600, poll_interval=2)


def artifacts_of(api: str, flow_run_id) -> dict:
    """The flow run's artifacts by type, read through the REST API the UI uses."""
    # Not the client's read_artifacts: it sends explicit nulls, which FastAPI >= 0.154 rejects (422).
    body = json.dumps({"artifacts": {"flow_run_id": {"any_": [str(flow_run_id)]}}, "limit": 50}).encode()
    req = urllib.request.Request(api + "/artifacts/filter", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return {a["type"]: a for a in json.loads(resp.read())}


def table_rows(artifact: dict) -> list[dict]:
    data = artifact["data"]
    return json.loads(data) if isinstance(data, str) else data


def test_serve_manual_runs_artifacts_and_nightly_schedule(served_server, tmp_path):
    api, home = served_server["api"], served_server["home"]
    out = tmp_path / "out"
    log = tmp_path / "serve.log"
    # Start from another directory: the deployments must not depend on where `serve` is started.
    serve = spawn(
        [
            sys.executable,
            "-m",
            "akhbar.cli",
            "serve",
            "--out",
            str(out),
            "--cron",
            "30 1 * * *",
            "--timezone",
            "Asia/Riyadh",
            str(SAMPLE),
        ],
        child_env(home, api),
        log,
        tmp_path,
    )
    try:
        nightly = wait_for_deployment(api, "akhbar-pipeline/nightly", serve, log)
        manual = wait_for_deployment(api, "akhbar-pipeline/manual", serve, log)

        # The nightly schedule: cron in an explicit IANA zone, both parameters set.
        assert len(nightly.schedules) == 1
        sched = nightly.schedules[0]
        assert (sched.schedule.cron, sched.schedule.timezone, sched.active) == ("30 1 * * *", "Asia/Riyadh", True)
        assert nightly.parameters == {"inputs": [str(SAMPLE)], "out": str(out)}
        assert nightly.entrypoint == manual.entrypoint == "flows/pipeline.py:akhbar_pipeline"
        assert manual.schedules == [] and manual.parameters == nightly.parameters
        # The Custom run form describes every parameter (from the flow's docstring).
        props = manual.parameter_openapi_schema["properties"]
        assert set(props) >= {"inputs", "out"} and all(p.get("description") for p in props.values()), props

        # Run button, first run: the sample is ingested and published.
        first = run_manual(api)
        assert first.state.is_completed(), f"{first.state}\n{tail(log)}"
        con = store.connect(out)
        runs = con.execute(
            "SELECT run_id, n_documents, json_extract_string(parameters, '$.executor') FROM runs"
        ).fetchall()
        docs = con.execute("SELECT count(*), count(DISTINCT site) FROM documents").fetchone()
        paragraphs = con.execute("SELECT count(*) FROM paragraphs").fetchone()[0]
        con.close()
        assert len(runs) == 1 and runs[0][1] == 5 and runs[0][2] == "prefect"
        assert docs == (5, 1) and paragraphs > 0

        arts = artifacts_of(api, first.id)
        assert set(arts) == {"progress", "table", "markdown"}, arts
        assert float(arts["progress"]["data"]) == 100.0
        rows = {r["site"]: r for r in table_rows(arts["table"])}
        assert rows["sample"]["documents"] == 5 and rows["sample"]["inputs"] == 5
        assert rows["all sites"]["documents"] == 5
        assert runs[0][0] in arts["markdown"]["data"] and "First run" in arts["markdown"]["data"]

        # Run button with changed parameters (as in the UI's custom run): one new file, a new site.
        extra = tmp_path / "inbox" / "extra-site"
        extra.mkdir(parents=True)
        (extra / "new.txt").write_text(
            "عنوان الخبر الجديد\n\n"
            "قال مسؤول في وزارة الخارجية إن المحادثات بين الطرفين ستستأنف الأسبوع المقبل في العاصمة.\n\n"
            "وأضاف أن الوفدين اتفقا على جدول أعمال يشمل القضايا الاقتصادية والأمنية العالقة بين البلدين.\n",
            encoding="utf-8",
        )
        second = run_manual(api, {"inputs": [str(extra.parent)], "out": str(out)})
        assert second.state.is_completed(), f"{second.state}\n{tail(log)}"
        arts2 = artifacts_of(api, second.id)
        assert set(arts2) == {"progress", "table", "markdown"}
        rows2 = {r["site"]: r for r in table_rows(arts2["table"])}
        assert set(rows2) == {"extra-site", "all sites"} and rows2["extra-site"]["documents"] == 1
        md = arts2["markdown"]["data"]
        assert "Changed since the previous run" in md and runs[0][0] in md
        # The corpus before and after the run (5 documents, then 6), not one run's size against another's.
        assert re.search(r"\| documents \| 5 \| 6 \| \+1 \|", md), md
        assert re.search(r"\| sites \| 1 \| 2 \| \+1 \|", md), md

        # Run button again with nothing new: the run completes, publishes nothing and says so.
        third = run_manual(api, {"inputs": [str(extra.parent)], "out": str(out)})
        assert third.state.is_completed(), f"{third.state}\n{tail(log)}"
        arts3 = artifacts_of(api, third.id)
        assert "Nothing published" in arts3["markdown"]["data"] and float(arts3["progress"]["data"]) == 100.0
        assert table_rows(arts3["table"]) == [
            {
                "site": "all sites",
                **{
                    c: 0
                    for c in (
                        "inputs",
                        "rejects",
                        "documents",
                        "paragraphs_kept",
                        "boilerplate",
                        "duplicates",
                        "with_date",
                    )
                },
            }
        ]
        con = store.connect(out)
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
        con.close()

        # Stopping `serve` must leave the nightly schedule active (pause_on_shutdown=False).
        assert stop(serve) is not None
        from prefect import get_client

        with client_settings(api), get_client(sync_client=True) as client:
            again = client.read_deployment_by_name("akhbar-pipeline/nightly")
        assert again.schedules[0].active and not again.paused
    finally:
        stop(serve)


def test_up_starts_a_local_server_serves_and_stops_on_ctrl_c(tmp_path):
    home = tmp_path / "prefect"
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    log = tmp_path / "up.log"
    env = child_env(tmp_path / "no-profile", None)  # nothing configured: `up` must start its own server
    env["AKHBAR_PREFECT_HOME"] = str(home)
    up = spawn(
        [
            sys.executable,
            "-m",
            "akhbar.cli",
            "up",
            "--port",
            str(port),
            "--out",
            str(tmp_path / "out"),
            "--timezone",
            "UTC",
            str(SAMPLE),
        ],
        env,
        log,
        tmp_path,
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT + 60
        while "akhbar is up" not in (log.read_text(errors="replace") if log.exists() else ""):
            if up.poll() is not None:
                pytest.fail(f"`akhbar up` exited with {up.returncode}:\n{tail(log)}\n{tail(home / 'server.log')}")
            if time.monotonic() > deadline:
                pytest.fail(f"`akhbar up` not up after {deadline} s:\n{tail(log)}")
            time.sleep(1)
        text = log.read_text(errors="replace")
        assert f"http://127.0.0.1:{port}" in text  # the UI address is printed
        assert healthy(api)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ui-settings", timeout=10) as resp:
            assert json.loads(resp.read())["api_url"] == api  # the UI calls this server, not port 4200
        wait_for_deployment(api, "akhbar-pipeline/manual", up, log)
        assert (home / "server.log").exists()  # server state under AKHBAR_PREFECT_HOME, not ~/.prefect
        assert list(home.glob("*.db")), sorted(p.name for p in home.iterdir())

        # Ctrl-C: `up` stops the serve process and the server, and exits cleanly.
        os.killpg(up.pid, signal.SIGINT)
        assert up.wait(90) == 0, tail(log)
        deadline = time.monotonic() + 30
        while healthy(api) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not healthy(api), "the Prefect server still answers after `akhbar up` stopped"
    finally:
        stop(up)


def test_up_with_a_configured_server_serves_there_and_leaves_it_running(served_server, tmp_path):
    api, home = served_server["api"], served_server["home"]
    log = tmp_path / "up.log"
    env = child_env(home, api)
    env["AKHBAR_PREFECT_HOME"] = str(tmp_path / "unused")
    up = spawn(
        [sys.executable, "-m", "akhbar.cli", "up", "--out", str(tmp_path / "out"), "--timezone", "UTC", str(SAMPLE)],
        env,
        log,
        tmp_path,
    )
    try:
        deadline = time.monotonic() + 180
        while "akhbar is up" not in (log.read_text(errors="replace") if log.exists() else ""):
            if up.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"`akhbar up` did not come up (code {up.poll()}):\n{tail(log)}")
            time.sleep(1)
        assert f"using the Prefect server at {api}" in log.read_text()
        manual = wait_for_deployment(api, "akhbar-pipeline/manual", up, log)
        assert manual.parameters == {"inputs": [str(SAMPLE)], "out": str(tmp_path / "out")}  # registered by this `up`
        assert not (tmp_path / "unused").exists()  # no server of its own
        os.killpg(up.pid, signal.SIGINT)
        assert up.wait(90) == 0, tail(log)
        assert healthy(api), "`akhbar up` stopped a server it did not start"
    finally:
        stop(up)


def test_prefect_yaml_declares_what_serve_registers():
    """prefect.yaml (work pools) and `akhbar serve` (one machine) describe the same deployments."""
    import yaml

    from akhbar.flows.deployments import DEFAULT_CRON, ENTRYPOINT, MANUAL, NIGHTLY, ServeConfig, valid_timezone

    decl = {d["name"]: d for d in yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]}
    assert set(decl) == {NIGHTLY, MANUAL}
    params = set(ServeConfig(inputs=["x"], out="y").parameters)
    for d in decl.values():
        assert d["entrypoint"] == ENTRYPOINT and set(d["parameters"]) == params
    (sched,) = decl[NIGHTLY]["schedules"]
    assert sched["cron"] == DEFAULT_CRON and valid_timezone(sched["timezone"])
    assert not decl[MANUAL].get("schedules")


@pytest.mark.parametrize(
    "args, message",
    [
        (["serve", "--cron", "every night"], "not a cron schedule: 'every night'"),
        (["up", "--timezone", "EST"], "not an IANA timezone name: 'EST'"),
        (["up", "/no/such/crawl"], "input not found: /no/such/crawl"),
        (["serve", "--out", "/proc/no/such"], "cannot create the output folder /proc/no/such"),
    ],
)
def test_up_and_serve_mistakes_are_one_plain_line(tmp_path, args, message):
    env = child_env(tmp_path / "home", "http://127.0.0.1:9/api")
    proc = subprocess.run(
        [sys.executable, "-m", "akhbar.cli", *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode != 0 and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_unreachable_server_and_taken_port_are_one_plain_line(tmp_path):
    env = child_env(tmp_path / "home", "http://127.0.0.1:9/api")  # nothing listens on port 9
    proc = subprocess.run(
        [sys.executable, "-m", "akhbar.cli", "serve", str(SAMPLE)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0 and "no Prefect server answering at http://127.0.0.1:9/api" in proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = child_env(tmp_path / "home", None)
        env["AKHBAR_PREFECT_HOME"] = str(tmp_path / "prefect")
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "akhbar.cli",
                "up",
                "--port",
                str(port),
                "--out",
                str(tmp_path / "out"),
                str(SAMPLE),
            ],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 1 and f"port {port} is in use" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "prefect").exists()
