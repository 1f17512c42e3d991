"""CPU seconds of single stages' functions, this checkout against another revision, on the same staged files.

    .venv/bin/python bench/stage_cpu.py --baseline 97adda2 --stages ingest,write --repeat 3
    .venv/bin/python bench/stage_cpu.py --baseline 97adda2 --stages ingest --input data/sample
    .venv/bin/python bench/stage_cpu.py --baseline 44bfe3b --stages admit,dedup,stories --repeat 5
    .venv/bin/python bench/stage_cpu.py --baseline 44bfe3b --stages dedup,stories \
        --prior data/bench/corpora/jsonl/a.jsonl --input data/bench/corpora/jsonl/b.jsonl

First one run of the whole pipeline (this checkout, 2 workers) over --input, whose staging folder is
copied just before publish: the snapshot every measured run starts from. Then, for each stage and
each of --repeat rounds, a child process per revision (the baseline's files from git, this venv),
alternating: it copies the snapshot, calls the stage function over every shard in turn in one
process (no pool; each shard as a pool worker runs it), and reports its CPU and wall seconds. Printed: the medians, the ratio baseline /
this checkout, and whether the stage wrote the same tables at both revisions (every staged or final
Parquet file the stage writes, compared as tables: `same`, or `same rows` when only the row order
inside a file differs, as DuckDB's COPY without ORDER BY may leave it).

Stages: ingest, clean, dates, write (the per-shard ones); admit, dedup, stories (the corpus-wide
passes between them, one call in the driver: DuckDB runs them on its own threads, so their wall
seconds count too). Those read the output folder's published tables as they were before the run's
publish: --prior inputs are first run and published into it (a second run on top of published
tables: dedup across runs). Default input: the JSONL corpus (data/bench/corpora/jsonl, bench/corpora.py).
--keep DIR keeps the snapshot in DIR and reuses it when it is there (iterating on one stage).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common

RUN_ID, INGESTED_AT = "20261203T000000000000Z-bench", "2026-12-03T00:00:00+00:00"
# stage -> (module, StageTask attribute, staged folders the stage writes, extra keyword arguments)
STAGES = {
    "ingest": ("akhbar.tasks.ingest", "ingest_task", ("ingest",), {}),
    "clean": ("akhbar.tasks.clean", "clean_task", ("clean",), {}),
    "dates": ("akhbar.tasks.dates", "dates_task", ("dates",), {}),
    "write": ("akhbar.tasks.write", "write_task", ("final",), {"run_id": RUN_ID, "ingested_at": INGESTED_AT}),
    # corpus-wide: one call with the output folder (as the pipeline calls them with 2 workers)
    "admit": ("akhbar.tasks.admit", "admit_task", ("records",), {"workers": 2}),
    "dedup": ("akhbar.tasks.dedup", "dedup_task", ("dedup", "final/paragraph_minhash"), {"run_id": RUN_ID}),
    "stories": ("akhbar.tasks.stories", "stories_task", ("stories", "final/story_members"), {"run_id": RUN_ID}),
}
CORPUS_WIDE = ("admit", "dedup", "stories")


def shard_ids(run: Path, stage: str) -> list[int]:
    if stage == "ingest":
        return sorted(int(p.stem) for p in (run / "ingest" / "plan").glob("*.json"))
    return sorted(int(p.name.split("=")[1]) for p in (run / "records").glob("shard=*"))


def snapshot(inputs: list[str], dest: Path, tables: Path, prior: list[str] | None = None) -> None:
    """Run the pipeline (2 workers) and keep a copy of its staging folder as it is before publish
    (`dest`), and of the output folder's tables then (`tables`: --prior's runs, published first)."""
    from akhbar.flows.orchestration import LocalExecutor, run_pipeline
    from akhbar.settings import Settings

    out = dest.parent / "snapshot-out"
    if prior:
        run_pipeline(prior, str(out), Settings(), LocalExecutor(2))

    def keep(stage: str, _counts: dict) -> None:
        if stage == "write":
            (staged,) = list((out / "_staging").iterdir())
            shutil.copytree(staged, dest, ignore=shutil.ignore_patterns("duckdb_tmp"))
            shutil.copytree(out, tables, ignore=lambda d, names: ["_staging"] if Path(d) == out else [])

    run_pipeline(inputs, str(out), Settings(), LocalExecutor(2), on_stage=keep)
    shutil.rmtree(out, ignore_errors=True)


def child(args) -> None:
    """Copy the snapshot, then the stage's function over every shard in this process; prints CPU and wall."""
    import importlib

    if args.checkout:
        sys.path.insert(0, args.checkout)
    module, attr, writes, extra = STAGES[args.stage]
    fn = getattr(importlib.import_module(module), attr).fn
    snap, run = Path(args.snapshot), Path(args.run)
    shutil.copytree(
        snap, run, ignore=lambda d, names: [n for n in names if (Path(d) / n).relative_to(snap).as_posix() in writes]
    )
    if args.stage == "ingest":  # the plan is the ingest stage's input, not its output
        shutil.copytree(snap / "ingest" / "plan", run / "ingest" / "plan")
    import gc
    import resource

    from akhbar.flows import executors

    # each shard as a pool worker runs it (a revision without that wrapper: the function alone), with what
    # the process holds so far left out of the GC, as the pool's workers leave what they inherit
    run_shard = getattr(executors, "_call_released", lambda fn, kwargs: fn(**kwargs))
    gc.freeze()

    result = {}
    if args.stage in CORPUS_WIDE:
        shards = [0]
        t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        result = fn(out_dir=args.tables, run_dir=str(run), **extra)
    else:
        shards = shard_ids(run, args.stage)
        t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        for i in shards:
            run_shard(fn, dict(extra, run_dir=str(run), shard_id=i))
    c1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime
    code = str(Path(sys.modules["akhbar"].__file__).resolve().parents[1])
    counts = {k: v for k, v in result.items() if isinstance(v, int) and not isinstance(v, bool)}
    print(
        json.dumps(
            {"cpu": cpu, "wall": time.perf_counter() - t0, "shards": len(shards), "code": code, "counts": counts}
        )
    )


