"""Nothing injects, nothing leaks, nothing hangs: the CLI run (`python -m akhbar.cli run`) driven as
a user or a service manager would, with hostile folder names, signals, a killed parent, a worker
killed as the OOM killer would, a full disk and a read-only output folder.

Stop points: the AKHBAR_TEST_PAUSE_AT hook of akhbar.store.crash_point ("ingest" pauses inside a
pool worker), and AKHBAR_TEST_KILL_SHARD of flows/workers.py (a worker SIGKILLs itself).
"""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from akhbar import store
from akhbar.runlock import process_start
from tests.conftest import require_checkout_open_to_others
from tests.fixtures_bad_inputs import ARABIC, seed_texts

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
WAIT_SECONDS = 180  # upper bound for a stage to be reached; never a speed assertion
GONE_SECONDS = 5  # a worker must be gone this soon after its parent
STOPPED = "akhbar: stopped; tables unchanged; staging removed"


def _env(**extra: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO), PREFECT_API_URL="")
    for name in ("AKHBAR_TEST_PAUSE_AT", "AKHBAR_TEST_KILL_SHARD", "AKHBAR_OUT"):
        env.pop(name, None)
    env.update(extra)
    return env


def _cli(*args: str, **env: str) -> subprocess.Popen:
    # Own session, as a service would start it; signals are sent to the pid unless a test says so.
    return subprocess.Popen(
        [sys.executable, "-m", "akhbar.cli", *args],
        cwd=REPO,
        env=_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        text=True,
    )


def _run(inputs: Path, out: Path, *extra: str, **env: str) -> subprocess.Popen:
    return _cli("run", str(inputs), "--out", str(out), "--local", "--workers", "2", "--shard-size", "1", *extra, **env)


def _finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=WAIT_SECONDS)
    return proc.returncode, out, err


def _ok(proc: subprocess.Popen) -> str:
    code, out, err = _finish(proc)
    assert code == 0, err[-3000:]
    return out


