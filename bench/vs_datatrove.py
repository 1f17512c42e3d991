"""akhbar against its peer, datatrove's line-level deduplication, on the same JSONL corpus in the same run.

    .venv/bin/python bench/vs_datatrove.py --repeat 3              # the whole converted corpus
    .venv/bin/python bench/vs_datatrove.py --limit 5000 --repeat 1  # a quick check on a slice
    .venv/bin/python bench/vs_datatrove.py --baseline 97adda2       # and akhbar at that revision, in turn

The peer: datatrove 0.10.1, line dedup only, as three LocalPipelineExecutors of `--tasks` tasks on
`--workers` workers (default 2 and 2), one after the other:
  1. JsonlReader -> SentenceDedupSignature (one line = one "sentence": n_sentences=1, split_sentences=False)
  2. SentenceFindDedups (the hash space split over the tasks: finder_workers = tasks)
  3. JsonlReader -> SentenceDedupFilter -> ParquetWriter
It drops every line seen before anywhere in the corpus and keeps every document with a line left
(min_doc_words and min_num_sentences 0: its word and sentence tokenizers are never called; it is given
its whitespace tokenizer, which needs no spaCy). It runs in its own venv, data/bench/venvs/datatrove (git-ignored), which this script creates on
first use with pip from PyPI (PEER_PACKAGES); `--setup-only` just does that.

akhbar: run_pipeline with LocalExecutor(--workers), what `akhbar run --workers 2` runs: ingest, admit,
clean (boilerplate), dedup (exact + near), stories, dates, write, publish.

Each run is its own child process, the two alternating (peer, akhbar, peer, akhbar, ... `--repeat` N),
each with its inputs read into the page cache first. Per run: the wall time of the whole process
(interpreter start and imports included), the CPU seconds of the process and every descendant, the
peak summed PSS and RSS of the process tree (bench.common.run_child). Printed: the medians, input
documents per wall second and per CPU second, the throughput ratio akhbar / peer (peer wall / akhbar
wall, per pair and the median), and the seconds of akhbar's stages and of the peer's three steps.
Both sides count the same documents: the input records (non-blank JSONL lines). `--baseline REV` runs
akhbar at another revision too (its files from git, this venv), in turn with the other two, and
prints this checkout's throughput against it.

Corpus: data/bench/corpora/jsonl (bench/corpora.py converts ../shared/corpora into it); `--input DIR`
for another folder of JSONL files; `--limit N` for N records spread evenly over the corpus.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common

PEER_VENV = common.REPO / "data" / "bench" / "venvs" / "datatrove"
# datatrove and what its JSONL reader (orjson), Parquet writer (pyarrow), xxhash signatures and text
# normalisation (regex) need; tokenizers because datatrove.pipeline.dedup imports it (unused here).
PEER_PACKAGES = [
    "datatrove==0.10.1",
    "pyarrow==26.0.1",
    "orjson==3.13.0",
    "xxhash==3.8.2",
    "regex==2026.11.19",
    "tokenizers==0.23.3",
]
RECORDS_PER_FILE = 500
# the fields of bench/corpora.py's JSONL records
RECORD_FIELDS = ("id", "corpus", "source", "url", "title", "author", "published", "date_source", "text")


# ---------------------------------------------------------------- the peer's venv


def peer_python() -> Path:
    """The peer venv's interpreter, creating the venv (pip from PyPI) when it is missing or outdated."""
    python = PEER_VENV / "bin" / "python"
    marker = PEER_VENV / ".installed"
    wanted = "\n".join(PEER_PACKAGES) + "\n"
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    print(f"creating the peer's venv in {PEER_VENV} ({' '.join(PEER_PACKAGES)})", flush=True)
    PEER_VENV.parent.mkdir(parents=True, exist_ok=True)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES], check=True)
    marker.write_text(wanted)
    return python


# ---------------------------------------------------------------- children: one measured run each


