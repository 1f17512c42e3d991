"""End to end: the sample through every stage into Parquet, read back with real DuckDB."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from akhbar import schema, store
from akhbar.flows.pipeline import LocalExecutor, run_pipeline
from tests.conftest import REPO, SAMPLE

TABLES = ["documents", "paragraphs", "date_mentions", "rejects", "inputs", "runs"]


def _run(inputs, out, **kw):
    return run_pipeline([str(p) for p in inputs], str(out), executor=LocalExecutor(), **kw)


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    summary = _run([SAMPLE], out)
    return out, summary


def _doc(con, stem: str) -> str:
    return con.execute("SELECT doc_id FROM documents WHERE source_uri LIKE ?", [f"%{stem}%"]).fetchone()[0]


def _by_line(con, doc_id: str) -> dict[int, tuple]:
    rows = con.execute(
        "SELECT line_no, position, status, reason, first_doc_id, first_position FROM paragraphs WHERE doc_id = ?",
        [doc_id],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_sample_writes_every_table(sample_out):
    out, summary = sample_out
    assert summary["published"] and summary["n_documents"] == 5
    for name in TABLES:
        files = [f for f in (out / name).glob("*.parquet") if f.name != "_schema.parquet"]
        assert files, f"no Parquet file written for {name}"
    con = store.connect(out)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 5
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM date_mentions").fetchone()[0] > 0
    # every column of the contract is there, with the contract's types
    for name in ("documents", "paragraphs", "date_mentions", "rejects", "runs"):
        cols = {r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()}
        assert set(schema.SCHEMAS[name].names) <= cols
    assert con.execute("SELECT typeof(norm_hash) FROM paragraphs LIMIT 1").fetchone()[0] == "UBIGINT"


def test_repeated_body_and_caption_are_duplicates_of_their_first_line(sample_out, gold):
    out, _ = sample_out
    con = store.connect(out)
    for stem in ("002_32678fc35aba6448", "003_5bfdd5c7459b2733"):
        doc_id = _doc(con, stem)
        lines = _by_line(con, doc_id)
        for dup_line, first_line in gold[f"{stem}.txt"]["duplicates"].items():
            _position, status, reason, first_doc, first_pos = lines[int(dup_line)]
            if int(first_line) == gold[f"{stem}.txt"]["title_line"]:
                # copies of the title line: removed either as duplicates of it or as title repeats
                assert status in ("duplicate", "boilerplate"), (stem, dup_line, status)
                continue
            assert status == "duplicate", (stem, dup_line, status, reason)
            assert first_doc == doc_id
            assert first_pos == lines[int(first_line)][0], (stem, dup_line)
            if int(first_line) in gold[f"{stem}.txt"]["content"]:
                assert lines[int(first_line)][1] == "kept"


def test_comments_and_currency_table_of_001_are_boilerplate(sample_out):
    out, _ = sample_out
    con = store.connect(out)
    lines = _by_line(con, _doc(con, "001_a9e6bd5e9861890c"))
    for line_no in range(19, 66):  # telegram box, comment form, currency table, comment thread
        if line_no in lines:
            assert lines[line_no][1] in ("boilerplate", "duplicate"), (line_no, lines[line_no])
    assert all(lines[n][1] == "kept" for n in (7, 9, 11, 12, 13, 14, 15, 16, 17))


def test_publication_dates(sample_out, gold):
    out, _ = sample_out
    con = store.connect(out)
    got = dict(
        con.execute(
            "SELECT regexp_extract(source_uri, '[0-9]{3}_[0-9a-f]+\\.txt'), strftime(published, '%Y-%m-%d') FROM documents"
        ).fetchall()
    )
    for name, labels in gold.items():
        if name.endswith(".txt"):
            assert got[name] == labels["published"], name
    assert got["002_32678fc35aba6448.txt"] == "2015-02-08"  # written in Arabic-Indic digits on the page
    ev = con.execute(
        "SELECT published_evidence, published_precision FROM documents WHERE published IS NOT NULL"
    ).fetchall()
    assert all(e and p == "day" for e, p in ev)


def test_kept_text_matches_gold_body(sample_out, gold):
    """Pipeline-level check on the hand labels: body lines kept, everything else removed."""
    out, _ = sample_out
    con = store.connect(out)
    tp = fp = fn = 0
    for name, labels in gold.items():
        if not name.endswith(".txt"):
            continue
        lines = _by_line(con, _doc(con, name.removesuffix(".txt")))
        content, optional = set(labels["content"]), set(labels["optional"])
        for line_no, (_, status, *_rest) in lines.items():
            if line_no in optional:
                continue
            kept = status == "kept"
            tp += kept and line_no in content
            fp += kept and line_no not in content
            fn += (not kept) and line_no in content
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert recall == 1.0, "a body line was lost"
    assert 2 * precision * recall / (precision + recall) >= 0.97


def test_rerun_adds_no_rows(tmp_path):
    inputs = tmp_path / "in"
    shutil.copytree(SAMPLE, inputs)
    out = tmp_path / "out"
    _run([inputs], out)
    con = store.connect(out)
    before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    again = _run([inputs], out)
    assert again["published"] is False  # unchanged files are not even read
    # touched files (mtime and ctime moved, the same bytes) are hashed, found unchanged and not read
    for f in inputs.iterdir():
        f.touch()
    third = _run([inputs], out)
    assert third["published"] is False and third["inputs_skipped"] == 5
    con = store.connect(out)
    after = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    for t in ("documents", "paragraphs", "date_mentions", "rejects"):
        assert after[t] == before[t], t


def test_unreadable_inputs_are_rejected_and_the_rest_processed(tmp_path):
    inputs = tmp_path / "in"
    shutil.copytree(SAMPLE, inputs)
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (inputs / "scan.html").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    out = tmp_path / "out"
    summary = _run([inputs], out)
    assert summary["n_documents"] == 5
    con = store.connect(out)
    rejects = dict(con.execute("SELECT source_uri, error FROM rejects").fetchall())
    assert {Path(u).name for u in rejects} == {"empty.txt", "binary.txt", "scan.html"}
    assert "empty" in rejects[str(inputs / "empty.txt")]
    assert "binary" in rejects[str(inputs / "binary.txt")]
    assert "PDF" in rejects[str(inputs / "scan.html")]


def test_jsonl_records_and_fields(tmp_path):
    import json

    seed = (SAMPLE / "004_afc2de359b47cd15.txt").read_text(encoding="utf-8")
    records = [
        {
            "text": seed,
            "url": "https://www.skynewsarabia.com/world/1-x",
            "title": "لافروف وروبيو",
            "published": "2025-05-17",
        },
        {
            "html": "<html><body><article><h1>عنوان</h1><p>"
            + "نص الخبر الطويل هنا. " * 20
            + "</p></article></body></html>",
            "url": "https://example.org/2024/03/05/news",
        },
        {"title": "no body"},
        "not an object",
    ]
    path = tmp_path / "in" / "dump.jsonl"
    path.parent.mkdir()
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n{broken", encoding="utf-8")
    out = tmp_path / "out"
    _run([path], out)
    con = store.connect(out)
    docs = con.execute(
        "SELECT source_uri, site, format, published, published_method, title FROM documents ORDER BY record_index"
    ).fetchall()
    assert [d[0] for d in docs] == ["https://www.skynewsarabia.com/world/1-x", "https://example.org/2024/03/05/news"]
    assert docs[0][1] == "skynewsarabia.com" and docs[0][2] == "jsonl"
    assert str(docs[0][3]) == "2025-05-17" and docs[0][4] == "record_field"
    assert docs[0][5] == "لافروف وروبيو"
    rejects = sorted(con.execute("SELECT source_uri FROM rejects").fetchall())
    assert [r[0] for r in rejects] == [f"{path}#3", f"{path}#4", f"{path}#5"]


def test_cli_run_and_query(tmp_path):
    out = tmp_path / "out"
    env_bin = Path(sys.executable).parent
    akhbar = env_bin / "akhbar"
    cmd = [str(akhbar)] if akhbar.exists() else [sys.executable, "-m", "akhbar.cli"]
    run = subprocess.run(cmd + ["run", "--local", "--out", str(out)], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr
    assert "documents" in run.stdout and "5" in run.stdout
    q = subprocess.run(
        cmd + ["query", "select site, count(*) from documents group by 1", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert q.returncode == 0, q.stderr
    assert "sample" in q.stdout and "count_star()" in q.stdout
    f = subprocess.run(
        cmd + ["query", "--file", "sql/queries/articles_per_site.sql", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert f.returncode == 0 and "articles" in f.stdout, f.stderr


def test_duckdb_cli_session_from_views_sql(sample_out):
    """`duckdb -init sql/views.sql` gives a working session (the duckdb-cli package's binary)."""
    out, _ = sample_out
    duckdb_bin = Path(sys.executable).parent / "duckdb"
    if not duckdb_bin.exists():
        pytest.skip("duckdb CLI not installed in this environment")
    res = subprocess.run(
        [str(duckdb_bin), "-init", "sql/views.sql", "-csv", "-c", "select count(*) as n from documents"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "AKHBAR_OUT": str(out)},
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "5"


def test_schema_docs_in_sql_readme_are_current():
    readme = (REPO / "sql" / "README.md").read_text(encoding="utf-8")
    assert schema.markdown_docs().strip() in readme, "regenerate: python -m akhbar.schema > part of sql/README.md"


@pytest.mark.integration
def test_prefect_flow_gives_the_same_tables_as_the_local_path(tmp_path, prefect_server):
    from akhbar.flows.pipeline import akhbar_pipeline

    local_out, flow_out = tmp_path / "local", tmp_path / "flow"
    _run([SAMPLE], local_out)
    summary = akhbar_pipeline(inputs=[str(SAMPLE)], out=str(flow_out), shard_size=2)
    assert summary["n_documents"] == 5

    def snapshot(out):
        con = store.connect(out)
        return {
            "documents": con.execute(
                "SELECT * EXCLUDE (run_id, ingested_at) FROM documents ORDER BY doc_id"
            ).fetchall(),
            "paragraphs": con.execute("SELECT * EXCLUDE (run_id) FROM paragraphs ORDER BY doc_id, position").fetchall(),
            "date_mentions": con.execute("SELECT * EXCLUDE (run_id) FROM date_mentions ORDER BY ALL").fetchall(),
        }

    assert snapshot(local_out) == snapshot(flow_out)


def test_shard_batches_keep_order_and_balance():
    from akhbar.flows.orchestration import shard_batches

    ids = [0, 1, 2, 3, 5, 8, 9]  # record shard numbers may skip (shard_max_chars)
    for n in (1, 2, 3, 7, 50):
        batches = shard_batches(ids, n)
        assert [i for b in batches for i in b] == ids
        assert len(batches) == min(n, len(ids)) and all(batches)
        assert max(map(len, batches)) - min(map(len, batches)) <= 1
    assert shard_batches([], 4) == []


def test_prefect_stage_tasks_run_over_batches_of_shards(tmp_path, prefect_server, monkeypatch):
    # one task run per batch of shards, and every shard's counts still come back
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    import akhbar.flows.executors as executors
    import akhbar.flows.orchestration as orchestration
    from akhbar.settings import Settings

    monkeypatch.setattr(executors, "TASKS_PER_WORKER", 2)  # 5 one-document shards -> 2 task runs

    @flow
    def small_shards():
        return orchestration.run_pipeline(
            [str(SAMPLE)], str(tmp_path / "out"), Settings(shard_size=1), orchestration.PrefectExecutor()
        )

    state = small_shards(return_state=True)
    summary = state.result()
    assert summary["shards"]["records"] == 5
    assert summary["n_documents"] == 5 and summary["stage_counts"]["clean"]["documents"] == 5
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
    names = [r.name.split("-")[0] for r in runs]
    assert names.count("clean") == 2 and names.count("dates") == 2 and names.count("write") == 2


def test_small_runs_are_cut_into_shards_for_every_worker(tmp_path):
    """A run smaller than shards_per_worker x workers full shards is split into that many, never
    below the floor, and in input order; a large run keeps the configured caps."""
    from akhbar.settings import Settings
    from akhbar.tasks import ingest

    files = []
    for i in range(40):
        f = tmp_path / f"{i:02d}.txt"
        f.write_bytes(b"x" * 100_000)
        files.append(str(f))
    s = Settings(ingest_shard_bytes=4_000_000, min_ingest_shard_bytes=250_000, shards_per_worker=4)
    assert len(ingest.plan_ingest_shards(files, s, workers=1)) == 4  # 4 MB in shards of 1 MB
    two = ingest.plan_ingest_shards(files, s, workers=2)
    assert len(two) == 8 and [i for shard in two for i, _ in shard] == list(range(40))
    assert len(ingest.plan_ingest_shards(files, s, workers=16)) == 20  # the 250 KB floor: 2 files each
    assert s.balanced_cap(4_000_000, 10**12, 250_000, 2) == 4_000_000  # a big run: the cap itself
    assert s.balanced_cap(4_000_000, 1_000, 250_000, 2) == 250_000


def test_a_small_run_of_uneven_files_makes_no_shard_beyond_the_planned_number(tmp_path):
    """Files of uneven sizes packed at the average shard size leave a small last shard: the cap is
    raised to the least one giving shards_per_worker x workers shards (in input order), never
    above ingest_shard_bytes."""
    from akhbar.settings import Settings
    from akhbar.tasks import ingest
    from akhbar.tasks.ingest.stage import pack_files

    files = []
    for i, size in enumerate([130_000, 90_000, 170_000, 60_000, 150_000, 110_000, 40_000, 180_000] * 5):
        f = tmp_path / f"{i:02d}.txt"
        f.write_bytes(b"x" * size)
        files.append(str(f))
    s = Settings(ingest_shard_bytes=4_000_000, min_ingest_shard_bytes=250_000, shards_per_worker=4)
    cap = s.balanced_cap(s.ingest_shard_bytes, sum(os.path.getsize(f) for f in files), 250_000, 2)
    assert len(pack_files([os.path.getsize(f) for f in files], cap, s)) > 8  # packing at the average
    two = ingest.plan_ingest_shards(files, s, workers=2)
    assert len(two) == 8 and [i for shard in two for i, _ in shard] == list(range(40))
    big = Settings(ingest_shard_bytes=300_000, min_ingest_shard_bytes=250_000, shards_per_worker=4)
    assert all(
        sum(os.path.getsize(f) for _, f in shard) <= 300_000 for shard in ingest.plan_ingest_shards(files, big, 2)
    )


def test_record_shards_are_cut_for_the_workers_and_tables_do_not_change(sample_out, tmp_path):
    """With the floors lowered, 5 sample documents on 2 workers become several record shards and
    ingest shards, and every published table is the same as the one-shard run's."""
    from akhbar.settings import Settings

    out, summary = sample_out
    assert summary["shards"] == {"ingest": 1, "records": 1}
    settings = Settings(shards_per_worker=2, min_shard_chars=1, min_ingest_shard_bytes=1)
    executor = LocalExecutor(2)
    split = run_pipeline([str(SAMPLE)], str(tmp_path / "out"), settings, executor)
    assert split["shards"]["records"] >= 3 and split["shards"]["ingest"] >= 3

    def snapshot(o):
        con = store.connect(o)
        return {
            t: con.execute(f"SELECT * EXCLUDE (run_id, ingested_at) FROM {t} ORDER BY ALL").fetchall()
            if t == "documents"
            else con.execute(f"SELECT * EXCLUDE (run_id) FROM {t} ORDER BY ALL").fetchall()
            for t in ("documents", "paragraphs", "date_mentions")
        }

    assert snapshot(out) == snapshot(tmp_path / "out")


def test_a_failed_flow_run_ends_on_the_plain_message(tmp_path, prefect_server):
    # what the UI shows of a run given a path that does not exist: the plain line, not a traceback
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, LogFilter, LogFilterFlowRunId

    from akhbar.flows.pipeline import akhbar_pipeline

    missing = tmp_path / "no-such-folder"
    state = akhbar_pipeline(inputs=[str(missing)], out=str(tmp_path / "out"), return_state=True)
    assert state.is_failed()
    assert "check the path" in state.message and str(missing) in state.message

    async def last_error_line():
        async with get_client() as client:
            run_id = state.state_details.flow_run_id
            runs = await client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
            assert runs and runs[0].state.is_failed()
            logs = await client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
            return [log.message for log in logs if log.message.startswith("akhbar: ")]

    import asyncio
    import time

    deadline = time.monotonic() + 30  # the run's logs reach the server in batches
    while not (lines := asyncio.run(last_error_line())) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert lines and "check the path" in lines[-1]