def _wait_for(cond, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not cond():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before {what}: {proc.stderr.read()[-3000:]}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError(f"{what} not reached within {WAIT_SECONDS} s")
        time.sleep(0.02)


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (an orphan's zombie may wait long for its reaper)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def _children(pid: int) -> set[int]:
    kids = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                kids.add(int(d.name))
    return kids


def _count(out: Path, sql: str) -> int:
    con = store.connect(out)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def _staging_empty(out: Path) -> bool:
    staging = out / store.STAGING
    return not staging.exists() or not any(staging.iterdir())


def _inputs(root: Path, names: list[str] | None = None, *, big: bool = False) -> Path:
    """The five seed scrapes, under the given file names (default: their own). `big`: each written
    13 times over (~575 KB in all), so the run has several ingest shards, run by pool workers."""
    folder = root / "in"
    folder.mkdir(parents=True)
    seeds = list(seed_texts().items())
    for k, (name, text) in enumerate(seeds):
        (folder / (names[k] if names else name)).write_text(text * (13 if big else 1), encoding="utf-8")
    return folder


# ---------------------------------------------------------------- no SQL from paths

HOSTILE_OUT = "it's [x]*? {arabic}\nline'; COPY (SELECT 1) TO '{tmp}/x.csv'; SELECT '"
HOSTILE_INPUTS = ["q'uote.txt", "semi;colon.txt", "back\\slash.txt", "عربي مقال.txt", "new\nline.txt"]


def test_hostile_output_folder_and_input_names(tmp_path):
    inputs = _inputs(tmp_path, HOSTILE_INPUTS)
    out = tmp_path / HOSTILE_OUT.format(arabic=ARABIC[:12], tmp=tmp_path)
    stdout = _ok(_run(inputs, out))
    assert "documents" in stdout
    assert not list(tmp_path.rglob("x.csv")), "a statement pasted from the folder name was executed"
    assert _count(out, "SELECT count(*) FROM documents") == 5
    assert sorted(Path(p).name for (p,) in store.connect(out).execute("SELECT path FROM inputs").fetchall()) == sorted(
        HOSTILE_INPUTS
    )

    # The next run reads the stored inputs (unchanged files are skipped) through the same folder.
    assert "nothing to do" in _ok(_run(inputs, out))
    code, stdout, stderr = _finish(
        _cli("query", "select count(*) AS n from documents", "--out", str(out), "--format", "csv")
    )
    assert code == 0, stderr
    assert stdout.split() == ["n", "5"]
    assert not list(tmp_path.rglob("x.csv"))


@pytest.mark.parametrize("name", ["o[1]", "o*", "o?"])
def test_pattern_characters_in_the_output_path_read_only_that_folder(tmp_path, name):
    """A sibling whose name the pattern would match holds a corpus of its own: it must not be read."""
    inputs = _inputs(tmp_path)
    sibling, out = tmp_path / "o1", tmp_path / name
    _ok(_run(inputs, sibling))
    (inputs / "extra.txt").write_text(
        f"{ARABIC}\nخبر آخر في هذا اليوم عن الطقس والأمطار في المدينة.\n", encoding="utf-8"
    )
    _ok(_run(inputs, out))
    assert _count(sibling, "SELECT count(*) FROM documents") == 5
    assert _count(out, "SELECT count(*) FROM documents") == 6
    assert _count(out, "SELECT count(*) FROM runs") == 1
    # a second run deduplicates against this folder's tables only: nothing new
    assert "nothing to do" in _ok(_run(inputs, out))


def test_key_value_folder_names_are_not_read_as_columns(tmp_path):
    """DuckDB takes a path's name=value folders for hive partition columns unless told not to."""
    out = tmp_path / "run_id=evil" / "site=x"
    _ok(_run(_inputs(tmp_path), out))
    _ok(_run(tmp_path / "in", out))
    con = store.connect(out)
    try:
        assert con.execute("SELECT count(*) FROM documents WHERE run_id = 'evil' OR site = 'x'").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM runs WHERE run_id = 'evil'").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 5
    finally:
        con.close()


def test_backslash_in_the_output_path_is_refused_plainly(tmp_path):
    code, _out, err = _finish(_run(_inputs(tmp_path), tmp_path / "a\\b"))
    assert code == 2 and "backslash" in err and "Traceback" not in err


# ---------------------------------------------------------------- workers die with the run


def _paused_in_worker(tmp_path, out: Path, *extra: str) -> tuple[subprocess.Popen, int]:
    """A run paused inside an ingest pool worker; returns it and the worker's pid."""
    marker = tmp_path / "marker"
    proc = _run(
        _inputs(tmp_path, big=True), out, *extra, AKHBAR_TEST_PAUSE_AT="ingest", AKHBAR_TEST_PAUSE_FILE=str(marker)
    )
    _wait_for(marker.exists, proc, "the ingest pause in a worker")
    worker = int(marker.read_text().split()[1])
    assert worker != proc.pid and worker in _children(proc.pid)
    return proc, worker


def test_killing_only_the_parent_leaves_no_worker_and_no_lock(tmp_path):
    out = tmp_path / "out"
    proc, _worker = _paused_in_worker(tmp_path, out)
    workers = _children(proc.pid)
    # the workers do not hold the lock: no descriptor of theirs points at it
    lock = str(out / ".lock")
    for pid in workers:
        fds = Path(f"/proc/{pid}/fd")
        assert lock not in {os.path.realpath(fds / fd) for fd in os.listdir(fds)}, f"worker {pid} holds the lock"
    os.kill(proc.pid, signal.SIGKILL)  # only the parent, as `kill -9 PID` or a crash would
    proc.communicate(timeout=WAIT_SECONDS)
    deadline = time.monotonic() + GONE_SECONDS
    while any(_running(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in workers if _running(p)], "workers outlived their parent"
    # a new run takes the lock at once and publishes
    stdout = _ok(_run(tmp_path / "in", out))
    assert "documents" in stdout
    assert _count(out, "SELECT count(*) FROM documents") == 5


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_run_cleanly(tmp_path, sig):
    out = tmp_path / "out"
    proc, _worker = _paused_in_worker(tmp_path, out)
    workers = _children(proc.pid)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C in a terminal reaches the whole foreground group
    else:
        os.kill(proc.pid, sig)  # a service manager or `kill PID`
    code, _stdout, stderr = _finish(proc)
    assert code == 128 + sig
    assert "Traceback" not in stderr, stderr
    assert stderr.strip().splitlines()[-1] == STOPPED
    assert _staging_empty(out)
    assert not [p for p in workers if _running(p)]
    assert _count(out, "SELECT count(*) FROM runs") == 0


@pytest.mark.parametrize("point", ["admit", "publish", "published"])
def test_sigterm_in_the_run_process_after_an_earlier_run(tmp_path, point):
    """Stopped in the run's own process: while admitting, with half its files moved into the table
    folders, and after its `runs` row (then the message says the run was published)."""
    out = tmp_path / "out"
    inputs = _inputs(tmp_path)
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    for f in sorted(inputs.iterdir())[:3]:
        (earlier / f.name).write_bytes(f.read_bytes())
    _ok(_run(earlier, out))
    marker = tmp_path / "marker"
    proc = _run(inputs, out, AKHBAR_TEST_PAUSE_AT=point, AKHBAR_TEST_PAUSE_FILE=str(marker))
    _wait_for(marker.exists, proc, f"pause point {point!r}")
    os.kill(proc.pid, signal.SIGTERM)
    code, _stdout, stderr = _finish(proc)
    assert code == 128 + signal.SIGTERM and "Traceback" not in stderr, stderr[-3000:]
    last = stderr.strip().splitlines()[-1]
    assert _staging_empty(out)
    done = store.completed_runs(out)
    for table in ("documents", "paragraphs", "rejects", "inputs"):  # no file of an unfinished run is left
        assert all(f.name == "_schema.parquet" or f.name.split("-part")[0] in done for f in (out / table).iterdir())
    if point == "published":
        assert last.startswith("akhbar: stopped; run ") and "was published; staging removed" in last
        assert _count(out, "SELECT count(*) FROM documents") == 5
    else:
        assert last == STOPPED
        assert _count(out, "SELECT count(*) FROM documents") == 3 and len(done) == 1


# ---------------------------------------------------------------- the lock names a live holder


def _hold_lock(out: Path, record: str) -> subprocess.Popen:
    """Another process holding the output folder's flock, with `record` in the lock file."""
    out.mkdir(parents=True, exist_ok=True)
    code = (
        "import fcntl, sys, time; f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX); "
        "f.seek(0); f.truncate(); f.write(sys.argv[2]); f.flush(); print('held', flush=True); time.sleep(600)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(out / ".lock"), record], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def _dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    return gone.pid


@pytest.mark.parametrize("wait", [False, True])
def test_a_lock_whose_holder_is_gone_is_broken(tmp_path, wait):
    out = tmp_path / "out"
    holder = _hold_lock(out, f"pid {_dead_pid()} start 1")  # e.g. an orphan that inherited the lock
    try:
        code, _stdout, stderr = _finish(_run(_inputs(tmp_path), out, *(["--wait"] if wait else [])))
        assert code == 0, stderr[-3000:]
        assert "broke the lock" in stderr
        assert _count(out, "SELECT count(*) FROM documents") == 5
    finally:
        holder.kill()
        holder.wait()


def test_a_live_holder_is_named_and_not_broken(tmp_path):
    out = tmp_path / "out"
    me = process_start(os.getpid())
    holder = _hold_lock(out, f"pid {os.getpid()} start {me}")
    try:
        code, _stdout, stderr = _finish(_run(_inputs(tmp_path), out))
        assert code == 2 and f"pid {os.getpid()}" in stderr and "--wait" in stderr and "Traceback" not in stderr
        with open(out / ".lock") as fh, pytest.raises(BlockingIOError):  # still held by the holder
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        holder.kill()
        holder.wait()


# ---------------------------------------------------------------- a worker killed for memory


@pytest.mark.parametrize("stage", ["ingest", "clean"])
def test_a_worker_killed_turns_its_shard_into_rejects(tmp_path, stage):
    out = tmp_path / "out"
    code, _stdout, stderr = _finish(_run(_inputs(tmp_path, big=True), out, AKHBAR_TEST_KILL_SHARD=f"{stage}:1"))
    assert code == 0, stderr[-3000:]
    assert "Traceback" not in stderr
    con = store.connect(out)
    lost = con.execute("SELECT source_uri, stage FROM rejects WHERE error = 'worker ran out of memory'").fetchall()
    assert lost and {s for _uri, s in lost} == {stage}
    if stage == "clean":
        assert len(lost) == 1  # --shard-size 1: a record shard holds one record (an ingest shard, its files)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 5 - len(lost)
    for uri, _stage in lost:
        assert con.execute("SELECT count(*) FROM documents WHERE source_uri = ?", [uri]).fetchone()[0] == 0
    con.close()
    assert _staging_empty(out)
    # nothing is lost for good: the next run reads those files again and stores what they hold
    _ok(_run(tmp_path / "in", out))
    assert _count(out, "SELECT count(*) FROM documents") == 5
    assert _count(out, "SELECT count(*) FROM (SELECT doc_id FROM documents GROUP BY 1 HAVING count(*) > 1)") == 0


def test_a_worker_killed_after_dedup_stops_the_run_plainly(tmp_path):
    out = tmp_path / "out"
    code, _stdout, stderr = _finish(_run(_inputs(tmp_path, big=True), out, AKHBAR_TEST_KILL_SHARD="dates:1"))
    assert code == 2
    assert "Traceback" not in stderr and "dates stage" in stderr and "tables unchanged; staging removed" in stderr
    assert _count(out, "SELECT count(*) FROM runs") == 0
    assert _staging_empty(out)


# ---------------------------------------------------------------- the file system fails


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill (needs root): {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _big_inputs(root: Path, n_bytes: int) -> Path:
    """Text scrapes of random Arabic words (they do not compress away)."""
    folder = root / "big"
    folder.mkdir()
    rng = random.Random(7)
    words = ARABIC.split() + [chr(0x627 + rng.randrange(26)) * 3 for _ in range(200)]
    k = 0
    while sum(f.stat().st_size for f in folder.iterdir()) < n_bytes:
        lines = [" ".join(rng.choice(words) + chr(0x627 + rng.randrange(26)) for _ in range(40)) for _ in range(400)]
        (folder / f"big{k:03d}.txt").write_text("\n".join(lines), encoding="utf-8")
        k += 1
    return folder


def test_disk_full_is_one_line_and_leaves_the_tables(tmp_path, small_disk):
    out = small_disk / "out"
    _ok(_run(_inputs(tmp_path), out))
    big = _big_inputs(tmp_path, 6_000_000)
    code, _stdout, stderr = _finish(_run(big, out))
    assert code == 2
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "no space left" in stderr and "staging removed" in stderr
    assert _staging_empty(out)
    assert _count(out, "SELECT count(*) FROM documents") == 5
    assert _count(out, "SELECT count(*) FROM runs") == 1
    code, _stdout, stderr = _finish(_run(big, out, "--debug"))
    assert code != 0 and "Traceback" in stderr  # --debug shows it


def test_read_only_output_folder_is_one_line(tmp_path, small_disk):
    out = small_disk / "out"
    _ok(_run(_inputs(tmp_path), out))
    done = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount read-only: {done.stderr.strip()}")
    (tmp_path / "in" / "new.txt").write_text(f"{ARABIC}\nخبر جديد عن الطقس في المدينة.\n", encoding="utf-8")
    code, _stdout, stderr = _finish(_run(tmp_path / "in", out))
    assert code == 2 and "read-only" in stderr and "Traceback" not in stderr, stderr[-3000:]
    assert _count(out, "SELECT count(*) FROM documents") == 5  # the corpus stays readable


def test_unwritable_output_folder_is_one_line(tmp_path):
    """As another user: root writes anywhere, so the folder is made unwritable for `nobody`."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run the CLI as another user")
    require_checkout_open_to_others()
    top = Path(tempfile.mkdtemp())
    try:
        top.chmod(0o755)
        (top / "ro").mkdir(mode=0o555)
        (top / "ro").chmod(0o555)
        done = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                sys.executable,
                "-m",
                "akhbar.cli",
                "run",
                str(REPO / "data" / "sample"),
                "--out",
                str(top / "ro" / "out"),
                "--local",
            ],
            cwd=REPO,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=WAIT_SECONDS,
        )
        assert done.returncode == 2 and "permission denied" in done.stderr and "Traceback" not in done.stderr, (
            done.stderr[-3000:]
        )
    finally:
        shutil.rmtree(top)


def test_a_file_as_output_folder_is_one_line(tmp_path):
    (tmp_path / "afile").write_text("x")
    inputs = _inputs(tmp_path)
    for out in (tmp_path / "afile", tmp_path / "afile" / "sub"):
        code, _stdout, stderr = _finish(_run(inputs, out))
        assert code == 2 and "give --out a folder" in stderr and "Traceback" not in stderr, stderr[-3000:]


def test_query_without_a_corpus_is_one_line(tmp_path):
    code, _stdout, stderr = _finish(_cli("query", "select 1", "--out", str(tmp_path / "nothing")))
    assert code == 2 and "no corpus" in stderr and "akhbar run" in stderr and "Traceback" not in stderr


def test_missing_input_is_one_line(tmp_path):
    code, _stdout, stderr = _finish(_cli("run", str(tmp_path / "missing"), "--out", str(tmp_path / "out"), "--local"))
    assert code == 2 and "input not found" in stderr and "Traceback" not in stderr
    assert _staging_empty(tmp_path / "out")


def test_unreachable_prefect_server_is_one_line(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "akhbar.cli", "run", str(_inputs(tmp_path)), "--out", str(tmp_path / "out")],
        cwd=REPO,
        env=_env(PREFECT_API_URL="http://127.0.0.1:9/api"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    code, _stdout, stderr = _finish(proc)
    assert code == 2 and "not reachable" in stderr and "--local" in stderr and "Traceback" not in stderr, stderr[-3000:]
