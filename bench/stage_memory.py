"""Peak memory per stage of a whole run: where the run's memory grows with the number of documents.

Writes N distinct short synthetic Arabic records as JSONL (bench/formats_memory.records, each
article cut to `--paras` paragraphs), runs the pipeline in this process (the driver: admit, dedup,
stories, publish) with a LocalExecutor of `--workers` forked workers (ingest, clean, dates, write),
and samples every `--interval` s the RSS and PSS of the driver and of its workers. Prints per
stage: the peaks of the driver's RSS, the workers' PSS summed, and the whole tree's PSS; with
--trace, also the peak of the driver's Python heap (tracemalloc) per stage and its top allocation
sites at the end of the run's biggest stage.

    python bench/stage_memory.py --docs 50000                 # then 200000: what grows with N
    python bench/stage_memory.py --docs 20000 --trace          # which Python objects, per stage
    python bench/stage_memory.py --inputs data/bench/corpora/jsonl   # real inputs instead
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO))

from bench.formats_memory import records

MIB = 2**20


def write_records(path: Path, n: int, paras: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for k, rec in zip(range(n), records(7)):
            rec["text"] = "\n\n".join(rec["text"].split("\n\n")[:paras])
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            del k


class StageSampler:
    """Samples (driver RSS, driver PSS, workers' PSS) every `interval` s, filed under the running stage."""

    def __init__(self, interval: float):
        import psutil

        self.me = psutil.Process()
        self.interval = interval
        self.stage = "start"
        self.peaks: dict[str, dict[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        import psutil

        info = self.me.memory_full_info()
        workers = 0
        for child in self.me.children(recursive=True):
            try:
                workers += child.memory_full_info().pss
            except psutil.Error:
                pass
        p = self.peaks.setdefault(self.stage, {"driver_rss": 0, "driver_pss": 0, "workers_pss": 0, "tree_pss": 0})
        for key, value in (
            ("driver_rss", info.rss),
            ("driver_pss", info.pss),
            ("workers_pss", workers),
            ("tree_pss", info.pss + workers),
        ):
            p[key] = max(p[key], value / MIB)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=50_000)
    ap.add_argument("--paras", type=int, default=3, help="paragraphs per article (short records)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--trace", action="store_true", help="tracemalloc in the driver (slower)")
    ap.add_argument("--memory-limit", default=None, help="Settings.duckdb_memory_limit (default: the setting's)")
    ap.add_argument("--tmp", default=None)
    ap.add_argument("--inputs", default=None, help="a folder of real inputs instead of synthetic records")
    args = ap.parse_args()

    from akhbar.flows.orchestration import STAGES, LocalExecutor, run_pipeline
    from akhbar.settings import Settings

    order = [s.name for s in STAGES]
    settings = Settings(duckdb_memory_limit=args.memory_limit) if args.memory_limit else Settings()
    tmp = Path(tempfile.mkdtemp(prefix="akhbar-stagemem-", dir=args.tmp))
    try:
        src = Path(args.inputs) if args.inputs else tmp / "in"
        if not args.inputs:
            src.mkdir()
            t0 = time.perf_counter()
            write_records(src / "records.jsonl", args.docs, args.paras)
            print(
                f"{args.docs} records, {(src / 'records.jsonl').stat().st_size / MIB:.0f} MiB, written in "
                f"{time.perf_counter() - t0:.0f} s",
                flush=True,
            )
        heap: dict[str, float] = {}
        top: dict[str, list[str]] = {}
        if args.trace:
            import tracemalloc

            tracemalloc.start(8)
        with StageSampler(args.interval) as sampler:
            sampler.stage = order[0]

            def on_stage(stage: str, counts: dict) -> None:
                sampler._sample()  # the stage's last moment
                if args.trace:
                    heap[stage] = tracemalloc.get_traced_memory()[1] / MIB
                    snap = tracemalloc.take_snapshot().statistics("traceback")[:3]
                    top[stage] = [f"{s.size / MIB:.1f} MiB {s.traceback.format()[-1].strip()}" for s in snap]
                    tracemalloc.reset_peak()
                if stage in order and order.index(stage) + 1 < len(order):
                    sampler.stage = order[order.index(stage) + 1]
                else:
                    sampler.stage = "end"
                print(f"  {stage} done", flush=True)

            t0 = time.perf_counter()
            summary = run_pipeline(
                [str(src)], str(tmp / "out"), settings, LocalExecutor(args.workers), on_stage=on_stage
            )
            wall = time.perf_counter() - t0
        print(
            f"\nN={args.docs} docs={summary.get('n_documents')} paragraphs={summary.get('n_paragraphs')} "
            f"workers={args.workers} wall={wall:.0f} s"
        )
        print(
            "| stage | seconds | driver RSS | driver PSS | workers PSS | tree PSS |"
            + (" driver heap |" if args.trace else "")
        )
        print("|---|---:|---:|---:|---:|---:|" + ("---:|" if args.trace else ""))
        for stage in order:
            p = sampler.peaks.get(stage)
            if not p:
                continue
            row = (
                f"| {stage} | {summary['stage_seconds'].get(stage, 0):.1f} | {p['driver_rss']:.0f} | "
                f"{p['driver_pss']:.0f} | {p['workers_pss']:.0f} | {p['tree_pss']:.0f} |"
            )
            print(row + (f" {heap.get(stage, 0):.0f} |" if args.trace else ""))
        print("(MiB, peaks per stage)")
        for stage, lines in top.items():
            print(f"{stage}: " + "; ".join(lines))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
