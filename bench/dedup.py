"""Benchmark of the dedup stage (akhbar.tasks.dedup.dedup_run) on the real corpora. Run by hand:

    cd /work/main && PYTHONPATH=. /tmp/v/bin/python bench/dedup.py [--scales 1,4,10] [--repeat 3]
    ... bench/dedup.py --stored 1,4,10      (memory against stored paragraphs of earlier runs)
    ... bench/dedup.py --show-pairs 200     (the near-dup sample, for labelling)

1. Converts ../shared/corpora once (bench/corpora.py) and stages them once: ingest, admit and clean
   run over data/bench/corpora/jsonl/ into data/bench/dedup/staged-1x/ (cached; the clean stage is
   not what is measured). The clean shards also stage the near-duplicate MinHash signatures
   (clean/minhash-K.parquet), so dedup_run's near-dup time below is the LSH join only; a staging
   cached before that is completed once (`ensure_minhash`).
2. Replicates the staged paragraphs k times (k = 4, 10: every copy gets new doc ids and its own
   site names, like a syndicating site; the documents are shuffled with a fixed seed), so time and
   memory growth can be seen; each copy of a text after the first is an exact duplicate.
3. For each scale, runs dedup_run in a fresh subprocess three times: exact only on one DuckDB
   thread (the per-core figure), exact only, and exact + near-dup (near_dup_threshold > 1 switches
   near-duplicates off).
   Reports paragraphs/s (all staged paragraphs / wall seconds of dedup_run), peak RSS, duplicates.
4. A brute-force reference computed in the same run: a plain Python dict over the normalized text
   of the kept/metadata paragraphs in stable order (input_index, record_index, position), without
   site templates; agreement = the share of paragraphs on which reference and dedup_run agree
   (duplicate or not, and the same first occurrence), over the paragraphs the dedup stage did not
   mark as site templates.
5. Near-duplicate precision of the labelled sample (bench/near_dup_labels.tsv; how it was labelled:
   bench/near_dup_labels.md). `--show-pairs [N]` prints the sample (corpus text, to read; not stored).
6. `--stored 1,4,10`: memory against what earlier runs stored. The first half of the corpus (in input
   order), replicated k times, is published as an earlier run (the columns dedup_run reads); then
   dedup_run runs on the second half against it. Peak RSS must stay flat as k grows.
   (Its decisions for k = 1 equal the one-go run's decisions for the second half.)

Peak RSS is the child's VmHWM. The machine is shared: timings move with other load, so compare
ratios within one run of this script (--repeat N prints medians).

Reads ../shared in place; prints a message and exits when it is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Run as a script, sys.path[0] is bench/, whose module names can shadow the standard library.
sys.path[:] = [str(REPO)] + [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]

WORK = REPO / "data" / "bench" / "dedup"


# ---------------------------------------------------------------- staging (cached)


def _stage_shard(args):
    fn_name, run_dir, shard_id = args
    from akhbar.tasks import clean, ingest

    fn = {"ingest": ingest.ingest_shard, "clean": clean.clean_shard}[fn_name]
    return fn(run_dir=run_dir, shard_id=shard_id)


def stage_corpus(inputs: list[Path], run: Path, out: Path, workers: int = 2) -> dict:
    """ingest + admit + clean into `run` (a staging folder of `out`), like akhbar.flows.pipeline does."""
    from akhbar import store
    from akhbar.settings import Settings
    from akhbar.tasks import ingest

    settings = Settings()
    store.init_layout(out)
    run.mkdir(parents=True, exist_ok=True)
    settings.save(run)
    files = ingest.discover_inputs([str(p) for p in inputs])
    shards = ingest.plan_ingest_shards(files, settings)
    ingest.save_ingest_plan(str(run), shards)
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_stage_shard, [("ingest", str(run), i) for i in range(len(shards))]))
        admitted = ingest.admit_records(str(out), str(run))
        list(pool.map(_stage_shard, [("clean", str(run), k) for k in admitted["shards"]]))
    return admitted


def _minhash_shard(paragraphs: str) -> None:
    """clean/minhash-K.parquet of one staged paragraphs-K.parquet, as clean_shard stages it."""
    import pyarrow.parquet as pq

    from akhbar.arabic import normalize_arabic
    from akhbar.settings import Settings
    from akhbar.tasks.dedup import minhash_stage_table

    src = Path(paragraphs)
    settings = Settings.load(src.parent.parent)
    rows = pq.read_table(src, columns=["doc_id", "position", "text", "status"]).to_pydict()
    kept = [k for k, st in enumerate(rows["status"]) if st == "kept"]
    table = minhash_stage_table(
        [rows["doc_id"][k] for k in kept],
        [rows["position"][k] for k in kept],
        [normalize_arabic(rows["text"][k]) for k in kept],
        settings.near_dup_min_words,
    )
    target = src.with_name(src.name.replace("paragraphs-", "minhash-"))
    pq.write_table(table, target.with_suffix(".tmp"))
    target.with_suffix(".tmp").rename(target)


def ensure_minhash(run: Path, workers: int = 2) -> None:
    """A staging cached before the clean shards staged signatures gets them once (same function)."""
    todo = [
        str(f)
        for f in sorted((run / "clean").glob("paragraphs-*.parquet"))
        if not f.with_name(f.name.replace("paragraphs-", "minhash-")).exists()
    ]
    if todo:
        print(f"staging MinHash signatures of {len(todo)} cached clean shards (once) ...", flush=True)
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_minhash_shard, todo))


def staged_1x() -> Path | None:
    from bench.corpora import ensure_corpora

    root = ensure_corpora()
    if root is None:
        return None
    run = WORK / "staged-1x" / "_staging" / "bench"
    done = run / "STAGED"
    if not done.exists():
        shutil.rmtree(WORK / "staged-1x", ignore_errors=True)
        t0 = time.perf_counter()
        print("staging the corpora (ingest, admit, clean; once) ...", flush=True)
        admitted = stage_corpus(sorted((root / "jsonl").glob("*.jsonl")), run, WORK / "staged-1x")
        done.write_text(json.dumps(admitted))
        print(f"  staged {admitted['admitted']} documents in {time.perf_counter() - t0:.0f} s", flush=True)
    ensure_minhash(run)
    return run


# ---------------------------------------------------------------- replicas


def replicate(src_run: Path, k: int, seed: int = 20240501) -> Path:
    """A staged run holding k copies of src_run's documents, shuffled (cached). Each copy gets new
    doc ids and its own site names (a copy is a syndicating site), so site templates stay what they
    are at 1x and every copy's paragraphs are exact duplicates of the first copy in stable order."""
    import duckdb

    if k == 1:
        return src_run
    run = WORK / f"staged-{k}x" / "_staging" / "bench"
    if (run / "STAGED").exists() and (run / "STAGED").read_text() == "v3":
        return run
    shutil.rmtree(run.parent.parent, ignore_errors=True)
    (run / "clean").mkdir(parents=True)
    shutil.copy(src_run / "settings.json", run / "settings.json")
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"""CREATE TEMP TABLE docs AS
        WITH copies AS (
            SELECT d.* REPLACE (CASE WHEN c = 0 THEN d.doc_id ELSE d.doc_id || '-' || c::VARCHAR END AS doc_id,
                                CASE WHEN c = 0 THEN d.site ELSE d.site || '-copy' || c::VARCHAR END AS site),
                   d.doc_id AS src_id
            FROM read_parquet('{src_run}/clean/docs-*.parquet') d, range({k}) t(c))
        SELECT * REPLACE (rn AS input_index, 0::BIGINT AS record_index, (rn // 500)::INTEGER AS shard)
        FROM (SELECT *, (row_number() OVER (ORDER BY hash(doc_id, {seed})) - 1)::BIGINT AS rn FROM copies)""")
    con.execute(f"""COPY (SELECT * EXCLUDE (src_id, rn) FROM docs)
                    TO '{run}/clean/docs-00000.parquet' (FORMAT parquet)""")
    con.execute(f"""COPY (SELECT d.doc_id, p.* EXCLUDE (doc_id)
                          FROM read_parquet('{src_run}/clean/paragraphs-*.parquet') p
                          JOIN docs d ON d.src_id = p.doc_id)
                    TO '{run}/clean/paragraphs-00000.parquet' (FORMAT parquet, ROW_GROUP_SIZE 100000)""")
    # the staged signatures depend on the text only: each copy reuses its source's
    con.execute(f"""COPY (SELECT d.doc_id, m.* EXCLUDE (doc_id)
                          FROM read_parquet('{src_run}/clean/minhash-*.parquet') m
                          JOIN docs d ON d.src_id = m.doc_id)
                    TO '{run}/clean/minhash-00000.parquet' (FORMAT parquet, ROW_GROUP_SIZE 100000)""")
    con.close()
    (run / "STAGED").write_text("v3")
    return run


