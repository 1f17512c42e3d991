"""Stage 5, write: assemble each shard's final tables, then publish the whole run at once.

write_shard() builds the `documents`, `paragraphs` and `date_mentions` rows of one record shard in
the run's staging folder. publish_run() moves every staged file of the run into the table folders
and writes the `runs` row last (akhbar.store.publish), so a run is visible entirely or not at all.
Earlier runs' files are never rewritten.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from akhbar import schema, staging, store
from akhbar.tasks.ingest import REJECT_SCHEMA
from akhbar.tasks.ingest.discover import display_path


def write_shard(run_dir: str, shard_id: int, run_id: str, ingested_at: str) -> dict:
    """Assemble one shard's rows in the schemas of akhbar.schema."""
    from akhbar.tasks.dedup import final_paragraphs

    run = Path(run_dir)
    at = dt.datetime.fromisoformat(ingested_at)
    docs = pq.read_table(staging.path(run, "clean_docs", shard_id))
    published = pq.read_table(staging.path(run, "dates_published", shard_id))
    paras = final_paragraphs(run_dir, shard_id)
    n = paras.num_rows
    paras = paras.append_column("run_id", pa.array([run_id] * n, pa.string()))
    paras = paras.select(schema.SCHEMAS["paragraphs"].names).cast(schema.SCHEMAS["paragraphs"])

    doc_ids = paras.column("doc_id").to_pylist()
    statuses = paras.column("status").to_pylist()
    per_doc = Counter(doc_ids)
    per_status = Counter(zip(doc_ids, statuses))
    status_totals = Counter(statuses)
    kept = paras.filter(pc.equal(paras.column("status"), "kept"))
    kept_text: dict[str, list[str]] = {}
    for doc_id, text in zip(kept.column("doc_id").to_pylist(), kept.column("text").to_pylist()):
        kept_text.setdefault(doc_id, []).append(text)

    documents = _documents(docs, published, run_id, at, per_doc, per_status, kept_text)

    mentions = pq.read_table(staging.path(run, "dates_mentions", shard_id))
    mentions = mentions.append_column("run_id", pa.array([run_id] * mentions.num_rows, pa.string()))
    mentions = mentions.select(schema.SCHEMAS["date_mentions"].names).cast(schema.SCHEMAS["date_mentions"])

    name = f"{shard_id:05d}.parquet"
    pq.write_table(documents, staging.final_dir(run, "documents") / name, compression="zstd")
    pq.write_table(paras, staging.final_dir(run, "paragraphs") / name, compression="zstd")
    pq.write_table(mentions, staging.final_dir(run, "date_mentions") / name, compression="zstd")
    return {
        "documents": documents.num_rows,
        "paragraphs": n,
        "date_mentions": mentions.num_rows,
        "kept": status_totals["kept"],
        "boilerplate": status_totals["boilerplate"],
        "duplicate": status_totals["duplicate"],
        "metadata": status_totals["metadata"],
        "published": documents.num_rows - documents.column("published").null_count,
    }


# documents columns copied as they are from the staged clean documents
_FROM_CLEAN = (
    "doc_id", "source_uri", "site", "format", "encoding", "language", "input_index", "record_index", "url",
    "title", "author", "source_attribution", "tags", "crawled_at", "source_meta",
)  # fmt: skip
_PUBLISHED = ("published", "published_precision", "published_evidence", "published_method")
_COUNTED = {"n_kept": "kept", "n_boilerplate": "boilerplate", "n_duplicate": "duplicate", "n_metadata": "metadata"}


def _documents(
    docs: pa.Table,
    published: pa.Table,
    run_id: str,
    at: dt.datetime,
    per_doc: Counter,
    per_status: Counter,
    kept_text: dict[str, list[str]],
) -> pa.Table:
    """The shard's `documents` rows, column by column: the staged clean documents with their
    publication date (dates stage), their kept text and the count of their paragraphs by status."""
    target = schema.SCHEMAS["documents"]
    ids = docs.column("doc_id").to_pylist()
    m = len(ids)
    row_of = {doc_id: i for i, doc_id in enumerate(published.column("doc_id").to_pylist())}
    dated = published.take(pa.array([row_of[doc_id] for doc_id in ids], pa.int64()))
    columns = {name: docs.column(name) for name in _FROM_CLEAN}
    columns.update({name: dated.column(name) for name in _PUBLISHED})
    columns["run_id"] = pa.array([run_id] * m, pa.string())
    columns["ingested_at"] = pa.array([at] * m, target.field("ingested_at").type)
    columns["text"] = pa.array(["\n\n".join(kept_text.get(doc_id, ())) for doc_id in ids], pa.string())
    columns["n_paragraphs"] = pa.array([per_doc[doc_id] for doc_id in ids], pa.int32())
    for column, status in _COUNTED.items():
        columns[column] = pa.array([per_status[(doc_id, status)] for doc_id in ids], pa.int32())
    return pa.Table.from_arrays([columns[f.name].cast(f.type) for f in target], schema=target)


