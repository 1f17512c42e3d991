"""Stage 5, write: assemble each shard's final tables, then publish the whole run at once.

write_shard() builds the `documents`, `paragraphs` and `date_mentions` rows of one record shard in
the run's staging folder. publish_run() moves every staged file of the run into the table folders
and writes the `runs` row last (akhbar.store.publish), so a run is visible entirely or not at all.
Earlier runs' files are never rewritten.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
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
    docs = store.read_staged(staging.path(run, "clean_docs", shard_id), columns=list(_FROM_CLEAN))
    published = store.read_staged(staging.path(run, "dates_published", shard_id))
    paras = final_paragraphs(run_dir, shard_id)
    n = paras.num_rows
    paras = paras.append_column("run_id", pa.repeat(pa.scalar(run_id, pa.string()), n))
    paras = paras.select(schema.SCHEMAS["paragraphs"].names).cast(schema.SCHEMAS["paragraphs"])

    status = {name: pc.equal(paras.column("status"), name).fill_null(False).to_numpy() for name in _COUNTED.values()}
    documents = _documents(docs, published, run_id, at, paras, status)

    mentions = store.read_staged(staging.path(run, "dates_mentions", shard_id))
    mentions = mentions.append_column("run_id", pa.repeat(pa.scalar(run_id, pa.string()), mentions.num_rows))
    mentions = mentions.select(schema.SCHEMAS["date_mentions"].names).cast(schema.SCHEMAS["date_mentions"])

    name = f"{shard_id:05d}.parquet"
    for table_name, table in (("documents", documents), ("paragraphs", paras), ("date_mentions", mentions)):
        pq.write_table(table, staging.final_dir(run, table_name) / name, **_final_options(table_name, table.schema))
    return {
        "documents": documents.num_rows,
        "paragraphs": n,
        "date_mentions": mentions.num_rows,
        **{name: int(status[name].sum()) for name in ("kept", "boilerplate", "duplicate", "metadata")},
        "published": documents.num_rows - documents.column("published").null_count,
    }


# documents columns copied as they are from the staged clean documents
_FROM_CLEAN = (
    "doc_id", "source_uri", "site", "format", "encoding", "language", "input_index", "record_index", "url",
    "title", "author", "source_attribution", "tags", "crawled_at", "source_meta",
)  # fmt: skip
# Columns whose values hardly repeat within a shard: a dictionary is tried on them, then dropped, for
# nothing (without it the JSONL corpus's documents and paragraphs files are 0.5 and 0.8 MiB smaller).
_NO_DICTIONARY = {
    "documents": ("doc_id", "source_uri", "url", "title", "text", "source_meta"),
    "paragraphs": ("text", "norm_hash"),
}


# Columns zstd does not make smaller: a dictionary already makes them tiny (labels, counts, one run_id), or
# their values are random (hashes). Left uncompressed they cost 5% less write CPU and the JSONL corpus's
# three tables stay within 0.2% of their size (documents 57.65, paragraphs 61.28, date_mentions 2.33 MiB).
_NO_CODEC = {
    "documents": (
        "site", "format", "encoding", "language", "run_id", "ingested_at", "input_index", "source_attribution", "tags",
        "published", "published_precision", "published_method", "n_paragraphs", "n_kept", "n_boilerplate",
        "n_duplicate", "n_metadata", "crawled_at",
    ),
    "paragraphs": ("norm_hash", "status", "reason", "similarity", "run_id", "relation"),
    "date_mentions": ("granularity", "calendar", "run_id"),
}  # fmt: skip


def _final_options(table_name: str, table_schema: pa.Schema) -> dict:
    """Parquet options of a published table's file: zstd (the users' codec) where it pays, a dictionary where
    values repeat."""
    plain, raw = _NO_DICTIONARY.get(table_name, ()), _NO_CODEC.get(table_name, ())
    return {
        "compression": {n: "none" if n in raw else "zstd" for n in table_schema.names},
        "use_dictionary": [n for n in table_schema.names if n not in plain],
    }


_PUBLISHED = ("published", "published_precision", "published_evidence", "published_method")
_COUNTED = {"n_kept": "kept", "n_boilerplate": "boilerplate", "n_duplicate": "duplicate", "n_metadata": "metadata"}


def _documents(
    docs: pa.Table, published: pa.Table, run_id: str, at: dt.datetime, paras: pa.Table, status: dict[str, np.ndarray]
) -> pa.Table:
    """The shard's `documents` rows, column by column: the staged clean documents (one row per doc_id) with
    their publication date (dates stage), their kept text and the count of their paragraphs by status
    (`status`: per paragraph, whether it has that status)."""
    target = schema.SCHEMAS["documents"]
    ids = docs.column("doc_id")
    m = len(ids)
    rows = pc.index_in(ids, value_set=published.column("doc_id"))
    if rows.null_count:
        raise KeyError(f"documents without a staged publication date: {ids.filter(rows.is_null())[:3].to_pylist()}")
    dated = published.take(rows)
    # each paragraph's document as its row in docs; m for a paragraph of no staged document
    doc_of = pc.index_in(paras.column("doc_id"), value_set=ids).fill_null(m).to_numpy()
    columns = {name: docs.column(name) for name in _FROM_CLEAN}
    columns.update({name: dated.column(name) for name in _PUBLISHED})
    columns["run_id"] = pa.repeat(pa.scalar(run_id, pa.string()), m)
    columns["ingested_at"] = pa.repeat(pa.scalar(at, target.field("ingested_at").type), m)
    columns["text"] = _kept_text(paras.column("text"), doc_of, status["kept"], m)
    columns["n_paragraphs"] = pa.array(np.bincount(doc_of, minlength=m + 1)[:m], pa.int32())
    for column, name in _COUNTED.items():
        columns[column] = pa.array(np.bincount(doc_of[status[name]], minlength=m + 1)[:m], pa.int32())
    return pa.Table.from_arrays([columns[f.name].cast(f.type) for f in target], schema=target)


def _kept_text(text: pa.ChunkedArray, doc_of: np.ndarray, kept: np.ndarray, m: int) -> pa.Array:
    """Per document row (0..m-1), its kept paragraphs joined by blank lines in paragraph order ("" for none)."""
    mine = kept & (doc_of < m)
    owner = doc_of[mine]
    texts = text.filter(pa.array(mine))
    if np.any(owner[1:] < owner[:-1]):  # not already in document order, as final_paragraphs gives them
        texts = texts.take(pa.array(np.argsort(owner, kind="stable")))  # paragraph order kept within each
    texts = texts.combine_chunks()
    offsets = np.zeros(m + 1, np.int32)
    np.cumsum(np.bincount(owner, minlength=m), out=offsets[1:])
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), texts), "\n\n")


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
    site_lines = store.read_staged(site_lines_path) if site_lines_path.exists() else schema.empty_table("site_lines")
    for table_name, table in (("rejects", rejects), ("inputs", inputs), ("site_lines", site_lines)):
        table = table.select(schema.SCHEMAS[table_name].names).cast(schema.SCHEMAS[table_name])
        pq.write_table(table, staging.final_dir(run, table_name) / "00000.parquet", compression="zstd")
        sizes[table_name] = table.num_rows
    return sizes


def _concat(files: list[Path], empty: pa.Table) -> pa.Table:
    return pa.concat_tables([store.read_staged(f) for f in files], promote_options="default") if files else empty


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