def same_tables(a: Path, b: Path, folders: tuple[str, ...]) -> str:
    """`same` when every Parquet folder the stage writes holds the same table at both, `same rows`
    when only the row order differs (a folder's files read together: COPY ... PARTITION_BY names
    and splits its files as its threads go), else `DIFFERENT`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    verdict = "same"
    for folder in folders:
        da = sorted({p.parent.relative_to(a) for p in (a / folder).rglob("*.parquet")})
        db = sorted({p.parent.relative_to(b) for p in (b / folder).rglob("*.parquet")})
        if da != db or not da:
            return "DIFFERENT"
        for d, kind in sorted({(sub, _kind(f)) for sub in da for f in (a / sub).glob("*.parquet")}):
            ta, tb = (
                pa.concat_tables(pq.read_table(f) for f in sorted((root / d).glob("*.parquet")) if _kind(f) == kind)
                for root in (a, b)
            )
            if ta.equals(tb, check_metadata=True):
                continue
            if not ta.schema.equals(tb.schema) or not _sorted(ta).equals(_sorted(tb)):
                return "DIFFERENT"
            verdict = "same rows"
    return verdict


def _kind(path: Path) -> str:
    """A staged file's kind within its folder: its name without the shard number (records-00003 -> records)."""
    return path.stem.rstrip("0123456789").rstrip("-")