def stage_side_tables(run_dir: str, run_id: str, started_at: str) -> dict[str, int]:
    """Rejects (ingest and clean), the inputs read, and the learned site-line counts, as final files."""
    run = Path(run_dir)
    at = dt.datetime.fromisoformat(started_at)
    sizes = {}
    rejects = _concat(
        staging.paths(run, "ingest_rejects") + staging.paths(run, "clean_rejects"), REJECT_SCHEMA.empty_table()
    )
    rejects = _with_input_path(rejects, _input_paths(run))
    rejects = _with_run(rejects.sort_by([("source_uri", "ascending"), ("stage", "ascending")]), run_id)
    rejects = rejects.append_column("at", pa.array([at] * rejects.num_rows, schema.TS))
    inputs = _concat(staging.paths(run, "ingest_files"), schema.empty_table("inputs").drop_columns(["run_id"]))
    inputs = _with_run(inputs.sort_by("path"), run_id)
    site_lines_path = staging.path(run, "site_lines")
    site_lines = pq.read_table(site_lines_path) if site_lines_path.exists() else schema.empty_table("site_lines")
    for table_name, table in (("rejects", rejects), ("inputs", inputs), ("site_lines", site_lines)):
        table = table.select(schema.SCHEMAS[table_name].names).cast(schema.SCHEMAS[table_name])
        pq.write_table(table, staging.final_dir(run, table_name) / "00000.parquet", compression="zstd")
        sizes[table_name] = table.num_rows
    return sizes


def _concat(files: list[Path], empty: pa.Table) -> pa.Table:
    return pa.concat_tables([pq.read_table(f) for f in files], promote_options="default") if files else empty


def _input_paths(run: Path) -> dict[int, str]:
    """input_index -> the input's path as stored (inputs.path), from the run's ingest plan."""
    paths: dict[int, str] = {}
    for plan in staging.paths(run, "ingest_plan"):
        paths.update((int(i), display_path(p)) for i, p in json.loads(plan.read_text()))
    return paths


def _with_input_path(rejects: pa.Table, paths: dict[int, str]) -> pa.Table:
    """The staged rejects' input_index (null when a stage did not know it) as rejects.input_path."""
    if "input_index" not in rejects.column_names:
        return rejects.append_column("input_path", pa.nulls(rejects.num_rows, pa.string()))
    index = rejects.column("input_index").to_pylist()
    column = pa.array([paths.get(i) if i is not None else None for i in index], pa.string())
    return rejects.drop_columns(["input_index"]).append_column("input_path", column)


def _with_run(table: pa.Table, run_id: str) -> pa.Table:
    if "run_id" in table.column_names:
        table = table.drop_columns(["run_id"])
    return table.append_column("run_id", pa.array([run_id] * table.num_rows, pa.string()))


def publish_run(out_dir: str, run_dir: str, run_id: str, runs_row: dict) -> None:
    run = Path(run_dir)
    staged = {name: staging.final_files(run, name) for name in schema.TABLES if name != "runs"}
    # display_path: an input named on the command line may hold bytes that are not UTF-8
    parameters = display_path(json.dumps(runs_row.get("parameters") or {}, ensure_ascii=False, sort_keys=True))
    runs_row = dict(
        runs_row, parameters=parameters, stage_seconds=json.dumps(runs_row.get("stage_seconds") or {}, sort_keys=True)
    )
    store.publish(Path(out_dir), run_id, staged, runs_row)


# ---------------------------------------------------------------- Prefect task wrappers (built on first use)

from akhbar.tasking import StageTask  # noqa: E402

write_task = StageTask(write_shard, name="write", retries=2)
publish_task = StageTask(publish_run, name="publish", retries=2)