# ---------------------------------------------------------------- one measured dedup_run (child process)


def _child(run_dir: str, out_dir: str, near: bool) -> None:
    """Runs in a fresh process: dedup_run on a private copy of the staged inputs; prints JSON."""
    from akhbar import store
    from akhbar.settings import Settings
    from akhbar.tasks.dedup import dedup_run

    threads = os.environ.get("AKHBAR_BENCH_THREADS")
    if threads:  # per-core figure: the same pass with DuckDB on one thread
        from akhbar import store as st

        connect = st.work_connection

        def _one_thread(*args, **kwargs):
            con = connect(*args, **kwargs)
            con.execute(f"SET threads = {int(threads)}")
            return con

        st.work_connection = _one_thread
    run, out = Path(run_dir), Path(out_dir)
    settings = Settings.load(run)
    if not near:
        settings = Settings.from_dict(dict(settings.as_dict(), near_dup_threshold=2.0))
    settings.save(run)
    store.init_layout(out)
    t0 = time.perf_counter()
    counts = dedup_run(str(out), str(run), "bench")
    wall = time.perf_counter() - t0
    # VmHWM: this process's own peak RSS (ru_maxrss would include the parent's RSS before exec).
    rss = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024
    print(json.dumps({"counts": counts, "seconds": wall, "peak_rss_mb": rss}))


