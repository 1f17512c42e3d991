"""Shared helpers of the ingest tests: read one input, run the pipeline, query its tables."""

from __future__ import annotations

from pathlib import Path

from akhbar import store
from akhbar.settings import Settings
from akhbar.tasks.ingest import Record, Reject, read_input


def read_all(path: Path, settings: Settings | None = None) -> tuple[list[Record], list[Reject]]:
    """The records and rejects read from one input file."""
    items = list(read_input(path, path.read_bytes(), 0, settings or Settings()))
    return [i for i in items if isinstance(i, Record)], [i for i in items if isinstance(i, Reject)]


def run(inputs, out: Path, settings: Settings | None = None) -> dict:
    """The whole pipeline on the local path, one process."""
    from akhbar.flows.orchestration import LocalExecutor, run_pipeline

    return run_pipeline([str(i) for i in inputs], str(out), settings or Settings(), LocalExecutor())


def query(out: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of `sql` over the output folder's views."""
    con = store.connect(out)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
