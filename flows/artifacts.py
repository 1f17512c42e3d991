"""What a flow run shows in the Prefect UI: progress per stage, counts per site, what changed.

`RunArtifacts(out).on_stage` is passed to `run_pipeline(on_stage=...)` by the `akhbar_pipeline`
flow. It must be called inside a flow run (artifacts attach to the run in context):
  - a progress artifact, created at 0 % and advanced after every stage;
  - when the run ends, a table artifact with counts per site (and an "all sites" row), read back
    from the published Parquet through the DuckDB views, filtered by the run's run_id;
  - a markdown summary: stage timings, this run's figures, and what changed in the corpus since
    the previous run (table totals before this run against after it, sql/runs/corpus_before_after.sql).
Keys are fixed, so the UI's Artifacts page also shows each one's history across runs.
"""

from __future__ import annotations

from typing import Any

from akhbar import store
from akhbar.flows.orchestration import STAGES as DAG

# The stages run_pipeline reports, in order; progress is the share of these done.
STAGES = [stage.name for stage in DAG]

_BESIDE = {stage.name for stage in DAG if stage.beside}

PROGRESS_KEY = "akhbar-progress"
TABLE_KEY = "akhbar-counts"
SUMMARY_KEY = "akhbar-summary"

# Per-site counts of one run, in stage order (parameter $run_id).
SITE_COUNTS_SQL = (store.SQL_DIR / "runs" / "counts_per_site.sql").read_text(encoding="utf-8")
# The corpus's table totals before and after one run (parameter $run_id).
BEFORE_AFTER_SQL = (store.SQL_DIR / "runs" / "corpus_before_after.sql").read_text(encoding="utf-8")


# Figures of a `runs` row compared with the previous run, with their labels.
RUN_FIGURES = [
    ("n_inputs", "input files read"),
    ("n_inputs_skipped", "input files unchanged (skipped)"),
    ("n_records", "records"),
    ("n_seen", "records already stored"),
    ("n_documents", "documents"),
    ("n_rejects", "rejects"),
    ("n_paragraphs", "paragraphs"),
    ("n_kept", "paragraphs kept"),
    ("n_boilerplate", "boilerplate paragraphs"),
    ("n_duplicate", "duplicate paragraphs"),
    ("n_metadata", "metadata paragraphs"),
    ("n_published", "documents with a publication date"),
    ("n_date_mentions", "date mentions"),
]
COLUMNS = ["site", "inputs", "rejects", "documents", "paragraphs_kept", "boilerplate", "duplicates", "with_date"]

# One line per stage for flow-run logs and `akhbar run`'s progress: what it read, produced, rejected.
STAGE_LINES = {
    "ingest": "read {files} files: {records} records, {rejects} rejected",
    "admit": "{admitted} new records in {shards} shard(s), {seen} already stored",
    "clean": "{documents} documents: {paragraphs} paragraphs, {rejects} rejected",
    "dedup": "{exact_dup} exact and {near_dup} near duplicates, {site_template} site-template paragraphs",
    "stories": "{documents} documents in {stories} stories, {joined} joined to an earlier article",
    "dates": "{published} publication dates, {mentions} date mentions",
    "write": "wrote {documents} documents, {paragraphs} paragraphs ({kept} kept), {date_mentions} date mentions",
    "publish": "published the run's files",
}


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def stage_line(stage: str, counts: dict, seconds: float, documents: int | None = None) -> str:
    """`clean: 5 documents: 144 paragraphs, 0 rejected (0.07 s, 71 docs/s)`."""
    values = _Missing({k: len(v) if isinstance(v, (list, tuple)) else v for k, v in counts.items()})
    what = STAGE_LINES.get(stage, "").format_map(values) or ", ".join(f"{k} {v}" for k, v in values.items())
    rate = f", {documents / seconds:,.0f} docs/s" if documents and seconds > 0 else ""
    return f"{stage}: {what} ({seconds:.2f} s{rate})"