def link_staged(staged: Path, keep_dir: Path) -> Path:
    """A fresh run folder under keep_dir holding the staged clean/ files (hard links) and settings."""
    shutil.rmtree(keep_dir, ignore_errors=True)
    run = keep_dir / "_staging" / "bench"
    (run / "clean").mkdir(parents=True)
    for f in (staged / "clean").glob("*.parquet"):
        os.link(f, run / "clean" / f.name)
    shutil.copy(staged / "settings.json", run / "settings.json")
    return run


def measure(staged: Path, near: bool, keep_dir: Path, threads: int | None = None) -> dict:
    """Copy the staged clean/ folder (hard links) into keep_dir and run dedup_run there."""
    run = link_staged(staged, keep_dir)
    cmd = [sys.executable, __file__, "--child", str(run), str(keep_dir), "1" if near else "0"]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    if threads:
        env["AKHBAR_BENCH_THREADS"] = str(threads)
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-3000:])
    return dict(json.loads(res.stdout.strip().splitlines()[-1]), run=str(run))


# ---------------------------------------------------------------- brute-force reference


def _stream(result, size: int = 100_000):
    while batch := result.fetchmany(size):
        yield from batch


def reference_agreement(run: Path) -> dict:
    """A plain dict over normalized text in stable order vs the decisions dedup_run wrote."""
    import duckdb

    from akhbar.arabic import normalize_arabic

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    result = con.execute(f"""
        SELECT p.doc_id, p.position, p.text, p.status,
               coalesce(x.reason, '') AS reason, x.first_doc_id, x.first_position
        FROM read_parquet('{run}/clean/paragraphs-*.parquet') p
        JOIN read_parquet('{run}/clean/docs-*.parquet') d USING (doc_id)
        LEFT JOIN read_parquet('{run}/dedup/decisions/*/*.parquet', hive_partitioning = false) x
               USING (doc_id, position)
        ORDER BY d.input_index, d.record_index, p.position""")
    t0 = time.perf_counter()
    norm_cache: dict[str, str] = {}
    first: dict[str, tuple] = {}
    agree = total = ref_dups = 0
    disagreements = []
    in_doc: dict[str, int] = {}
    current_doc = None
    for doc_id, pos, text, status, reason, fdoc, fpos in _stream(result):
        if doc_id != current_doc:
            current_doc, in_doc = doc_id, {}
        norm = norm_cache.get(text)
        if norm is None:
            norm = norm_cache[text] = normalize_arabic(text)
        if not norm:
            continue
        if norm in in_doc:  # inside a document every later copy is a duplicate, whatever its class
            total += 1
            ref_dups += 1
            ok = reason == "exact_dup" and (fdoc, fpos) == (doc_id, in_doc[norm])
            agree += ok
            if not ok and len(disagreements) < 5:
                disagreements.append((doc_id, pos, reason))
            continue
        in_doc[norm] = pos
        if reason == "site_template" or status not in ("kept", "metadata"):
            continue  # templates are decided from site counts, which a dict over text cannot know
        total += 1
        if norm in first and status == "kept":
            ref_dups += 1
            ok = reason == "exact_dup" and (fdoc, fpos) == first[norm]
        else:
            first.setdefault(norm, (doc_id, pos))
            ok = reason != "exact_dup"
        agree += ok
        if not ok and len(disagreements) < 5:
            disagreements.append((doc_id, pos, reason))
    con.close()
    return {
        "paragraphs": total,
        "reference_dups": ref_dups,
        "agreement": agree / max(total, 1),
        "disagreements": disagreements,
        "reference_seconds": time.perf_counter() - t0,
    }


