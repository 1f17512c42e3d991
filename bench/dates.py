"""Benchmark of the dates stage (tasks/dates/).

Run:  cd /work/main && PYTHONPATH=. python bench/dates.py [--quick]

Prints
  1. the share of probe lines (../shared/dates/probe.tsv) whose whole set of mentions
     (value and granularity) is exactly right, for our extractor, dateparser's
     search_dates(languages=['ar']) and Duckling (only if the `duckling` package imports);
  2. speed: mentions per second over the probe and seed texts, and ms per typical
     2,000-character article (ours vs dateparser);
  3. publication-date accuracy (exact day) on the HTML pages of ../shared/dev/html/
     (fundus pages with <Publisher>.json truth, newspaper4k pages with publish_date),
     ours (publication_date_from_html) vs htmldate alone.

  4. before/after on real corpus paragraphs (data/bench/corpora/jsonl/*.jsonl, field `text` split
     on blank lines, the JSONL `published` day as reference): paragraphs/s and ms per 2,000
     characters, CPU time, median of several runs, for this checkout's extract_mentions against
     the dates stage + akhbar/arabic.py as of a baseline git revision (the single file tasks/dates.py or
     the package tasks/dates/, loaded from git into this same process), and a check that both give identical mentions.

     Without data/bench/corpora/jsonl, the paragraphs of the ANT multisource articles in ../shared
     (their TIME as reference) are used; the last row is the CPU-time ratio against the 1.2x budget.

Reads ../shared in place (sections 1-3 are skipped with a message when it is absent).
`--corpus-only` runs section 4 alone; `--baseline REV` (default 4fb4486, before the
folding/gating speed-ups) and `--paragraphs N` (default 20000) tune it. Section 3 also times each
publication-date reader alone (akhbar.tasks.dates.HTML_DATE_READERS, how their order was chosen) and checks
the scrapinghub pages (no truth date) for implausible values.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts bench/ first on sys.path, where bench/html.py would shadow the
# standard library's `html` (used here and by htmldate's dependencies): drop that entry.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import datetime as dt
import gzip
import html as html_lib
import json
import statistics
import time
import warnings

from akhbar.tasks.dates import extract_mentions, publication_date_from_header, publication_date_from_html

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def load_probe() -> list[tuple[dt.date | None, str, list[tuple[str, str]]]]:
    rows = []
    for line in (SHARED / "dates" / "probe.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("reference\t"):
            continue
        ref, text, *rest = line.split("\t")
        exp = rest[0] if rest else ""
        mentions = [tuple(x.split("|")) for x in exp.split(";") if x]
        rows.append((None if ref == "-" else dt.date.fromisoformat(ref), text, mentions))
    return rows


def _as_granularity(value: dt.datetime, gran: str) -> str:
    if gran == "year":
        return f"{value.year:04d}"
    if gran == "month":
        return f"{value.year:04d}-{value.month:02d}"
    if gran == "day":
        return value.date().isoformat()
    if gran == "datetime":
        return value.isoformat(timespec="minutes" if value.second == 0 else "seconds").replace("+00:00", "Z")
    if gran == "time":
        return "T" + value.strftime("%H:%M")
    if gran == "weekday":
        return value.strftime("%A").lower()
    return value.isoformat()


def score_ours(rows) -> tuple[int, list[str]]:
    ok, fails = 0, []
    for ref, text, exp in rows:
        got = [(m.value, m.granularity) for m in extract_mentions(text, ref)]
        if got == [tuple(e) for e in exp]:
            ok += 1
        else:
            fails.append(f"{text!r}: expected {exp}, got {got}")
    return ok, fails


def score_dateparser(rows) -> tuple[int, float]:
    """A line is right when search_dates finds as many dates as expected and each, printed at the
    expected granularity (dateparser has none of its own), equals the expected value. This is lenient
    to dateparser: it is never charged for false precision."""
    from dateparser.search import search_dates

    ok, t0 = 0, time.process_time()
    for ref, text, exp in rows:
        settings = {"RELATIVE_BASE": dt.datetime.combine(ref, dt.time())} if ref else {}
        try:
            found = search_dates(text, languages=["ar"], settings=settings) or []
        except Exception:
            found = []
        if len(found) != len(exp):
            continue
        if all(_as_granularity(v, g) == ev or (g == "weekday" and False) for (_, v), (ev, g) in zip(found, exp)):
            ok += 1
    return ok, (time.process_time() - t0) / max(1, len(rows)) * 1000


def score_duckling(rows):
    try:
        from duckling import DucklingWrapper  # type: ignore
    except Exception:
        return None
    try:
        d = DucklingWrapper(language="ar")
    except Exception:
        return None
    ok = 0
    for ref, text, exp in rows:
        try:
            res = d.parse_time(text, reference_time=str(ref) if ref else "")
        except Exception:
            res = []
        got = []
        for r in res:
            v = r.get("value", {})
            val = v.get("value") if isinstance(v, dict) else None
            got.append(str(val)[:10] if val else "")
        if len(got) == len(exp) and all(g.startswith(e[0][:10]) for g, e in zip(got, exp)):
            ok += 1
    return ok


def typical_articles() -> list[str]:
    """Seed scrapes and corpus-like text cut into ~2,000-character articles."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("*.txt"))]
    articles = []
    for t in texts:
        for i in range(0, max(1, len(t) - 1000), 2000):
            chunk = t[i : i + 2000]
            if len(chunk) > 1000:
                articles.append(chunk)
    return articles


