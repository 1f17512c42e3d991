"""Our HTML path end to end against trafilatura alone, on the same pages, in the same run.

    cd /work/main && /tmp/v/bin/python bench/html_vs_trafilatura.py [--repeat 3] [--workers 1,2]

Pages: every *.html / *.html.gz under ../shared/dev/html (read in place; skipped when absent).

  trafilatura alone   read the file, gunzip, trafilatura.bare_extraction(bytes) with the settings
                      our clean stage uses (tasks.clean.TRAFILATURA_SETTINGS), metadata on: the
                      least a user of trafilatura would do to get the same text out
  akhbar pipeline     run_pipeline over the same files (ingest, decode, clean = trafilatura,
                      dedup, dates, write Parquet, publish) with LocalExecutor(workers)
  extraction as akhbar calls it
                      read, gunzip, decode, then only the clean stage's extraction of each page
                      (tasks.clean.clean_html: trafilatura's metadata steps less the date and
                      licence, with our linear JSON-LD author reader, then bare_extraction with
                      its two discard XPaths evaluated in Python, akhbar/discard_xpaths.py); what
                      the pipeline spends beyond it is our other stages and orchestration

With N workers both sides use N forked processes (trafilatura alone maps the files over a pool).
Runs alternate (baseline, ours, baseline, ours, ...) so both see the same machine load; imports
and a warm-up pass are excluded. Prints medians and the throughput ratio ours/trafilatura (target
>= 0.90), by wall time and by CPU seconds (the latter does not move with other programs' load),
and the share of the pipeline's wall time spent outside its extraction step.
"""

from __future__ import annotations

import argparse
import gzip
import multiprocessing as mp
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402


def pages() -> list[Path]:
    return sorted(p for p in common.HTML_DIR.rglob("*") if p.name.lower().endswith((".html", ".htm", ".html.gz")))


def _page_bytes(path: str) -> bytes:
    raw = Path(path).read_bytes()
    return gzip.decompress(raw) if path.endswith(".gz") else raw


def _extract_file(path: str) -> int:
    import trafilatura

    from tasks.clean import TRAFILATURA_SETTINGS

    doc = trafilatura.bare_extraction(_page_bytes(path), with_metadata=True, **TRAFILATURA_SETTINGS)
    return len(doc.text or "") if doc is not None else 0


def _clean_file(path: str) -> int:
    from tasks.clean import clean_html

    return len(clean_html(_page_bytes(path).decode("utf-8", "replace")).lines)


def cpu_now() -> float:
    """CPU seconds of this process, its reaped children and its live children: unlike wall time,
    this does not move with the load other programs put on the machine."""
    import resource

    import psutil

    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    live = 0.0
    for c in psutil.Process().children(recursive=True):
        try:
            t = c.cpu_times()
            live += t.user + t.system
        except psutil.Error:
            pass
    return time.process_time() + kids.ru_utime + kids.ru_stime + live


def time_over_files(fn, files: list[str], pool) -> tuple[float, float]:
    """Wall and CPU seconds of fn over the files, in this process or mapped over the pool."""
    t0, c0 = time.perf_counter(), cpu_now()
    if pool is None:
        for f in files:
            fn(f)
    else:
        list(pool.map(fn, files, chunksize=8))
    return time.perf_counter() - t0, cpu_now() - c0


def ours(files: list[str], workers: int, shard_size: int, work: Path, tag: str) -> tuple[float, float, dict]:
    from akhbar.settings import Settings
    from flows.pipeline import LocalExecutor, run_pipeline

    out = work / f"out-{tag}"
    # the defaults (what a user gets) unless --shard-size is given
    settings = Settings(shard_size=shard_size, ingest_shard_files=shard_size) if shard_size else Settings()
    executor = LocalExecutor(workers)
    t0, c0 = time.perf_counter(), cpu_now()
    try:
        summary = run_pipeline(files, str(out), settings, executor)
    finally:
        executor.close()  # joins the pool: its CPU is then in RUSAGE_CHILDREN
    wall, cpu = time.perf_counter() - t0, cpu_now() - c0
    shutil.rmtree(out, ignore_errors=True)
    return wall, cpu, summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", default="1,2", help="comma list of process counts")
    ap.add_argument("--shard-size", type=int, default=0,
                    help="pages per record and ingest shard (default: the Settings defaults, which also "
                         "cap shards by characters and bytes)")
    args = ap.parse_args()
    files = [str(p) for p in pages()]
    if not files:
        print(f"skip: no HTML pages under {common.HTML_DIR} (../shared must be beside the checkout)")
        return
    common.print_machine()
    print(f"{len(files)} pages, {sum(Path(f).stat().st_size for f in files) / 2**20:.1f} MiB on disk")
    import trafilatura  # noqa: F401  (imports out of the timings)

    import flows.pipeline  # noqa: F401

    work = Path(tempfile.mkdtemp(prefix="akhbar-bench-html-"))
    rows = []
    try:
        ours(files[:10], 1, args.shard_size, work, "warm")
        time_over_files(_extract_file, files[:10], None)
        for workers in [int(w) for w in args.workers.split(",")]:
            ctx = mp.get_context("fork")
            pool = ProcessPoolExecutor(workers, mp_context=ctx) if workers > 1 else None
            if pool:
                time_over_files(_extract_file, files[:workers * 8], pool)  # start the pool's processes
            base, mine, base_cpu, mine_cpu, extraction, docs = [], [], [], [], [], 0
            for r in range(args.repeat):
                wall, cpu = time_over_files(_extract_file, files, pool)
                base.append(wall)
                base_cpu.append(cpu)
                extraction.append(time_over_files(_clean_file, files, pool)[0])
                wall, cpu, summary = ours(files, workers, args.shard_size, work, f"{workers}-{r}")
                mine.append(wall)
                mine_cpu.append(cpu)
                docs = summary["n_documents"]
                print(f"  workers={workers} run {r}: trafilatura alone {base[-1]:.2f} s ({base_cpu[-1]:.1f} CPU-s), "
                      f"akhbar's extraction alone {extraction[-1]:.2f} s, akhbar {wall:.2f} s ({cpu:.1f} CPU-s) (stages {summary['stage_seconds']})", flush=True)
            if pool:
                pool.shutdown()
            b, m, e = common.median(base), common.median(mine), common.median(extraction)
            bc, mc = common.median(base_cpu), common.median(mine_cpu)
            rows.append([workers, len(files), docs, b, len(files) / b, m, len(files) / m, f"{b / m:.2f}",
                         bc, mc, f"{bc / mc:.2f}", e, f"{(m - e) / m:.0%}"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(common.md_table(["processes", "pages", "documents out", "trafilatura alone s", "pages/s",
                           "akhbar end to end s", "pages/s", "ours / trafilatura (wall)",
                           "trafilatura CPU-s", "akhbar CPU-s", "ours / trafilatura (CPU)",
                           "akhbar's extraction alone s", "akhbar outside extraction"], rows))


if __name__ == "__main__":
    main()
