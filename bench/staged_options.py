"""What the Parquet settings of a run's work files (akhbar/store.py staging_options) cost, file kind by kind.

    .venv/bin/python bench/staged_options.py                     # the JSONL corpus, codecs lz4, none, snappy, zstd
    .venv/bin/python bench/staged_options.py --input data/sample --variants none,none+nostats,lz4

One run of the pipeline (this checkout, 2 workers, bench/stage_cpu.py snapshot) gives the staged files; each
kind's files are then written again in memory with every variant (codec, `+nostats`: no statistics,
`+nodict`: no dictionary on any column) as their writer writes them (the same columns without a
dictionary, the staged records in RecordWriter's row groups) and read back. Printed per kind and variant:
medians of --repeat rounds of the write and read CPU seconds, and the bytes.
"""

from __future__ import annotations

import argparse
import io
import resource
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pyarrow as pa
import pyarrow.parquet as pq

from bench import common
from bench.stage_cpu import snapshot

# kind -> the columns its writer leaves without a dictionary (tasks/ingest/records.py, tasks/clean/stage.py)
PLAIN = {
    "ingest_records": ("doc_id", "source_uri", "url", "title", "source_meta", "content"),
    "clean_paragraphs": ("text", "norm_hash"),
    "clean_docs": (),
    "clean_minhash": ("bands", "signature"),
    "clean_docsig": ("bands", "signature"),
    "dates_published": (),
    "dates_mentions": (),
}


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def options(table_schema: pa.Schema, plain: tuple[str, ...], variant: str) -> dict:
    codec, *extras = variant.split("+")
    out = {"compression": codec, "use_dictionary": [n for n in table_schema.names if n not in plain]}
    if "nodict" in extras:
        out["use_dictionary"] = False
    if "nostats" in extras:
        out["write_statistics"] = False
    return out


def groups_of(path: Path) -> list[pa.Table]:
    """A staged file as its row groups (the staged records are written group by group)."""
    with pq.ParquetFile(path) as f:
        return [f.read_row_group(g) for g in range(f.num_row_groups)]


def measure(files: list[list[pa.Table]], plain: tuple[str, ...], variant: str) -> tuple[float, float, int]:
    written = []
    t0 = cpu()
    for groups in files:
        buf = io.BytesIO()
        with pq.ParquetWriter(buf, groups[0].schema, **options(groups[0].schema, plain, variant)) as writer:
            for g in groups:
                writer.write_table(g)
        written.append(buf.getvalue())
    t1 = cpu()
    for data in written:
        pq.ParquetFile(pa.BufferReader(data)).read(use_threads=False)
    return t1 - t0, cpu() - t1, sum(map(len, written))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", action="append", help="input folder or file (default the JSONL corpus)")
    ap.add_argument(
        "--variants", default="lz4,none,none+nostats,snappy,zstd", help="comma list: codec[+nostats][+nodict]"
    )
    ap.add_argument("--repeat", type=int, default=3, help="rounds; medians are shown")
    args = ap.parse_args()
    from akhbar import staging

    common.print_machine()
    work = Path(tempfile.mkdtemp(prefix="akhbar-staged-options-"))
    try:
        snap = work / "snapshot"
        snapshot(args.input or [str(common.CORPORA / "jsonl")], snap, work / "tables")
        rows = []
        for kind, plain in PLAIN.items():
            files = [groups for groups in map(groups_of, staging.paths(snap, kind)) if groups]
            if not files:
                continue
            for variant in args.variants.split(","):
                runs = [measure(files, plain, variant) for _ in range(args.repeat)]
                write, read = common.median(r[0] for r in runs), common.median(r[1] for r in runs)
                rows.append([kind, variant, write, read, f"{runs[0][2] / 2**20:.1f}"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(common.md_table(["staged kind", "variant", "write CPU-s", "read CPU-s", "MiB"], rows))


if __name__ == "__main__":
    main()
