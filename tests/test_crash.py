"""Nothing lost, nothing doubled: the CLI run (`python -m akhbar.cli run ... --local`) is SIGKILLed
at several points, then re-run; the final tables must equal those of an uninterrupted run.

Kill points: the AKHBAR_TEST_PAUSE_AT hook of akhbar.store.crash_point (the run writes a marker
file and sleeps there), and one point found by polling the staging folder (mid-clean). While the
run is stopped at a point, the views must show exactly the tables as they were before it, and
every Parquet file in the table folders must be readable (no partial file is ever visible).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from akhbar import schema, store
from tests.fixtures_bad_inputs import ARABIC, seed_texts, to_html, warc_response, write_warc

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
# Columns that differ between two runs of the same input by design (the run id, clock times).
VOLATILE = {"run_id", "ingested_at", "at", "started_at", "finished_at"}
WAIT_SECONDS = 180  # upper bound for a stage to be reached; never a speed assertion


def _build_inputs(root: Path) -> tuple[Path, Path]:
    """Phase A (an earlier, completed night) and phase B (the night that crashes)."""
    seeds = list(seed_texts().items())
    a, b = root / "a" / "sample", root / "b" / "sample"
    a.mkdir(parents=True)
    b.mkdir(parents=True)
    for name, text in seeds[:3]:
        (a / name).write_text(text, encoding="utf-8")
    for name, text in seeds[3:]:
        (b / name).write_text(text, encoding="utf-8")
    write_warc(
        b / "crawl.warc.gz",
        [
            warc_response(
                f"https://news.example/{i}", to_html(f"{ARABIC} خبر رقم {i}\n{seeds[i][1][:600]}", "utf-8").encode()
            )
            for i in range(4)
        ]
        + [warc_response("https://news.example/x.png", b"\x89PNG\r\n\x1a\n", "image/png")],
        gz=True,
    )
    (b / "empty.txt").write_bytes(b"")
    # A document already stored by phase A, under another name: must not be stored twice.
    shutil.copy(a / seeds[0][0], b / ("copy_" + seeds[0][0]))
    return a.parent, b.parent


def _cli(
    inputs: list[Path], out: Path, *extra: str, pause: str | None = None, marker: Path | None = None, wait: bool = False
) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO), PREFECT_API_URL="")
    env.pop("AKHBAR_TEST_PAUSE_AT", None)
    if pause:
        env.update(AKHBAR_TEST_PAUSE_AT=pause, AKHBAR_TEST_PAUSE_FILE=str(marker))
    args = [
        sys.executable,
        "-m",
        "akhbar.cli",
        "run",
        *map(str, inputs),
        "--out",
        str(out),
        "--local",
        "--shard-size",
        "2",
        *extra,
    ]
    if wait:
        args.append("--wait")
    # Own session: the kill reaches the whole process group, as a killed nightly job would.
    return subprocess.Popen(
        args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, text=True
    )


def _finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=WAIT_SECONDS)
    return proc.returncode, out, err


def _run_ok(inputs, out: Path) -> str:
    code, stdout, stderr = _finish(_cli(inputs, out))
    assert code == 0, stderr[-3000:]
    return stdout


def _kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=WAIT_SECONDS)


def _wait_for(cond, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not cond():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before {what}: {proc.stderr.read()[-3000:]}")
        if time.monotonic() > deadline:
            _kill(proc)
            raise AssertionError(f"{what} not reached within {WAIT_SECONDS} s")
        time.sleep(0.02)


def tables(out: Path) -> dict[str, list[tuple]]:
    """Every view's rows without the volatile columns, sorted: what a user sees."""
    con = store.connect(out)
    try:
        result = {}
        for name in schema.TABLES:
            cols = [c.name for c in schema.TABLES[name] if c.name not in VOLATILE]
            if name == "runs":
                cols = ["n_inputs", "n_documents"]
            views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
            # site_lines has no view: read its files, restricted to completed runs like the views.
            source = (
                name
                if name in views
                else (
                    "(SELECT * FROM read_parquet(getvariable('akhbar_out') || '/" + name + "/*.parquet', "
                    "union_by_name = true, hive_partitioning = false) "
                    "WHERE run_id IN (SELECT run_id FROM runs))"
                )
            )
            rows = con.execute(f"SELECT {', '.join(chr(34) + c + chr(34) for c in cols)} FROM {source}").fetchall()
            result[name] = sorted(rows, key=repr)
        return result
    finally:
        con.close()


