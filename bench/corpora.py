"""Convert the real news corpora in ../shared/corpora ONCE into pipeline inputs under data/bench/corpora/.

    cd /work/main && PYTHONPATH=. /tmp/v/bin/python bench/corpora.py [--force] [--workers N]

Outputs (generated, git-ignored; the corpus text never enters the repository):
  data/bench/corpora/jsonl/<corpus>-<part>-<NNN>.jsonl   records {text, url, title, published,
        author, source, corpus, id}, ~500 records a file, in a stable order
  data/bench/corpora/txt/<site>/<id>.txt   text scrapes: title line, blank, date line, blank,
        body paragraphs separated by blank lines (the layout of data/sample/)
  data/bench/corpora/manifest.json          counts per corpus and the source files' size/mtime

Sources (read in place):
  saudinewsnet/*.zip      one JSON array per day: source, url, date_extracted, title, author, content
  ant-multisource/*.tar.xz, ant-jawharafm/*.tar.xz   TREC-style <DOC> files: URL, SRC, TITLE, TIME,
                          AUTHOR, ABSTRACT, TEXT (the abstract repeats the lead; not copied into text)

`published`: ANT's TIME is the article's stated time; SaudiNewsNet only gives date_extracted (the
crawl time, the same day as publication for this daily crawl), kept with date_source telling so.

Idempotent: when manifest.json records the same source files (size, mtime) and the same format
version, nothing is redone. Each source archive is converted in its own process and written to a
temporary folder renamed into place at the end, so a killed run leaves no half output.

Python use: `from bench.corpora import ensure_corpora; root = ensure_corpora()` returns the
folder (converting first if needed), or None when ../shared is absent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import fcntl
import json
import os
import re
import shutil
import sys
import tarfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Run as a script, sys.path[0] is bench/, whose module names (html.py, ...) can shadow the stdlib.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
SHARED = REPO.parent / "shared"
CORPORA = SHARED / "corpora"
OUT = REPO / "data" / "bench" / "corpora"
FORMAT_VERSION = 1
RECORDS_PER_FILE = 500

_TAG = {
    name: re.compile(rf"<{name}>(.*?)</{name}>", re.S)
    for name in ("DOCNO", "URL", "SRC", "TITLE", "TIME", "AUTHOR", "TEXT")
}
_SITE_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def sources() -> list[Path]:
    """Every source archive, in a fixed order."""
    if not CORPORA.exists():
        return []
    return sorted(CORPORA.glob("saudinewsnet/*.zip")) + sorted(CORPORA.glob("*/*.tar.xz"))


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r", "\n").split("\n") if p.strip()]


def _iso_time(raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return dt.datetime.fromisoformat(raw).isoformat()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(raw).isoformat()
    except (TypeError, ValueError):
        return None


def _read_saudinewsnet(path: Path):
    with zipfile.ZipFile(path) as zf:
        for name in sorted(zf.namelist()):
            if not name.endswith(".json"):
                continue
            for i, obj in enumerate(json.loads(zf.read(name))):
                extracted = (obj.get("date_extracted") or "").strip()
                yield {
                    "id": f"sn-{path.stem}-{i:05d}",
                    "corpus": "saudinewsnet",
                    "source": obj.get("source") or "unknown",
                    "url": obj.get("url") or None,
                    "title": (obj.get("title") or "").strip() or None,
                    "author": (obj.get("author") or "").strip() or None,
                    "published": extracted.replace(" ", "T") if extracted else None,
                    "date_source": "date_extracted",
                    "paragraphs": _paragraphs(obj.get("content") or ""),
                }


def _read_ant(path: Path):
    corpus = path.name.split("-v")[0]  # ant-multisource, ant-jawharafm
    # Read the stream once in archive order (an xz tar has no random access), then sort by name.
    docs = []
    with tarfile.open(path, "r|xz") as tf:
        for m in tf:
            if m.isfile() and m.name.endswith(".txt"):
                docs.append((m.name, tf.extractfile(m).read()))
    docs.sort()
    for name, data in docs:
        if True:
            raw = data.decode("utf-8", errors="replace")
            fields = {k: (rx.search(raw).group(1).strip() if rx.search(raw) else "") for k, rx in _TAG.items()}
            src = fields["SRC"] or name.split("/")[0]
            yield {
                "id": fields["DOCNO"] or Path(name).stem,
                "corpus": corpus,
                "source": src,
                "url": fields["URL"] or None,
                "title": fields["TITLE"] or None,
                "author": fields["AUTHOR"] or None,
                "published": _iso_time(fields["TIME"]),
                "date_source": "TIME",
                "paragraphs": _paragraphs(fields["TEXT"]),
            }


def _site_dir(source: str) -> str:
    return _SITE_SAFE.sub("_", source.strip().lower()).strip("_") or "unknown"


def convert_one(path_str: str, tmp_root_str: str) -> dict:
    """Convert one archive into tmp_root/{jsonl,txt}. Returns counts."""
    path, tmp_root = Path(path_str), Path(tmp_root_str)
    reader = _read_saudinewsnet if path.suffix == ".zip" else _read_ant
    stem = path.name.removesuffix(".tar.xz").removesuffix(".zip")
    prefix = ("saudinewsnet-" + stem) if path.suffix == ".zip" else stem
    jdir = tmp_root / "jsonl"
    jdir.mkdir(parents=True, exist_ok=True)
    n = n_paras = n_empty = 0
    part, batch = 0, []

    def flush():
        nonlocal part, batch
        if batch:
            (jdir / f"{prefix}-{part:03d}.jsonl").write_text("".join(batch), encoding="utf-8")
            part += 1
            batch = []

    for rec in reader(path):
        paras = rec.pop("paragraphs")
        if not paras:
            n_empty += 1
            continue
        n += 1
        n_paras += len(paras)
        body = "\n\n".join(paras)
        batch.append(json.dumps(dict(rec, text=body), ensure_ascii=False) + "\n")
        if len(batch) >= RECORDS_PER_FILE:
            flush()
        site = _site_dir(rec["source"])
        tdir = tmp_root / "txt" / site
        tdir.mkdir(parents=True, exist_ok=True)
        head = [rec["title"] or "", rec["published"] or ""]
        (tdir / f"{rec['id']}.txt").write_text("\n\n".join(head + paras) + "\n", encoding="utf-8")
    flush()
    return {"source": path.name, "records": n, "paragraphs": n_paras, "empty_skipped": n_empty}


def _fingerprint(paths: list[Path]) -> list[list]:
    return [[str(p.relative_to(CORPORA)), p.stat().st_size, p.stat().st_mtime_ns] for p in paths]


def ensure_corpora(force: bool = False, workers: int | None = None, quiet: bool = True) -> Path | None:
    """Convert once; return data/bench/corpora (None when ../shared/corpora is absent)."""
    paths = sources()
    if not paths:
        return None
    manifest_path = OUT / "manifest.json"
    fp = _fingerprint(paths)

    def up_to_date() -> bool:
        if force or not manifest_path.exists():
            return False
        old = json.loads(manifest_path.read_text())
        return old.get("format_version") == FORMAT_VERSION and old.get("sources") == fp

    if up_to_date():
        return OUT
    # Two benchmarks starting at once: the second waits for the first's conversion, then reuses it.
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT.parent / ".corpora.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if up_to_date():
            return OUT
        return _convert(paths, fp, workers, quiet)


def _convert(paths: list[Path], fp: list[list], workers: int | None, quiet: bool) -> Path:
    t0 = time.perf_counter()
    tmp = OUT.parent / f".corpora.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    workers = workers or os.cpu_count() or 1
    # The two big tar.xz archives go first so they do not end up last on one core.
    order = sorted(paths, key=lambda p: -p.stat().st_size)
    tmps = [tmp / f"src{i:03d}" for i in range(len(order))]
    with ProcessPoolExecutor(workers) as pool:
        counts = list(pool.map(convert_one, [str(p) for p in order], [str(t) for t in tmps]))
    # Merge the per-source folders (file names never collide: prefixes and ids are per source).
    final_tmp = tmp / "merged"
    for t in tmps:
        for sub in ("jsonl", "txt"):
            src_dir = t / sub
            if not src_dir.exists():
                continue
            for f in src_dir.rglob("*"):
                if f.is_file():
                    dest = final_tmp / f.relative_to(t)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(f, dest)
    by_source = sorted(counts, key=lambda c: c["source"])
    manifest = {
        "format_version": FORMAT_VERSION,
        "sources": fp,
        "per_source": by_source,
        "records": sum(c["records"] for c in counts),
        "paragraphs": sum(c["paragraphs"] for c in counts),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    (final_tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
    if OUT.exists():
        old_dir = OUT.parent / f".corpora.old-{os.getpid()}"
        os.replace(OUT, old_dir)
        shutil.rmtree(old_dir, ignore_errors=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    os.replace(final_tmp, OUT)
    shutil.rmtree(tmp, ignore_errors=True)
    if not quiet:
        print(
            f"converted {manifest['records']} records, {manifest['paragraphs']} paragraphs "
            f"in {manifest['seconds']} s -> {OUT}"
        )
    return OUT


def jsonl_files(root: Path | None = None) -> list[Path]:
    return sorted(((root or OUT) / "jsonl").glob("*.jsonl"))


def iter_records(root: Path | None = None):
    """Every converted record (dict with text, url, title, published, ...), in stable order."""
    for f in jsonl_files(root):
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                yield json.loads(line)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--force", action="store_true", help="convert again even when up to date")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args(argv)
    if not CORPORA.exists():
        print(f"../shared/corpora not found at {CORPORA}: nothing to convert (it sits beside the checkout).")
        return 0
    t0 = time.perf_counter()
    root = ensure_corpora(force=args.force, workers=args.workers, quiet=False)
    manifest = json.loads((root / "manifest.json").read_text())
    print(
        f"{root}: {manifest['records']} records, {manifest['paragraphs']} paragraphs, "
        f"{len(jsonl_files(root))} jsonl files, {sum(1 for _ in (root / 'txt').iterdir())} site folders "
        f"({time.perf_counter() - t0:.1f} s this call)"
    )
    for c in manifest["per_source"]:
        print(
            f"  {c['source']:<32} {c['records']:>7} records {c['paragraphs']:>8} paragraphs"
            f" ({c['empty_skipped']} empty skipped)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