def corpus_articles(n: int = 300) -> list[tuple[str, dt.date | None]]:
    """The first n documents (TEXT, and TIME as reference) of the ANT multisource corpus, streamed."""
    import re
    import tarfile

    from akhbar.tasks.dates import publication_date_from_field

    path = SHARED / "corpora" / "ant-multisource" / "ant-multisource-v2.1.tar.xz"
    out: list[tuple[str, dt.date | None]] = []
    if not path.exists():
        return out
    with tarfile.open(path, "r:xz") as tar:
        for member in tar:
            if not member.isfile():
                continue
            raw = tar.extractfile(member).read().decode("utf-8", "replace")
            text = re.search(r"<TEXT>(.*?)</TEXT>", raw, re.S)
            when = re.search(r"<TIME>(.*?)</TIME>", raw, re.S)
            if not text:
                continue
            p = publication_date_from_field(when.group(1).strip() if when else None, "TIME")
            out.append((text.group(1).strip(), p.value if p else None))
            if len(out) >= n:
                break
    return out


def bench_speed() -> dict:
    arts = typical_articles()
    rows = load_probe()
    # mentions per second: every probe line and every seed paragraph, each with a reference
    paras = [p for a in arts for p in a.split("\n") if p.strip()]
    inputs = [(t, r) for r, t, _ in rows] + [(p, dt.date(2017, 2, 8)) for p in paras]
    n_mentions, t0, reps = 0, time.process_time(), 20
    for _ in range(reps):
        for t, r in inputs:
            n_mentions += len(extract_mentions(t, r))
    el = time.process_time() - t0
    per_article = []
    for a in arts:
        t0 = time.process_time()
        for _ in range(20):
            for para in a.split("\n"):
                extract_mentions(para, dt.date(2017, 2, 8))
        per_article.append((time.process_time() - t0) / 20 * 1000)
    whole = []
    for a in arts:
        t0 = time.process_time()
        for _ in range(20):
            extract_mentions(a, dt.date(2017, 2, 8))
        whole.append((time.process_time() - t0) / 20 * 1000)
    corpus = corpus_articles()
    corpus_ms = None
    if corpus:
        chars = sum(len(t) for t, _ in corpus)
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            for t, r in corpus:
                for para in t.split("\n"):
                    extract_mentions(para, r)
            best = min(best, time.process_time() - t0)
        corpus_ms = best / (chars / 2000) * 1000
    out = {
        "corpus_ms_per_2000": corpus_ms,
        "corpus_docs": len(corpus),
        "mentions_per_s": n_mentions / el,
        "ms_per_article_by_paragraph": statistics.median(per_article),
        "ms_per_article_whole": statistics.median(whole),
        "n_articles": len(arts),
    }
    try:
        from dateparser.search import search_dates

        dp = []
        for a in arts[:4]:
            t0 = time.process_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                search_dates(a, languages=["ar"])
            dp.append((time.process_time() - t0) * 1000)
        out["dateparser_ms_per_article"] = statistics.median(dp)
    except ImportError:
        out["dateparser_ms_per_article"] = None
    return out


