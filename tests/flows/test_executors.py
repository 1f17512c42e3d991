"""The local executor reports each finished shard (the CLI's progress bar), in one process and in a pool."""

from __future__ import annotations

import gc
import os

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


def _frozen_objects(run_dir: str, shard_id: int) -> dict:
    return {"frozen": gc.get_freeze_count()}


def test_pool_workers_leave_the_objects_they_inherit_out_of_the_gc(tmp_path):
    """A full GC pass in a worker would write to every inherited object, copying the pages it shares with
    the parent (the preloaded models, numba's kernels) into each worker."""
    results = LocalExecutor(workers=2).map(StageTask(_frozen_objects, name="frozen"), [0, 1], run_dir=str(tmp_path))
    assert all(r["frozen"] > 10_000 for r in results)
    assert gc.get_freeze_count() == 0  # the parent's own GC is untouched


_PRELOADED: dict = {}


def _preload() -> object:
    _PRELOADED["model"] = os.getpid()
    return lambda: _PRELOADED.clear()


def _loaded_by(run_dir: str, shard_id: int) -> dict:
    return {"loaded_by": _PRELOADED.get("model"), "worker": os.getpid()}


def test_a_pool_stage_preloads_once_in_the_parent_and_frees_it_after(tmp_path):
    stage = StageTask(_loaded_by, name="loaded", preload=_preload)
    results = LocalExecutor(workers=2).map(stage, [0, 1, 2, 3], run_dir=str(tmp_path))
    assert {r["loaded_by"] for r in results} == {os.getpid()}  # the workers inherited the parent's copy
    assert all(r["worker"] != os.getpid() for r in results)
    assert _PRELOADED == {}  # released when the stage is done


def test_the_language_model_preloaded_before_a_fork_is_used_by_the_child_and_dropped_after():
    from akhbar import language

    language._unload()  # as in a fresh process (an earlier test may have classified in this one)
    release = language.preload()
    english = "The committee met on Sunday to discuss the new budget and the plans for the coming year."
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child classifies with the inherited model, without loading it again
        loaded = language._identifier is not None
        os.write(write, f"{loaded} {language.detect_language(english)}".encode())
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 100).decode() == "True en"
    release()
    assert language._identifier is None
    assert language.detect_language(english) == "en"  # loads again on demand


def _ingest_like(run_dir: str, shard_id: int) -> dict:
    return {"model_in_worker": "model" in _PRELOADED}


def test_a_prepared_preload_runs_while_the_previous_pool_stage_works_and_is_freed_after_its_stage(tmp_path):
    executor = LocalExecutor(workers=2)
    later = StageTask(_loaded_by, name="loaded", preload=_preload)
    executor.prepare(later)
    before = executor.map(StageTask(_ingest_like, name="first"), [0, 1, 2, 3], run_dir=str(tmp_path))
    assert not any(r["model_in_worker"] for r in before)  # loaded after the first pool's workers forked
    assert _PRELOADED["model"] == os.getpid()  # ... in this process, while they worked
    results = executor.map(later, [0, 1, 2, 3], run_dir=str(tmp_path))
    assert {r["loaded_by"] for r in results} == {os.getpid()}
    assert _PRELOADED == {}  # released when its own stage is done


def test_a_prepared_preload_with_no_pool_stage_before_it_loads_with_its_stage(tmp_path):
    executor = LocalExecutor(workers=2)
    stage = StageTask(_loaded_by, name="loaded", preload=_preload)
    executor.prepare(stage)
    executor.map(StageTask(_ingest_like, name="first"), [0], run_dir=str(tmp_path))  # one shard: no pool
    assert _PRELOADED == {}
    results = executor.map(stage, [0, 1, 2, 3], run_dir=str(tmp_path))
    assert {r["loaded_by"] for r in results} == {os.getpid()}
    assert _PRELOADED == {}


def test_the_language_preload_keeps_a_model_this_process_had_loaded_before():
    from akhbar import language

    language.detect_language("The committee met on Sunday to discuss the new budget and the plans for the year.")
    assert language._identifier is not None  # loaded on first use, as a run with one worker does
    language.preload()()
    assert language._identifier is not None  # not the preload's to drop
    language._unload()
    language.preload()()
    assert language._identifier is None  # loaded by the preload: dropped by its release


def _wait_for(path, seconds: float = 60.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _meets_beside(run_dir: str, shard_id: int) -> dict:
    from pathlib import Path

    (Path(run_dir) / f"worker-{shard_id}").touch()
    return {"saw_beside": _wait_for(Path(run_dir) / "beside")}


def test_beside_runs_in_this_process_while_the_pool_works(tmp_path):
    """The shards wait for a file `beside` writes and `beside` for files the shards write: run before the pool
    or after it, one of them would wait in vain."""
    ran: list[int] = []

    def beside() -> None:
        ran.append(os.getpid())
        assert _wait_for(tmp_path / "worker-0") or _wait_for(tmp_path / "worker-1")
        (tmp_path / "beside").touch()

    results = LocalExecutor(workers=2).map(
        StageTask(_meets_beside, name="meet"), [0, 1], run_dir=str(tmp_path), beside=beside
    )
    assert ran == [os.getpid()]
    assert all(r["saw_beside"] for r in results)


def _fails(run_dir: str, shard_id: int) -> dict:
    raise AssertionError("no shard should run")


@pytest.mark.parametrize("workers", [1, 2])
def test_an_error_beside_the_pool_is_the_stage_error(workers, tmp_path):
    def beside() -> None:
        raise RuntimeError("beside failed")

    stage = StageTask(_square if workers == 2 else _fails, name="square")
    with pytest.raises(RuntimeError, match="beside failed"):
        LocalExecutor(workers=workers).map(stage, [0, 1, 2, 3], run_dir=str(tmp_path), beside=beside)
