"""`akhbar report`: a self-contained HTML page whose charts really draw in a browser.

A small corpus of several sites (the bundled sample plus generated JSONL pages with dates,
site boilerplate and paragraphs repeated across sites) goes through the pipeline; `akhbar report`
renders it; headless Chromium (Debian package `chromium`) loads the file with the network off,
dumps the DOM and takes a screenshot. Skipped with a message when Chromium is not installed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import pytest

from akhbar import store
from akhbar.flows.pipeline import LocalExecutor, run_pipeline
from akhbar.settings import Settings
from tests.conftest import CHROMIUM_FLAGS

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"

SITES = ["alpha-news.example", "www.beta-press.example", "gamma.example"]
SHARED_PARAGRAPH = (
    "وقالت وكالة الأنباء إن الاجتماع الوزاري المقبل سيعقد في العاصمة لبحث سبل تعزيز التعاون "
    "الاقتصادي بين البلدين وتوسيع الاستثمارات المشتركة في قطاعات الطاقة والنقل."
)


def write_corpus(folder: Path) -> Path:
    """JSONL pages of three sites over several days: site template lines, a paragraph repeated
    across sites, some pages without a date."""
    folder.mkdir(parents=True)
    lines = []
    for s, site in enumerate(SITES):
        for i in range(7):
            day = dt.date(2024, 3, 1) + dt.timedelta(days=(i * (s + 1)) % 9)
            body = [
                f"تابعونا على مواقع التواصل الاجتماعي {site}",  # repeated on every page of the site
                f"جميع الحقوق محفوظة لموقع {site} ٢٠٢٤",
                f"أعلنت الحكومة اليوم عن خطة جديدة رقم {s * 10 + i} لتطوير البنية التحتية في المحافظات "
                f"الشمالية، تشمل إنشاء طرق ومدارس ومستشفيات خلال السنوات الخمس المقبلة بتكلفة إجمالية كبيرة.",
                f"وأوضح المتحدث باسم الوزارة في مؤتمر صحفي أن المرحلة {i + 1} من المشروع ستبدأ في الربع "
                f"القادم بمشاركة شركات محلية ودولية، وأن العمل سيجري وفق جدول زمني محدد للموقع {s}.",
            ]
            if i % 2 == 0:
                body.append(SHARED_PARAGRAPH)
            rec = {
                "url": f"https://{site}/news/item-{s}{i}.html",
                "title": f"خبر رقم {i} من {site}",
                "text": "\n\n".join(body),
            }
            if i != 6:  # one page per site states no date
                rec["published"] = day.isoformat()
            lines.append(json.dumps(rec, ensure_ascii=False))
    path = folder / "pages.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("report")
    out = tmp / "out"
    inputs = [str(SAMPLE), str(write_corpus(tmp / "crawl"))]
    summary = run_pipeline(inputs, str(out), Settings(), LocalExecutor())
    assert summary["published"], summary
    html_path = tmp / "report.html"
    proc = subprocess.run(
        [sys.executable, "-m", "akhbar.cli", "report", "--out", str(out), "--html", str(html_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return {"out": out, "html": html_path, "tmp": tmp}


def chart_svgs(doc: str) -> list[str]:
    return re.findall(r'<svg[^>]*class="chart".*?</svg>', doc, flags=re.S)


def test_report_is_self_contained_and_reflects_the_corpus(report):
    doc = report["html"].read_text(encoding="utf-8")
    # Opens from a file with no network: no scripts, nothing fetched.
    assert "<script" not in doc.lower()
    assert not re.search(r'(?:src|href)\s*=\s*"(?!#|data:)', doc), "the page references an external resource"
    assert not re.search(r"url\((?!#|data:)", doc) and "@import" not in doc

    con = store.connect(report["out"])
    n_docs, n_sites = con.execute("SELECT count(*), count(DISTINCT site) FROM documents").fetchone()
    top_copies = con.execute("SELECT max(n_copies) FROM duplicate_clusters").fetchone()[0]
    con.close()
    assert top_copies >= 3
    assert n_sites == 4  # the three generated sites (www. dropped) and the sample
    assert f"<b>{n_docs}</b>documents" in doc and f"<b>{n_sites}</b>sites" in doc
    charts = chart_svgs(doc)
    assert len(charts) >= 3
    for site in ("alpha-news.example", "beta-press.example", "gamma.example", "sample"):
        assert site in charts[1] and site in charts[2]  # a row per site in the rate and coverage charts
    # The most repeated paragraphs, first the one with most copies, Arabic shown right-to-left.
    rows = re.findall(
        r'<td class="num">(\d+)</td>.*?<td dir="auto">([^<]*)</td>'
        r'<td class="para" dir="rtl" lang="ar">([^<]*)</td>',
        doc,
        flags=re.S,
    )
    assert rows and int(rows[0][0]) == top_copies
    # The paragraph every site carries on some pages is listed with all three sites.
    shared = [r for r in rows if r[2].startswith(SHARED_PARAGRAPH[:40])]
    assert len(shared) == 1 and int(shared[0][0]) >= 8, shared
    assert all(s in shared[0][1] for s in ("alpha-news.example", "beta-press.example", "gamma.example"))


# ---------------------------------------------------------------- in a real browser

REPORT_CHROMIUM_FLAGS = [
    *CHROMIUM_FLAGS,
    "--enable-logging=stderr",
    "--v=0",
    "--hide-scrollbars",
]


def chromium() -> str:
    exe = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if not exe:
        pytest.skip("chromium not installed (Debian: apt-get install chromium); the report rendering test needs it")
    return exe


def browse(page: Path, *args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="akhbar-chromium-") as profile:
        return subprocess.run(
            [chromium(), *REPORT_CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
            capture_output=True,
            text=True,
            timeout=180,
        )


def console_messages(stderr: str) -> list[str]:
    # Chromium logs every console message (and uncaught error) as ...:CONSOLE:<line>] "<text>", source: ...
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def png_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the decompressed scanlines of a PNG (enough to tell a blank page)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def test_console_check_catches_errors(tmp_path):
    """The console check below can fail: a page with a script error is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text('<html><body><script>console.error("boom"); notDefined();</script></body></html>')
    messages = console_messages(browse(bad, "--dump-dom").stderr)
    assert any("boom" in m for m in messages) and any("notDefined" in m for m in messages), messages


