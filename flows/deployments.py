"""Operating akhbar on one machine: a local Prefect server plus served deployments.

  akhbar up      newcomer's entry point: starts a Prefect server on 127.0.0.1 (state under
                 data/prefect/, never ~/.prefect) unless PREFECT_API_URL is set, serves the
                 deployments, prints the UI address; Ctrl-C stops both.
  akhbar serve   serves the deployments against the server at PREFECT_API_URL.

Two deployments of the `akhbar-pipeline` flow (same names as prefect.yaml):
  nightly   cron schedule with an explicit IANA timezone (a bare cron runs in UTC);
  manual    no schedule: the UI's Run button (or `prefect deployment run akhbar-pipeline/manual`).
Stopping `serve` leaves the nightly schedule active (pause_on_shutdown=False): Prefect keeps
scheduling runs, and they start as soon as `serve` is back.

Defaults come from the environment (or the matching command-line options):
  AKHBAR_INBOX     folder(s) the runs read, ':'-separated   (default data/inbox)
  AKHBAR_OUT       output folder                            (default data/out)
  AKHBAR_CRON      nightly schedule                          (default "0 2 * * *")
  AKHBAR_TIMEZONE  IANA zone of the schedule                 (default: this machine's zone, else UTC)
  AKHBAR_PREFECT_HOME  where `akhbar up` keeps its server's state (default data/prefect)
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from akhbar import store

FLOW_NAME = "akhbar-pipeline"
ENTRYPOINT = "flows/pipeline.py:akhbar_pipeline"
NIGHTLY = "nightly"
MANUAL = "manual"
DEFAULT_CRON = "0 2 * * *"
DEFAULT_INBOX = "data/inbox"
SERVER_STARTUP_TIMEOUT = 120.0


def prefect_home() -> Path:
    """Where `akhbar up` keeps the local server's database and settings ($AKHBAR_PREFECT_HOME)."""
    return Path(os.environ.get("AKHBAR_PREFECT_HOME") or store.PROJECT_DIR / "data" / "prefect").resolve()


def local_timezone() -> str:
    """This machine's IANA zone name (what "2 am" means to whoever runs it), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text().strip())
    except OSError:
        pass
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name and valid_timezone(name):
            return name
    return "UTC"


def valid_cron(expr: str) -> bool:
    """Whether Prefect's scheduler accepts the cron expression (it would fail later, at registration)."""
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=expr, timezone="UTC")
        return True
    except ValueError:  # pydantic's ValidationError is one
        return False


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
        return "/" in name or name == "UTC"  # refuse abbreviations like "EST"
    except (ZoneInfoNotFoundError, ValueError):
        return False


@dataclass
class ServeConfig:
    """What the deployments run on and when. Paths are made absolute: runs start elsewhere."""

    inputs: list[str] = field(default_factory=list)
    out: str = ""
    cron: str = ""
    timezone: str = ""

    @classmethod
    def from_env(
        cls,
        inputs: list[str] | None = None,
        out: str | None = None,
        cron: str | None = None,
        timezone: str | None = None,
    ) -> ServeConfig:
        env_inputs = [p for p in os.environ.get("AKHBAR_INBOX", "").split(os.pathsep) if p]
        chosen = list(inputs or env_inputs or [DEFAULT_INBOX])
        cfg = cls(
            inputs=[str(_abs(p)) for p in chosen],
            out=str(store.resolve_out(out)),
            cron=cron or os.environ.get("AKHBAR_CRON") or DEFAULT_CRON,
            timezone=timezone or os.environ.get("AKHBAR_TIMEZONE") or local_timezone(),
        )
        if chosen == [DEFAULT_INBOX]:
            # A newcomer's inbox: create it, so runs say "nothing to do" instead of failing.
            Path(cfg.inputs[0]).mkdir(parents=True, exist_ok=True)
        if not valid_timezone(cfg.timezone):
            raise ValueError(f"not an IANA timezone name: {cfg.timezone!r} (e.g. Asia/Riyadh, Africa/Cairo, UTC)")
        if not valid_cron(cfg.cron):
            raise ValueError(f'not a cron schedule: {cfg.cron!r} (five fields, e.g. "0 2 * * *" for 02:00 every day)')
        missing = [p for p in cfg.inputs if not Path(p).exists()]
        if missing:
            raise ValueError(
                f"input not found: {missing[0]} (give existing folders or files, or leave them out for {DEFAULT_INBOX})"
            )
        try:
            Path(cfg.out).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(f"cannot create the output folder {cfg.out}: {exc.strerror or exc}") from None
        if not os.access(cfg.out, os.W_OK | os.X_OK):
            raise ValueError(f"the output folder {cfg.out} is not writable; choose another with --out")
        return cfg

    @property
    def parameters(self) -> dict:
        return {"inputs": self.inputs, "out": self.out}


