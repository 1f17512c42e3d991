"""The clean stage over one record shard: cleaned paragraphs and documents staged for dedup and dates."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from pathlib import Path

import pyarrow as pa

from akhbar import reasons, staging
from akhbar.arabic import normalize_arabic_many
from akhbar.language import detect_languages
from akhbar.language import preload as preload_language_model
from akhbar.limits import TimeLimitExceeded, map_with_time_limit
from akhbar.settings import Settings
from akhbar.staging import CLEAN_DOC_SCHEMA, CLEAN_PARAGRAPH_SCHEMA
from akhbar.store import write_staged
from akhbar.tasking import StageTask
from akhbar.tasks.clean.doc import KEPT, CleanedDoc
from akhbar.tasks.clean.html import clean_html, parse_html
from akhbar.tasks.clean.keys import shard_keys
from akhbar.tasks.clean.text import clean_texts
from akhbar.tasks.minhash import preload as preload_minhash

_RECORD_COLUMNS = [
    "doc_id",
    "source_uri",
    "site",
    "format",
    "encoding",
    "input_index",
    "record_index",
    "url",
    "crawled_at",
    "source_meta",
]
_HASH_COLUMNS = ("bands", "signature")
# text and exact keys hardly repeat: a dictionary costs write time and saves no space
_PLAIN_PARAGRAPH_COLUMNS = ("text", "norm_hash")


def _clean_html_job(job: tuple[str, str | None, object]):
    """Extract a page and read its publication date from the markup (JSON-LD, meta, <time>, URL).

    Module-level so the time-limit child process (used off the main thread) can import it by
    name. The date is read here,
    where the HTML is at hand, and handed to the dates stage through the staged documents.
    """
    from akhbar.tasks.dates import publication_date_from_html

    html, url, crawled_at = job
    tree = parse_html(html)
    # one parse for all the readers; none changes the tree (trafilatura and htmldate prune copies)
    return clean_html(tree, url), publication_date_from_html(html, url, tree, now=crawled_at)


def _clean_all(rows: list[dict], time_limit: float) -> list:
    """Clean each record; a failure or a page over the time limit becomes the exception, in order.

    HTML goes to trafilatura under a per-page time limit (akhbar.limits: in this process under
    SIGALRM on a main thread, else in a child process killed past the limit), so a pathological
    page cannot stall the night; text scrapes run our own linear-time rules in this process.
    """
    results: list = [None] * len(rows)
    html_idx = [i for i, r in enumerate(rows) if r["content_kind"] == "html"]
    # the crawl time, when the record has one, bounds the publication date (never after it + 1 day)
    jobs = ((rows[i]["content"], rows[i]["url"], rows[i].get("crawled_at")) for i in html_idx)
    for i, (_job, result) in zip(html_idx, map_with_time_limit(_clean_html_job, jobs, time_limit)):
        results[i] = result
    text_idx = [i for i, r in enumerate(rows) if results[i] is None]
    for i, doc in zip(text_idx, clean_texts([rows[i]["content"] for i in text_idx])):
        results[i] = doc if isinstance(doc, Exception) else (doc, None)
    _fill_line_norms([results[i][0] for i in html_idx if not isinstance(results[i], Exception)])
    return results


def _fill_line_norms(docs: list[CleanedDoc]) -> None:
    """The normalized text of every line of the HTML pages (the dedup keys), in one pass over the shard."""
    flat = normalize_arabic_many([ln.text for doc in docs for ln in doc.lines])
    at = 0
    for doc in docs:
        doc.line_norms, at = flat[at : at + len(doc.lines)], at + len(doc.lines)


_DECIDED = ("published", "published_precision", "published_evidence", "published_method")


def _stage_publication_dates(docs: dict[str, list]) -> None:
    """Decide each document's publication date from its other columns; add the published* columns."""
    from akhbar.tasks.dates import publication_date  # once a shard: an import statement costs ~1 us a call

    names = [name for name in docs if name not in _DECIDED]
    found = [publication_date(dict(zip(names, row))) for row in zip(*[docs[name] for name in names])]
    docs["published"] = [f.value if f else None for f in found]
    docs["published_precision"] = [f.precision if f else None for f in found]
    docs["published_evidence"] = [f.evidence if f else None for f in found]
    docs["published_method"] = [f.method if f else None for f in found]


_LINE_NO, _TEXT, _STATUS, _REASON = (attrgetter(n) for n in ("line_no", "text", "status", "reason"))


def _paragraph_columns(cleaned_docs: list[tuple[dict, CleanedDoc, object]], near_min_words) -> tuple[dict, tuple]:
    """The staged paragraph columns of the cleaned documents' lines, and their lines for the near-duplicate
    search (doc_id, position, normalized text, words), all documents' lines at once."""
    lines = [ln for _, cleaned, _ in cleaned_docs for ln in cleaned.lines]
    doc_ids = [rec["doc_id"] for rec, cleaned, _ in cleaned_docs for _ in cleaned.lines]
    positions = [pos for _, cleaned, _ in cleaned_docs for pos in range(len(cleaned.lines))]
    norms = [n for _, cleaned, _ in cleaned_docs for n in _line_norms(cleaned)]
    norms, hashes, near, near_words = shard_keys(lines, norms, near_min_words)
    texts = list(map(_TEXT, lines))
    paras = {
        "doc_id": doc_ids,
        "position": positions,
        "line_no": list(map(_LINE_NO, lines)),
        "text": texts,
        "n_chars": list(map(len, texts)),
        "norm_hash": hashes,
        "status": list(map(_STATUS, lines)),
        "reason": list(map(_REASON, lines)),
    }
    near_rows = ([doc_ids[i] for i in near], [positions[i] for i in near], [norms[i] for i in near], near_words)
    return paras, near_rows