def count_paragraphs(run: Path) -> int:
    import duckdb

    return (
        duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{run}/clean/paragraphs-*.parquet')").fetchone()[0]
    )


# ---------------------------------------------------------------- stored state of earlier runs


def publish_measured(measured_run: Path, out: Path, run_id: str) -> int:
    """Publish a measured dedup_run's results into `out` as a completed run, with just the columns
    dedup_run reads from earlier runs (the rest null), the way write + publish would. Returns the
    number of paragraphs stored."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from akhbar import schema, store

    store.init_layout(out)
    con = duckdb.connect()
    con.execute("SET memory_limit = '4GB'")

    def put(table: str, query: str) -> int:
        part = con.sql(query).to_arrow_table()
        target = schema.SCHEMAS[table]
        cols = [
            part.column(f.name).cast(f.type) if f.name in part.column_names else pa.nulls(part.num_rows, f.type)
            for f in target
        ]
        pq.write_table(pa.Table.from_arrays(cols, schema=target), out / table / store.published_name(run_id, "00000"))
        return part.num_rows

    n = put(
        "paragraphs",
        f"""
        SELECT p.doc_id, p.position::INTEGER AS position, p.norm_hash, coalesce(x.status, p.status) AS status,
               coalesce(x.reason, p.reason) AS reason, '{run_id}' AS run_id
        FROM read_parquet('{measured_run}/clean/paragraphs-*.parquet') p
        LEFT JOIN read_parquet('{measured_run}/dedup/decisions/*/*.parquet', hive_partitioning = false) x
               USING (doc_id, position)""",
    )
    put(
        "documents",
        f"""SELECT doc_id, input_index, record_index, site, '{run_id}' AS run_id
                         FROM read_parquet('{measured_run}/clean/docs-*.parquet')""",
    )
    put(
        "site_lines",
        f"SELECT * REPLACE ('{run_id}' AS run_id) FROM read_parquet('{measured_run}/dedup/site_lines.parquet')",
    )
    state = measured_run / "final" / "paragraph_minhash" / "00000.parquet"
    if state.exists():
        put("paragraph_minhash", f"SELECT * REPLACE ('{run_id}' AS run_id) FROM read_parquet('{state}')")
    con.close()
    pq.write_table(
        schema.table_from_rows("runs", [{"run_id": run_id}]), out / "runs" / store.published_name(run_id, "00000")
    )
    return n


def stored_growth(scales: list[int]) -> list[dict]:
    """dedup_run of the second half of the corpus against an output folder that already stores the
    first half replicated k times (published as earlier runs): peak memory and time against k."""
    import duckdb

    base = staged_1x()
    half = WORK / "half-b" / "_staging" / "bench"
    first = WORK / "half-a" / "_staging" / "bench"
    for run, cond in ((first, "<"), (half, ">=")):
        if not (run / "STAGED").exists() or (run / "STAGED").read_text() != "ok2":
            shutil.rmtree(run, ignore_errors=True)
            (run / "clean").mkdir(parents=True)
            shutil.copy(base / "settings.json", run / "settings.json")
            con = duckdb.connect()
            mid = con.execute(
                f"SELECT median(input_index) FROM read_parquet('{base}/clean/docs-*.parquet')"
            ).fetchone()[0]
            con.execute(f"""COPY (SELECT * FROM read_parquet('{base}/clean/docs-*.parquet') WHERE input_index {cond} {mid})
                            TO '{run}/clean/docs-00000.parquet' (FORMAT parquet)""")
            con.execute(f"""COPY (SELECT p.* FROM read_parquet('{base}/clean/paragraphs-*.parquet') p
                                  SEMI JOIN read_parquet('{run}/clean/docs-00000.parquet') d USING (doc_id))
                            TO '{run}/clean/paragraphs-00000.parquet' (FORMAT parquet)""")
            con.execute(f"""COPY (SELECT m.* FROM read_parquet('{base}/clean/minhash-*.parquet') m
                                  SEMI JOIN read_parquet('{run}/clean/docs-00000.parquet') d USING (doc_id))
                            TO '{run}/clean/minhash-00000.parquet' (FORMAT parquet)""")
            con.close()
            (run / "STAGED").write_text("ok2")
    rows = []
    for k in scales:
        stored_src = _replicate_named(first, k) if k > 1 else first
        measured = measure(stored_src, True, WORK / f"stored-src-{k}x")
        out = WORK / f"stored-out-{k}x"
        shutil.rmtree(out, ignore_errors=True)
        n_stored = publish_measured(Path(measured["run"]), out, "20000101T000000000000Z-0000")
        # the new run: second half, against that output folder
        run = link_staged(half, WORK / f"stored-new-{k}x")
        cmd = [sys.executable, __file__, "--child", str(run), str(out), "1"]
        res = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)))
        if res.returncode != 0:
            raise RuntimeError(res.stderr[-3000:])
        r = json.loads(res.stdout.strip().splitlines()[-1])
        rows.append({"stored_paragraphs": n_stored, "new_paragraphs": count_paragraphs(run), **r})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def _replicate_named(src: Path, k: int) -> Path:
    """replicate() for a source other than the 1x corpus (its own cache folder)."""
    global WORK
    saved = WORK
    try:
        WORK = saved / f"rep-{src.parent.parent.name}"
        return replicate(src, k)
    finally:
        WORK = saved


# ---------------------------------------------------------------- near-duplicate precision

LABELS = REPO / "bench" / "near_dup_labels.tsv"


def sample_pairs(run: Path, n: int = 200, seed: int = 7) -> list[dict]:
    """n near-dup decisions drawn at random (fixed seed) with both texts, for labelling by reading."""
    import duckdb

    con = duckdb.connect()
    rows = con.execute(f"""
        SELECT x.doc_id, x.position, x.first_doc_id, x.first_position, x.similarity, a.text AS text, b.text AS first_text
        FROM read_parquet('{run}/dedup/decisions/*/*.parquet', hive_partitioning = false) x
        JOIN read_parquet('{run}/clean/paragraphs-*.parquet') a USING (doc_id, position)
        JOIN read_parquet('{run}/clean/paragraphs-*.parquet') b
             ON b.doc_id = x.first_doc_id AND b.position = x.first_position
        WHERE x.reason = 'near_dup' ORDER BY x.doc_id, x.position""").fetchall()
    con.close()
    keys = ["doc_id", "position", "first_doc_id", "first_position", "similarity", "text", "first_text"]
    picked = random.Random(seed).sample(rows, min(n, len(rows)))
    return [dict(zip(keys, r)) for r in picked]


def show_pairs(run: Path, n: int = 200) -> None:
    """Print the sample as a word diff (what changed between the earlier and the later paragraph)."""
    import difflib

    for k, p in enumerate(sample_pairs(run, n)):
        a, b = p["first_text"].split(), p["text"].split()
        ops = []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if tag != "equal":
                ops.append(f"{tag}[{' '.join(a[i1:i2])} -> {' '.join(b[j1:j2])}]")
        print(
            f"#{k} {p['first_doc_id']}:{p['first_position']} {p['doc_id']}:{p['position']} "
            f"sim={p['similarity']:.2f} words={len(a)}/{len(b)}"
        )
        print("   A:", " ".join(a[:40]))
        print("   diff:", " | ".join(ops)[:600])


def precision(run: Path) -> dict:
    """Precision of the labelled pairs still reported by this run's decisions."""
    import csv

    labels = list(csv.DictReader(open(LABELS, encoding="utf-8"), delimiter="\t"))
    reported = {
        (p["doc_id"], int(p["position"]), p["first_doc_id"], int(p["first_position"])) for p in sample_pairs(run, 10**9)
    }
    found = [
        r for r in labels if (r["doc_id"], int(r["position"]), r["first_doc_id"], int(r["first_position"])) in reported
    ]
    same = sum(1 for r in found if r["label"] == "same")
    return {
        "labelled": len(labels),
        "still_reported": len(found),
        "same": same,
        "precision": same / max(len(found), 1),
        "by_label": {lab: sum(1 for r in found if r["label"] == lab) for lab in sorted({r["label"] for r in found})},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="benchmark of the dedup stage")
    ap.add_argument("--scales", default="1,4,10")
    ap.add_argument("--repeat", type=int, default=1, help="runs per setting (the median is shown)")
    args = ap.parse_args(argv)
    base = staged_1x()
    if base is None:
        print("../shared/corpora not found: nothing to benchmark (it sits beside the checkout).")
        return 0
    rows = []
    for k in [int(x) for x in args.scales.split(",")]:
        staged = replicate(base, k)
        n = count_paragraphs(staged)
        for near, threads in ((False, 1), (False, None), (True, None)):
            mode = ("exact+near" if near else "exact") + (" 1 thread" if threads else "")
            runs = [
                measure(staged, near, WORK / f"measure-{k}x-{'near' if near else 'exact'}", threads)
                for _ in range(args.repeat)
            ]
            runs.sort(key=lambda r: r["seconds"])
            r = runs[len(runs) // 2]
            c = r["counts"]
            ref = reference_agreement(Path(r["run"])) if not near and not threads else None
            rows.append(
                {
                    "scale": f"{k}x",
                    "mode": mode,
                    "paragraphs": n,
                    "seconds": r["seconds"],
                    "para_per_s": n / r["seconds"],
                    "exact_para_per_s": n / c["exact_seconds"],
                    "peak_rss_mb": r["peak_rss_mb"],
                    "exact_dup": c["exact_dup"],
                    "near_dup": c.get("near_dup", 0),
                    "site_template": c["site_template"],
                    "agreement": ref["agreement"] if ref else None,
                    "reference_dups": ref["reference_dups"] if ref else None,
                    "disagreements": ref["disagreements"] if ref else None,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    one = WORK / "measure-1x-near" / "_staging" / "bench"
    if LABELS.exists() and (one / "dedup").exists():
        pr = precision(one)
        print()
        print(
            f"near-dup precision on the labelled sample (bench/near_dup_labels.tsv, see near_dup_labels.md): "
            f"{pr['same']}/{pr['still_reported']} = {pr['precision']:.3f} "
            f"({pr['still_reported']} of {pr['labelled']} labelled pairs still reported; labels {pr['by_label']})"
        )
    print()
    print(
        "| scale | mode | paragraphs | dedup_run s | paragraphs/s | exact part paragraphs/s | peak RSS MB "
        "| exact_dup | near_dup | site_template | brute-force dups | agreement |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        agreement = f"{100 * r['agreement']:.3f}%" if r["agreement"] is not None else "-"
        print(
            f"| {r['scale']} | {r['mode']} | {r['paragraphs']:,} | {r['seconds']:.1f} | {r['para_per_s']:,.0f} "
            f"| {r['exact_para_per_s']:,.0f} | {r['peak_rss_mb']:,.0f} | {r['exact_dup']:,} | {r['near_dup']:,} "
            f"| {r['site_template']:,} | {r['reference_dups'] or '-'} | {agreement} |"
        )
    base_row = rows[0]
    print()
    print("growth against 1x (same mode): time ratio / paragraphs ratio, RSS ratio")
    for r in rows:
        b = next(x for x in rows if x["scale"] == "1x" and x["mode"] == r["mode"])
        print(
            f"  {r['scale']:>4} {r['mode']:<11} paragraphs x{r['paragraphs'] / b['paragraphs']:.1f}  "
            f"time x{r['seconds'] / b['seconds']:.2f}  RSS x{r['peak_rss_mb'] / b['peak_rss_mb']:.2f}"
        )
    del base_row
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--stage-only":
        staged_1x()
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "--show-pairs":  # for labelling: prints corpus text, not stored
        show_pairs(WORK / "measure-1x-near" / "_staging" / "bench", int(sys.argv[2]) if len(sys.argv) > 2 else 200)
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "--stored":  # memory against stored paragraphs of earlier runs
        rows = stored_growth([int(x) for x in (sys.argv[2] if len(sys.argv) > 2 else "1,4,10").split(",")])
        print()
        print(
            "| stored paragraphs (earlier runs) | new run paragraphs | dedup_run s | peak RSS MB | exact_dup | near_dup |"
        )
        print("|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            c = r["counts"]
            print(
                f"| {r['stored_paragraphs']:,} | {r['new_paragraphs']:,} | {r['seconds']:.1f} | {r['peak_rss_mb']:,.0f} "
                f"| {c['exact_dup']:,} | {c['near_dup']:,} |"
            )
        sys.exit(0)
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4] == "1")
        sys.exit(0)
    sys.exit(main())
