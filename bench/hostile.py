"""Peak memory on hostile inputs: a JSONL gzip bomb, a single huge line, a folder of hostile entries.

    .venv/bin/python bench/hostile.py [--bomb-gib 2] [--line-mb 45] [--workers 1] [--cases bomb,line,folder]

Each case runs the whole pipeline (local path) in its own child process; memory is the kernel's peak
RSS of the largest process (getrusage), and the sampled peak summed RSS and PSS of the child and its
workers (bench/common.py, every 0.5 s: it can miss a short peak). The inputs are made at run time in a
temporary folder (tests/fixtures_bad_inputs.py), with the default Settings:
- bomb:   a .jsonl.gz of ~65 KB per 64 MiB that decompresses to --bomb-gib GiB, nearly all one line;
- records: the same size of one short record repeated (millions of records, one document stored;
          not a default case: it measures staging and admit, minutes at 2 GiB);
- line:   a --line-mb MB .txt of one line of Arabic words;
- html:   the same line as one <p> of an HTML page (not a default case: trafilatura's tree of a page
          under max_input_bytes, bounded by that setting, not by a line limit);
- folder: both, beside a FIFO, a symlink to /dev/zero, a symlink loop, unknown extensions, ...
The peak must not grow with --bomb-gib or --line-mb (README, "Memory").
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


def child(inputs: str, out: str, workers: int) -> None:
    import resource

    from akhbar.flows.orchestration import LocalExecutor, run_pipeline
    from akhbar.settings import Settings

    t0 = time.perf_counter()
    summary = run_pipeline([inputs], out, Settings(), LocalExecutor(workers))
    # the kernel's exact peak of this process and of its largest worker (the sampler may miss a short one)
    max_rss = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    print(
        json.dumps(
            {
                "wall": time.perf_counter() - t0,
                "documents": summary.get("n_documents", 0),
                "rejects": summary.get("n_rejects", 0),
                "max_process_rss_mib": max_rss / 1024,
                **common.child_self_rusage(),
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bomb-gib", type=float, default=2.0)
    ap.add_argument("--line-mb", type=float, default=45.0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--cases", default="bomb,line,folder")
    ap.add_argument("--child", nargs=3, metavar=("INPUTS", "OUT", "WORKERS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    from tests.fixtures_bad_inputs import build_hostile_folder, write_jsonl_gzip_bomb, write_single_line

    common.print_machine()
    work = Path(tempfile.mkdtemp(prefix="akhbar-bench-hostile-"))
    bomb_bytes, line_bytes = int(args.bomb_gib * 2**30), int(args.line_mb * 1e6)
    rows = []
    try:
        for case in args.cases.split(","):
            src = work / case / "in"
            src.mkdir(parents=True)
            if case == "bomb":
                write_jsonl_gzip_bomb(src / "bomb.jsonl.gz", bomb_bytes)
            elif case == "records":
                write_jsonl_gzip_bomb(src / "bomb.jsonl.gz", bomb_bytes, records=True)
            elif case == "line":
                write_single_line(src / "one_line.txt", line_bytes)
            elif case == "html":
                write_single_line(src / "one_line.html", line_bytes, html=True)
            else:
                build_hostile_folder(src, bomb_bytes=bomb_bytes, line_bytes=line_bytes)
            on_disk = sum(
                p.stat().st_size
                for p in src.rglob("*")
                if p.is_file() and not p.is_symlink() and p.stat().st_mode & 0o444
            )
            r = common.run_child([__file__, "--child", str(src), str(work / case / "out"), str(args.workers)])
            rows.append(
                [
                    case,
                    f"{on_disk / 1e6:.1f}",
                    r["documents"],
                    r["rejects"],
                    f"{r['wall']:.1f}",
                    f"{r['max_process_rss_mib']:.0f}",
                    f"{r['peak_rss_mib']:.0f}",
                    f"{r['peak_pss_mib']:.0f}",
                ]
            )
    finally:
        for p in work.rglob("*"):  # the unreadable folder of the hostile case must be removable
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o755)
        shutil.rmtree(work, ignore_errors=True)
    print(f"bomb {args.bomb_gib:g} GiB decompressed, line {args.line_mb:g} MB, {args.workers} worker(s)")
    print(
        common.md_table(
            [
                "case",
                "MB on disk",
                "documents",
                "rejects",
                "wall s",
                "max RSS of a process MiB",
                "sampled tree RSS MiB",
                "sampled tree PSS MiB",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
