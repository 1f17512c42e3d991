"""Precision of story clusters on SaudiNewsNet, from clusters labelled by reading them.

    PYTHONPATH=. .venv/bin/python bench/stories.py [--days 3]             # precision on bench/story_labels.tsv
    PYTHONPATH=. .venv/bin/python bench/stories.py --days 3 --show 50     # print a sample (corpus text, to read)

Runs (or reuses) the pipeline on the first N days of SaudiNewsNet as bench/revisions.py does
(data/bench/revisions/out-Nd), then samples stories of two or more articles. The labels file holds
ids only: the story_id, its article doc_ids and the label (`same`: every article tells the same
story; `mixed`: at least one does not). Method and result: bench/story_labels.md.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO))

from akhbar import store
from bench.revisions import build
from bench.saudinewsnet import DAYS

LABELS = REPO / "bench" / "story_labels.tsv"


def clusters(out: Path) -> list[tuple]:
    con = store.connect(out)
    rows = con.execute(
        "SELECT story_id, doc_ids, n_sites FROM stories WHERE n_articles >= 2 ORDER BY story_id"
    ).fetchall()
    con.close()
    return rows


def sample(rows: list[tuple], n: int, seed: int = 3) -> list[tuple]:
    return random.Random(seed).sample(rows, min(n, len(rows)))


def show(out: Path, picked: list[tuple]) -> None:
    con = store.connect(out)
    for story_id, doc_ids, n_sites in picked:
        print(f"== {story_id}  articles {len(doc_ids)}  sites {n_sites}")
        for d in doc_ids:
            site, day, title, by, overlap, text = con.execute(
                """SELECT d.site, d.published, d.title, m.linked_by, m.overlap, left(d.text, 160)
                   FROM documents d JOIN story_members m USING (doc_id) WHERE doc_id = ?""",
                [d],
            ).fetchone()
            print(f"   {d} {site} {day} [{by or 'first'} {overlap or 0:.2f}] {title}\n      {text!r}")
    con.close()


def precision(picked: list[tuple]) -> None:
    labels = {}
    with LABELS.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            labels[row["story_id"]] = (row["label"], row["doc_ids"].split(","))
    found = [(labels[s][0], labels[s][1] == list(d)) for s, d, _n in picked if s in labels]
    unchanged = [lab for lab, same_docs in found if same_docs]
    print(f"labelled clusters in the sample: {len(found)}, with the same articles as labelled: {len(unchanged)}")
    if unchanged:
        n_same = sum(lab == "same" for lab in unchanged)
        print(
            f"story precision (every article the same story): {n_same}/{len(unchanged)} = {n_same / len(unchanged):.3f}"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument("--n", type=int, default=50)
    args = ap.parse_args()
    if not DAYS:
        print("../shared/corpora/saudinewsnet is absent: nothing to measure")
        return 1
    out = build(args.days)
    rows = clusters(out)
    print(f"stories of 2+ articles: {len(rows)}")
    if args.show:
        show(out, sample(rows, args.show))
    elif LABELS.exists():
        precision(sample(rows, args.n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
