"""admit_records writes an index of the admitted records (no content); read_record_shard joins the
content back from the ingest staging files. These tests compare it with a plain-Python oracle of
admit's rules, on inputs where shards cross ingest files and row groups, split by characters, and
hold duplicates, so an index that points at the wrong rows fails."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from akhbar import store
from akhbar.flows.pipeline import LocalExecutor, run_pipeline
from akhbar.settings import Settings
from akhbar.tasks import ingest
from tests.conftest import SAMPLE

SETTINGS = Settings(ingest_shard_files=3, shard_size=4, shard_max_chars=9000)


@pytest.fixture
def small_row_groups(monkeypatch):
    # a few records per staged row group, so a shard takes some groups of a file and not others
    monkeypatch.setattr(ingest.RecordWriter, "CHARS", 5000)


def make_corpus(root: Path) -> Path:
    """Text scrapes of varied length (some alone over shard_max_chars), byte-identical copies of
    earlier files, and a JSONL file whose records include a repeat."""
    seeds = [p.read_text(encoding="utf-8") for p in sorted(SAMPLE.glob("*.txt"))]
    root.mkdir(parents=True)
    for i in range(23):
        body = seeds[i % len(seeds)]
        text = body[: 300 + 700 * (i % 4)] if i % 5 else body * 4  # 300..2400 chars, or > 10,000
        (root / f"a{i:02d}.txt").write_text(f"{text}\n\nنسخة {i}\n", encoding="utf-8")
    for i in (1, 7, 7):  # copies sort after their originals: the originals are admitted
        shutil.copy(root / f"a{i:02d}.txt", root / f"b{i:02d}-{len(list(root.glob('b*')))}.txt")
    lines = [
        json.dumps({"url": f"https://x.example/{i}", "text": seeds[i % 5][: 400 + 300 * i]}, ensure_ascii=False)
        for i in range(6)
    ]
    (root / "c.jsonl").write_text("\n".join(lines + [lines[2]]) + "\n", encoding="utf-8")
    return root


def stage(inputs: list[Path], out: Path, settings: Settings, name: str) -> tuple[Path, dict]:
    """ingest + admit into a staging folder of `out`, as the orchestration calls them."""
    store.init_layout(out)
    run = store.staging_dir(out, name)
    run.mkdir(parents=True)
    settings.save(run)
    shards = ingest.plan_ingest_shards(ingest.discover_inputs([str(p) for p in inputs]), settings)
    ingest.save_ingest_plan(str(run), shards)
    for k in range(len(shards)):
        ingest.ingest_shard(str(run), k)
    return run, ingest.admit_records(str(out), str(run))


def oracle(run: Path, settings: Settings, stored: set[str] = frozenset()) -> dict[int, list[dict]]:
    """admit's rules in plain Python over the staged records: not stored before, first by
    (input_index, record_index), a new shard every shard_size records or shard_max_chars chars."""
    staged = ds.dataset(sorted((run / "ingest").glob("records-*.parquet"))).to_table().to_pylist()
    staged.sort(key=lambda r: (r["input_index"], r["record_index"]))
    shards: dict[int, list[dict]] = {}
    seen, chars = set(stored), 0
    for r in staged:
        assert r.pop("content_chars") == len(r["content"])  # staged so that admit needn't read content
        if r["doc_id"] in seen:
            continue
        seen.add(r["doc_id"])
        seq = len(seen) - len(stored) - 1
        chars += len(r["content"])
        shard = max(seq // settings.shard_size, (chars - 1) // settings.shard_max_chars)
        shards.setdefault(shard, []).append({**r, "seq": seq})
    return shards


def index_of(run: Path) -> pa.Table:
    return ds.dataset(run / "records", partitioning="hive").to_table()


def test_record_shards_equal_the_rules_applied_to_the_staged_records(tmp_path, small_row_groups):
    run, admitted = stage([make_corpus(tmp_path / "in")], tmp_path / "out", SETTINGS, "r1")
    expected = oracle(run, SETTINGS)
    assert admitted["shards"] == sorted(expected)
    assert admitted["admitted"] == sum(map(len, expected.values())) == 23 + 6
    assert admitted["seen"] == 3 + 1  # the three copies and the repeated JSONL record
    for k in admitted["shards"]:
        got = ingest.read_record_shard(str(run), k)
        assert got.schema.names == ingest.INGEST_SCHEMA.names + ["seq"]
        assert got.to_pylist() == expected[k], k

    # The cases the index must get right actually occur here.
    index = index_of(run)
    assert "content" not in index.schema.names
    assert len({f for f in index.column("ingest_file").to_pylist()}) >= 5
    crossing = index.group_by("shard").aggregate([("ingest_file", "count_distinct")])
    assert max(crossing.column("ingest_file_count_distinct").to_pylist()) >= 2  # a shard spans ingest files
    sizes = [len(expected[k]) for k in admitted["shards"][:-1]]
    assert min(sizes) < SETTINGS.shard_size  # some shards were closed by characters, not count
    assert admitted["shards"] != list(range(len(admitted["shards"])))  # ... and numbers skip
    groups = [pq.ParquetFile(f).metadata.num_row_groups for f in (run / "ingest").glob("records-*.parquet")]
    assert max(groups) >= 2


def test_a_second_run_admits_only_what_is_new(tmp_path, small_row_groups):
    corpus = make_corpus(tmp_path / "in")
    out = tmp_path / "out"
    first = run_pipeline([str(corpus)], str(out), SETTINGS, LocalExecutor(1))
    assert first["n_documents"] == 29

    # Same bytes under new names (and one new file): only the new one is admitted.
    again = tmp_path / "again"
    shutil.copytree(corpus, again)
    (again / "new.txt").write_text(
        (SAMPLE / "002_32678fc35aba6448.txt").read_text(encoding="utf-8") + "\n\nجديد\n", encoding="utf-8"
    )
    stored = {r[0] for r in store.connect(out).execute("SELECT doc_id FROM documents").fetchall()}
    run, admitted = stage([again], out, SETTINGS, "r2")
    assert (admitted["admitted"], admitted["seen"]) == (1, 33)
    expected = oracle(run, SETTINGS, stored)
    assert admitted["shards"] == sorted(expected) == [0]
    got = ingest.read_record_shard(str(run), 0).to_pylist()
    assert got == expected[0] and got[0]["source_uri"].endswith("new.txt")

    # Nothing new at all: no shards, nothing to read.
    run, admitted = stage([corpus], out, SETTINGS, "r3")
    assert admitted == {"admitted": 0, "seen": 33, "shards": []}
    assert not (run / "records").exists()


def test_an_index_pointing_at_the_wrong_rows_is_an_error(tmp_path, small_row_groups):
    run, _admitted = stage([make_corpus(tmp_path / "in")], tmp_path / "out", SETTINGS, "r1")
    index = index_of(run)
    # two records of one shard from the same ingest file: swap where the index says they sit
    pairs = index.group_by(["shard", "ingest_file"]).aggregate([("seq", "count")]).filter(pc.field("seq_count") > 1)
    k, name = pairs.column("shard")[0].as_py(), pairs.column("ingest_file")[0].as_py()
    [part] = (run / "records" / f"shard={k}").glob("*.parquet")
    index = pq.read_table(part)
    rows = index.column("ingest_row").to_pylist()
    i, j = [n for n, f in enumerate(index.column("ingest_file").to_pylist()) if f == name][:2]
    rows[i], rows[j] = rows[j], rows[i]
    pq.write_table(
        index.set_column(index.schema.get_field_index("ingest_row"), "ingest_row", pa.array(rows, pa.int64())), part
    )
    with pytest.raises(RuntimeError, match="does not match"):
        ingest.read_record_shard(str(run), k)