class StageClock:
    """Seconds between `on_stage` calls, and the run's record count once ingest has told it. A stage that runs
    beside another (orchestration.STAGES `beside`) reports inside that one's span, which it does not end."""

    def __init__(self):
        import time

        self._now = time.perf_counter
        self.last = self._now()
        self.documents: int | None = None

    def line(self, stage: str, counts: dict) -> str:
        now = self._now()
        seconds = now - self.last
        if stage not in _BESIDE:
            self.last = now
        if stage == "ingest":
            self.documents = counts.get("records")
        return stage_line(stage, counts, seconds, self.documents if stage != "publish" else None)


def site_counts(out: str, run_id: str) -> list[dict]:
    """Counts per site of one published run, plus an 'all sites' row (inputs = files read)."""
    con = store.connect(out)
    try:
        rel = con.execute(SITE_COUNTS_SQL, {"run_id": run_id})
        cols = [c[0] for c in rel.description]
        rows = [
            dict(zip(cols, (int(v) if isinstance(v, (int, float)) and k != "site" else v for k, v in zip(cols, r))))
            for r in rel.fetchall()
        ]
        n_inputs = con.execute("SELECT n_inputs FROM runs WHERE run_id = ?", [run_id]).fetchone()
    finally:
        con.close()
    total = {c: sum(r[c] for r in rows) for c in COLUMNS[1:]}
    total["inputs"] = int(n_inputs[0]) if n_inputs else total["inputs"]
    return rows + [{"site": "all sites", **total}]


def run_and_previous(out: str, run_id: str) -> tuple[dict | None, dict | None]:
    """This run's `runs` row and the one of the run before it (by run_id, which sorts by start)."""
    con = store.connect(out)
    try:
        rel = con.execute("SELECT * FROM runs WHERE run_id <= ? ORDER BY run_id DESC LIMIT 2", [run_id])
        cols = [c[0] for c in rel.description]
        rows = [dict(zip(cols, r)) for r in rel.fetchall()]
    finally:
        con.close()
    current = rows[0] if rows and rows[0]["run_id"] == run_id else None
    previous = rows[1] if current and len(rows) > 1 else (rows[0] if rows and not current else None)
    return current, previous


def corpus_before_after(out: str, run_id: str) -> list[tuple[str, int, int]]:
    """(figure, total before the run, total after it) for each table figure of the corpus."""
    con = store.connect(out)
    try:
        return [(f, int(b), int(a)) for f, b, a in con.execute(BEFORE_AFTER_SQL, {"run_id": run_id}).fetchall()]
    finally:
        con.close()


def corpus_totals(out: str) -> dict:
    con = store.connect(out)
    try:
        docs, dated, sites = con.execute(
            "SELECT count(*), count(published), count(DISTINCT site) FROM documents"
        ).fetchone()
        runs = con.execute("SELECT count(*) FROM runs").fetchone()[0]
    finally:
        con.close()
    return {"documents": docs, "with_date": dated, "sites": sites, "runs": runs}


