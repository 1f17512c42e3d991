"""What a newcomer does with `akhbar up`, done for real: the printed address in headless Chromium,
Run -> Quick run on `manual`, the flow run page until Completed, then the tables with DuckDB; the
nightly schedule creating runs that complete; SIGTERM stopping everything `up` started.

`akhbar up` runs as a subprocess with its own Prefect home and picks its own free port, as it does
for a newcomer. The runs read a small input folder the test prepares (a copy of data/sample).
Chromium is Debian's /usr/bin/chromium, driven by Playwright (its own browsers are never
downloaded); without it the UI test skips, saying so. Screenshots go to a folder under the test's
tmp path, printed (or $AKHBAR_UI_SCREENSHOTS).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from akhbar import store
from tests.conftest import CHROMIUM_FLAGS

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
CHROMIUM = "/usr/bin/chromium"
UP_TIMEOUT = 240  # a cold server start (database migrations) plus registration, on a loaded 2-core machine
RUN_TIMEOUT = 300
# What the Prefect UI (v1 and v2) shows when it cannot reach its API.
CONNECTION_ERRORS = ("Can't connect to Server API", "Unable to connect to Prefect server")


class Up:
    """An `akhbar up` subprocess, its log, and the addresses it printed."""

    def __init__(self, root: Path, *extra: str):
        self.root = root
        self.inbox = root / "inbox"
        shutil.copytree(SAMPLE, self.inbox)
        self.out = root / "out"
        self.home = root / "prefect"
        self.log = root / "up.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "AKHBAR_"))}
        env.update(
            PREFECT_HOME=str(root / "no-profile"),
            AKHBAR_PREFECT_HOME=str(self.home),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
        )
        with open(self.log, "ab") as fh:
            # Own session, so cleanup can reach the group; signals in the tests go to the PID only.
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "akhbar.cli",
                    "up",
                    "--out",
                    str(self.out),
                    "--timezone",
                    "UTC",
                    *extra,
                    str(self.inbox),
                ],
                env=env,
                cwd=root,
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            self.ui = self.wait_up()
        except BaseException:
            self.close()
            raise
        self.api = self.ui + "/api"
        self.port = int(self.ui.rsplit(":", 1)[1])

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def server_log(self) -> str:
        path = self.home / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_up(self) -> str:
        deadline = time.monotonic() + UP_TIMEOUT
        while "akhbar is up" not in self.text():
            if self.proc.poll() is not None:
                pytest.fail(
                    f"`akhbar up` exited with {self.proc.returncode}:\n{self.text()}\n{self.server_log()[-3000:]}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"`akhbar up` not up after {UP_TIMEOUT} s:\n{self.text()}")
            time.sleep(1)
        match = re.search(r"^\s*Prefect UI:\s+(http://\S+)$", self.text(), re.M)  # our banner, not serve's
        assert match, self.text()
        return match.group(1).rstrip("/")

    def api_post(self, path: str, body: dict) -> list | dict:
        req = urllib.request.Request(
            self.api + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def api_get(self, path: str) -> dict:
        with urllib.request.urlopen(self.api + path, timeout=30) as resp:
            return json.loads(resp.read())

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(90)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # anything left in its group
        except (ProcessLookupError, PermissionError):
            pass


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory):
    """`akhbar up` with the default schedule, on a port it picks; shared by the UI and SIGTERM tests."""
    up = Up(tmp_path_factory.mktemp("newcomer"))
    try:
        yield up
    finally:
        up.close()


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def screenshot_dir(tmp_path: Path, capsys) -> Path:
    folder = Path(os.environ.get("AKHBAR_UI_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    with capsys.disabled():
        print(f"\nUI screenshots: {folder}", flush=True)
    return folder


def test_run_button_in_the_ui_runs_the_pipeline(newcomer, tmp_path, capsys):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(
            f"NO UI TEST: {CHROMIUM} not found (Debian: apt-get install chromium); "
            "the Run button was not checked in a browser"
        )
    from playwright.sync_api import sync_playwright

    shots = screenshot_dir(tmp_path, capsys)
    step = iter(range(1, 100))

    def snap(page, name: str) -> None:
        page.screenshot(path=str(shots / f"{next(step):02d}-{name}.png"), full_page=True)
        body = page.inner_text("body")
        for message in CONNECTION_ERRORS:
            assert message not in body, f"the UI shows a connection error at step {name!r}: see {shots}"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(newcomer.ui, wait_until="load")  # the address `akhbar up` printed
            page.get_by_role("link", name="Deployments").first.wait_for()
            snap(page, "home")

            page.get_by_role("link", name="Deployments").first.click()
            page.get_by_text("manual", exact=True).first.wait_for()
            page.get_by_text("nightly", exact=True).first.wait_for()
            snap(page, "deployments")

            page.get_by_text("manual", exact=True).first.click()
            page.get_by_role("button", name="Run", exact=True).wait_for()
            snap(page, "manual")

            page.get_by_role("button", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Quick run").click()
            page.get_by_role("button", name="View run").wait_for()
            snap(page, "quick-run")

            page.get_by_role("button", name="View run").click()
            page.wait_for_url(re.compile(r"/runs/flow-run/[0-9a-f-]{36}"))
            flow_run_id = re.search(r"/runs/flow-run/([0-9a-f-]{36})", page.url).group(1)
            snap(page, "flow-run-started")
            # The state badge in the run's header; log lines read "Finished in state Completed()".
            page.get_by_text("Completed", exact=True).first.wait_for(timeout=RUN_TIMEOUT * 1000)
            snap(page, "flow-run-completed")

            # Run -> Custom run: the form describes each parameter (from the flow's docstring).
            page.get_by_role("link", name="Deployments").first.click()
            page.get_by_text("manual", exact=True).first.click()
            page.get_by_role("button", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Custom run").click()
            page.get_by_text("Output folder of the corpus tables").first.wait_for()
            snap(page, "custom-run-form")
        finally:
            browser.close()

    run = newcomer.api_get(f"/flow_runs/{flow_run_id}")
    deployment = newcomer.api_get(f"/deployments/{run['deployment_id']}")
    assert run["state_type"] == "COMPLETED" and deployment["name"] == "manual", (run["state"], deployment["name"])
    assert run["parameters"] == {"inputs": [str(newcomer.inbox)], "out": str(newcomer.out)}

    con = store.connect(newcomer.out)
    try:
        runs = con.execute(
            "SELECT n_inputs, n_documents, json_extract_string(parameters, '$.executor') FROM runs"
        ).fetchall()
        docs = con.execute(
            "SELECT count(*), count(DISTINCT site), count(DISTINCT source_uri) FROM documents"
        ).fetchone()
        kept = con.execute("SELECT count(*) FROM paragraphs WHERE status = 'kept'").fetchone()[0]
    finally:
        con.close()
    n_files = len([p for p in newcomer.inbox.rglob("*") if p.is_file()])
    assert runs == [(n_files, n_files, "prefect")]
    assert docs == (n_files, 1, n_files) and kept > 0

    # The nightly deployment's Upcoming tab is not empty: the scheduler has created its next runs.
    nightly = newcomer.api_get("/deployments/name/akhbar-pipeline/nightly")
    deadline = time.monotonic() + 120
    while not (
        upcoming := newcomer.api_post(
            "/flow_runs/filter",
            {
                "flow_runs": {"deployment_id": {"any_": [nightly["id"]]}, "state": {"type": {"any_": ["SCHEDULED"]}}},
                "limit": 5,
            },
        )
    ):
        assert time.monotonic() < deadline, (
            f"no upcoming nightly runs after 2 minutes:\n{newcomer.server_log()[-3000:]}"
        )
        time.sleep(3)
    assert all(r["auto_scheduled"] for r in upcoming)


def assert_signal_stops_everything(up: Up, sig: signal.Signals) -> None:
    """Send `sig` to `up`'s PID only (as systemd and docker stop do first); nothing it started may remain."""
    import psutil

    root = psutil.Process(up.proc.pid)
    tree = [root, *root.children(recursive=True)]
    assert len(tree) >= 3, [p.cmdline() for p in tree]  # up, the Prefect server, the serve process
    os.kill(up.proc.pid, sig)
    assert up.proc.wait(120) == 0, up.text()[-2000:]
    _gone, alive = psutil.wait_procs(tree, timeout=30)
    left = [(p.pid, " ".join(p.cmdline())) for p in alive if p.status() != psutil.STATUS_ZOMBIE]
    assert not left, f"left running after {sig.name} to `akhbar up`: {left}"
    assert port_free(up.port), f"port {up.port} still taken after `akhbar up` stopped"
    assert "akhbar: stopping" in up.text()


