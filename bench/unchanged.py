"""What the "unchanged input" check costs against reading the inputs: stat only, sha256, ingest.

    .venv/bin/python bench/unchanged.py [--copies 200] [INPUT ...]

Default input: the five sample scrapes written --copies times (bench/common.replicate_text_files);
give folders (e.g. ../shared/dev/html) to measure those instead. Three timings over the same files,
page cache warm, best of 3:
- stat: the check a nightly run makes for a file whose size, mtime and ctime are as recorded;
- sha256: the check for a file whose stat changed (akhbar.tasks.ingest.discover.sha256_file, every file);
- ingest: the ingest stage reading the same files (akhbar.tasks.ingest.ingest_shard, one process).
The hash is what a file costs when its stat cannot be trusted; the point is its share of ingest.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="*")
    ap.add_argument("--copies", type=int, default=200)
    args = ap.parse_args()
    from akhbar import store
    from akhbar.settings import Settings
    from akhbar.tasks import ingest
    from akhbar.tasks.ingest import discover

    common.print_machine()
    work = Path(tempfile.mkdtemp(prefix="akhbar-bench-unchanged-"))
    try:
        if args.inputs:
            files = ingest.discover_input_paths(args.inputs)
        else:
            files = [
                str(p)
                for p in common.replicate_text_files(sorted(common.SAMPLE.glob("*.txt")), work / "in", args.copies)
            ]
        common.warm_page_cache(files)
        total = sum(Path(f).stat().st_size for f in files)

        def stat_all():
            for f in files:
                discover.entry_stat(f)

        def hash_all():
            for f in files:
                ingest.sha256_file(f)

        settings = Settings(ingest_shard_files=len(files) + 1, ingest_shard_bytes=total + 1)

        def ingest_all():
            run = store.staging_dir(work / "out", f"r{time.perf_counter_ns()}")
            run.mkdir(parents=True)
            settings.save(run)
            ingest.save_ingest_plan(str(run), ingest.plan_ingest_shards(files, settings))
            ingest.ingest_shard(str(run), 0)
            shutil.rmtree(run)

        t_stat, t_hash, t_ingest = best_of(3, stat_all), best_of(3, hash_all), best_of(3, ingest_all)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(files)} files, {total / 1e6:.1f} MB")
    print(
        common.md_table(
            ["check", "seconds", "share of ingest"],
            [
                ["stat (size, mtime, ctime)", f"{t_stat:.3f}", f"{t_stat / t_ingest:.1%}"],
                ["sha256 of every file", f"{t_hash:.3f}", f"{t_hash / t_ingest:.1%}"],
                ["ingest (read, decode, stage; includes its own sha256)", f"{t_ingest:.3f}", "100%"],
            ],
        )
    )


if __name__ == "__main__":
    main()
