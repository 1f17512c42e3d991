"""SaudiNewsNet days as pipeline JSONL records, read in place from ../shared (never copied into the repo).

    write_jsonl(days, path, order="input"|"shuffle"|"published", seed=0) -> number of records

Each record is what bench/corpora.py writes: {text (paragraphs joined by blank lines), url, title,
published (date_extracted: the crawl of the same day), author, source, corpus, id}.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

from bench.corpora import CORPORA, _read_saudinewsnet

DAYS = sorted(CORPORA.glob("saudinewsnet/*.zip"))


def records(days: list[Path], keep=None) -> list[dict]:
    """The non-empty records of the given day files, in corpus order (keep: optional filter)."""
    out = []
    for path in days:
        for rec in _read_saudinewsnet(path):
            paras = rec.pop("paragraphs")
            if paras and (keep is None or keep(rec, paras)):
                out.append(dict(rec, text="\n\n".join(paras)))
    return out


def write_jsonl(recs: list[dict], path: Path, order: str = "input", seed: int = 0) -> Path:
    """Write records as one JSONL file, in corpus order, shuffled, or by publication time."""
    recs = list(recs)
    if order == "shuffle":
        random.Random(seed).shuffle(recs)
    elif order == "published":
        recs.sort(key=lambda r: r["published"] or "9999")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    return path