def html_pages() -> list[tuple[str, str, str | None, dt.date]]:
    """(name, html, url, true publication date) for the pages whose truth states a date."""
    pages = []
    root = SHARED / "dev" / "html"
    for info in sorted((root / "fundus").glob("*/meta.info")):
        meta = json.loads(info.read_text())
        for truth_file in sorted(info.parent.glob("*.json")):
            publisher = truth_file.stem
            truth = json.loads(truth_file.read_text())
            files = sorted(f for f in meta if f.startswith(publisher + "_") and (info.parent / f).exists())
            htmls = {f: gzip.decompress((info.parent / f).read_bytes()).decode("utf-8", "replace") for f in files}
            # a version (V1, V1_1, V2 ...) belongs to the page that carries its title; else crawl order
            for i, key in enumerate(truth):
                pd = truth[key].get("publishing_date")
                if not pd:
                    continue
                title = html_lib.escape(truth[key].get("title") or "", quote=False)[:40]
                fname = next(
                    (f for f in files if title and (title in htmls[f] or title in html_lib.unescape(htmls[f]))), None
                )
                if fname is None:
                    if i >= len(files):
                        continue
                    fname = files[i]
                pages.append(
                    (
                        f"fundus/{info.parent.name}/{fname}",
                        htmls[fname],
                        meta[fname]["url"],
                        dt.date.fromisoformat(pd[:10]),
                    )
                )
    for jf in sorted((root / "newspaper4k").glob("*.json")):
        d = json.loads(jf.read_text())
        if d.get("publish_date"):
            html = jf.with_suffix(".html").read_text(encoding="utf-8", errors="replace")
            pages.append((f"newspaper4k/{jf.name}", html, d.get("url"), dt.date.fromisoformat(d["publish_date"][:10])))
    return pages


def bench_html() -> dict:
    """Exact-day accuracy on the dated dev pages: our chain, each of our readers alone (how the order of
    akhbar.tasks.dates.HTML_DATE_READERS is chosen: a reader's precision = right / found), and htmldate
    extensive and fast, side by side on the same pages."""
    from htmldate import find_date

    from akhbar.tasks.clean import parse_html
    from akhbar.tasks.dates import HTML_DATE_READERS, publication_date_by

    pages = html_pages()
    ours_ok = hd_ok = hd_fast_ok = 0
    misses, t_ours, t_hd = [], 0.0, 0.0
    methods: dict[str, int] = {}
    alone = {r: [0, 0] for r in HTML_DATE_READERS}  # reader -> [found, right]
    for name, html, url, truth in pages:
        t0 = time.process_time()
        p = publication_date_from_html(html, url)
        t_ours += time.process_time() - t0
        if p is not None:
            methods[p.method] = methods.get(p.method, 0) + 1
        if p is not None and p.value == truth:
            ours_ok += 1
        else:
            misses.append(f"{name}: truth {truth}, ours {p.value if p else None} ({p.method if p else '-'})")
        tree = parse_html(html)
        for reader in HTML_DATE_READERS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = publication_date_by(reader, html, url, tree)
            if r is not None:
                alone[reader][0] += 1
                alone[reader][1] += r.value == truth
        t0 = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hd = find_date(html, url=url, original_date=True, extensive_search=True)
        t_hd += time.process_time() - t0
        hd_ok += hd == truth.isoformat()
        hd_fast = find_date(html, url=url, original_date=True, extensive_search=False)
        hd_fast_ok += hd_fast == truth.isoformat()
    n = len(pages)
    return {
        "n": n,
        "ours": ours_ok / n,
        "htmldate": hd_ok / n,
        "htmldate_fast": hd_fast_ok / n,
        "ours_ok": ours_ok,
        "htmldate_ok": hd_ok,
        "alone": alone,
        "ms_ours": t_ours / n * 1000,
        "ms_htmldate": t_hd / n * 1000,
        "misses": misses,
        "methods": methods,
    }


