"""The dates stage reads only the paragraphs it dates: dated_paragraphs must be final_paragraphs' kept and
metadata rows (dedup's decisions applied), on a real run's staged files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from akhbar.flows.pipeline import LocalExecutor, run_pipeline
from akhbar.settings import Settings

REPO = Path(__file__).parents[2]


def test_dated_paragraphs_are_the_final_kept_and_metadata_ones(tmp_path):
    from akhbar.tasks.dates.stage import dated_paragraphs
    from akhbar.tasks.dedup import final_paragraphs, read_decisions

    out, staged = tmp_path / "out", tmp_path / "staged"

    def keep(stage: str, _counts: dict) -> None:
        if stage == "dedup":
            (run,) = list((out / "_staging").iterdir())
            shutil.copytree(run, staged)

    run_pipeline([str(REPO / "data" / "sample")], str(out), Settings(), LocalExecutor(1), on_stage=keep)
    shards = sorted(int(p.name.split("=")[1]) for p in (staged / "records").glob("shard=*"))
    assert shards
    decided = 0
    for shard in shards:
        final = final_paragraphs(str(staged), shard)
        dated = final.filter(pc.is_in(final.column("status"), pa.array(["kept", "metadata"])))
        assert dated_paragraphs(str(staged), shard).equals(dated.select(["doc_id", "position", "text"]))
        decided += read_decisions(str(staged), shard).num_rows
    assert decided  # the sample repeats paragraphs: some statuses come from dedup's decisions
