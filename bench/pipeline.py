"""End-to-end throughput, peak memory and orchestration share of the pipeline, per path.

    cd /work/main && /tmp/v/bin/python bench/pipeline.py                       # every dataset and path
    /tmp/v/bin/python bench/pipeline.py --datasets corpus-txt --modes local2,prefect1,dask2 --repeat 1
    /tmp/v/bin/python bench/pipeline.py --datasets corpus-txt --modes local2 --shard-sizes 500,1000,2000,4000

Datasets (read in place; skipped with a message when absent):
  corpus-txt    data/bench/corpora/txt   the ~72,700 real articles as text scrapes (bench/corpora.py makes them)
  corpus-jsonl  data/bench/corpora/jsonl the same articles as JSONL records
  seeds         the five seed scrapes replicated --seed-copies times (distinct bytes, same text)
  html          the HTML pages under ../shared/dev/html (trafilatura path)
Paths ("modes"):
  local1, local2      run_pipeline with LocalExecutor(workers=1|2) (the CLI quick path, no Prefect)
  prefect1            the akhbar_pipeline flow on a local Prefect server, default thread task runner
  dask1, dask2        the flow with a temporary local Dask cluster of 1|2 single-threaded processes
The Prefect modes share one `prefect server start` begun by this script (not counted in memory).

Before each run the script reads every input file once (page cache warm for every run). With
--repeat N the runs go round the modes N times (dask2, dask1, dask2, dask1, ...) and the table
shows each cell's median run. Per run, in its own child process: documents/s over the run call
(imports excluded, Dask cluster start-up included), the peak summed RSS of the child and its
descendants, and the share of wall time outside our stage functions (see
bench.common.outside_share). With --nightly (default on for the first mode of each dataset), the
child then runs again on the same output with no new input: that second run's time as a share of
the first, and the rows it added (must be 0).
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

MODES = {
    "local1": ("local", 1),
    "local2": ("local", 2),
    "prefect1": ("prefect", 1),
    "dask1": ("dask", 1),
    "dask2": ("dask", 2),
}
COUNTED = ["documents", "paragraphs", "date_mentions", "rejects", "inputs", "runs"]


# ---------------------------------------------------------------- child: one measured run


def _row_counts(out: str) -> dict:
    from akhbar import store

    con = store.connect(out)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
    finally:
        con.close()


def _run_once(kind: str, workers: int, inputs: list[str], out: str, shard_size: int) -> tuple[dict, float]:
    from akhbar.settings import Settings

    t0 = time.perf_counter()
    if kind == "local":
        from akhbar.flows.pipeline import LocalExecutor, run_pipeline

        summary = run_pipeline(inputs, out, Settings(shard_size=shard_size), LocalExecutor(workers))
    else:
        from akhbar.flows.pipeline import akhbar_pipeline

        summary = akhbar_pipeline(
            inputs=inputs,
            out=out,
            shard_size=shard_size,
            dask_address="local" if kind == "dask" else None,
            workers=workers,
        )
    return summary, time.perf_counter() - t0


def child(args) -> None:
    t0 = time.perf_counter()
    import akhbar.flows.pipeline
    import akhbar.tasks.clean  # noqa: F401

    import_s = time.perf_counter() - t0
    summary, wall = _run_once(args.kind, args.workers, args.inputs, args.out, args.shard_size)
    result = {
        "import_s": import_s,
        "wall": wall,
        "documents": summary.get("n_documents", 0),
        "records": summary.get("n_records", 0),
        "stage_seconds": summary.get("stage_seconds"),
        "stage_fn_seconds": summary.get("stage_fn_seconds"),
        "shards": summary.get("shards"),
        "outside": common.outside_share(summary, wall, args.workers),
    }
    if args.nightly:
        before = _row_counts(args.out)
        again, wall2 = _run_once(args.kind, args.workers, args.inputs, args.out, args.shard_size)
        after = _row_counts(args.out)
        result.update(
            nightly_wall=wall2,
            nightly_published=bool(again.get("published")),
            nightly_rows_added=sum(after[t] - before[t] for t in COUNTED),
        )
    result.update(common.child_self_rusage())
    print(json.dumps(result))


# ---------------------------------------------------------------- parent


def datasets(names: list[str], seed_copies: int, work: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name in names:
        if name == "corpus-txt":
            p = common.CORPORA / "txt"
        elif name == "corpus-jsonl":
            p = common.CORPORA / "jsonl"
        elif name == "seeds":
            src = common.SEEDS if common.SEEDS.exists() else common.SAMPLE
            p = work / "seeds"
            common.replicate_text_files(sorted(src.glob("*.txt")), p, seed_copies)
        elif name.startswith("corpus-txt-"):  # corpus-txt-N: N files spread over every site
            p = work / name
            files = sorted((common.CORPORA / "txt").rglob("*.txt"))
            if files:
                step = max(1, len(files) // int(name.rsplit("-", 1)[1]))
                for f in files[::step][: int(name.rsplit("-", 1)[1])]:
                    (p / f.parent.name).mkdir(parents=True, exist_ok=True)
                    (p / f.parent.name / f.name).symlink_to(f)
        elif name == "html":
            p = common.HTML_DIR
        else:
            raise SystemExit(f"unknown dataset {name}")
        if not p.exists():
            print(
                f"skip {name}: {p} not found (bench/corpora.py converts ../shared/corpora; "
                "../shared must be beside the checkout)"
            )
            continue
        found[name] = [str(p)]
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--kind", help=argparse.SUPPRESS)
    ap.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--nightly", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("inputs", nargs="*", help=argparse.SUPPRESS)
    ap.add_argument("--datasets", default="corpus-txt,corpus-jsonl,seeds,html")
    ap.add_argument("--modes", default="local1,local2,prefect1,dask1,dask2")
    ap.add_argument("--shard-size", type=int, default=None, help="documents per record shard (default Settings)")
    ap.add_argument("--shard-sizes", help="comma list: sweep these shard sizes (every mode)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per cell; the median is shown")
    ap.add_argument("--seed-copies", type=int, default=400, help="copies of each seed (5 seeds)")
    ap.add_argument("--no-nightly", action="store_true", help="skip the second, no-new-input run")
    args = ap.parse_args()
    if args.shard_size is None:
        from akhbar.settings import Settings

        args.shard_size = Settings.shard_size
    if args.child:
        child(args)
        return

    common.print_machine()
    work = Path(tempfile.mkdtemp(prefix="akhbar-bench-"))
    modes = args.modes.split(",")
    sizes = [int(s) for s in args.shard_sizes.split(",")] if args.shard_sizes else [args.shard_size]
    rows = []
    server = None
    try:
        data = datasets(args.datasets.split(","), args.seed_copies, work)
        env = None
        if any(MODES[m][0] != "local" for m in modes):
            t0 = time.perf_counter()
            server = common.prefect_server()
            env = server.__enter__()
            print(f"local Prefect server up in {time.perf_counter() - t0:.1f} s at {env['PREFECT_API_URL']}")
        for name, inputs in data.items():
            # Repeats go round the modes (dask2, dask1, dask2, dask1, ...), so that a drift of the
            # machine's speed (it moved +-20 % within minutes here) falls on every mode alike.
            cells = [(mi, mode, size) for mi, mode in enumerate(modes) for size in sizes]
            runs: dict[tuple[str, int], list[dict]] = {(mode, size): [] for _mi, mode, size in cells}
            for r in range(args.repeat):
                for mi, mode, size in cells:
                    kind, workers = MODES[mode]
                    out = work / f"out-{name}-{mode}-{size}-{r}"
                    nightly = (not args.no_nightly) and mi == 0 and r == 0 and size == sizes[0]
                    cmd = (
                        [
                            str(Path(__file__)),
                            "--child",
                            "--kind",
                            kind,
                            "--workers",
                            str(workers),
                            "--out",
                            str(out),
                            "--shard-size",
                            str(size),
                        ]
                        + (["--nightly"] if nightly else [])
                        + inputs
                    )
                    n_bytes, warm_s = common.warm_page_cache(inputs)
                    res = common.run_child(cmd, env=env if kind != "local" else None)
                    runs[(mode, size)].append(res)
                    shutil.rmtree(out, ignore_errors=True)
                    print(
                        f"  {name} {mode} shard={size} run {r}: {res['documents']} docs in {res['wall']:.2f} s "
                        f"({res['documents'] / res['wall']:.0f}/s), peak PSS {res['peak_pss_mib']:.0f} MiB "
                        f"(RSS {res['peak_rss_mib']:.0f}), "
                        f"{res['cpu_seconds']:.0f} CPU-s, outside {100 * res['outside']:.1f} %, "
                        f"stages {res['stage_seconds']}"
                        + (
                            f"; 2nd run {res['nightly_wall']:.2f} s, +{res['nightly_rows_added']} rows"
                            if "nightly_wall" in res
                            else ""
                        )
                        + f" (inputs read into the page cache first: {n_bytes / 2**20:.0f} MiB in {warm_s:.1f} s)",
                        flush=True,
                    )
            for kind in ("local", "dask"):  # 2 workers against 1, per round of the repeats
                for size in sizes:
                    one, two = runs.get((f"{kind}1", size)), runs.get((f"{kind}2", size))
                    if one and two:
                        ratios = [a["wall"] / b["wall"] for a, b in zip(one, two)]
                        print(
                            f"  {name} {kind}, 2 workers against 1, per round: "
                            f"{', '.join(f'{x:.2f}x' for x in ratios)}; median {common.median(ratios):.2f}x"
                        )
            for _mi, mode, size in cells:
                done = runs[(mode, size)]
                best = sorted(done, key=lambda x: x["wall"])[len(done) // 2]
                night = next((x for x in done if "nightly_wall" in x), None)
                rows.append(
                    [
                        name,
                        mode,
                        size,
                        best["documents"],
                        best["wall"],
                        best["documents"] / best["wall"],
                        best["documents"] / best["cpu_seconds"],
                        best["peak_pss_mib"],
                        best["peak_rss_mib"],
                        f"{100 * best['outside']:.1f} %",
                        best["import_s"],
                        f"{night['nightly_wall']:.2f} s = {100 * night['nightly_wall'] / night['wall']:.1f} %, "
                        f"+{night['nightly_rows_added']} rows"
                        if night
                        else "-",
                    ]
                )
    finally:
        if server is not None:
            server.__exit__(None, None, None)
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(
        common.md_table(
            [
                "dataset",
                "path",
                "shard size",
                "documents",
                "wall s",
                "docs/s",
                "docs/CPU-s",
                "peak PSS MiB",
                "peak RSS MiB",
                "outside stage fns",
                "import s",
                "2nd run, no new input",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
