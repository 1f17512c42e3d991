"""The output folder: layout, the run lock, atomic writes and publication of a run's files.

Layout under OUT (default data/out, or $AKHBAR_OUT, or --out):
  <table>/<run_id>-<part>.parquet   published files, one folder per table (akhbar.schema.TABLES)
  <table>/_schema.parquet           an empty file with the schema, so views work before any run
  _staging/<run_id>/...             a run's work files; moved into place by publish()
  .lock                             held (flock) by the run in progress (akhbar/runlock.py)

Crash tests: AKHBAR_TEST_PAUSE_AT=<point> makes the run announce itself (in the file named by
AKHBAR_TEST_PAUSE_FILE) and sleep at that point so a test can SIGKILL it there; see crash_point().

A run's files are renamed into the table folders only when all of them are complete, and its
`runs` row is written last: the views read only rows whose run_id is in `runs`, so a run killed
at any point leaves the visible tables as they were. The next run deletes its leftovers.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from akhbar import schema
from akhbar.runlock import RunLocked, run_lock  # noqa: F401  (the lock's home is akhbar.runlock)

DEFAULT_OUT = "data/out"
STAGING = "_staging"
# Codec of a run's own work files: written once and read back soon, so CPU matters more than size;
# uncompressed, the JSONL corpus's staged records and paragraphs cost a third of lz4's write CPU and
# two thirds of its read CPU, for twice the bytes (lz4: 100 + 92 MiB, none: 222 + 192 MiB).
STAGING_COMPRESSION = "none"
_PACKAGE = Path(__file__).resolve().parent
# In a checkout sql/ and data/sample/ sit beside akhbar/; an installed wheel carries them inside it.
IN_CHECKOUT = (_PACKAGE.parent / "pyproject.toml").is_file() and (_PACKAGE.parent / "sql").is_dir()
SQL_DIR = _PACKAGE.parent / "sql" if IN_CHECKOUT else _PACKAGE / "sql"
SAMPLE_DIR = _PACKAGE.parent / "data" / "sample" if IN_CHECKOUT else _PACKAGE / "sample"
# Where data/ (inbox, outputs, the Prefect home of `akhbar up`) lives: the checkout, or the current folder.
PROJECT_DIR = _PACKAGE.parent if IN_CHECKOUT else Path.cwd()


def staging_options(schema: pa.Schema, plain: tuple[str, ...] = ()) -> dict:
    """Parquet writer options of a run's work files: STAGING_COMPRESSION, and no dictionary for the
    `plain` columns. Page and paragraph text does not repeat, and a dictionary tried on the first
    pages of the staged HTML made reading it back 2-3x slower (0.20-0.29 s -> 0.10 s, same size)."""
    return {
        "compression": STAGING_COMPRESSION,
        "use_dictionary": [n for n in schema.names if n not in plain] if plain else True,
    }


def write_staged(table: pa.Table, path: Path, plain: tuple[str, ...] = ()) -> None:
    """Write one work file of a run: read back by a later stage of the same run, never published."""
    pq.write_table(table, path, **staging_options(table.schema, plain))


def read_staged(path: str | Path, columns: list[str] | None = None) -> pa.Table:
    """One work file of a run (write_staged) as a table: the file read directly, in this thread, at about
    two thirds of pq.read_table's CPU (no dataset discovery, no thread pool for a shard's small file)."""
    with pq.ParquetFile(path) as f:
        return f.read(columns=columns, use_threads=False)


class OutPathError(ValueError):
    pass


def resolve_out(out: str | os.PathLike | None) -> Path:
    path = Path(out or os.environ.get("AKHBAR_OUT") or DEFAULT_OUT).resolve()
    if "\\" in str(path):
        # DuckDB's file readers and partitioned writes split paths at a backslash as at a slash.
        raise OutPathError(
            f"the output folder {path} has a backslash in its path, which DuckDB reads as a "
            "folder separator; choose a folder without one (--out)"
        )
    return path


def duckdb_path(path: str | os.PathLike) -> str:
    """`path` as DuckDB's file readers must be given it to mean exactly that path: they read * ? [
    as a pattern (anywhere in it), so each is written as a one-character class: [*] [?] [[]."""
    return re.sub(r"([*?\[])", r"[\1]", str(path))


def files_glob(folder: Path, pattern: str) -> str:
    """A DuckDB file pattern: `pattern` (e.g. "paragraphs-*.parquet") inside `folder`, taken literally."""
    return f"{duckdb_path(folder)}/{pattern}"


def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    # Sortable by start time; the random tail keeps two runs in the same microsecond apart.
    return now.strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(2)


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """Write to a temporary name in the same folder and rename: readers never see a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    _fsync(tmp)
    crash_point("atomic-write")
    os.replace(tmp, path)
    _fsync(path.parent)


def write_parquet_batches_atomic(tables, table_schema: pa.Schema, path: Path, **writer_options) -> None:
    """write_parquet_atomic for a table given in pieces (an iterable of tables of `table_schema`),
    so the whole table is never in memory; no piece still writes a file with the schema.
    writer_options: pyarrow ParquetWriter's (zstd unless they say otherwise)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with pq.ParquetWriter(tmp, table_schema, **{"compression": "zstd", **writer_options}) as writer:
        for table in tables:
            writer.write_table(table)
    _fsync(tmp)
    crash_point("atomic-write")
    os.replace(tmp, path)
    _fsync(path.parent)


_FSYNC_THREADS = 8


def _fsync(path: Path) -> None:
    # Data before the rename, and the folder after it: a power cut must not leave a published
    # name pointing at an empty file, nor lose the `runs` row of a run reported as done.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


CRASH_POINTS = ("ingest", "admit", "publish", "atomic-write", "published")


def crash_point(point: str) -> None:
    """Crash-test hook (no effect unless AKHBAR_TEST_PAUSE_AT names this point).

    Points: ingest (an ingest shard wrote its records file, not yet its rejects/files), admit
    (record shards written), publish (half of the run's table files renamed into place, no `runs`
    row yet), atomic-write (a temp file written, not yet renamed), published (`runs` row written,
    staging not yet removed). The run writes "<point> <pid>" to $AKHBAR_TEST_PAUSE_FILE, then sleeps
    $AKHBAR_TEST_PAUSE_SECONDS (default 600) so the test can SIGKILL it at exactly that point.
    """
    if os.environ.get("AKHBAR_TEST_PAUSE_AT") != point:
        return
    marker = os.environ.get("AKHBAR_TEST_PAUSE_FILE")
    if marker:  # renamed into place: a test that sees the file reads it whole
        Path(f"{marker}.tmp").write_text(f"{point} {os.getpid()}")
        os.replace(f"{marker}.tmp", marker)
    time.sleep(float(os.environ.get("AKHBAR_TEST_PAUSE_SECONDS", "600")))


def init_layout(out: Path) -> None:
    for name in schema.TABLES:
        marker = out / name / "_schema.parquet"
        # rewritten when a table gained a column, so the views can name it before any file has it
        if not marker.exists() or not pq.read_schema(marker).equals(schema.SCHEMAS[name]):
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
    """Move a run's staged table files into place, then write its `runs` row last.

    Until the `runs` row exists the moved files are invisible to the views and are deleted by the
    next run (remove_incomplete); the files are complete before they are moved (staging), and the
    rename keeps them whole, so DuckDB never reads a partial Parquet file.
    """
    moves = [
        (f, out / name / published_name(run_id, f"{i:05d}"))
        for name, files in staged.items()
        for i, f in enumerate(sorted(files))
    ]
    # A retried publish (Prefect retries the task) finds some files already moved: skip those.
    moves = [(src, dest) for src, dest in moves if src.exists() or not dest.exists()]
    with ThreadPoolExecutor(_FSYNC_THREADS) as pool:  # the disk takes them together (bench/publish_fsync.py)
        list(pool.map(_fsync, [src for src, _ in moves]))
    for n, (src, dest) in enumerate(moves):
        if n == len(moves) // 2:
            crash_point("publish")
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dest)
    for d in {dest.parent for _, dest in moves}:
        _fsync(d)
    write_parquet_atomic(schema.table_from_rows("runs", [runs_row]), out / "runs" / published_name(run_id, "00000"))
    crash_point("published")
    shutil.rmtree(staging_dir(out, run_id), ignore_errors=True)


def table_glob(out: Path, name: str) -> str:
    return files_glob(out / name, "*.parquet")


def work_connection(memory_limit: str | None = None, spill_dir: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for the pipeline's own passes: capped memory (it spills to `spill_dir`
    beyond it), no progress bar in the run's output, row order only where a query asks for it."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if memory_limit:
        con.execute("SET memory_limit = ?", [memory_limit])
    if spill_dir is not None:
        con.execute("SET temp_directory = ?", [str(spill_dir)])
    con.execute("SET preserve_insertion_order = false")
    return con


def connect(out: str | os.PathLike | None = None, *, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB session with the views of sql/views.sql over the output folder."""
    out_path = resolve_out(out)
    con = duckdb.connect()
    if memory_limit:
        con.execute("SET memory_limit = ?", [memory_limit])
    con.execute("SET VARIABLE akhbar_out = ?", [duckdb_path(out_path)])  # the views append /<table>/*.parquet
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
            files.append(SQL_DIR.parent / line.split(maxsplit=1)[1])
    return files