def _abs(p: str | os.PathLike) -> Path:
    path = Path(p).expanduser()
    return path if path.is_absolute() else (Path.cwd() / path).resolve()


def build_deployments(cfg: ServeConfig):
    """The `nightly` and `manual` RunnerDeployments (entrypoint flows/pipeline.py:akhbar_pipeline)."""
    from prefect.schedules import Cron

    from akhbar.flows.pipeline import akhbar_pipeline

    # The entrypoint is recorded relative to the working directory: serve from the repository
    # root so it reads flows/pipeline.py:akhbar_pipeline, as in prefect.yaml, and flow runs
    # (started in this directory) import akhbar/ and tasks/.
    os.chdir(store.PROJECT_DIR)
    nightly = akhbar_pipeline.to_deployment(
        name=NIGHTLY,
        schedule=Cron(cfg.cron, timezone=cfg.timezone),
        parameters=cfg.parameters,
        description=f"Every night ({cfg.cron}, {cfg.timezone}): new files under {', '.join(cfg.inputs)} -> {cfg.out}",
        tags=["akhbar"],
    )
    manual = akhbar_pipeline.to_deployment(
        name=MANUAL,
        parameters=cfg.parameters,
        description="Run now (the UI's Run button): new files under the inputs -> out; parameters can be changed per run",
        tags=["akhbar"],
    )
    for d in (nightly, manual):
        if not store.IN_CHECKOUT:  # an installed wheel: the flow runs find the flow by its module
            d.entrypoint = "akhbar.flows.pipeline:akhbar_pipeline"
        elif d.entrypoint != ENTRYPOINT:  # flows/ imported from elsewhere than this checkout
            raise RuntimeError(
                f"unexpected entrypoint {d.entrypoint!r} (expected {ENTRYPOINT!r} "
                f"under {store.PROJECT_DIR}); install akhbar editable (pip install -e .)"
            )
    return nightly, manual


def api_url() -> str | None:
    """The Prefect server this process is pointed at (env var or active profile), if any."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    home = Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    if not (home / "profiles.toml").exists():
        return None  # no profile to read; importing prefect would create ~/.prefect for nothing
    from prefect.settings import get_current_settings

    return get_current_settings().api.url or None


def serve(cfg: ServeConfig | None = None) -> None:
    """Serve `nightly` and `manual` against PREFECT_API_URL until interrupted."""
    from prefect import serve as prefect_serve

    cfg = cfg or ServeConfig.from_env()
    url = api_url()
    if not url:
        raise SystemExit("akhbar serve: PREFECT_API_URL is not set; start a server first, or use `akhbar up`")
    try:
        wait_healthy(url, timeout=30)
    except RuntimeError as exc:
        raise SystemExit(
            f"akhbar serve: {exc}; start it (prefect server start) or correct PREFECT_API_URL, or use `akhbar up`"
        ) from None
    nightly, manual = build_deployments(cfg)
    print(
        f"akhbar: serving {FLOW_NAME}/{NIGHTLY} ({cfg.cron}, {cfg.timezone}) and {FLOW_NAME}/{MANUAL} "
        f"on {url}\n        inputs {cfg.inputs} -> out {cfg.out}",
        file=sys.stderr,
        flush=True,
    )
    # limit=1: runs of both deployments write the same output folder, which takes a lock; a
    # manual run during the nightly one waits for it instead of failing on the lock.
    prefect_serve(nightly, manual, pause_on_shutdown=False, limit=1)


# ---------------------------------------------------------------- `akhbar up`


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_healthy(api: str, timeout: float = SERVER_STARTUP_TIMEOUT, proc: subprocess.Popen | None = None) -> None:
    """Poll <api>/health until the server answers; fail early if its process died."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with code {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(api.rstrip("/") + "/health", timeout=5) as resp:
                if resp.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                return  # it answers, but wants credentials (Prefect Cloud, a secured server)
            last = str(exc)
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise RuntimeError(f"no Prefect server answering at {api} after {timeout:.0f} s ({last})")