def peer_child(args) -> None:
    """In the peer's venv: the three datatrove steps over args.input, output and logs under args.work."""
    import resource

    t0 = time.perf_counter()
    from datatrove.executor.local import LocalPipelineExecutor
    from datatrove.pipeline.dedup import SentenceDedupFilter, SentenceDedupSignature, SentenceFindDedups
    from datatrove.pipeline.dedup.sentence_dedup import SentDedupConfig
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import ParquetWriter
    from datatrove.utils.word_tokenizers import WhitespaceTokenizer

    import_s = time.perf_counter() - t0
    work = Path(args.work)
    config = SentDedupConfig(n_sentences=1, split_sentences=False, min_doc_words=0, min_num_sentences=0)
    # never called with this config; the default language's (spaCy) would need spaCy installed
    words = WhitespaceTokenizer()
    steps = {
        "signatures": [
            JsonlReader(args.input),
            SentenceDedupSignature(
                output_folder=str(work / "sigs"), config=config, finder_workers=args.tasks, language=words
            ),
        ],
        "find": [SentenceFindDedups(data_folder=str(work / "sigs"), output_folder=str(work / "dups"), config=config)],
        "filter": [
            JsonlReader(args.input),
            SentenceDedupFilter(data_folder=str(work / "dups"), config=config, language=words),
            ParquetWriter(str(work / "output"), schema=_peer_schema()),
        ],
    }
    seconds = {}
    t_run = time.perf_counter()
    for name, pipeline in steps.items():
        t = time.perf_counter()
        LocalPipelineExecutor(
            pipeline=pipeline, tasks=args.tasks, workers=args.workers, logging_dir=str(work / "logs" / name)
        ).run()
        seconds[name] = round(time.perf_counter() - t, 3)
    wall = time.perf_counter() - t_run
    _stop_helper_processes()
    import pyarrow.parquet as pq

    kept = sum(pq.ParquetFile(f).metadata.num_rows for f in sorted((work / "output").glob("*.parquet")))
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    print(json.dumps({"import_s": import_s, "wall": wall, "stage_seconds": seconds, "kept": kept, "cpu_seconds": cpu}))


def _peer_schema():
    """The Parquet schema of the peer's output: its writer otherwise takes the first document's, and
    fails at the first later document with a value where that one had null (author, published)."""
    import pyarrow as pa

    meta = pa.struct(
        [(k, pa.string()) for k in RECORD_FIELDS if k not in ("text", "id")] + [("file_path", pa.string())]
    )
    return pa.schema([("text", pa.string()), ("id", pa.string()), ("metadata", meta)])


def _stop_helper_processes() -> None:
    """Stop and wait for multiprocess's fork server and resource tracker: the pool workers are the
    fork server's children, so their CPU time reaches this process's RUSAGE_CHILDREN only then."""
    import contextlib

    from multiprocess import forkserver, resource_tracker

    with contextlib.suppress(Exception):
        forkserver._forkserver._stop()
    with contextlib.suppress(Exception):
        resource_tracker._resource_tracker._stop()


def akhbar_child(args) -> None:
    """In this venv: what `akhbar run --workers N` runs, over args.input into args.work; the code of
    args.checkout (another revision's files) when given."""
    if args.checkout:
        sys.path.insert(0, args.checkout)
    t0 = time.perf_counter()
    import akhbar
    from akhbar.flows.orchestration import LocalExecutor, run_pipeline
    from akhbar.settings import Settings

    import_s = time.perf_counter() - t0
    t_run = time.perf_counter()
    summary = run_pipeline([args.input], str(Path(args.work) / "out"), Settings(), LocalExecutor(args.workers))
    wall = time.perf_counter() - t_run
    result = {
        "import_s": import_s,
        "wall": wall,
        "stage_seconds": summary.get("stage_seconds"),
        "kept": summary.get("n_documents", 0),
        "records": summary.get("n_records", 0),
        "code": str(Path(akhbar.__file__).resolve().parents[1]),
    }
    result.update(common.child_self_rusage())
    print(json.dumps(result))


# ---------------------------------------------------------------- parent


def count_records(folder: Path) -> int:
    n = 0
    for f in sorted(folder.glob("*.jsonl")):
        with open(f, "rb") as fh:
            n += sum(1 for line in fh if line.strip())
    return n


