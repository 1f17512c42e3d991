"""Peak memory of reading big record files: a JSONL, a Parquet file and a JSON array, generated on
the fly in a temporary folder, each read (1) by the ingest readers alone (akhbar.tasks.ingest.read_path,
the records counted and dropped) and (2) by a whole `akhbar run --local` (every stage).

    python bench/formats_memory.py                          # 2 GiB JSONL, 1 GiB Parquet, 500 MiB JSON
    python bench/formats_memory.py --scale-mb 50            # all four at 50 MiB (proves the script)
    python bench/formats_memory.py --csv-mb 1024            # a 1 GiB CSV as well
    python bench/formats_memory.py --jsonl-mb 2048 --parquet-mb 0 --json-mb 0 --tmp /big/disk

Peak memory is sampled every 500 ms over the child and its descendants (bench/common.TreeSampler):
RSS summed, and PSS (forked workers' shared pages counted once). The inputs are synthetic Arabic
news records (~3 KB of text, url, title, author, published, crawled_at, source) with unique
paragraphs; the Parquet file is written in row groups of --row-group-mb of text (at most twice
the file's target size; pyarrow's default row group holds up to 1M rows, so files from other tools
often have row groups of hundreds of MB).
The temporary folder needs about 2.5 times the inputs' size (inputs, staging and output).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO))

from bench.common import TreeSampler, md_table, print_machine

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
COMMON = [
    "في",
    "من",
    "على",
    "إلى",
    "أن",
    "قال",
    "وزير",
    "الحكومة",
    "المدينة",
    "اليوم",
    "العام",
    "مجلس",
    "رئيس",
    "خلال",
    "بعد",
    "قبل",
    "مع",
    "عن",
    "التي",
    "الذي",
    "وقد",
    "كما",
    "حيث",
    "بين",
    "أمس",
    "الأول",
    "الثاني",
    "مشروع",
    "الاقتصاد",
    "الأمن",
]


def vocabulary(rng: random.Random, n: int = 3000) -> list[str]:
    words = {"".join(rng.choices(LETTERS, k=rng.randint(3, 7))) for _ in range(n)}
    return sorted(words) + COMMON * 20  # common words often, as in real text


def records(seed: int = 0):
    """An endless stream of distinct synthetic articles."""
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    i = 0
    while True:
        i += 1
        paras = [" ".join(rng.choices(vocab, k=rng.randint(40, 90))) + "." for _ in range(rng.randint(3, 7))]
        day = 1 + i % 28
        yield {
            "url": f"https://news{i % 17}.example/2024/05/{day:02d}/{i}",
            "title": " ".join(rng.choices(vocab, k=7)),
            "author": " ".join(rng.choices(vocab, k=2)),
            "published": f"2024-05-{day:02d}T10:00:00+03:00",
            "crawled_at": f"2024-05-{day:02d}T12:00:00Z",
            "source": f"news{i % 17}",
            "text": "\n\n".join(paras),
        }


def write_jsonl(path: Path, target: int) -> int:
    n = size = 0
    with open(path, "w", encoding="utf-8") as fh:
        for rec in records(1):
            line = json.dumps(rec, ensure_ascii=False) + "\n"
            fh.write(line)
            n += 1
            size += len(line.encode("utf-8"))
            if size >= target:
                return n
    return n


def write_json_array(path: Path, target: int) -> int:
    n = size = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[\n")
        for rec in records(2):
            text = (",\n" if n else "") + json.dumps(rec, ensure_ascii=False, indent=1)
            fh.write(text)
            n += 1
            size += len(text.encode("utf-8"))
            if size >= target:
                break
        fh.write("\n]\n")
    return n


def write_csv(path: Path, target: int) -> int:
    import csv

    n = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = None
        for rec in records(4):
            writer = writer or csv.DictWriter(fh, list(rec))
            if not n:
                writer.writeheader()
            writer.writerow(rec)
            n += 1
            if n % 1000 == 0 and fh.tell() >= target:
                break
    return n


def write_parquet(path: Path, target: int, row_group_bytes: int) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 0
    rows: list[dict] = []
    pending = 0
    writer = None
    try:
        for rec in records(3):
            rows.append(rec)
            pending += len(rec["text"].encode("utf-8")) + 300
            n += 1
            if pending >= row_group_bytes:
                table = pa.Table.from_pylist(rows)
                writer = writer or pq.ParquetWriter(path, table.schema, compression="zstd")
                writer.write_table(table, row_group_size=len(rows))  # one row group
                rows, pending = [], 0
                if path.stat().st_size >= target:
                    break
        else:  # pragma: no cover - records() never ends
            pass
        if rows and (writer is None or path.stat().st_size < target):
            table = pa.Table.from_pylist(rows)
            writer = writer or pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=len(rows))
    finally:
        if writer is not None:
            writer.close()
    return n


READER_CHILD = """
import sys
from pathlib import Path
from akhbar.settings import Settings
from akhbar.tasks.ingest import Record, read_path
n = r = 0
for item in read_path(Path(sys.argv[1]), 0, Settings()):
    if isinstance(item, Record):
        n += 1
    else:
        r += 1
