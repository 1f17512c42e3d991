"""flows/orchestration.py's STAGES is the DAG run_pipeline runs: same stages, same order, and each
stage has written what STAGES says it writes when it finishes."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from akhbar import staging, store
from akhbar.flows import architecture
from akhbar.flows.orchestration import STAGES, LocalExecutor, run_pipeline
from akhbar.tasking import StageTask
from tests.conftest import SAMPLE

REPO = Path(__file__).resolve().parents[2]


def _missing_outputs(run: Path, writes: tuple[str, ...]) -> list[str]:
    missing = []
    for kind in writes:
        if kind.startswith("final:"):
            if not any((run / "final" / kind[6:]).glob("*.parquet")):
                missing.append(kind)
        elif not kind.startswith("table:") and not staging.paths(run, kind):
            missing.append(kind)
    return missing


@pytest.mark.parametrize("workers", [1, 2])
def test_stages_are_the_run_and_write_what_they_declare(workers, tmp_path):
    out = tmp_path / "out"
    seen: list[str] = []
    missing: dict[str, list[str]] = {}

    def on_stage(stage: str, counts: dict) -> None:
        if stage == "done":
            return
        seen.append(stage)
        declared = next(s for s in STAGES if s.name == stage)
        if stage != "publish":  # publish removes the run folder
            (run,) = (out / store.STAGING).iterdir()
            missing[stage] = _missing_outputs(run, declared.writes)

    summary = run_pipeline([str(SAMPLE)], str(out), executor=LocalExecutor(workers), on_stage=on_stage)
    assert summary["published"]
    assert seen == [s.name for s in STAGES] == list(summary["stage_seconds"])
    assert {stage: m for stage, m in missing.items() if m} == {}


def test_stage_tasks_and_staged_kinds_exist():
    written = {"ingest_plan"}  # run_pipeline saves the ingest plan before the first stage
    for stage in STAGES:
        module, attr = stage.task.split(".")
        task = getattr(importlib.import_module(f"tasks.{module}"), attr)
        assert isinstance(task, StageTask) and task.name == stage.name
        staged_reads = [k for k in stage.reads if ":" not in k]
        assert set(staged_reads) <= set(staging.STAGED) and set(staged_reads) <= written, stage.name
        written |= {k for k in stage.writes if ":" not in k}
    assert written == set(staging.STAGED)


def test_a_stage_beside_another_shares_no_file_with_it():
    """The two run at once: neither may read what the other writes, nor write what the other writes."""
    by_name = {stage.name: stage for stage in STAGES}
    besides = [stage for stage in STAGES if stage.beside]
    assert besides
    for stage in besides:
        other = by_name[stage.beside]
        assert other.per_shard and not stage.per_shard
        assert STAGES.index(other) == STAGES.index(stage) + 1  # reported just before it, started with it
        assert not set(stage.reads) & set(other.writes), stage.name
        assert not set(other.reads) & set(stage.writes), stage.name
        assert not set(stage.writes) & set(other.writes), stage.name


def test_architecture_doc_is_current():
    doc = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert doc == architecture.markdown(), "regenerate: python -m akhbar.flows.architecture > docs/architecture.md"
