"""What flushing a run's table files to disk before they are published costs (akhbar/store.py publish):
one file after the other against akhbar.store._FSYNC_THREADS threads.

    .venv/bin/python bench/publish_fsync.py --files 220 --kib 550 --repeat 5

Each round writes --files files of --kib KiB (the JSONL corpus's run: ~220 files, ~120 MiB) in a folder
under data/ (the disk the outputs go to), flushes them one way, and deletes them; the two ways alternate.
Printed: the medians of the flush's wall seconds, and their ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from akhbar import store
from bench import common


def flush(files: list[Path], threads: int) -> float:
    t0 = time.perf_counter()
    if threads == 1:
        for f in files:
            store._fsync(f)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(store._fsync, files))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=220)
    ap.add_argument("--kib", type=int, default=550)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    common.print_machine()
    (common.REPO / "data").mkdir(exist_ok=True)
    ways = {"one after the other": 1, f"{store._FSYNC_THREADS} threads": store._FSYNC_THREADS}
    seconds: dict[str, list[float]] = {way: [] for way in ways}
    folder = Path(tempfile.mkdtemp(dir=common.REPO / "data", prefix="bench-fsync-"))
    try:
        for _ in range(args.repeat):
            for way, threads in ways.items():
                files = [folder / f"{i:05d}" for i in range(args.files)]
                for f in files:
                    f.write_bytes(os.urandom(args.kib * 1024))
                seconds[way].append(flush(files, threads))
                for f in files:
                    f.unlink()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(common.md_table(["flush", "wall s"], [[way, f"{common.median(s):.3f}"] for way, s in seconds.items()]))
    one, many = (common.median(s) for s in seconds.values())
    print(f"\nthreads / one after the other: {many / one:.2f}x ({args.repeat} rounds each, alternating)")


if __name__ == "__main__":
    main()