def wait_registered(api: str, serving: subprocess.Popen, parameters: dict, timeout: float = 180.0) -> None:
    """Wait until `serve` has registered the deployments (with these parameters, not an earlier
    registration's), so the printed Run link works."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if serving.poll() is not None:
            raise RuntimeError(f"the serve process exited with code {serving.returncode}")
        try:
            with urllib.request.urlopen(f"{api.rstrip('/')}/deployments/name/{FLOW_NAME}/{MANUAL}", timeout=5) as resp:
                if json.loads(resp.read()).get("parameters") == parameters:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                return  # a secured server: cannot look without credentials; serve prints its own banner
        except OSError:
            pass
        time.sleep(1)  # 404 until registered
    raise RuntimeError(f"the deployments were not registered after {timeout:.0f} s")


def prefect_env(api: str | None, home: Path | None) -> dict:
    """Environment for child processes: with `home`, Prefect state there rather than ~/.prefect."""
    env = dict(os.environ)
    if home is not None:
        env["PREFECT_HOME"] = str(home)
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Make the repository importable by the serve process and the flow runs it starts.
    if store.IN_CHECKOUT:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(store.PROJECT_DIR)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        )
    if api:
        env["PREFECT_API_URL"] = api
    return env


def _default_sigint() -> None:
    # A shell starting `akhbar up` in the background makes SIGINT ignored, and children inherit
    # that: restore it, so stop() can ask them to shut down gracefully.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _die_with_parent()


def _die_with_parent() -> None:
    """Linux: SIGTERM this child when `up` dies without stopping it (SIGKILL, a crash)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux/glibc: stop() in `up` is the only cleanup
        pass


class Stopped(Exception):
    """`akhbar up` was asked to stop by a signal (SIGTERM from a service manager, SIGHUP)."""


def _stop_on_signal(signum, frame) -> None:
    raise Stopped(signal.Signals(signum).name)


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds: TIME_WAIT is not "in use"
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def server_env(port: int, host: str = "127.0.0.1") -> dict:
    """Settings that make the server's UI call this server: `--port` alone leaves the UI's API URL
    (served at /ui-settings) at the default port 4200."""
    api = f"http://{host}:{port}/api"
    return {
        "PREFECT_SERVER_API_HOST": host,
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_UI_API_URL": api,
        "PREFECT_UI_URL": f"http://{host}:{port}",
    }


def start_server(port: int, home: Path, log_path: Path | None = None) -> subprocess.Popen:
    """`prefect server start` on 127.0.0.1:port in its own process group (Ctrl-C is ours to handle)."""
    home.mkdir(parents=True, exist_ok=True)
    env = prefect_env(None, home)
    env.pop("PREFECT_API_URL", None)
    env.update(server_env(port))
    with open(log_path or home / "server.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_default_sigint,
        )


