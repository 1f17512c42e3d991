"""CPU seconds of single stages' functions, this checkout against another revision, on the same staged files.

    .venv/bin/python bench/stage_cpu.py --baseline 97adda2 --stages ingest,write --repeat 3
    .venv/bin/python bench/stage_cpu.py --baseline 97adda2 --stages ingest --input data/sample

First one run of the whole pipeline (this checkout, 2 workers) over --input, whose staging folder is
copied just before publish: the snapshot every measured run starts from. Then, for each stage and
each of --repeat rounds, a child process per revision (the baseline's files from git, this venv),
alternating: it copies the snapshot, calls the stage function over every shard in turn in one
process (no pool), and reports its CPU and wall seconds. Printed: the medians, the ratio baseline /
this checkout, and whether the stage wrote the same tables at both revisions (every staged or final
Parquet file the stage writes, compared as tables).

Stages: ingest, clean, dates, write (the per-shard ones). Default input: the JSONL corpus
(data/bench/corpora/jsonl, bench/corpora.py).
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
}


def shard_ids(run: Path, stage: str) -> list[int]:
    if stage == "ingest":
        return sorted(int(p.stem) for p in (run / "ingest" / "plan").glob("*.json"))
    return sorted(int(p.name.split("=")[1]) for p in (run / "records").glob("shard=*"))


def snapshot(inputs: list[str], dest: Path) -> None:
    """Run the pipeline (2 workers) and keep a copy of its staging folder as it is before publish."""
    from akhbar.flows.orchestration import LocalExecutor, run_pipeline
    from akhbar.settings import Settings

    out = dest.parent / "snapshot-out"

    def keep(stage: str, _counts: dict) -> None:
        if stage == "write":
            (staged,) = list((out / "_staging").iterdir())
            shutil.copytree(staged, dest)

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
    shutil.copytree(snap, run, ignore=lambda d, names: [n for n in names if Path(d) == snap and n in writes])
    if args.stage == "ingest":  # the plan is the ingest stage's input, not its output
        shutil.copytree(snap / "ingest" / "plan", run / "ingest" / "plan")
    shards = shard_ids(run, args.stage)
    import resource

    t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    for i in shards:
        fn(run_dir=str(run), shard_id=i, **extra)
    c1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime
    code = str(Path(sys.modules["akhbar"].__file__).resolve().parents[1])
    print(json.dumps({"cpu": cpu, "wall": time.perf_counter() - t0, "shards": len(shards), "code": code}))


def same_tables(a: Path, b: Path, folders: tuple[str, ...]) -> bool:
    import pyarrow.parquet as pq

    for folder in folders:
        fa = sorted(p.relative_to(a) for p in (a / folder).rglob("*.parquet"))
        fb = sorted(p.relative_to(b) for p in (b / folder).rglob("*.parquet"))
        if fa != fb or not fa:
            return False
        if any(not pq.read_table(a / f).equals(pq.read_table(b / f), check_metadata=True) for f in fa):
            return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    ap.add_argument("--snapshot", help=argparse.SUPPRESS)
    ap.add_argument("--run", help=argparse.SUPPRESS)
    ap.add_argument("--checkout", default="", help=argparse.SUPPRESS)
    ap.add_argument("--baseline", required=False, metavar="REV", help="the revision to compare with (git)")
    ap.add_argument("--stages", default="ingest,write", help="comma list of ingest, clean, dates, write")
    ap.add_argument("--input", action="append", help="input folder or file (repeatable; default the JSONL corpus)")
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
    if not all(Path(p).exists() for p in inputs):
        raise SystemExit(f"input not found: {inputs} (bench/corpora.py converts the corpus)")
    common.print_machine()
    work = Path(tempfile.mkdtemp(prefix="akhbar-stage-cpu-"))
    try:
        snap = work / "snapshot"
        t0 = time.perf_counter()
        snapshot(inputs, snap)
        print(f"snapshot of the staging folder ({', '.join(inputs)}) in {time.perf_counter() - t0:.1f} s", flush=True)
        revisions = {args.baseline: common.export_revision(args.baseline, work / "baseline"), "here": ""}
        rows = []
        for stage in stages:
            runs: dict[str, list[dict]] = {rev: [] for rev in revisions}
            for r in range(args.repeat):
                for rev, checkout in revisions.items():
                    run = work / f"{stage}-{'base' if checkout else 'here'}-{r}"
                    cmd = [str(Path(__file__)), "--child", "--stage", stage, "--snapshot", str(snap)]
                    res = common.run_child(cmd + ["--run", str(run), "--checkout", checkout])
                    runs[rev].append(res)
                    print(
                        f"  {stage} {rev} round {r}: {res['cpu']:.2f} CPU-s, {res['wall']:.2f} s wall (code in {res['code']})",
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
                    "same" if same else "DIFFERENT",
                ]
            )
            for rev in revisions:
                shutil.rmtree(work / f"{stage}-{'base' if revisions[rev] else 'here'}-{last}", ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
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
