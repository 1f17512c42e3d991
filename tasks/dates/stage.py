"""The dates stage of a run: publication dates and date mentions of one record shard, and its Prefect task."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq

from akhbar import staging
from akhbar.staging import MENTION_SCHEMA, PUBLISHED_SCHEMA
from akhbar.store import write_staged
from akhbar.tasking import StageTask
from akhbar.tasks.dates.mentions import extract_mentions
from akhbar.tasks.dates.published import staged_publication_date


def dates_shard(run_dir: str, shard_id: int) -> dict:
    """Publication dates and date mentions for one record shard (after dedup decided the statuses)."""
    from akhbar.tasks.dedup import final_paragraphs

    docs = pq.read_table(staging.path(run_dir, "clean_docs", shard_id)).to_pylist()
    paras = final_paragraphs(run_dir, shard_id)
    pub = {name: [] for name in PUBLISHED_SCHEMA.names}
    reference: dict[str, dt.date | None] = {}
    for doc in docs:
        found = staged_publication_date(doc)
        pub["doc_id"].append(doc["doc_id"])
        pub["published"].append(found.value if found else None)
        pub["published_precision"].append(found.precision if found else None)
        pub["published_evidence"].append(found.evidence if found else None)
        pub["published_method"].append(found.method if found else None)
        reference[doc["doc_id"]] = found.value if found and found.precision == "day" else None
    men = {name: [] for name in MENTION_SCHEMA.names}
    cols = paras.select(["doc_id", "position", "text", "status"]).to_pydict()
    for doc_id, position, text, status in zip(cols["doc_id"], cols["position"], cols["text"], cols["status"]):
        if status not in ("kept", "metadata"):
            continue
        for m in extract_mentions(text, reference.get(doc_id)):
            men["doc_id"].append(doc_id)
            men["position"].append(position)
            men["start"].append(m.start)
            men["end"].append(m.end)
            men["surface"].append(m.surface)
            men["value"].append(m.value)
            men["granularity"].append(m.granularity)
            men["calendar"].append(m.calendar)
    staging.folder(run_dir, "dates_published")
    write_staged(pa.table(pub, schema=PUBLISHED_SCHEMA), staging.path(run_dir, "dates_published", shard_id))
    write_staged(pa.table(men, schema=MENTION_SCHEMA), staging.path(run_dir, "dates_mentions", shard_id))
    return {"published": sum(v is not None for v in pub["published"]), "mentions": len(men["doc_id"])}


dates_task = StageTask(dates_shard, name="dates", retries=1)