def stop(proc: subprocess.Popen | None, name: str, grace: float = 30.0) -> None:
    """Stop a child we started, by its PID: SIGINT (graceful), then SIGTERM, then SIGKILL."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, grace), (signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        try:
            # The child leads its own session (start_new_session), so its group id is its PID:
            # this reaches the helpers it started (uvicorn workers, flow-run processes) too.
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            print(f"akhbar: {name} (pid {proc.pid}) still running after {sig.name}", file=sys.stderr)


def up(cfg: ServeConfig | None = None, port: int | None = None) -> int:
    """Start (if needed) a local Prefect server, serve the deployments, wait for Ctrl-C."""
    cfg = cfg or ServeConfig.from_env()
    server = serving = None
    home = prefect_home()
    url = api_url()
    # SIGTERM (systemd, docker stop, CI) and SIGHUP (terminal closed) stop like Ctrl-C: children too.
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)}
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGHUP, _stop_on_signal)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored (`&`)
    try:
        if url:
            print(f"akhbar: using the Prefect server at {url} (PREFECT_API_URL)", file=sys.stderr)
            try:
                wait_healthy(url, timeout=30)
            except RuntimeError as exc:
                raise RuntimeError(
                    f"{exc}; start it, correct PREFECT_API_URL, or unset it so `up` starts a server of its own"
                ) from None
        else:
            if port and port_in_use(port):
                raise RuntimeError(
                    f"port {port} is in use on 127.0.0.1; choose another with --port, "
                    "or leave --port out to take a free one"
                )
            port = port or free_port()
            url = f"http://127.0.0.1:{port}/api"
            print(
                f"akhbar: starting a Prefect server on 127.0.0.1:{port} (state in {home}, "
                f"log in {home / 'server.log'})",
                file=sys.stderr,
                flush=True,
            )
            server = start_server(port, home)
            wait_healthy(url, proc=server)
        args = [
            sys.executable,
            "-m",
            "akhbar.cli",
            "serve",
            "--out",
            cfg.out,
            "--cron",
            cfg.cron,
            "--timezone",
            cfg.timezone,
            *cfg.inputs,
        ]
        # A server of our own: everything under `home`. A configured one: keep the user's Prefect
        # home, which may hold more than the URL (e.g. an API key in the active profile).
        serving = subprocess.Popen(
            args,
            env=prefect_env(url, home if server else None),
            cwd=store.PROJECT_DIR,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_default_sigint,
        )
        wait_registered(url, serving, cfg.parameters)
        ui = url[: -len("/api")] if url.endswith("/api") else url
        print(
            f"\nakhbar is up.\n  Prefect UI:   {ui}\n"
            f"  Run now:      {ui}/deployments -> {FLOW_NAME} / {MANUAL} -> Run\n"
            f"  Nightly:      {cfg.cron} ({cfg.timezone}), reads {', '.join(cfg.inputs)}\n"
            f"  Output:       {cfg.out}   (report: akhbar report --out {cfg.out})\n"
            f"  Stop:         Ctrl-C\n",
            file=sys.stderr,
            flush=True,
        )
        while True:
            if serving.poll() is not None:
                print(f"akhbar: the serve process exited with code {serving.returncode}", file=sys.stderr)
                return serving.returncode or 1
            if server is not None and server.poll() is not None:
                print(f"akhbar: the Prefect server exited with code {server.returncode}", file=sys.stderr)
                return server.returncode or 1
            time.sleep(1)
    except (KeyboardInterrupt, Stopped) as exc:
        why = f" on {exc.args[0]}" if isinstance(exc, Stopped) else ""
        print(f"\nakhbar: stopping{why} (the nightly schedule stays active)...", file=sys.stderr, flush=True)
        return 0
    except RuntimeError as exc:
        log = f" (server log: {home / 'server.log'})" if server is not None else ""
        print(f"akhbar up: {exc}{log}", file=sys.stderr)
        return 1
    finally:
        # A second signal must not cut the shutdown short (stop() escalates to SIGKILL by itself).
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        # Serve first (it finishes reporting to the server), then the server.
        stop(serving, "serve")
        stop(server, "Prefect server")
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
