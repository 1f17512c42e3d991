"""The local executor reports each finished shard (the CLI's progress bar), in one process and in a pool."""

from __future__ import annotations

import pytest

from akhbar.flows.executors import LocalExecutor
from akhbar.tasking import StageTask


def _square(run_dir: str, shard_id: int) -> dict:
    return {"value": shard_id * shard_id}


@pytest.mark.parametrize("workers", [1, 2])
def test_each_finished_shard_is_reported(workers, tmp_path):
    seen: list[tuple[str, int, int]] = []
    executor = LocalExecutor(workers=workers, on_shard=lambda *done: seen.append(done))
    results = executor.map(StageTask(_square, name="square"), [0, 1, 2, 3], run_dir=str(tmp_path))
    assert [r["value"] for r in results] == [0, 1, 4, 9]
    assert seen == [("square", n, 4) for n in range(1, 5)]
