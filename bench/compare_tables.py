"""Are the tables the pipeline writes the same as at another revision? Run by hand:

    .venv/bin/python bench/compare_tables.py --base REV [--datasets sample,html,corpus-10000]

Checks out REV into a temporary git worktree, runs the pipeline of REV and of this checkout on
the same inputs (each in its own child process, one worker, this checkout's venv), and compares
every published table row by row, in a stable order, leaving out only what names the run
(`run_id`, run times, the run's own folders). Prints one line per dataset and table:
rows at REV, rows here, and `same` or the first rows that differ. Exit code 1 when any differ.

Datasets: `sample` (data/sample), `html` (../shared/dev/html), `corpus-N` (N text scrapes spread
over every site of the converted corpora, bench/corpora.py).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Columns that differ between any two runs of the same inputs.
RUN_COLUMNS = {
    "run_id",
    "ingested_at",
    "started_at",
    "finished_at",
    "seconds",
    "parameters",
    "settings",
    "at",
    "stage_seconds",
    "stage_counts",
    "akhbar_version",
    "out",
    "inputs",
}
CHILD = """
import importlib, sys
from akhbar.settings import Settings
orchestration = importlib.import_module(sys.argv[1])
orchestration.run_pipeline(sys.argv[3:], sys.argv[2], Settings(), orchestration.LocalExecutor(workers=1))
"""


def dataset_paths(name: str, work: Path) -> list[str]:
    if name == "sample":
        return [str(REPO / "data" / "sample")]
    if name == "html":
        return [str(REPO.parent / "shared" / "dev" / "html")]
    if name.startswith("corpus-"):
        n = int(name.split("-", 1)[1])
        files = sorted((REPO / "data" / "bench" / "corpora" / "txt").rglob("*.txt"))
        if not files:
            raise SystemExit("no converted corpus: run bench/corpora.py first")
        folder = work / name
        for f in files[:: max(1, len(files) // n)][:n]:
            (folder / f.parent.name).mkdir(parents=True, exist_ok=True)
            (folder / f.parent.name / f.name).symlink_to(f)
        return [str(folder)]
    raise SystemExit(f"unknown dataset {name}")


def run_at(checkout: Path, inputs: list[str], out: Path) -> None:
    # revisions before the akhbar.flows namespace import flows/ as a top-level package
    namespaced = '"akhbar.flows"' in (checkout / "pyproject.toml").read_text(encoding="utf-8")
    module = "akhbar.flows.orchestration" if namespaced else "flows.orchestration"
    subprocess.run(
        [sys.executable, "-c", CHILD, module, str(out), *inputs],
        cwd=checkout,
        check=True,
        env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin"},
    )


def table_rows(out: Path, table: str) -> list[tuple] | None:
    import duckdb
    import pyarrow.parquet as pq

    files = sorted(f for f in (out / table).glob("*.parquet") if f.name != "_schema.parquet")
    if not (out / table).is_dir():
        return None
    if not files:
        return []
    data = pq.ParquetDataset([str(f) for f in files]).read()
    keep = [c for c in data.column_names if c not in RUN_COLUMNS]
    con = duckdb.connect()
    con.register("t", data.select(keep))
    return con.execute("SELECT * FROM t ORDER BY ALL").fetchall()


def compare(base_out: Path, head_out: Path, name: str) -> bool:
    same = True
    tables = sorted(
        {p.name for p in base_out.iterdir() if p.is_dir() and not p.name.startswith("_")}
        | {p.name for p in head_out.iterdir() if p.is_dir() and not p.name.startswith("_")}
    )
    for table in tables:
        a, b = table_rows(base_out, table), table_rows(head_out, table)
        if a is None or b is None:
            print(
                f"{name:14} {table:18} {'-' if a is None else len(a):>8} {'-' if b is None else len(b):>8}  "
                f"only {'here' if a is None else 'at base'}"
            )
            continue
        if a == b:
            print(f"{name:14} {table:18} {len(a):>8} {len(b):>8}  same")
            continue
        same = False
        first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        print(f"{name:14} {table:18} {len(a):>8} {len(b):>8}  DIFFER at row {first}")
        print(f"    base: {a[first] if first < len(a) else '-'}"[:600])
        print(f"    here: {b[first] if first < len(b) else '-'}"[:600])
    return same


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, help="git revision to compare with")
    ap.add_argument("--datasets", default="sample,html,corpus-10000")
    args = ap.parse_args()
    all_same = True
    with tempfile.TemporaryDirectory(prefix="akhbar-compare-") as tmp:
        work = Path(tmp)
        base = work / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(base), args.base], cwd=REPO, check=True)
        try:
            print(f"{'dataset':14} {'table':18} {'base':>8} {'here':>8}")
            for name in args.datasets.split(","):
                inputs = dataset_paths(name, work)
                run_at(base, inputs, work / f"{name}-base")
                run_at(REPO, inputs, work / f"{name}-here")
                all_same &= compare(work / f"{name}-base", work / f"{name}-here", name)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=REPO, check=False)
    return 0 if all_same else 1


if __name__ == "__main__":
    sys.exit(main())