def bench_html_undated() -> dict:
    """The scrapinghub pages (no date in their truth): which reader decided, and that no value is a
    placeholder, before 1900 or in the future; how often our date agrees with htmldate extensive's."""
    from htmldate import find_date

    from akhbar.tasks.dates import plausible_published

    root = SHARED / "dev" / "html" / "scrapinghub-aeb"
    truth = json.loads((root / "ground-truth.json").read_text())
    n = found = implausible = agree = hd_found = 0
    methods: dict[str, int] = {}
    for key, rec in sorted(truth.items()):
        path = root / "html" / f"{key}.html.gz"
        if not path.exists():
            continue
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        n += 1
        p = publication_date_from_html(html, rec.get("url"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hd = find_date(html, url=rec.get("url"), original_date=True, extensive_search=True)
        hd_found += hd is not None
        if p is None:
            continue
        found += 1
        methods[p.method] = methods.get(p.method, 0) + 1
        implausible += not plausible_published(p.value)
        agree += hd == p.value.isoformat()
    return {
        "n": n,
        "found": found,
        "implausible": implausible,
        "agree": agree,
        "hd_found": hd_found,
        "methods": methods,
    }


def bench_seeds() -> tuple[int, int]:
    gold = json.loads((SHARED / "seeds" / "gold.json").read_text(encoding="utf-8"))
    ok = n = 0
    for name, g in gold.items():
        if name == "about":
            continue
        lines = [ln for ln in (SHARED / "seeds" / name).read_text(encoding="utf-8").splitlines() if ln.strip()]
        p = publication_date_from_header(lines[:6])
        got = p.value.isoformat() if p else None
        ok += got == g["published"]
        n += 1
    return ok, n


CORPUS_JSONL = Path(__file__).resolve().parents[1] / "data" / "bench" / "corpora" / "jsonl"
_SHARD_MARKER = "# ---------------------------------------------------------------- shard entry point"


def _arg(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def corpus_paragraphs(n: int) -> list[tuple[str, dt.date | None]]:
    """n paragraphs spread evenly over all corpus files (every k-th), with the JSONL day as reference."""
    paras: list[tuple[str, dt.date | None]] = []
    for path in sorted(CORPUS_JSONL.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                try:
                    ref = dt.date.fromisoformat((d.get("published") or "")[:10])
                except ValueError:
                    ref = None
                paras.extend((p, ref) for p in (d.get("text") or "").split("\n\n") if p.strip())
    step = max(1, len(paras) // n)
    return paras[::step][:n]


def baseline_extractor(rev: str):
    """extract_mentions of the dates stage with its akhbar/arabic.py, both as of git revision `rev`.

    Works on either layout: the single file tasks/dates.py (with its tasks/dates_*.py companions, where the
    revision has them) or the package tasks/dates/. The revision's files are copied from git into a temporary
    package `_baseline_<rev>` (their imports of akhbar.tasks.dates* and akhbar.arabic pointed there) and imported
    into this same process; the rest of akhbar they import is this checkout's."""
    import importlib
    import re
    import subprocess
    import tempfile

    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout

    pkg = "_baseline_" + re.sub(r"\W", "_", rev)
    names = git("ls-tree", "-r", "--name-only", rev, "tasks/").split()
    files = [
        f
        for f in names
        if f.endswith(".py") and (f == "tasks/dates.py" or f.startswith(("tasks/dates_", "tasks/dates/")))
    ]
    tmp = Path(tempfile.mkdtemp(prefix="akhbar-bench-dates-"))
    for f in [*files, "akhbar/arabic.py"]:
        src = git("show", f"{rev}:{f}")
        if f == "tasks/dates.py":
            src = src.split(_SHARD_MARKER)[0]  # the pipeline glue is not needed
        src = re.sub(r"\bfrom tasks import\b", f"from {pkg}.tasks import", src)
        src = re.sub(r"\bfrom (?:akhbar\.)?tasks\.dates", f"from {pkg}.tasks.dates", src)
        src = src.replace("from akhbar.arabic import", f"from {pkg}.akhbar.arabic import")
        dest = tmp / pkg / f
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(src, encoding="utf-8")
    for folder in (tmp / pkg, tmp / pkg / "tasks", tmp / pkg / "akhbar"):
        (folder / "__init__.py").touch()
    sys.path.insert(0, str(tmp))
    extract = importlib.import_module(f"{pkg}.tasks.dates").extract_mentions
    assert extract.__module__.startswith(pkg), f"the baseline's extract_mentions is {extract.__module__}'s"
    return extract


def _as_tuples(mentions) -> list[tuple]:
    return [(m.start, m.end, m.surface, m.value, m.granularity, m.calendar) for m in mentions]


def ant_paragraphs(n: int) -> list[tuple[str, dt.date | None]]:
    """n non-empty paragraphs of the ANT multisource articles in ../shared (their TIME as reference): the
    slice the timing runs on when data/bench/corpora/jsonl is absent."""
    paras: list[tuple[str, dt.date | None]] = []
    docs = 50
    while len(paras) < n:
        paras = [(p, r) for t, r in corpus_articles(docs) for p in t.split("\n") if p.strip()]
        if docs >= 20000:
            break
        docs *= 2
    return paras[:n]


def bench_corpus(n: int, rev: str, runs: int = 5) -> dict | None:
    if CORPUS_JSONL.is_dir():
        paras = corpus_paragraphs(n)
    elif SHARED.is_dir():
        paras = ant_paragraphs(n)
    else:
        return None
    if not paras:
        return None
    chars = sum(len(p) for p, _ in paras)
    before = baseline_extractor(rev)
    # same output first (also warms both up): with the reference and without one
    diffs = sum(
        _as_tuples(before(p, r)) != _as_tuples(extract_mentions(p, r))
        or _as_tuples(before(p, None)) != _as_tuples(extract_mentions(p, None))
        for p, r in paras
    )
    times: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(runs):  # interleaved, so a load change on the shared machine hits both
        for name, fn in (("before", before), ("after", extract_mentions)):
            t0 = time.process_time()
            for p, r in paras:
                fn(p, r)
            times[name].append(time.process_time() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "n": len(paras),
        "chars": chars,
        "diffs": diffs,
        "rev": rev,
        "runs": runs,
        "source": str(CORPUS_JSONL) if CORPUS_JSONL.is_dir() else "ANT multisource (../shared)",
        **{f"{k}_para_s": len(paras) / v for k, v in med.items()},
        **{f"{k}_ms_2000": v / (chars / 2000) * 1000 for k, v in med.items()},
        "speedup": med["before"] / med["after"],
    }


def print_corpus(c: dict | None) -> None:
    if c is None:
        print(f"## Corpus paragraphs: neither {CORPUS_JSONL} nor ../shared found, skipped")
        return
    print(
        f"## Real corpus paragraphs, before ({c['rev']}) vs after (this checkout), same run, CPU time, "
        f"median of {c['runs']}"
    )
    print()
    print(
        f"{c['n']:,} paragraphs of {c['source']}, {c['chars']:,} chars; paragraphs whose mentions differ (with "
        f"and without reference): {c['diffs']}"
    )
    print()
    print("| extract_mentions | paragraphs/s | ms per 2,000 chars |")
    print("|---|---|---|")
    print(f"| before ({c['rev']}) | {c['before_para_s']:,.0f} | {c['before_ms_2000']:.3f} |")
    print(f"| after | {c['after_para_s']:,.0f} | {c['after_ms_2000']:.3f} |")
    print(f"| after / before speed | {c['speedup']:.2f}x | |")
    print(f"| after / before CPU time | {1 / c['speedup']:.2f}x | (budget: 1.20x) |")
    print()


def main() -> int:
    corpus_only = "--corpus-only" in sys.argv
    print_corpus(bench_corpus(int(_arg("--paragraphs", "20000")), _arg("--baseline", "4fb4486")))
    if corpus_only:
        return 0
    if not SHARED.is_dir():
        print(
            f"../shared not found at {SHARED}: the probe, seed and HTML sections are skipped "
            "(it sits beside the checkout)."
        )
        return 0
    quick = "--quick" in sys.argv
    rows = load_probe()
    ours, fails = score_ours(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dp, _dp_ms_line = score_dateparser(rows)
    duck = None if quick else score_duckling(rows)
    n = len(rows)
    print("## Probe (../shared/dates/probe.tsv): lines whose whole set of mentions is exactly right")
    print()
    print("| extractor | exact lines | share |")
    print("|---|---|---|")
    print(f"| akhbar tasks/dates | {ours}/{n} | {ours / n:.2f} |")
    print(f"| dateparser search_dates(languages=['ar']) | {dp}/{n} | {dp / n:.2f} |")
    print(
        f"| Duckling | {'not importable here: skipped' if duck is None else f'{duck}/{n}'} | "
        f"{'-' if duck is None else f'{duck / n:.2f}'} |"
    )
    for f in fails:
        print("  miss:", f)
    print()
    sp = bench_speed()
    print("## Speed (one core)")
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| mentions per second (probe + seed paragraphs) | {sp['mentions_per_s']:,.0f} |")
    print(
        f"| ms per 2,000-char article, paragraph by paragraph (median of {sp['n_articles']}) | "
        f"{sp['ms_per_article_by_paragraph']:.2f} |"
    )
    print(f"| ms per 2,000-char article, one string | {sp['ms_per_article_whole']:.2f} |")
    if sp.get("corpus_ms_per_2000") is not None:
        print(
            f"| ms per 2,000 chars, ANT multisource ({sp['corpus_docs']} articles, by paragraph, CPU time) | "
            f"{sp['corpus_ms_per_2000']:.2f} |"
        )
    if sp.get("dateparser_ms_per_article") is not None:
        print(f"| dateparser search_dates, ms per 2,000-char article | {sp['dateparser_ms_per_article']:.0f} |")
    print()
    s_ok, s_n = bench_seeds()
    print(
        f"## Publication date from header lines (seeds, first 6 non-empty lines): {s_ok}/{s_n} right "
        f"(2 dated, 3 must stay null)"
    )
    print()
    h = bench_html()
    print(f"## Publication date from HTML ({h['n']} pages of ../shared/dev/html with a stated date), exact day")
    print()
    print("| method | exact day | accuracy | ms/page |")
    print("|---|---|---|---|")
    print(f"| akhbar publication_date_from_html | {h['ours_ok']}/{h['n']} | {h['ours']:.3f} | {h['ms_ours']:.1f} |")
    print(
        f"| htmldate find_date(original_date=True, extensive_search=True) | {h['htmldate_ok']}/{h['n']} | "
        f"{h['htmldate']:.3f} | {h['ms_htmldate']:.1f} |"
    )
    print(f"| htmldate find_date(original_date=True, extensive_search=False) | - | {h['htmldate_fast']:.3f} | - |")
    print()
    print("| our reader alone (chain order) | pages with a date | right | precision |")
    print("|---|---|---|---|")
    for reader, (got, right) in h["alone"].items():
        print(f"| {reader} | {got} | {right} | {right / got if got else 0:.3f} |")
    print()
    print("methods used:", ", ".join(f"{k} {v}" for k, v in sorted(h["methods"].items())))
    u = bench_html_undated()
    print(
        f"scrapinghub pages (no truth date): {u['n']} pages, ours dated {u['found']} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(u['methods'].items()))}), implausible {u['implausible']}, "
        f"same day as htmldate extensive {u['agree']} (htmldate dated {u['hd_found']})"
    )
    for m in h["misses"]:
        print("  miss:", m)
    # pages whose truth file states no date: shown, not scored
    from htmldate import find_date

    for jf in sorted((SHARED / "dev" / "html" / "newspaper4k").glob("*.json")):
        d = json.loads(jf.read_text())
        if d.get("publish_date"):
            continue
        page = jf.with_suffix(".html").read_text(encoding="utf-8", errors="replace")
        p = publication_date_from_html(page, d.get("url"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hd = find_date(page, url=d.get("url"), original_date=True, extensive_search=True)
        print(
            f"  unscored (no truth): newspaper4k/{jf.name}: ours {p.value if p else None} "
            f"({p.method + ': ' + p.evidence if p else '-'}), htmldate {hd}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