def test_sigterm_stops_up_and_everything_it_started(newcomer):
    assert_signal_stops_everything(newcomer, signal.SIGTERM)
    assert "stopping on SIGTERM" in newcomer.text()


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGINT], ids=["SIGHUP", "SIGINT"])
def test_sighup_and_sigint_stop_up_too(tmp_path, sig):
    up = Up(tmp_path)
    try:
        assert_signal_stops_everything(up, sig)
    finally:
        up.close()


def test_nightly_schedule_creates_runs_that_complete(tmp_path):
    up = Up(tmp_path, "--cron", "*/1 * * * *")
    try:
        nightly = up.api_get("/deployments/name/akhbar-pipeline/nightly")
        deadline = time.monotonic() + RUN_TIMEOUT
        completed = []
        while not completed:
            # The scheduler creates many runs ahead: ask for the ones that have finished.
            runs = up.api_post(
                "/flow_runs/filter",
                {
                    "flow_runs": {
                        "deployment_id": {"any_": [nightly["id"]]},
                        "state": {"type": {"any_": ["COMPLETED", "FAILED", "CRASHED", "CANCELLED"]}},
                    },
                    "limit": 50,
                },
            )
            completed = [r for r in runs if r["state_type"] == "COMPLETED"]
            failed = [r for r in runs if r["state_type"] != "COMPLETED"]
            assert not failed, f"a scheduled run failed: {failed[0]['state']}\n{up.text()[-3000:]}"
            if time.monotonic() > deadline:
                pytest.fail(
                    f"no scheduled nightly run completed in {RUN_TIMEOUT} s; runs: "
                    f"{[(r['name'], r['state_type']) for r in runs]}\n{up.server_log()[-3000:]}"
                )
            time.sleep(3)
        assert completed[0]["auto_scheduled"] and completed[0]["parameters"]["out"] == str(up.out)
        con = store.connect(up.out)
        try:
            assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == len(list(up.inbox.iterdir()))
        finally:
            con.close()
        errors = [line for line in up.server_log().splitlines() if re.search(r"\bERROR\b|Traceback", line)]
        assert not errors, "the Prefect server logged errors:\n" + "\n".join(errors[:20])
    finally:
        up.close()