def summary_markdown(
    summary: dict,
    current: dict | None,
    previous: dict | None,
    totals: dict,
    stage_counts: dict[str, dict],
    before_after: list[tuple[str, int, int]] = (),
) -> str:
    lines = ["# akhbar run summary", ""]
    if not summary.get("published"):
        lines += [
            f"**Nothing published**: {summary.get('message', 'no new inputs')} "
            f"({summary.get('inputs', 0)} input files, {summary.get('inputs_skipped', 0)} unchanged "
            "since an earlier run).",
            "",
        ]
    else:
        lines += [f"Run `{summary['run_id']}` wrote to `{summary['out']}`.", ""]
    lines += [
        f"Corpus now: **{totals['documents']}** documents from **{totals['sites']}** sites, "
        f"{totals['with_date']} with a publication date, {totals['runs']} completed runs.",
        "",
    ]
    if current is not None:
        if previous is None:
            lines += ["First run on this output folder: nothing to compare with.", ""]
        else:
            # The corpus's totals before this run (after the previous one) and after it.
            changed = [(label, before, after) for label, before, after in before_after if before != after]
            lines += [f"## Changed since the previous run (`{previous['run_id']}`)", ""]
            if changed:
                lines += ["| corpus | before this run | after | change |", "|---|---:|---:|---:|"]
                for label, before, after in changed:
                    lines.append(f"| {label} | {before} | {after} | {after - before:+d} |")
            else:
                lines.append("The corpus is the same as after the previous run.")
            lines.append("")
        lines += ["This run: " + ", ".join(f"{label} {current[k]}" for k, label in RUN_FIGURES) + ".", ""]
    seconds = summary.get("stage_seconds") or {}
    if stage_counts:
        lines += ["## Stages", "", "| stage | seconds | counts |", "|---|---:|---|"]
        for stage in STAGES:
            if stage in stage_counts:
                counts = {k: v for k, v in stage_counts[stage].items() if isinstance(v, (int, float))}
                lines.append(
                    f"| {stage} | {seconds.get(stage, '')} | "
                    f"{', '.join(f'{k} {v}' for k, v in counts.items()) or '-'} |"
                )
        lines.append("")
    return "\n".join(lines)


class RunArtifacts:
    """The `on_stage` callback that publishes a flow run's artifacts (call inside a flow run)."""

    def __init__(self, out: str | None):
        from prefect.artifacts import create_progress_artifact

        self.out = str(store.resolve_out(out))
        self.stage_counts: dict[str, dict] = {}
        self.clock = StageClock()
        try:
            self.progress_id = create_progress_artifact(
                0.0, key=PROGRESS_KEY, description="akhbar pipeline: share of stages done"
            )
        except Exception as exc:  # reporting must not stop the data run; on_stage logs later failures
            from prefect import get_run_logger

            get_run_logger().warning("akhbar: could not create the progress artifact: %r", exc)
            self.progress_id = None

    def on_stage(self, stage: str, counts: dict) -> None:
        from prefect.artifacts import update_progress_artifact

        try:
            if stage != "done":
                from prefect import get_run_logger

                get_run_logger().info(self.clock.line(stage, counts))
                self.stage_counts[stage] = counts
                done = STAGES.index(stage) + 1 if stage in STAGES else 0
                if self.progress_id is not None:
                    update_progress_artifact(
                        self.progress_id, 100.0 * done / len(STAGES), description=f"akhbar pipeline: {stage} done"
                    )
            else:
                self.finish(counts)
        except Exception as exc:
            # Reporting must not fail the data run (at "done" the run is already published).
            from prefect import get_run_logger

            get_run_logger().warning("akhbar: could not publish the %s artifacts: %r", stage, exc)

    def finish(self, summary: dict[str, Any]) -> None:
        from prefect.artifacts import create_markdown_artifact, create_table_artifact, update_progress_artifact

        run_id = summary["run_id"]
        published = bool(summary.get("published"))
        if published:
            rows = site_counts(self.out, run_id)
            current, previous = run_and_previous(self.out, run_id)
            before_after = corpus_before_after(self.out, run_id)
        else:
            # Nothing new was published: a row of zeros, and nothing to compare.
            rows = [{"site": "all sites", **{c: 0 for c in COLUMNS[1:]}}]
            current, previous, before_after = None, None, []
        create_table_artifact(rows, key=TABLE_KEY, description=f"akhbar run {run_id}: counts per site, in stage order")
        create_markdown_artifact(
            summary_markdown(summary, current, previous, corpus_totals(self.out), self.stage_counts, before_after),
            key=SUMMARY_KEY,
            description=f"akhbar run {run_id}: summary and changes since the previous run",
        )
        if self.progress_id is not None:
            update_progress_artifact(
                self.progress_id,
                100.0,
                description="akhbar pipeline: published" if published else "akhbar pipeline: nothing new",
            )
