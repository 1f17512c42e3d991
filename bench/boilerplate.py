"""Benchmark of the clean stage (boilerplate removal). Run by hand; prints tables.

    cd /work/main && PYTHONPATH=. /tmp/v/bin/python bench/boilerplate.py [--grid] [--per-page]

Reads the development material in place from ../shared (never copied into the repo):

1. seeds/*.txt vs seeds/gold.json, line level. 'optional' lines count neither way. A line is
   predicted body when clean_text keeps it and the dedup stage's in-document rule leaves it kept
   (akhbar.tasks.dedup.kept_after_document_repeats: any later normalized copy of a line is a duplicate). "trafilatura alone"
   wraps each input line in <p> and keeps the lines trafilatura returns (same dedup).
2. dev HTML pages (newspaper4k .txt, scrapinghub-aeb articleBody, fundus paragraphs): token F1
   (bag of whitespace tokens; P/R/F1 per page, then the mean), for trafilatura's settings, our
   clean_html, and the text path (html_to_text_scrape -> clean_text).
   --grid runs every trafilatura setting considered for clean_html (slower).
3. documents per second of clean_text (CPU time of this process, one core) on SaudiNewsNet
   article texts and on the seeds x200 (full page scrapes, ~45 lines each); target >= 2,000/s.
   Runs alternate with a baseline measured in the same run, normalize_arabic on every non-empty
   line (the floor: one normalization per line), so the ratio column holds under machine load.
4. --stage SLICES: the whole clean stage (clean_shard: classifier, dedup keys, publication date,
   language, MinHash staging, Parquet) of this checkout against --baseline REV (a temporary git
   worktree), CPU seconds over the same admitted record shards, each side in its own child process,
   alternating, medians of --repeat; and whether both staged the same tables. SLICES: comma-separated
   corpus-jsonl-N (N records from JSONL files spread over every source) and corpus-txt-N (N text
   scrapes spread over every site), from bench/corpora.py's converted corpus. With --stage the
   other sections are skipped.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path, where sibling scripts (bench/html.py)
# would shadow stdlib modules (html): drop it and put the repository root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
REPO = _HERE.parent
sys.path.insert(0, str(REPO))

import argparse
import gzip
import html as htmlmod
import json
import statistics
import time
import zipfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

from akhbar.arabic import normalize_arabic
from akhbar.tasks.clean import TRAFILATURA_SETTINGS, clean_html, clean_text, html_to_text_scrape
from akhbar.tasks.dedup import kept_after_document_repeats

SHARED = REPO.parent / "shared"

# trafilatura settings compared (all with deduplicate=False; "default" is the library default,
# which includes comments).
GRID: dict[str, dict] = {
    "traf default": {},
    "traf nocomments": {"include_comments": False},
    "traf precision": {"include_comments": False, "favor_precision": True},
    "traf recall": {"include_comments": False, "favor_recall": True},
    "traf notables": {"include_comments": False, "include_tables": False},
    "traf recall notables": {"include_comments": False, "favor_recall": True, "include_tables": False},
}


# ------------------------------------------------------------------------------------ scoring
def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def token_prf(pred: str, ref: str) -> tuple[float, float, float]:
    pc, rc = Counter(pred.split()), Counter(ref.split())
    common = sum((pc & rc).values())
    p = common / sum(pc.values()) if pc else 0.0
    r = common / sum(rc.values()) if rc else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


# ------------------------------------------------------------------------------------ seeds
def trafilatura_lines(text: str) -> set[str]:
    import trafilatura

    body = "".join(f"<p>{htmlmod.escape(s.strip())}</p>\n" for s in text.splitlines() if s.strip())
    out = trafilatura.extract(f"<html><body><article>{body}</article></body></html>", deduplicate=False)
    return {normalize_arabic(x) for x in (out or "").splitlines() if x.strip()}


def bench_seeds() -> list[tuple[str, float, float, float, str]]:
    seeds = SHARED / "seeds"
    gold = json.loads((seeds / "gold.json").read_text(encoding="utf-8"))
    tot = {"ours": [0, 0, 0], "traf": [0, 0, 0]}
    lost: list[str] = []
    for name, g in gold.items():
        if name == "about":
            continue
        text = (seeds / name).read_text(encoding="utf-8")
        content, optional = set(g["content"]), set(g["optional"])
        doc = clean_text(text)
        ours = kept_after_document_repeats(doc.lines)
        kept_norm = trafilatura_lines(text)
        # trafilatura: a line is predicted body when its normalized text is in the output
        seen: set[str] = set()
        traf: set[int] = set()
        for no, raw in enumerate(text.splitlines(), 1):
            k = normalize_arabic(raw)
            if raw.strip() and k in kept_norm and k not in seen:
                seen.add(k)
                traf.add(no)
        for key, pred in (("ours", ours), ("traf", traf)):
            tot[key][0] += len(pred & content)
            tot[key][1] += len(pred - content - optional)
            tot[key][2] += len(content - pred)
        lost += [f"{name}:{x}" for x in sorted(content - ours)]
    rows = []
    for key, label in (("traf", "trafilatura alone (text as <p>)"), ("ours", "ours clean_text")):
        p, r, f = prf(*tot[key])
        note = f"tp={tot[key][0]} fp={tot[key][1]} fn={tot[key][2]}"
        rows.append((label, p, r, f, note))
    rows[-1] = rows[-1][:4] + (rows[-1][4] + f" lost={lost or 'none'}",)
    return rows


# ------------------------------------------------------------------------------------ dev html
def _read_gz(path: Path) -> str:
    raw = gzip.decompress(path.read_bytes())
    return raw.decode("utf-8", errors="replace")


def _fundus_ref(version: dict) -> str:
    body = version.get("body") or {}
    parts = list(body.get("summary") or [])
    for sec in body.get("sections") or []:
        parts += list(sec.get("headline") or []) + list(sec.get("paragraphs") or [])
    return "\n".join(parts)


def load_dev_pages() -> list[tuple[str, str, str, str | None]]:
    """(set, html, reference text, url) for every dev page with a reference."""
    base = SHARED / "dev" / "html"
    pages: list[tuple[str, str, str, str | None]] = []
    n4k = base / "newspaper4k"
    for txt in sorted(n4k.glob("*.txt")):
        html = txt.with_suffix(".html").read_text(encoding="utf-8", errors="replace")
        meta = json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))
        pages.append(("newspaper4k", html, txt.read_text(encoding="utf-8"), meta.get("url")))
    aeb = base / "scrapinghub-aeb"
    gt = json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8"))
    for key, item in sorted(gt.items()):
        path = aeb / "html" / f"{key}.html.gz"
        if path.exists():
            pages.append(("scrapinghub-aeb", _read_gz(path), item["articleBody"], item.get("url")))
    for country in ("fr", "uk", "us"):
        d = base / "fundus" / country
        meta_path = d / "meta.info"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        for jpath in sorted(d.glob("*.json")):
            versions = json.loads(jpath.read_text(encoding="utf-8"))
            files = sorted(d.glob(f"{jpath.stem}_*.html.gz"))
            for f in files:
                html = _read_gz(f)
                # each file holds one version's page: pick the version whose title/text it holds
                best = max(
                    versions.values(),
                    key=lambda v: (
                        htmlmod.escape(v.get("title") or "\0") in html or (v.get("title") or "\0") in html,
                        sum(p[:60] in html for p in _fundus_ref(v).split("\n")[:5]),
                    ),
                )
                pages.append((f"fundus-{country}", html, _fundus_ref(best), meta.get(f.name, {}).get("url")))
    return pages


def _traf_text(args: tuple[str, str | None, dict]) -> str:
    import trafilatura

    html, url, settings = args
    return trafilatura.extract(html, url=url, deduplicate=False, **settings) or ""


def _ours_both(args: tuple[str, str | None]) -> tuple[str, str, float]:
    html, url = args
    h = clean_html(html, url=url).kept_text
    flat = html_to_text_scrape(html)
    t0 = time.perf_counter()
    t = clean_text(flat).kept_text
    return h, t, time.perf_counter() - t0


def bench_html(grid: bool, per_page: bool, workers: int):
    pages = load_dev_pages()
    settings = GRID if grid else {"traf default": {}}
    preds: dict[str, list[str]] = {}
    with ProcessPoolExecutor(max_workers=workers) as ex:
        for label, s in settings.items():
            preds[label] = list(ex.map(_traf_text, [(h, u, s) for _, h, _, u in pages], chunksize=4))
        both = list(ex.map(_ours_both, [(h, u) for _, h, _, u in pages], chunksize=4))
    preds["ours clean_html"] = [b[0] for b in both]
    preds["ours text path (scrape->clean_text)"] = [b[1] for b in both]
    flat_secs = sum(b[2] for b in both)
    sets = sorted({p[0] for p in pages})
    table = []
    for label, texts in preds.items():
        per_set: dict[str, list[tuple[float, float, float]]] = {s: [] for s in sets}
        for (name, _, ref, _), pred in zip(pages, texts):
            per_set[name].append(token_prf(pred, ref))
        allv = [v for s in sets for v in per_set[s]]
        row = [label] + [_mean(allv)] + [_mean(per_set[s]) for s in sets]
        table.append(row)
    if per_page:
        ours_h, ours_t = preds["ours clean_html"], preds["ours text path (scrape->clean_text)"]
        for i, (name, _, ref, url) in enumerate(pages):
            fh, ft = token_prf(ours_h[i], ref)[2], token_prf(ours_t[i], ref)[2]
            print(f"{i:4d} {name:16s} html={fh:.3f} text={ft:.3f} {url}")
    return table, sets, len(pages), flat_secs


def _mean(vals: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    if not vals:
        return (0.0, 0.0, 0.0)
    return tuple(sum(v[i] for v in vals) / len(vals) for i in range(3))  # type: ignore[return-value]


# ------------------------------------------------------------------------------------ speed
def _normalize_lines(text: str) -> None:
    """Baseline: one normalize_arabic per non-empty line, nothing else."""
    for line in text.splitlines():
        if line.strip():
            normalize_arabic(line)


def _docs_per_second(texts: list[str], repeats: int = 5) -> tuple[float, float, float, float]:
    """(median docs/s by CPU time, best docs/s by CPU time, median docs/s wall clock, median ratio
    of clean_text's CPU time to the baseline's), over `repeats` runs alternating with the baseline.

    CPU time is the honest one-core figure on a shared machine (other processes competing for the
    cores stretch the wall clock more than this process's CPU time; the baseline ratio absorbs the
    rest).
    """
    cpu, wall, ratio = [], [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        for t in texts:
            clean_text(t)
        c1, w1 = time.process_time(), time.perf_counter()
        for t in texts:
            _normalize_lines(t)
        c2 = time.process_time()
        cpu.append(c1 - c0)
        wall.append(w1 - w0)
        ratio.append((c1 - c0) / max(c2 - c1, 1e-9))
    med = statistics.median
    return len(texts) / med(cpu), len(texts) / min(cpu), len(texts) / med(wall), med(ratio)


def bench_speed(max_docs: int = 6000) -> list[tuple[str, int, float, float, float, float]]:
    texts: list[str] = []
    for z in sorted((SHARED / "corpora" / "saudinewsnet").glob("*.zip"))[:3]:
        with zipfile.ZipFile(z) as zf:
            for name in zf.namelist():
                texts += [a["content"] for a in json.loads(zf.read(name)) if a.get("content")]
        if len(texts) >= max_docs:
            break
    texts = texts[:max_docs]
    clean_text(texts[0])  # load rules
    rows = [("SaudiNewsNet article texts", len(texts), *_docs_per_second(texts))]
    seeds = [p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("*.txt"))] * 200
    rows.append(("seeds x200 (full page scrapes)", len(seeds), *_docs_per_second(seeds)))
    return rows


# ------------------------------------------------------------------------------------ stage
# Run in a child with PYTHONPATH=<checkout>: that checkout's clean_shard over every admitted shard.
_STAGE_CHILD = """
import hashlib, json, sys, time
from pathlib import Path
import pyarrow.parquet as pq
from akhbar import staging
from akhbar.tasks.clean import clean_shard
run, shards = Path(sys.argv[1]), json.loads(sys.argv[2])
clean_shard(str(run), shards[0])  # imports, rules and the language model loaded before timing
t0 = time.process_time()
for k in shards:
    clean_shard(str(run), k)
