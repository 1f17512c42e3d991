"""The output folder: layout, the run lock, atomic writes and publication of a run's files.

Layout under OUT (default data/out, or $AKHBAR_OUT, or --out):
  <table>/<run_id>-<part>.parquet   published files, one folder per table (akhbar.schema.TABLES)
  <table>/_schema.parquet           an empty file with the schema, so views work before any run
  _staging/<run_id>/...             a run's work files; moved into place by publish()
  .lock                             held (flock) by the run in progress

A run's files are renamed into the table folders only when all of them are complete, and its
`runs` row is written last: the views read only rows whose run_id is in `runs`, so a run killed
at any point leaves the visible tables as they were. The next run deletes its leftovers.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from akhbar import schema

DEFAULT_OUT = "data/out"
STAGING = "_staging"
REPO_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = REPO_ROOT / "sql"


def resolve_out(out: str | os.PathLike | None) -> Path:
    return Path(out or os.environ.get("AKHBAR_OUT") or DEFAULT_OUT).resolve()


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.timezone.utc)
    # Sortable by start time; the random tail keeps two runs in the same microsecond apart.
    return now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(2)


class RunLocked(RuntimeError):
    pass


@contextmanager
def run_lock(out: Path, wait: bool = False):
    """Exclusive lock on the output folder: a second run stops with a clear message (or waits)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / ".lock"
    fh = open(path, "a+")
    try:
        flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
        try:
            fcntl.flock(fh, flags)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise RunLocked(
                    f"another akhbar run is writing to {out} (held by {holder}); "
                    "wait for it to finish or pass --wait"
                ) from None
            raise
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        yield
    finally:
        fh.close()


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """Write to a temporary name in the same folder and rename: readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def init_layout(out: Path) -> None:
    for name in schema.TABLES:
        marker = out / name / "_schema.parquet"
        if not marker.exists():
            write_parquet_atomic(schema.empty_table(name), marker)


def completed_runs(out: Path) -> set[str]:
    files = sorted((out / "runs").glob("*.parquet"))
    done: set[str] = set()
    for f in files:
        if f.name.startswith(("_", ".")):
            continue
        done.update(pq.read_table(f, columns=["run_id"]).column("run_id").to_pylist())
    return done


def remove_incomplete(out: Path) -> list[Path]:
    """Delete files of runs that never wrote their `runs` row (a crashed run), and stale staging."""
    done = completed_runs(out)
    removed: list[Path] = []
    for name in schema.TABLES:
        for f in (out / name).glob("*"):
            if f.name == "_schema.parquet":
                continue
            run_id = f.name.lstrip(".").split("-part")[0].split(".")[0]
            if f.name.startswith(".") or run_id not in done:
                f.unlink(missing_ok=True)
                removed.append(f)
    staging = out / STAGING
    if staging.exists():
        for d in staging.iterdir():
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def staging_dir(out: Path, run_id: str) -> Path:
    return out / STAGING / run_id


def published_name(run_id: str, part: int | str) -> str:
    return f"{run_id}-part{part}.parquet"


def publish(out: Path, run_id: str, staged: dict[str, list[Path]], runs_row: dict) -> None:
    """Move a run's staged table files into place, then write its `runs` row last."""
    for name, files in staged.items():
        dest = out / name
        dest.mkdir(parents=True, exist_ok=True)
        for i, f in enumerate(sorted(files)):
            os.replace(f, dest / published_name(run_id, f"{i:05d}"))
    write_parquet_atomic(schema.table_from_rows("runs", [runs_row]), out / "runs" / published_name(run_id, "00000"))
    shutil.rmtree(staging_dir(out, run_id), ignore_errors=True)


def table_glob(out: Path, name: str) -> str:
    return str(out / name / "*.parquet")


def connect(out: str | os.PathLike | None = None, *, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB session with the views of sql/views.sql over the output folder."""
    out_path = resolve_out(out)
    con = duckdb.connect()
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET VARIABLE akhbar_out = ?", [str(out_path)])
    load_views(con)
    return con


def load_views(con: duckdb.DuckDBPyConnection) -> None:
    """Execute sql/views.sql, following its `.read` lines the way the duckdb CLI does."""
    for stmt_file in _view_files():
        con.execute(stmt_file.read_text(encoding="utf-8"))


def _view_files() -> list[Path]:
    files = []
    for line in (SQL_DIR / "views.sql").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith(".read "):
            files.append(REPO_ROOT / line.split(maxsplit=1)[1])
    return files