def _line_norms(cleaned: CleanedDoc) -> list[str | None]:
    """normalize_arabic of each line where known, None elsewhere."""
    known = cleaned.line_norms or []
    return known + [None] * (len(cleaned.lines) - len(known))


def _doc_columns(cleaned_docs: list[tuple[dict, CleanedDoc, object]], shard_id: int) -> dict[str, list]:
    """The staged document columns (CLEAN_DOC_SCHEMA) of the cleaned records, with their publication date."""
    docs = {name: [rec[name] for rec, _, _ in cleaned_docs] for name in _RECORD_COLUMNS}
    docs["shard"] = [shard_id] * len(cleaned_docs)
    docs["content_kind"] = [rec["content_kind"] for rec, _, _ in cleaned_docs]
    docs["title"] = [rec["title"] or cleaned.title for rec, cleaned, _ in cleaned_docs]
    # the page's own byline first
    docs["author"] = [cleaned.author or rec["author"] for rec, cleaned, _ in cleaned_docs]
    docs["source_attribution"] = [cleaned.source_attribution for _, cleaned, _ in cleaned_docs]
    docs["tags"] = [list(cleaned.tags) for _, cleaned, _ in cleaned_docs]
    docs["header_lines"] = [list(cleaned.header_lines) for _, cleaned, _ in cleaned_docs]
    docs["published_field"] = [rec["published_field"] for rec, _, _ in cleaned_docs]
    for name in ("value", "precision", "evidence", "method"):
        column = "published_html" if name == "value" else f"published_html_{name}"
        docs[column] = [getattr(html_date, name) if html_date else None for _, _, html_date in cleaned_docs]
    docs["language"] = detect_languages(
        ["\n".join([ln.text for ln in cleaned.lines if ln.status == KEPT]) for _, cleaned, _ in cleaned_docs]
    )
    _stage_publication_dates(docs)
    return docs


def reject_error(exc: Exception, time_limit: float) -> str:
    """The reject reason of a page whose extraction raised `exc` (akhbar.reasons)."""
    if isinstance(exc, TimeLimitExceeded):
        return reasons.EXTRACTION_TIME_LIMIT.format(limit=time_limit)
    return reasons.EXTRACTION_FAILED.format(kind=type(exc).__name__, detail=exc)


def clean_shard(run_dir: str, shard_id: int) -> dict:
    """Clean every admitted record of one record shard; write staged paragraphs and documents."""
    from akhbar.tasks.ingest import REJECT_SCHEMA, read_record_shard

    run = Path(run_dir)
    settings = Settings.load(run)
    rows = read_record_shard(run_dir, shard_id).to_pylist()
    # Near-dup search on: stage the MinHash signatures of this shard's kept lines of enough words
    # here, in parallel, so the serial corpus-wide dedup pass only joins them.
    near = settings.near_dup_threshold <= 1.0
    min_words = max(int(settings.near_dup_min_words), 1)
    rejects = []
    cleaned_docs = []  # (record, CleanedDoc, publication date read from the HTML or None)
    for rec, result in zip(rows, _clean_all(rows, settings.doc_time_limit)):
        if isinstance(result, Exception):
            error = reject_error(result, settings.doc_time_limit)
            rejects.append(
                {
                    "source_uri": rec["source_uri"],
                    "stage": "clean",
                    "error": error[:500],
                    "input_index": rec["input_index"],
                }
            )
            continue
        cleaned_docs.append((rec, *result))
    paras, near_rows = _paragraph_columns(cleaned_docs, min_words if near else None)
    docs = _doc_columns(cleaned_docs, shard_id)
    staging.folder(run, "clean_docs")
    write_staged(
        pa.table(paras, schema=CLEAN_PARAGRAPH_SCHEMA),
        staging.path(run, "clean_paragraphs", shard_id),
        plain=_PLAIN_PARAGRAPH_COLUMNS,
    )
    write_staged(pa.table(docs, schema=CLEAN_DOC_SCHEMA), staging.path(run, "clean_docs", shard_id))
    write_staged(pa.Table.from_pylist(rejects, schema=REJECT_SCHEMA), staging.path(run, "clean_rejects", shard_id))
    if near:  # read by akhbar.tasks.dedup._near_dups
        from akhbar.tasks.dedup import minhash_stage_table
        from akhbar.tasks.stories import document_signatures

        full: list = []
        doc_ids, positions, norms, words = near_rows
        lines = minhash_stage_table(doc_ids, positions, norms, min_words, full_signatures=full, words=words)
        # random hashes: a dictionary is never smaller, and trying one costs two thirds of the write
        write_staged(lines, staging.path(run, "clean_minhash", shard_id), plain=_HASH_COLUMNS)
        write_staged(
            document_signatures(lines.column("doc_id").to_pylist(), full[0]),  # akhbar.tasks.stories
            staging.path(run, "clean_docsig", shard_id),
            plain=_HASH_COLUMNS,
        )
    return {"documents": len(docs["doc_id"]), "paragraphs": len(paras["doc_id"]), "rejects": len(rejects)}


def preload() -> Callable[[], None]:
    """The clean stage's read-only state, loaded in the parent before its pool forks (StageTask.preload): the
    language model and the numba kernels of the text path and MinHash (~0.25 s and ~45 MiB). Returns the call
    that drops it."""
    clean_texts(["قال الوزير اليوم إن"])  # their kernels, before the MinHash preload unmaps LLVM's pages
    detect_languages(["قال الوزير اليوم إن"])
    preload_minhash()
    return preload_language_model()


# ---------------------------------------------------------------- Prefect task wrapper

clean_task = StageTask(clean_shard, name="clean", retries=1, preload=preload)