def slice_corpus(src: Path, dest: Path, limit: int) -> int:
    """`limit` records spread evenly over the corpus (every k-th), in files of RECORDS_PER_FILE."""
    total = count_records(src)
    step = max(1, total // limit)
    dest.mkdir(parents=True)
    taken, seen, fh = 0, 0, None
    for f in sorted(src.glob("*.jsonl")):
        with open(f, "rb") as lines:
            for line in lines:
                if not line.strip():
                    continue
                if seen % step == 0 and taken < limit:
                    if taken % RECORDS_PER_FILE == 0:
                        if fh:
                            fh.close()
                        fh = open(dest / f"part-{taken // RECORDS_PER_FILE:05d}.jsonl", "wb")
                    fh.write(line.rstrip(b"\n") + b"\n")
                    taken += 1
                seen += 1
    if fh:
        fh.close()
    return taken


def _print_ratio(side: str, other: str, runs: dict[str, list[dict]]) -> None:
    """Throughput of `side` against `other`: other's wall / side's wall, per pair of runs and the median."""
    walls = [o["process_wall"] / s["process_wall"] for s, o in zip(runs[side], runs[other])]
    cpus = [o["cpu_seconds"] / s["cpu_seconds"] for s, o in zip(runs[side], runs[other])]
    print(
        f"throughput {side} / {other} ({other} wall / {side} wall): median {common.median(walls):.2f}x "
        f"(per pair {', '.join(f'{x:.2f}x' for x in walls)}); per CPU-second {common.median(cpus):.2f}x"
    )


def _median_of(runs: list[dict], key: str) -> float:
    return common.median(r[key] for r in runs)


def _stage_medians(runs: list[dict]) -> dict[str, float]:
    names = list(runs[0]["stage_seconds"] or {})
    return {n: common.median((r["stage_seconds"] or {}).get(n, 0.0) for r in runs) for n in names}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peer-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--akhbar-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    ap.add_argument("--checkout", help=argparse.SUPPRESS)
    ap.add_argument(
        "--input", default=str(common.CORPORA / "jsonl"), help="folder of JSONL files (default: %(default)s)"
    )
    ap.add_argument("--limit", type=int, help="only N records, spread evenly over the corpus")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each side, alternating; medians are shown")
    ap.add_argument("--workers", type=int, default=2, help="processes of each side (default 2)")
    ap.add_argument("--tasks", type=int, default=2, help="the peer's tasks per step (default 2)")
    ap.add_argument("--baseline", metavar="REV", help="also run akhbar at this git revision (same venv), in turn")
    ap.add_argument("--setup-only", action="store_true", help="create the peer's venv and stop")
    args = ap.parse_args()
    if args.peer_child:
        peer_child(args)
        return
    if args.akhbar_child:
        akhbar_child(args)
        return

    python = peer_python()
    if args.setup_only:
        print(f"peer venv ready: {python}")
        return
    corpus = Path(args.input)
    if not corpus.is_dir() or not any(corpus.glob("*.jsonl")):
        raise SystemExit(
            f"no JSONL corpus in {corpus} (bench/corpora.py converts ../shared/corpora; ../shared must be beside the checkout)"
        )
    m = common.print_machine()
    work = Path(tempfile.mkdtemp(prefix="akhbar-vs-datatrove-"))
    try:
        if args.limit:
            n_records = slice_corpus(corpus, work / "input", args.limit)
            corpus = work / "input"
        else:
            n_records = count_records(corpus)
        print(f"corpus: {corpus}, {n_records:,} records; {args.workers} workers, peer tasks {args.tasks}", flush=True)
        sides = {"datatrove": (["--peer-child", "--tasks", str(args.tasks)], str(python))}
        if args.baseline:
            sides[f"akhbar@{args.baseline}"] = (
                ["--akhbar-child", "--checkout", common.export_revision(args.baseline, work / "baseline")],
                common.PY,
            )
        sides["akhbar"] = (["--akhbar-child"], common.PY)
        runs: dict[str, list[dict]] = {side: [] for side in sides}
        for r in range(args.repeat):
            for side, (flags, interpreter) in sides.items():
                run_dir = work / f"run-{len(runs[side])}-{side.replace('@', '-')}"
                run_dir.mkdir()
                cmd = [str(Path(__file__)), *flags, "--workers", str(args.workers), "--input", str(corpus)]
                common.warm_page_cache([str(corpus)])
                load = round(common.machine()["loadavg_1m"], 2)
                res = common.run_child(cmd + ["--work", str(run_dir)], python=interpreter)
                res["load"] = load
                runs[side].append(res)
                shutil.rmtree(run_dir, ignore_errors=True)
                print(
                    f"  {side} run {r}: process {res['process_wall']:.1f} s ({n_records / res['process_wall']:.0f} docs/s), "
                    f"run {res['wall']:.1f} s, imports {res['import_s']:.1f} s, {res['cpu_seconds']:.0f} CPU-s, "
                    f"peak PSS {res['peak_pss_mib']:.0f} MiB (RSS {res['peak_rss_mib']:.0f}), "
                    f"{res['kept']:,} documents out, load {load} at start; stages {res['stage_seconds']}"
                    + (f"; code in {res['code']}" if "code" in res else ""),
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = []
    for side, done in runs.items():
        wall, cpu = _median_of(done, "process_wall"), _median_of(done, "cpu_seconds")
        rows.append(
            [
                side,
                len(done),
                wall,
                n_records / wall,
                cpu,
                n_records / cpu,
                _median_of(done, "peak_pss_mib"),
                _median_of(done, "peak_rss_mib"),
                f"{int(_median_of(done, 'kept')):,}",
            ]
        )
    print()
    print(f"{n_records:,} input records, {args.workers} workers; load average {m['loadavg_1m']} at the start")
    print(
        common.md_table(
            [
                "side",
                "runs",
                "process wall s",
                "docs/s",
                "CPU-s",
                "docs/CPU-s",
                "peak PSS MiB",
                "peak RSS MiB",
                "documents out",
            ],
            rows,
        )
    )
    print()
    for side in runs:
        if side.startswith("akhbar"):
            _print_ratio(side, "datatrove", runs)
    if args.baseline:
        _print_ratio("akhbar", f"akhbar@{args.baseline}", runs)
    for side, done in runs.items():
        stages = _stage_medians(done)
        print(f"{side} seconds per stage (median): " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))


if __name__ == "__main__":
    main()