def _sorted(t):
    """The rows of `t` in the order of its sortable (not nested) columns."""
    import pyarrow as pa

    keys = [f.name for f in t.schema if not pa.types.is_nested(f.type)]
    return t.sort_by([(k, "ascending") for k in keys])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    ap.add_argument("--snapshot", help=argparse.SUPPRESS)
    ap.add_argument("--run", help=argparse.SUPPRESS)
    ap.add_argument("--checkout", default="", help=argparse.SUPPRESS)
    ap.add_argument("--baseline", required=False, metavar="REV", help="the revision to compare with (git)")
    ap.add_argument("--tables", help=argparse.SUPPRESS)
    ap.add_argument("--stages", default="ingest,write", help=f"comma list of {', '.join(STAGES)}")
    ap.add_argument("--input", action="append", help="input folder or file (repeatable; default the JSONL corpus)")
    ap.add_argument("--prior", action="append", help="inputs of an earlier run published first (repeatable)")
    ap.add_argument("--keep", metavar="DIR", help="keep the snapshot in DIR; reuse it when DIR holds one")
    ap.add_argument("--repeat", type=int, default=3, help="rounds; medians are shown")
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    if not args.baseline:
        raise SystemExit("--baseline REV is required")
    stages = args.stages.split(",")
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise SystemExit(f"unknown stage(s) {', '.join(unknown)}; known: {', '.join(STAGES)}")
    inputs = args.input or [str(common.CORPORA / "jsonl")]
    if not all(Path(p).exists() for p in inputs + (args.prior or [])):
        raise SystemExit(f"input not found: {inputs} (bench/corpora.py converts the corpus)")
    common.print_machine()
    work = Path(tempfile.mkdtemp(prefix="akhbar-stage-cpu-"))
    kept = Path(args.keep).resolve() if args.keep else None
    try:
        snap, tables = (kept or work) / "snapshot", (kept or work) / "tables"
        if not (kept and (kept / "done").exists()):
            shutil.rmtree(snap, ignore_errors=True)
            shutil.rmtree(tables, ignore_errors=True)
            t0 = time.perf_counter()
            snapshot(inputs, snap, tables, args.prior)
            took = time.perf_counter() - t0
            print(f"snapshot of the staging folder ({' '.join(inputs)}) in {took:.1f} s", flush=True)
            if kept:
                (kept / "done").write_text(json.dumps({"inputs": inputs, "prior": args.prior or []}))
        else:
            print(f"snapshot reused from {kept}: {(kept / 'done').read_text()}", flush=True)
        revisions = {args.baseline: common.export_revision(args.baseline, work / "baseline"), "here": ""}
        rows = []
        for stage in stages:
            runs: dict[str, list[dict]] = {rev: [] for rev in revisions}
            for r in range(args.repeat):
                for rev, checkout in revisions.items():
                    run = work / f"{stage}-{'base' if checkout else 'here'}-{r}"
                    cmd = [str(Path(__file__)), "--child", "--stage", stage, "--snapshot", str(snap)]
                    cmd += ["--tables", str(tables)]
                    res = common.run_child(cmd + ["--run", str(run), "--checkout", checkout])
                    runs[rev].append(res)
                    print(
                        f"  {stage} {rev} round {r}: {res['cpu']:.2f} CPU-s, {res['wall']:.2f} s wall (code in {res['code']})"
                        + (f" {res['counts']}" if res.get("counts") else ""),
                        flush=True,
                    )
                    if r < args.repeat - 1:
                        shutil.rmtree(run, ignore_errors=True)
            last = args.repeat - 1
            same = same_tables(work / f"{stage}-base-{last}", work / f"{stage}-here-{last}", STAGES[stage][2])
            base_cpu = common.median(x["cpu"] for x in runs[args.baseline])
            here_cpu = common.median(x["cpu"] for x in runs["here"])
            rows.append(
                [
                    stage,
                    runs["here"][0]["shards"],
                    base_cpu,
                    here_cpu,
                    f"{base_cpu / here_cpu:.2f}x",
                    common.median(x["wall"] for x in runs[args.baseline]),
                    common.median(x["wall"] for x in runs["here"]),
                    same,
                ]
            )
            for rev in revisions:
                shutil.rmtree(work / f"{stage}-{'base' if revisions[rev] else 'here'}-{last}", ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if len(rows) > 1:  # the stages' medians summed (admit + dedup + stories: the driver's serial passes)
        base_cpu, here_cpu, base_wall, here_wall = (sum(r[k] for r in rows) for k in (2, 3, 5, 6))
        verdicts = {r[7] for r in rows}
        same = "DIFFERENT" if "DIFFERENT" in verdicts else ("same rows" if "same rows" in verdicts else "same")
        rows.append(["sum", "", base_cpu, here_cpu, f"{base_cpu / here_cpu:.2f}x", base_wall, here_wall, same])
    print()
    print(
        common.md_table(
            [
                "stage",
                "shards",
                f"CPU-s {args.baseline}",
                "CPU-s here",
                "speed-up",
                f"wall s {args.baseline}",
                "wall s here",
                "tables written",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