cpu = time.process_time() - t0
digest = hashlib.sha256()
for name in ("clean_paragraphs", "clean_docs", "clean_rejects", "clean_minhash", "clean_docsig"):
    for k in shards:
        path = staging.path(run, name, k)
        if path.exists():
            digest.update(repr(pq.read_table(path).to_pydict()).encode())
print(json.dumps({"cpu": cpu, "digest": digest.hexdigest()}))
"""


def _stage_inputs(name: str, work: Path) -> Path:
    """The files of slice `name` (corpus-jsonl-N, corpus-txt-N), linked into a folder under `work`."""
    kind, n = name.rsplit("-", 1)
    folder, n = work / name, int(n)
    if kind == "corpus-jsonl":  # 500 records a file
        files = sorted((REPO / "data" / "bench" / "corpora" / "jsonl").glob("*.jsonl"))
        n = -(-n // 500)
    elif kind == "corpus-txt":
        files = sorted((REPO / "data" / "bench" / "corpora" / "txt").rglob("*.txt"))
    else:
        sys.exit(f"unknown slice {name}: corpus-jsonl-N or corpus-txt-N")
    if not files:
        sys.exit("no converted corpus under data/bench/corpora: run bench/corpora.py first")
    for f in files[:: max(1, len(files) // n)][:n]:
        (folder / f.parent.name).mkdir(parents=True, exist_ok=True)
        (folder / f.parent.name / f.name).symlink_to(f)
    return folder


def _admitted(inputs: Path, out: Path) -> tuple[Path, list[int]]:
    """Ingest and admit `inputs` with this checkout (2 workers): the run folder and its record shards."""
    from akhbar import store
    from akhbar.flows.executors import LocalExecutor
    from akhbar.settings import Settings
    from akhbar.tasks import ingest

    settings, ex = Settings(), LocalExecutor(2)
    store.init_layout(out)
    run = store.staging_dir(out, "bench")
    run.mkdir(parents=True)
    settings.save(run)
    shards = ingest.plan_ingest_shards(ingest.discover_input_paths([str(inputs)]), settings, ex.n_workers())
    ingest.save_ingest_plan(str(run), shards)
    ex.map(ingest.ingest_task, list(range(len(shards))), run_dir=str(run))
    return run, ex.call(ingest.admit_task, out_dir=str(out), run_dir=str(run), workers=2)["shards"]


def bench_stage(slices: list[str], baseline: str, repeat: int) -> None:
    import subprocess
    import tempfile

    print(f"\n== 4. clean stage: CPU s over the admitted shards, {baseline} vs this checkout, medians of {repeat} ==")
    print(f"{'slice':22s} {'docs':>6s} {baseline[:10]:>10s} {'this':>7s} {'ratio':>6s}  tables")
    with tempfile.TemporaryDirectory(prefix="akhbar-bench-clean-") as tmp:
        work = Path(tmp)
        base = work / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(base), baseline], cwd=REPO, check=True)
        try:
            for name in slices:
                run, shards = _admitted(_stage_inputs(name, work), work / f"out-{name}")
                docs = sum(len(read_shard(run, k)) for k in shards)
                cpu: dict[str, list[float]] = {"base": [], "this": []}
                digests: dict[str, set[str]] = {"base": set(), "this": set()}
                for _ in range(repeat):  # alternating, so a change of load hits both
                    for side, checkout in (("base", base), ("this", REPO)):
                        got = subprocess.run(
                            [sys.executable, "-c", _STAGE_CHILD, str(run), json.dumps(shards)],
                            env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin"},
                            cwd=checkout,
                            check=True,
                            capture_output=True,
                            text=True,
                        )
                        result = json.loads(got.stdout.strip().splitlines()[-1])
                        cpu[side].append(result["cpu"])
                        digests[side].add(result["digest"])
                b, t = statistics.median(cpu["base"]), statistics.median(cpu["this"])
                same = "same" if len(digests["base"] | digests["this"]) == 1 else "DIFFER"
                print(f"{name:22s} {docs:6d} {b:10.2f} {t:7.2f} {t / b:6.2f}  {same}")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=REPO, check=False)


def read_shard(run: Path, shard: int):
    from akhbar.tasks.ingest import read_record_shard

    return read_record_shard(str(run), shard)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--grid", action="store_true", help="compare all trafilatura settings")
    ap.add_argument("--per-page", action="store_true", help="print per-page F1 of our two paths")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--stage", help="the clean stage against --baseline on these slices (section 4 alone)")
    ap.add_argument("--baseline", default="97adda2", help="git revision the stage is compared with")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if args.stage:
        bench_stage(args.stage.split(","), args.baseline, args.repeat)
        return
    if not SHARED.is_dir():
        sys.exit(f"../shared not found at {SHARED}: the benchmark needs the development material")
    t_start = time.time()

    print("\n== 1. seeds vs gold.json (line level, after in-document dedup) ==")
    print(f"{'system':40s} {'P':>6s} {'R':>6s} {'F1':>6s}  notes")
    for label, p, r, f, note in bench_seeds():
        print(f"{label:40s} {p:6.3f} {r:6.3f} {f:6.3f}  {note}")

    print(f"\n== 2. dev HTML pages (token P/R/F1 per page, mean); clean_html settings: {TRAFILATURA_SETTINGS} ==")
    table, sets, n, flat_secs = bench_html(args.grid, args.per_page, args.workers)
    head = f"{'system':40s} {'all P':>6s} {'all R':>6s} {'all F1':>6s}" + "".join(f" {s[:14]:>14s}" for s in sets)
    print(f"({n} pages; per-set columns are F1)")
    print(head)
    for row in table:
        label, allv, *per = row
        print(f"{label:40s} {allv[0]:6.3f} {allv[1]:6.3f} {allv[2]:6.3f}" + "".join(f" {v[2]:14.3f}" for v in per))

    print("\n== 3. clean_text speed (one process, 5 runs; target >= 2,000 docs/s CPU) ==")
    print(
        f"{'input':40s} {'docs':>6s} {'docs/s CPU':>11s} {'best CPU':>9s} {'docs/s wall':>12s}"
        f" {'x normalize-only':>17s}"
    )
    for label, n_docs, cpu, best, wall, ratio in bench_speed():
        print(f"{label:40s} {n_docs:6d} {cpu:11.0f} {best:9.0f} {wall:12.0f} {ratio:17.2f}")
    print("  (docs/s CPU: median; x normalize-only: clean_text CPU time / one normalize_arabic per line)")
    print(f"  (flattened dev pages: {n} docs in {flat_secs:.2f}s = {n / max(flat_secs, 1e-9):.0f} docs/s)")
    print(f"\nbench time {time.time() - t_start:.0f}s")


if __name__ == "__main__":
    main()
