"""Stage 1, ingest: the input files of one shard read into the run's staging files, and the plan of shards.

A record becomes a row of the staged records (akhbar/staging.py "ingest_records"); an input (or a
record inside one) that cannot be read becomes a rejects row with the reason, and the run goes on.
"""

from __future__ import annotations

import json
import os
from operator import attrgetter
from pathlib import Path

import pyarrow as pa

from akhbar import reasons, staging
from akhbar.settings import Settings
from akhbar.staging import FILE_SCHEMA, REJECT_SCHEMA
from akhbar.store import write_staged
from akhbar.tasking import StageTask
from akhbar.tasks.ingest.discover import display_path, entry_problem, entry_stat, name_is_utf8, sha256_file
from akhbar.tasks.ingest.read import read_path
from akhbar.tasks.ingest.records import Record, RecordWriter, Reject
from akhbar.tasks.ingest.streams import drop_long_lines


def ingest_shard(run_dir: str, shard_id: int) -> dict:
    """Read the input files of one ingest shard into staging Parquet files. Returns counts."""
    from akhbar.store import crash_point

    run = Path(run_dir)
    settings = Settings.load(run)
    manifest = json.loads(staging.path(run, "ingest_plan", shard_id).read_text())
    staging.folder(run, "ingest_records")
    records = RecordWriter(staging.path(run, "ingest_records", shard_id))
    rejects: list[dict] = []
    file_rows: list[dict] = []
    try:
        for input_index, path_str in manifest:
            n_records, digest = 0, None
            uri = display_path(path_str)
            problem = entry_problem(path_str)
            if problem is None and not name_is_utf8(path_str):
                rejects.append(_reject_row(uri, reasons.NAME_NOT_UTF8, input_index))
            try:
                if problem is not None:
                    raise _Unreadable(problem)
                digest = sha256_file(path_str)
                for item in read_path(Path(path_str), input_index, settings):
                    if isinstance(item, Reject):
                        rejects.append(_reject_row(display_path(item.source_uri), item.error, input_index, item.stage))
                    else:
                        rejects.extend(_drop_long_lines(item, input_index, settings))
                        if item.content and not item.content.isspace():  # not .strip(): no copy of the text
                            n_records += 1
                            records.add(_storable(item))
            except (OSError, _Unreadable) as exc:
                digest = None  # not read: the next run tries again
                reason = str(exc) if isinstance(exc, _Unreadable) else reasons.from_os_error(exc)
                rejects.append(_reject_row(uri, reason, input_index))
            st = entry_stat(path_str)
            file_rows.append(
                {
                    "path": uri,
                    "size": st.st_size if st else None,
                    "mtime_ns": st.st_mtime_ns if st else None,
                    "sha256": digest,
                    "n_records": n_records,
                    "ctime_ns": st.st_ctime_ns if st else None,
                }
            )
    finally:
        records.close()
    crash_point("ingest")
    write_staged(pa.Table.from_pylist(rejects, schema=REJECT_SCHEMA), staging.path(run, "ingest_rejects", shard_id))
    write_staged(pa.Table.from_pylist(file_rows, schema=FILE_SCHEMA), staging.path(run, "ingest_files", shard_id))
    return {"records": records.count, "rejects": len(rejects), "files": len(file_rows)}


class _Unreadable(Exception):
    """An entry that is not read at all; its message is the reject reason."""


def _reject_row(uri: str, error: str, input_index: int, stage: str = "ingest") -> dict:
    return {"source_uri": uri, "stage": stage, "error": error, "input_index": input_index}


def _drop_long_lines(rec: Record, input_index: int, settings: Settings) -> list[dict]:
    """Leave out the lines of a text record longer than max_line_chars; a reject row for each."""
    if rec.content_kind != "text" or len(rec.content) <= settings.max_line_chars:  # no line can be longer
        return []
    rec.content, dropped = drop_long_lines(rec.content, settings.max_line_chars)
    if not dropped:
        return []
    uri = display_path(rec.source_uri)
    return [
        _reject_row(uri, reasons.LINE_OVER_LIMIT.format(line=no, chars=n, limit=settings.max_line_chars), input_index)
        for no, n in dropped
    ]


