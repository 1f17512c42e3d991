"""Time and peak memory against input size: the same articles at 1x, 4x, 16x, replicated and shuffled.

    cd /work/main && /tmp/v/bin/python bench/growth.py [--base 5000] [--copies 1,4,16] [--workers 2]

Input: the first --base records of the real corpus as JSONL (data/bench/corpora/jsonl, made by
bench/corpora.py), written --copies times in a shuffled order. A copy keeps the text and changes
the record's id and URL fragment, so every copy is a new document (distinct doc_id) whose
paragraphs are exact duplicates of the first copy's: the syndicated-wire case, where the dedup
index grows with the corpus. Each size runs in its own child process (bench/pipeline.py --child,
local path); memory is the peak summed RSS of the child and its worker processes.
Less than linear growth: peak RSS at 16x well under 16 times the 1x figure (target: < 2 GiB).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", type=int, default=5000, help="records at 1x (0 = the whole corpus)")
    ap.add_argument("--copies", default="1,4,16")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--shard-size", type=int, default=None)
    args = ap.parse_args()
    src = sorted((common.CORPORA / "jsonl").glob("*.jsonl"))
    if not src:
        print(f"skip: {common.CORPORA / 'jsonl'} is empty; run bench/corpora.py first (needs ../shared)")
        return
    common.print_machine()
    work = Path(tempfile.mkdtemp(prefix="akhbar-bench-growth-"))
    rows = []
    first = None
    try:
        for copies in [int(c) for c in args.copies.split(",")]:
            inp = work / f"in-{copies}"
            n = common.replicate_jsonl(src, inp, copies, seed=copies, limit=args.base or None)
            out = work / f"out-{copies}"
            cmd = [
                str(Path(__file__).with_name("pipeline.py")),
                "--child",
                "--kind",
                "local",
                "--workers",
                str(args.workers),
                "--out",
                str(out),
            ]
            if args.shard_size:
                cmd += ["--shard-size", str(args.shard_size)]
            res = common.run_child(cmd + [str(inp)])
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(inp, ignore_errors=True)
            first = first or res
            print(
                f"  {copies}x: {n} records, {res['documents']} documents in {res['wall']:.1f} s, "
                f"peak PSS {res['peak_pss_mib']:.0f} MiB (RSS {res['peak_rss_mib']:.0f}), stages {res['stage_seconds']}",
                flush=True,
            )
            rows.append(
                [
                    f"{copies}x",
                    res["documents"],
                    res["wall"],
                    res["documents"] / res["wall"],
                    f"{res['wall'] / first['wall']:.2f}",
                    res["peak_pss_mib"],
                    res["peak_rss_mib"],
                    f"{res['peak_pss_mib'] / first['peak_pss_mib']:.2f}",
                ]
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(
        common.md_table(
            ["size", "documents", "wall s", "docs/s", "time vs 1x", "peak PSS MiB", "peak RSS MiB", "PSS vs 1x"], rows
        )
    )


if __name__ == "__main__":
    main()
