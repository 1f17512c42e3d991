"""Shared helpers of the bench/ scripts: the machine, child processes measured for time and memory,
a local Prefect server, replicated inputs, and markdown tables.

Every measured configuration runs in its own child process (`python bench/X.py --child ...`) so
its peak memory is its own: a sampler sums the RSS and PSS of the child and all its descendants
(pool workers, Dask nannies and workers) every 100 ms. The child prints one JSON line with its figures.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPORA = REPO / "data" / "bench" / "corpora"
HTML_DIR = SHARED / "dev" / "html"
SEEDS = SHARED / "seeds"
SAMPLE = REPO / "data" / "sample"
PY = sys.executable


def machine() -> dict:
    """nproc, memory, CPU model and the load at the time: figures mean nothing without them."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    return {
        "nproc": os.cpu_count(),
        "memory": mem,
        "cpu": cpu,
        "python": platform.python_version(),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def print_machine() -> dict:
    m = machine()
    print(
        f"machine: {m['nproc']} cores, {m['memory']}, {m['cpu']}, Python {m['python']}, "
        f"load average {m['loadavg_1m']} at start"
    )
    return m


class TreeSampler:
    """Peaks of the summed RSS and PSS of a process and all its descendants, sampled every `interval` s.

    RSS counts the pages forked workers share with their parent once per process; PSS divides
    them among the sharers, so the PSS sum is the memory the tree really holds."""

    # Every 0.5 s: reading smaps_rollup of every process of the tree every 0.1 s took 15 % of a core,
    # taken from the run it measures; the memory peaks (dedup, a shard's pages) last seconds.
    def __init__(self, pid: int, interval: float = 0.5):
        import psutil

        self._psutil = psutil
        self.proc = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        ps = self._psutil
        while not self._stop.is_set():
            try:
                procs = [self.proc] + self.proc.children(recursive=True)
            except ps.Error:
                break
            rss = pss = 0
            for p in procs:
                with contextlib.suppress(ps.Error):
                    info = p.memory_full_info()  # smaps_rollup: PSS splits pages shared after fork
                    rss += info.rss
                    pss += info.pss
            self.peak = max(self.peak, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_child(args: list[str], env: dict | None = None, timeout: float = 3600, python: str = PY) -> dict:
    """Run `python <args>` and return the JSON of its last stdout line plus wall time and peak memory.
    `python`: another interpreter (a peer's own venv) in place of this one."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [python] + args,
        cwd=REPO,
        env=env or os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with TreeSampler(proc.pid) as sampler:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed ({proc.returncode}):\n{err[-4000:]}")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"child {args} printed no JSON:\n{out[-2000:]}\n{err[-2000:]}")
    result = json.loads(lines[-1])
    result.update(process_wall=wall, peak_rss_mib=sampler.peak / 2**20, peak_pss_mib=sampler.peak_pss / 2**20)
    return result


def child_self_rusage() -> dict:
    """CPU seconds of this process and its waited-for children (pool workers) so far."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"cpu_seconds": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime}


def export_revision(rev: str, dest: Path) -> str:
    """The files of git revision `rev` in the new folder `dest` (git archive: no worktree to remove).
    A child with `dest` first on sys.path runs that revision's akhbar (akhbar/__init__.py)."""
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev], cwd=REPO, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return str(dest)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def prefect_server(timeout: float = 120):
    """A local `prefect server start` on a free port with a throw-away PREFECT_HOME; yields its env.

    Stopped by PID at the end. The server's own memory is not counted in the children's peaks.
    """
    home = Path(tempfile.mkdtemp(prefix="akhbar-bench-prefect-"))
    port = free_port()
    env = dict(os.environ, PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    log = open(home / "server.log", "w")
    proc = subprocess.Popen(
        [str(Path(PY).with_name("prefect")), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"prefect server exited: {(home / 'server.log').read_text()[-2000:]}")
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{api}/health", timeout=2) as r:
                if r.status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("prefect server did not start in time")
            time.sleep(0.5)
        yield dict(env, PREFECT_API_URL=api)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # its own session: the server and its uvicorn child
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
        shutil.rmtree(home, ignore_errors=True)


def replicate_text_files(files: list[Path], dest: Path, copies: int, seed: int = 0) -> list[Path]:
    """`copies` distinct copies of each text scrape (a trailing copy-number line makes the bytes,
    hence doc_id, differ), written in a shuffled order into folders named after the originals'."""
    dest.mkdir(parents=True, exist_ok=True)
    jobs = [(f, k) for k in range(copies) for f in files]
    random.Random(seed).shuffle(jobs)
    out = []
    for n, (f, k) in enumerate(jobs):
        site = dest / f.parent.name
        site.mkdir(exist_ok=True)
        target = site / f"{n:07d}_{f.stem}_{k}.txt"
        data = f.read_bytes()
        target.write_bytes(data + (b"" if k == 0 else f"\n\n{k}\n".encode()))
        out.append(target)
    return out


def replicate_jsonl(
    files: list[Path], dest: Path, copies: int, seed: int = 0, per_file: int = 500, limit: int | None = None
) -> int:
    """The JSONL records (the first `limit`) `copies` times, shuffled, into files of `per_file` records.
    A copy's `id` and URL fragment differ (distinct doc_id); its text is the same, as in syndication."""
    records: list[bytes] = []
    for f in files:
        with open(f, "rb") as fh:
            for line in fh:
                if line.strip():
                    records.append(line.rstrip(b"\n"))
                    if limit and len(records) >= limit:
                        break
        if limit and len(records) >= limit:
            break
    jobs = [(i, k) for k in range(copies) for i in range(len(records))]
    random.Random(seed).shuffle(jobs)
    dest.mkdir(parents=True, exist_ok=True)
    fh = None
    for n, (i, k) in enumerate(jobs):
        if n % per_file == 0:
            if fh:
                fh.close()
            fh = open(dest / f"part-{n // per_file:05d}.jsonl", "wb")
        line = records[i]
        if k:
            obj = json.loads(line)
            obj["id"] = f"{obj.get('id')}~{k}"
            if isinstance(obj.get("url"), str):
                obj["url"] = f"{obj['url']}#copy{k}"
            line = json.dumps(obj, ensure_ascii=False).encode()
        fh.write(line + b"\n")
    if fh:
        fh.close()
    return len(jobs)


def warm_page_cache(inputs: list[str]) -> tuple[int, float]:
    """Read every input file once, so each measured run starts with its inputs in the page cache.

    This machine's kernel keeps little in its cache (about 1 GiB), and the runs write more than
    that: a Dask run that found part of the corpus evicted read 71 MB from disk and its ingest took
    twice as long (17 s instead of 8), which made pairs of runs incomparable. Returns (bytes, s)."""
    t0, total = time.perf_counter(), 0
    for root in inputs:
        paths = [Path(root)] if Path(root).is_file() else sorted(p for p in Path(root).rglob("*") if p.is_file())
        for path in paths:
            with open(path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    total += len(chunk)
    return total, time.perf_counter() - t0


def median(values) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def md_table(header: list[str], rows: list[list]) -> str:
    def fmt(v):
        if isinstance(v, float):
            return f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def outside_share(summary: dict, wall: float, workers: int) -> float:
    """Share of `wall` not spent inside our stage functions (orchestration, scheduling, I/O between
    stages, idle cores). A mapped stage's function time counts as spread over min(workers, shards)."""
    fn = summary.get("stage_fn_seconds") or {}
    shards = summary.get("shards") or {}
    stage_wall = summary.get("stage_seconds") or {}
    inside = 0.0
    for stage, secs in fn.items():
        n = shards.get("ingest", 1) if stage == "ingest" else shards.get("records", 1)
        par = max(1, min(workers, n)) if stage in ("ingest", "clean", "dates", "write") else 1
        inside += min(secs / par, stage_wall.get(stage, secs))
    return max(0.0, 1.0 - inside / wall) if wall > 0 else float("nan")