def _storable(rec: Record) -> Record:
    """The record with every string but its (sanitized) content storable as UTF-8: a file name's
    undecodable bytes reach source_uri and site, and a JSON url may hold a lone surrogate."""
    values = _storable_fields(rec)
    try:
        # one encode for all: joined strings encode unless one of them holds a surrogate
        "".join([v for v in values if v is not None]).encode("utf-8")
        return rec
    except UnicodeEncodeError:
        pass
    for name, value in zip(_STORABLE, values):
        if value is not None:
            setattr(rec, name, display_path(value))
    return rec


_STORABLE = ("source_uri", "site", "url", "title", "published_field")
_storable_fields = attrgetter(*_STORABLE)


def save_ingest_plan(run_dir: str, shards: list[list[tuple[int, str]]]) -> None:
    """One small file per ingest shard: each task reads only its own, not a manifest of every path."""
    for k, manifest in enumerate(shards):
        path = staging.path(run_dir, "ingest_plan", k)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest))


def plan_ingest_shards(
    files: list[str] | list[Path], settings: Settings, workers: int = 1
) -> list[list[tuple[int, str]]]:
    """Group input files into shards of bounded total size and count, keeping input order; a small
    run is cut into enough shards for `workers` (Settings.balanced_cap)."""
    sizes = []
    for f in files:
        try:
            sizes.append(os.stat(f).st_size)  # one system call, not exists() + stat()
        except OSError:
            sizes.append(0)
    max_bytes = settings.balanced_cap(settings.ingest_shard_bytes, sum(sizes), settings.min_ingest_shard_bytes, workers)
    if max_bytes < settings.ingest_shard_bytes:  # lowered for balance: not one small shard more than planned
        max_bytes = _fewest_shards_cap(sizes, max_bytes, settings, workers)
    return [[(i, str(files[i])) for i in range(start, end)] for start, end in pack_files(sizes, max_bytes, settings)]


def pack_files(sizes: list[int], max_bytes: int, settings: Settings) -> list[tuple[int, int]]:
    """(start, end) of each shard: files in input order, a shard closed before it would pass
    max_bytes or holds ingest_shard_files files."""
    bounds: list[tuple[int, int]] = []
    start, cur_bytes = 0, 0
    for i, size in enumerate(sizes):
        if i > start and (cur_bytes + size > max_bytes or i - start >= settings.ingest_shard_files):
            bounds.append((start, i))
            start, cur_bytes = i, 0
        cur_bytes += size
    if start < len(sizes):
        bounds.append((start, len(sizes)))
    return bounds


def _fewest_shards_cap(sizes: list[int], cap: int, settings: Settings, workers: int) -> int:
    """The smallest byte cap from `cap` up to ingest_shard_bytes that packs the files into at most
    shards_per_worker x workers shards: packing at the average size leaves a small last shard, one
    more than the workers divide evenly (242 dev HTML pages: 8 shards and a ninth of 7 pages)."""
    n = max(1, int(settings.shards_per_worker) * max(1, int(workers)))
    if len(pack_files(sizes, cap, settings)) <= n:
        return cap
    lo, hi = cap, int(settings.ingest_shard_bytes)
    if len(pack_files(sizes, hi, settings)) > n:
        return cap
    while lo < hi:  # fewer shards for a larger cap: the least cap that gives n or fewer
        mid = (lo + hi) // 2
        if len(pack_files(sizes, mid, settings)) <= n:
            hi = mid
        else:
            lo = mid + 1
    return lo


ingest_task = StageTask(ingest_shard, name="ingest", retries=2)