def assert_all_parquet_readable(out: Path) -> None:
    """No partial Parquet file anywhere a view reads: every file opens and every row decodes."""
    con = duckdb.connect()
    for name in schema.TABLES:
        for f in sorted((out / name).glob("*.parquet")):
            con.execute("SELECT count(*) FROM read_parquet(?)", [str(f)]).fetchone()
    con.close()


def assert_no_doubles(out: Path) -> None:
    con = store.connect(out)
    n, distinct = con.execute("SELECT count(*), count(DISTINCT doc_id) FROM documents").fetchone()
    assert n == distinct, "a document is stored twice"
    n, distinct = con.execute("SELECT count(*), count(DISTINCT (doc_id, position)) FROM paragraphs").fetchone()
    assert n == distinct, "a paragraph is stored twice"
    con.close()


def assert_clean_folder(out: Path) -> None:
    """After a successful run: no staging left, no file of an unfinished run in the table folders."""
    done = store.completed_runs(out)
    assert not any((out / store.STAGING).iterdir()) if (out / store.STAGING).exists() else True
    for name in schema.TABLES:
        for f in (out / name).iterdir():
            if f.name == "_schema.parquet":
                continue
            assert not f.name.startswith("."), f
            assert f.name.split("-part")[0] in done, f


@pytest.fixture(scope="module")
def crash_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("crash")
    a, b = _build_inputs(root / "in")
    after_a = root / "after_a"
    _run_ok([a], after_a)
    baseline = root / "baseline"
    shutil.copytree(after_a, baseline)
    _run_ok([a, b], baseline)
    return {"root": root, "a": a, "b": b, "after_a": after_a, "before": tables(after_a), "final": tables(baseline)}


def _fresh_out(env, name: str) -> Path:
    out = env["root"] / name
    shutil.copytree(env["after_a"], out)
    return out


def test_baseline_is_meaningful(crash_env):
    before, final = crash_env["before"], crash_env["final"]
    assert len(final["documents"]) > len(before["documents"]) >= 3
    assert len(final["rejects"]) > len(before["rejects"])
    assert len(final["runs"]) == 2


@pytest.mark.parametrize("point", ["ingest", "admit", "clean", "publish", "atomic-write", "published"])
def test_kill_then_rerun_equals_uninterrupted(crash_env, point):
    env = crash_env
    out = _fresh_out(env, f"out-{point}")
    marker = env["root"] / f"marker-{point}"
    if point == "clean":
        proc = _cli([env["a"], env["b"]], out)
        _wait_for(lambda: any((out / store.STAGING).glob("*/clean/docs-*.parquet")), proc, "the clean stage")
    else:
        proc = _cli([env["a"], env["b"]], out, pause=point, marker=marker)
        _wait_for(marker.exists, proc, f"pause point {point!r}")
        # Stopped mid-run: readers see the tables exactly as before the run, all files whole.
        if point != "published":
            assert tables(out) == env["before"]
        assert_all_parquet_readable(out)
    _kill(proc)

    # After the crash: the same, and the lock is free again (flock dies with the process).
    visible = tables(out)
    if point == "published":
        assert visible == env["final"]  # the runs row was written: the run counts as done
    else:
        assert visible == env["before"]
    assert_all_parquet_readable(out)

    stdout = _run_ok([env["a"], env["b"]], out)
    assert tables(out) == env["final"], f"re-run after a kill at {point!r} differs from an uninterrupted run"
    assert_no_doubles(out)
    assert_clean_folder(out)
    if point == "published":
        assert "nothing to do" in stdout


def test_second_run_is_locked_out_or_waits(crash_env):
    env = crash_env
    out = _fresh_out(env, "out-lock")
    marker = env["root"] / "marker-lock"
    first = _cli([env["a"], env["b"]], out, pause="admit", marker=marker)
    _wait_for(marker.exists, first, "the first run's admit stage")

    code, _stdout, stderr = _finish(_cli([env["a"], env["b"]], out))
    assert code == 2 and "another akhbar run is writing" in stderr and "--wait" in stderr

    waiting = _cli([env["a"], env["b"]], out, wait=True)
    # The first run still holds the lock: the waiting run has published nothing (checked after the
    # locked-out run above has come and gone, so the waiting one had time to start).
    code2, _o, _e = _finish(_cli([env["a"], env["b"]], out))
    assert code2 == 2
    assert waiting.poll() is None and tables(out) == env["before"]
    _kill(first)
    code, _stdout, stderr = _finish(waiting)
    assert code == 0, stderr[-3000:]
    assert tables(out) == env["final"]
    assert_no_doubles(out)
    assert_clean_folder(out)