def test_report_renders_in_chromium(report):
    page = report["html"]
    dom = browse(page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    charts = chart_svgs(dom.stdout)
    assert len(charts) >= 3, "charts missing from the rendered DOM"
    for svg in charts[:3]:
        widths = [float(w) for w in re.findall(r'<rect[^>]*width="([\d.]+)"', svg)]
        assert sum(1 for w in widths if w > 1) >= 3, f"a chart drew no bars: {svg[:300]}"
    assert 'dir="rtl"' in dom.stdout

    shot = report["tmp"] / "report.png"
    run = browse(page, "--window-size=1100,2400", f"--screenshot={shot}")
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    assert console_messages(run.stderr) == []
    width, height, pixels = png_pixels(shot)
    assert (width, height) == (1100, 2400)
    # Not a blank page: a real share of the pixels are not white, in many shades.
    non_white = sum(1 for b in pixels[::97] if b < 250) / len(pixels[::97])
    assert non_white > 0.02 and len(set(pixels[::13])) > 50, (non_white, len(set(pixels[::13])))


# ---------------------------------------------------------------- the articles chart on any date range


def day_rows(days: list[dt.date], sites: list[str] | None = None) -> list[dict]:
    sites = sites or ["site.example"]
    return [{"day": d, "site": sites[i % len(sites)], "articles": 1} for i, d in enumerate(days)]


@pytest.mark.parametrize(
    "first, last, unit",
    [
        (dt.date(2024, 3, 1), dt.date(2024, 3, 9), "day"),
        (dt.date(2024, 1, 1), dt.date(2024, 11, 30), "month"),
        (dt.date(1990, 1, 1), dt.date(2024, 6, 1), "year"),
        (dt.date(1200, 1, 1), dt.date(2024, 6, 1), "decade"),  # e.g. a misread date among real ones
        (dt.date(1, 1, 1), dt.date(9999, 12, 31), "century"),  # the calendar's two ends
    ],
)
def test_articles_chart_bucket_follows_the_date_span(first, last, unit):
    from akhbar.report import MAX_BUCKETS, chart_articles_per_day, render, time_unit

    rows = day_rows([first, last])
    assert time_unit(rows) == unit
    chart = chart_articles_per_day(rows)
    assert f"articles per {unit} of publication" in chart
    # Readable: bars a few pixels wide at least, as many as the buckets between the two dates, at most MAX_BUCKETS.
    bars = [float(w) for w in re.findall(r'<rect[^>]*width="([\d.]+)"[^>]*><title>', chart)]
    assert len(bars) == 2 and min(bars) >= 4, bars
    labels = re.findall(r'font-size="11" text-anchor="middle">([^<]+)<', chart)
    assert 1 <= len(labels) <= 8, labels
    page = render(
        {
            "out": "x",
            "totals": {
                "documents": 2,
                "sites": 1,
                "with_date": 2,
                "paragraphs_kept": 0,
                "rejects": 0,
                "runs": 1,
                "last_run_finished_at": None,
            },
            "per_day": rows,
            "rates": [],
            "coverage": [],
            "repeated": [],
            "stories": [],
        }
    )
    assert f"<h2>Articles per {unit}, per site</h2>" in page and MAX_BUCKETS >= 100


def test_articles_chart_legend_shows_every_site_or_groups_the_tail():
    from akhbar.report import MAX_SERIES, WIDTH, chart_articles_per_day

    few = [f"site-{i}.example" for i in range(MAX_SERIES)]
    chart = chart_articles_per_day(day_rows([dt.date(2024, 3, 1)] * len(few), few))
    legend = re.findall(r'<text x="([\d.]+)" y="([\d.]+)" font-size="12" text-anchor="start">([^<]+)</text>', chart)
    assert sorted(name for _, _, name in legend) == sorted(few)
    assert all(float(x) + 7.5 * len(name) <= WIDTH for x, _, name in legend), legend  # wrapped, not cut off
    many = [f"a-much-longer-site-name-{i}.example" for i in range(MAX_SERIES + 5)]
    chart = chart_articles_per_day(day_rows([dt.date(2024, 3, d % 28 + 1) for d in range(60)], many))
    legend = re.findall(r'font-size="12" text-anchor="start">([^<]+)</text>', chart)
    assert len(legend) == MAX_SERIES and legend[-1] == f"{len(many) - MAX_SERIES + 1} other sites"