print(n, r)
"""


def measure(cmd: list[str], env: dict | None = None) -> tuple[float, float, float, str]:
    """(wall s, peak RSS MiB, peak PSS MiB, stdout) of a child process and its descendants."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or os.environ.copy()
    )
    with TreeSampler(proc.pid) as sampler:
        out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed ({proc.returncode}):\n{err[-3000:]}")
    return time.perf_counter() - t0, sampler.peak / 2**20, sampler.peak_pss / 2**20, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jsonl-mb", type=float, default=2048)
    ap.add_argument("--parquet-mb", type=float, default=1024)
    ap.add_argument("--json-mb", type=float, default=500)
    ap.add_argument("--csv-mb", type=float, default=0, help="also a CSV file of this size (MiB)")
    ap.add_argument("--scale-mb", type=float, help="all three inputs at this size (MiB)")
    ap.add_argument("--row-group-mb", type=float, default=128, help="Parquet row group size (uncompressed text)")
    ap.add_argument("--workers", type=int, default=2, help="akhbar run --workers")
    ap.add_argument("--tmp", help="folder for the inputs and outputs (default: the system temp folder)")
    ap.add_argument("--reader-only", action="store_true", help="skip the whole-pipeline runs")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args(argv)
    sizes = {"jsonl": args.jsonl_mb, "parquet": args.parquet_mb, "json": args.json_mb, "csv": args.csv_mb}
    if args.scale_mb:
        sizes = dict.fromkeys(sizes, args.scale_mb)
    print_machine()
    root = Path(tempfile.mkdtemp(prefix="akhbar-formats-", dir=args.tmp))
    rows = []
    try:
        for fmt, mb in sizes.items():
            if not mb:
                continue
            path = root / f"big.{fmt}"
            t0 = time.perf_counter()
            target = int(mb * 2**20)
            if fmt == "parquet":
                n = write_parquet(path, target, min(int(args.row_group_mb * 2**20), 2 * target))
            else:
                n = {"jsonl": write_jsonl, "json": write_json_array, "csv": write_csv}[fmt](path, target)
            size_mib = path.stat().st_size / 2**20
            print(f"{fmt}: {size_mib:.0f} MiB, {n} records, written in {time.perf_counter() - t0:.0f} s", flush=True)
            wall_r, rss_r, _pss_r, out = measure([sys.executable, "-c", READER_CHILD, str(path)])
            got, rejected = map(int, out.split())
            row = [fmt, f"{size_mib:.0f}", n, f"{got}/{rejected}", f"{wall_r:.1f}", f"{rss_r:.0f}"]
            if not args.reader_only:
                out_dir = root / f"out-{fmt}"
                wall, rss, pss, _ = measure(
                    [
                        sys.executable,
                        "-m",
                        "akhbar.cli",
                        "run",
                        str(path),
                        "--out",
                        str(out_dir),
                        "--local",
                        "--workers",
                        str(args.workers),
                    ]
                )
                from akhbar import store

                con = store.connect(out_dir)  # the corpus views: paths as parameters, no hive partitioning
                docs = con.execute("SELECT count(*) FROM documents").fetchone()[0]
                con.close()
                row += [f"{wall:.0f}", f"{rss:.0f}", f"{pss:.0f}", docs]
                shutil.rmtree(out_dir, ignore_errors=True)
            else:
                row += ["-", "-", "-", "-"]
            rows.append(row)
            print(f"  {row}", flush=True)
            path.unlink()
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print()
    print(
        md_table(
            [
                "input",
                "MiB",
                "records",
                "read/rejected",
                "reader s",
                "reader peak RSS MiB",
                "run s",
                "run peak RSS MiB",
                "run peak PSS MiB",
                "documents",
            ],
            rows,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
