"""Revisions vs duplicates: precision of akhbar.tasks.revisions on labelled near-duplicate pairs.

    PYTHONPATH=. .venv/bin/python bench/revisions.py [--days 3]            # precision on bench/revision_labels.tsv
    PYTHONPATH=. .venv/bin/python bench/revisions.py --days 3 --show 40    # print a new sample (corpus text, to read)

Runs the pipeline on the first N days of SaudiNewsNet (../shared, read in place) into
data/bench/revisions/, then reads every near-duplicate pair the dedup pass linked (relation
duplicate or revision). The labels file holds ids only (no corpus text): the later paragraph
(doc_id, position), the earlier one, the relation the pass decided, and the label read by a person:
`revision` (a different fact: another number, place, person or event) or `same` (the same
statement with edits). Precision of each side: revision = labelled revision / decided revision;
duplicate = labelled same / decided duplicate. Rules are compared on the same labelled pairs.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import random
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO))

import re
from collections import Counter

from akhbar import store
from akhbar.arabic import normalize_arabic
from akhbar.flows.orchestration import LocalExecutor, run_pipeline
from akhbar.settings import Settings
from akhbar.tasks import revisions
from bench.saudinewsnet import DAYS, records, write_jsonl

WORK = REPO / "data" / "bench" / "revisions"
LABELS = REPO / "bench" / "revision_labels.tsv"
PAIRS_SQL = """
SELECT p.doc_id, p.position, p.similar_doc_id, p.similar_position, p.relation, p.similarity, p.text, q.text
FROM paragraphs p JOIN paragraphs_all q ON q.doc_id = p.similar_doc_id AND q.position = p.similar_position
WHERE p.relation = 'revision' OR p.reason = 'near_dup'
ORDER BY p.doc_id, p.position
"""


# Candidate rules, measured on the same labels (the pipeline uses akhbar.tasks.revisions.relation).
def _numbers_changed(text: str, earlier: str) -> bool:
    """The first rule tried: each side states a number (normalize_arabic, digits only) the other lacks."""
    a = Counter(re.findall(r"\d+", normalize_arabic(text)))
    b = Counter(re.findall(r"\d+", normalize_arabic(earlier)))
    return bool(a - b) and bool(b - a)


RULES = {
    "numbers_changed (either side lacks one)": _numbers_changed,
    "numbers_replaced (in place, new)": revisions.numbers_replaced,
}


def build(days: int) -> Path:
    out = WORK / f"out-{days}d"
    if (out / "runs").exists() and any((out / "runs").glob("2*.parquet")):
        return out
    shutil.rmtree(WORK / f"in-{days}d", ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    write_jsonl(records(DAYS[:days]), WORK / f"in-{days}d" / "sn.jsonl")
    run_pipeline([str(WORK / f"in-{days}d")], str(out), Settings(), LocalExecutor(2))
    return out


def pairs(out: Path) -> list[tuple]:
    con = store.connect(out)
    rows = con.execute(PAIRS_SQL).fetchall()
    con.close()
    return rows


def show(rows: list[tuple], n: int, seed: int = 11) -> None:
    """A sample of n decided revisions and n decided duplicates, with a word diff (for labelling)."""
    rng = random.Random(seed)
    for rel in ("revision", "duplicate"):
        pool = [r for r in rows if r[4] == rel]
        for r in rng.sample(pool, min(n, len(pool))):
            sm = difflib.SequenceMatcher(a=r[7].split(), b=r[6].split(), autojunk=False)
            diff = [
                f"{op}: {' '.join(sm.a[i1:i2])!r} -> {' '.join(sm.b[j1:j2])!r}"
                for op, i1, i2, j1, j2 in sm.get_opcodes()
                if op != "equal"
            ]
            print(f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{rel}\t{r[5]:.2f}")
            print("   earlier:", r[7][:300])
            print("   diff:", " | ".join(diff)[:600])
            print()


def precision(rows: list[tuple]) -> None:
    by_key = {(r[0], r[1], r[2], r[3]): r for r in rows}
    labelled = []
    with LABELS.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            key = (row["doc_id"], int(row["position"]), row["similar_doc_id"], int(row["similar_position"]))
            if key in by_key:
                labelled.append((by_key[key], row["label"]))
    print(f"labelled pairs found in this run: {len(labelled)}")
    for name, rule in {
        "pipeline (akhbar.tasks.revisions.relation)": lambda a, b: revisions.relation(a, b) == "revision",
        **RULES,
    }.items():
        rev = [lab for r, lab in labelled if rule(r[6], r[7])]
        dup = [lab for r, lab in labelled if not rule(r[6], r[7])]
        p_rev = sum(lab == "revision" for lab in rev) / len(rev) if rev else float("nan")
        p_dup = sum(lab == "same" for lab in dup) / len(dup) if dup else float("nan")
        print(
            f"{name:38s} revision precision {p_rev:.3f} ({len(rev)} decided)   "
            f"duplicate precision {p_dup:.3f} ({len(dup)} decided)"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--show", type=int, default=0, help="print N pairs of each relation to label")
    args = ap.parse_args()
    if not DAYS:
        print("../shared/corpora/saudinewsnet is absent: nothing to measure")
        return 1
    rows = pairs(build(args.days))
    print(f"near-duplicate pairs: {len(rows)} ({sum(r[4] == 'revision' for r in rows)} revisions)")
    if args.show:
        show(rows, args.show)
    elif LABELS.exists():
        precision(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
