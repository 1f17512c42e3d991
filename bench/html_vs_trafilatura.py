"""Our HTML path end to end against trafilatura alone, on the same pages, in the same run.

    cd /work/main && /tmp/v/bin/python bench/html_vs_trafilatura.py [--repeat 3] [--workers 1,2]

Pages: every *.html / *.html.gz under ../shared/dev/html (read in place; skipped when absent).

  trafilatura alone   read the file, gunzip, trafilatura.bare_extraction(bytes) with the settings
                      our clean stage uses (akhbar.tasks.clean.TRAFILATURA_SETTINGS), metadata on: the
                      least a user of trafilatura would do to get the same text out
  akhbar pipeline     run_pipeline over the same files (ingest, decode, clean = trafilatura,
                      dedup, dates, write Parquet, publish) with LocalExecutor(workers)
  extraction as akhbar calls it
                      read, gunzip, decode, then only the clean stage's extraction of each page
                      (akhbar.tasks.clean.clean_html: trafilatura's metadata steps less the date and
                      licence, with our linear JSON-LD author reader, then bare_extraction with
                      its two discard XPaths evaluated in Python, akhbar/discard_xpaths.py); what
                      the pipeline spends beyond it is our other stages and orchestration

With N workers both sides use N forked processes (trafilatura alone maps the files over a pool).
Runs alternate (baseline, ours, baseline, ours, ...) so both see the same machine load; imports
and a warm-up pass are excluded. Prints medians and the throughput ratio ours/trafilatura (target
>= 0.95, issue #23), by wall time and by CPU seconds (the latter does not move with other programs' load),
and the share of the pipeline's wall time spent outside its extraction step. A second table times
the per-page work of our other stages (publication date, language, paragraph hashes, date mentions)
on the extracted pages in one process without I/O or orchestration: the part of that share which
no change to staging or orchestration can remove.
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

from bench import common


def pages() -> list[Path]:
    return sorted(p for p in common.HTML_DIR.rglob("*") if p.name.lower().endswith((".html", ".htm", ".html.gz")))


def _page_bytes(path: str) -> bytes:
    raw = Path(path).read_bytes()
    return gzip.decompress(raw) if path.endswith(".gz") else raw


def _extract_file(path: str) -> int:
    import trafilatura

    from akhbar.tasks.clean import TRAFILATURA_SETTINGS

    doc = trafilatura.bare_extraction(_page_bytes(path), with_metadata=True, **TRAFILATURA_SETTINGS)
    return len(doc.text or "") if doc is not None else 0


def _clean_file(path: str) -> int:
    from akhbar.tasks.clean import clean_html

    return len(clean_html(_page_bytes(path).decode("utf-8", "replace")).lines)


def other_stages_compute(files: list[str], repeat: int) -> tuple[float, list[tuple[str, float]]]:
    """The per-page work our other stages compute on each page's extraction, timed in this process
    with no I/O, staging or orchestration (best of `repeat`): what those stages would still cost if
    Parquet and task runs were free. Each step calls the function its stage calls.

    Returns (seconds of the extraction itself, [(step, seconds), ...]). Left out: the corpus-wide
    dedup pass and the Parquet writes, which are I/O-bound DuckDB and Arrow work."""
    from akhbar.language import detect_language
    from akhbar.settings import Settings
    from akhbar.tasks.clean import KEPT, clean_html, paragraph_keys, parse_html
    from akhbar.tasks.dates import extract_mentions, publication_date_from_html
    from akhbar.tasks.dedup import minhash_stage_table

    min_words = Settings().near_dup_min_words
    markup = [_page_bytes(f).decode("utf-8", "replace") for f in files]
    t0 = time.perf_counter()
    trees = [parse_html(html) for html in markup]
    cleaned = [clean_html(tree) for tree in trees]
    extraction = time.perf_counter() - t0
    kept = [[line.text for line in doc.lines if line.status == KEPT] for doc in cleaned]
    found = [publication_date_from_html(html, None, tree) for html, tree in zip(markup, trees)]
    reference = [d.value if d and d.precision == "day" else None for d in found]

    def dedup_keys() -> None:  # as clean_shard: the keys of every line, MinHash of the long kept ones
        keys = [paragraph_keys(line, min_words) for doc in cleaned for line in doc.lines]
        near = [text for _, text in keys if text is not None]
        minhash_stage_table([""] * len(near), list(range(len(near))), near, min_words)

    steps = [
        (
            "publication date from the markup (clean)",
            lambda: [publication_date_from_html(html, None, tree) for html, tree in zip(markup, trees)],
        ),
        ("language of the kept text (clean)", lambda: [detect_language("\n".join(lines)) for lines in kept]),
        ("paragraph hashes and MinHash (clean)", dedup_keys),
        (
            "date mentions in kept paragraphs (dates)",
            lambda: [extract_mentions(text, ref) for lines, ref in zip(kept, reference) for text in lines],
        ),
    ]
    timed = []
    for name, step in steps:
        best = float("inf")
        for _ in range(max(1, repeat)):
            t0 = time.perf_counter()
            step()
            best = min(best, time.perf_counter() - t0)
        timed.append((name, best))
    return extraction, timed


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
    from akhbar.flows.pipeline import LocalExecutor, run_pipeline
    from akhbar.settings import Settings

    out = work / f"out-{tag}"
    # the defaults (what a user gets) unless --shard-size is given
    settings = Settings(shard_size=shard_size, ingest_shard_files=shard_size) if shard_size else Settings()
    executor = LocalExecutor(workers)
    t0, c0 = time.perf_counter(), cpu_now()
    summary = run_pipeline(
        files, str(out), settings, executor
    )  # each stage's pool is joined: its CPU is in RUSAGE_CHILDREN
    wall, cpu = time.perf_counter() - t0, cpu_now() - c0
    shutil.rmtree(out, ignore_errors=True)
    return wall, cpu, summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", default="1,2", help="comma list of process counts")
    ap.add_argument(
        "--shard-size",
        type=int,
        default=0,
        help="pages per record and ingest shard (default: the Settings defaults, which also "
        "cap shards by characters and bytes)",
    )
    args = ap.parse_args()
    files = [str(p) for p in pages()]
    if not files:
        print(f"skip: no HTML pages under {common.HTML_DIR} (../shared must be beside the checkout)")
        return
    common.print_machine()
    print(f"{len(files)} pages, {sum(Path(f).stat().st_size for f in files) / 2**20:.1f} MiB on disk")
    import trafilatura  # noqa: F401  (imports out of the timings)

    import akhbar.flows.pipeline  # noqa: F401

    work = Path(tempfile.mkdtemp(prefix="akhbar-bench-html-"))
    rows = []
    try:
        ours(files[:10], 1, args.shard_size, work, "warm")
        time_over_files(_extract_file, files[:10], None)
        for workers in [int(w) for w in args.workers.split(",")]:
            ctx = mp.get_context("fork")
            pool = ProcessPoolExecutor(workers, mp_context=ctx) if workers > 1 else None
            if pool:
                time_over_files(_extract_file, files[: workers * 8], pool)  # start the pool's processes
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
                print(
                    f"  workers={workers} run {r}: trafilatura alone {base[-1]:.2f} s ({base_cpu[-1]:.1f} CPU-s), "
                    f"akhbar's extraction alone {extraction[-1]:.2f} s, akhbar {wall:.2f} s ({cpu:.1f} CPU-s) (stages {summary['stage_seconds']})",
                    flush=True,
                )
            if pool:
                pool.shutdown()
            b, m, e = common.median(base), common.median(mine), common.median(extraction)
            bc, mc = common.median(base_cpu), common.median(mine_cpu)
            rows.append(
                [
                    workers,
                    len(files),
                    docs,
                    b,
                    len(files) / b,
                    m,
                    len(files) / m,
                    f"{b / m:.2f}",
                    bc,
                    mc,
                    f"{bc / mc:.2f}",
                    e,
                    f"{(m - e) / m:.0%}",
                ]
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    extraction, steps = other_stages_compute(files, args.repeat)
    print()
    print(
        common.md_table(
            [
                "processes",
                "pages",
                "documents out",
                "trafilatura alone s",
                "pages/s",
                "akhbar end to end s",
                "pages/s",
                "ours / trafilatura (wall)",
                "trafilatura CPU-s",
                "akhbar CPU-s",
                "ours / trafilatura (CPU)",
                "akhbar's extraction alone s",
                "akhbar outside extraction",
            ],
            rows,
        )
    )
    print()
    print(
        f"Our other stages' per-page compute, 1 process, no I/O or orchestration (best of {args.repeat}), "
        f"against the same pages' extraction ({extraction:.2f} s):"
    )
    total = sum(seconds for _, seconds in steps)
    print(
        common.md_table(
            ["step (stage)", "s", "share of extraction"],
            [[name, seconds, f"{seconds / extraction:.1%}"] for name, seconds in steps]
            + [["all four", total, f"{total / extraction:.1%}"]],
        )
    )


if __name__ == "__main__":
    main()
