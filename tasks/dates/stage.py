"""The dates stage of a run: publication dates and date mentions of one record shard, and its Prefect task."""

from __future__ import annotations

import datetime as dt
import operator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from akhbar import staging
from akhbar.staging import MENTION_SCHEMA, PUBLISHED_SCHEMA
from akhbar.store import read_staged, write_staged
from akhbar.tasking import StageTask
from akhbar.tasks.dates.mentions import mentions_of_paragraphs
from akhbar.tasks.dates.trigger import preload as preload_rule_set


def dated_paragraphs(run_dir: str, shard_id: int) -> pa.Table:
    """doc_id, position and text of a shard's paragraphs whose final status (final_paragraphs: dedup's
    decisions applied, but a revision's) is kept or metadata, in document order: only the columns dates reads."""
    from akhbar.tasks.dedup import read_decisions

    paras = read_staged(staging.path(run_dir, "clean_paragraphs", shard_id), columns=_PARAGRAPH_COLUMNS)
    dated = pc.is_in(paras.column("status"), _DATED).to_numpy(zero_copy_only=False)
    decisions = read_decisions(run_dir, shard_id)
    if decisions.num_rows:
        decided = decisions.filter(pc.fill_null(pc.not_equal(decisions.column("relation"), "revision"), True))
        rows = pa.table(
            {
                "doc_id": paras.column("doc_id"),
                "position": paras.column("position"),
                "row": pa.array(np.arange(paras.num_rows, dtype=np.int64)),
            }
        ).join(decided.select(["doc_id", "position", "status"]), ["doc_id", "position"], join_type="inner")
        if rows.num_rows:
            row = rows.column("row").to_numpy()
            dated[row] = pc.is_in(rows.column("status"), _DATED).to_numpy(zero_copy_only=False)
    return paras.select(["doc_id", "position", "text"]).filter(pa.array(dated))


_PARAGRAPH_COLUMNS = ["doc_id", "position", "text", "status"]
_DATED = pa.array(["kept", "metadata"])
_DOC_COLUMNS = list(PUBLISHED_SCHEMA.names)


def published_table(docs: pa.Table) -> pa.Table:
    """The staged documents' publication dates, as columns: the clean stage decided them; a document without
    one has no precision, evidence or method either."""
    known = pc.is_valid(docs.column("published"))
    columns = [docs.column("doc_id"), docs.column("published")]
    for field in list(PUBLISHED_SCHEMA)[2:]:
        columns.append(pc.if_else(known, docs.column(field.name), pa.scalar(None, field.type)))
    return pa.table(columns, schema=PUBLISHED_SCHEMA)


def _references(pub: pa.Table, doc_ids: pa.ChunkedArray) -> list[dt.date | None]:
    """Each paragraph's reference day for relative dates: its document's publication date where that is a day."""
    published = pub.column("published")
    day = pc.if_else(pc.equal(pub.column("published_precision"), "day"), published, pa.scalar(None, published.type))
    of_doc = [*day.to_pylist(), None]  # (a document's one Python date, shared by its paragraphs; None: no document)
    row = pc.fill_null(pc.index_in(doc_ids, value_set=pub.column("doc_id").combine_chunks()), len(of_doc) - 1)
    return [of_doc[i] for i in row.to_numpy().tolist()]


_MENTION_FIELDS = [
    (name, operator.attrgetter(name)) for name in ("start", "end", "surface", "value", "granularity", "calendar")
]


def dates_shard(run_dir: str, shard_id: int) -> dict:
    """Publication dates and date mentions for one record shard (after dedup decided the statuses)."""
    docs = read_staged(staging.path(run_dir, "clean_docs", shard_id), columns=_DOC_COLUMNS)
    pub = published_table(docs)
    paras = dated_paragraphs(run_dir, shard_id)
    mentions = mentions_of_paragraphs(paras.column("text").to_pylist(), _references(pub, paras.column("doc_id")))
    of_row = [i for i, ms in enumerate(mentions) if ms for _ in ms]  # each mention's paragraph row
    found = [m for ms in mentions if ms for m in ms]
    where = paras.select(["doc_id", "position"]).take(pa.array(of_row, type=pa.int64()))
    men = {"doc_id": where.column("doc_id"), "position": where.column("position")}
    men.update((name, list(map(field, found))) for name, field in _MENTION_FIELDS)
    staging.folder(run_dir, "dates_published")
    write_staged(pub, staging.path(run_dir, "dates_published", shard_id))
    write_staged(pa.table(men, schema=MENTION_SCHEMA), staging.path(run_dir, "dates_mentions", shard_id))
    return {"published": pub.num_rows - pub.column("published").null_count, "mentions": len(of_row)}


dates_task = StageTask(dates_shard, name="dates", retries=1, preload=preload_rule_set)
