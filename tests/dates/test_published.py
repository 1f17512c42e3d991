"""Publication dates of pages: the plausibility guard, the readers' order, and the pipeline's output on the
development HTML pages (read in place from ../shared; skipped when it is absent)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from akhbar.tasks.dates import (
    HTML_DATE_READERS,
    PublicationDate,
    plausible_published,
    publication_date,
    publication_date_from_field,
    publication_date_from_header,
    publication_date_from_html,
    publication_date_from_page_line,
    publication_date_from_url,
)

REPO = Path(__file__).parents[2]
SHARED = REPO.parent / "shared"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"../shared not found at {SHARED} (development material sits beside the checkout)"
)
D = dt.date


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00Z",
        "0001-01-01",
        "1970-01-01T00:00:00Z",
        "1970-01-01",
        "1899-12-31",
        "1900-01-01 00:00:00",
        "0000-00-00",
        "1753-01-01T00:00:00",
    ],
)
def test_placeholders_and_pre_1900_are_no_date(value):
    assert publication_date_from_field(value) is None


def test_future_is_bounded_by_the_crawl_time():
    crawl = "2019-11-18T10:00:00Z"
    assert publication_date_from_field("2019-11-19T23:00:00", now=crawl).value == D(2019, 11, 19)  # within a day
    assert publication_date_from_field("2019-11-21", now=crawl) is None
    assert publication_date_from_field("2019-11-21", now=dt.datetime(2019, 11, 20, 8, tzinfo=dt.UTC)) is not None
    far = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    assert publication_date_from_field(far) is None  # no crawl time: today bounds it
    assert publication_date_from_url("https://example.com/2019/11/25/story.html", now=crawl) is None
    assert publication_date_from_header(["الاثنين 25 نوفمبر 2019"], now=crawl) is None
    assert plausible_published(D(1900, 1, 2)) and not plausible_published(D(1900, 1, 1))


def test_placeholder_json_ld_falls_through_to_the_next_reader():
    html = """<html><head><script type="application/ld+json">{"@type":"NewsArticle",
      "datePublished":"0001-01-01T00:00:00Z"}</script>
      <meta property="article:published_time" content="2021-04-03T08:00:00+02:00"></head>
      <body><h1>عنوان</h1></body></html>"""
    p = publication_date_from_html(html)
    assert (p.value, p.method) == (D(2021, 4, 3), "html_meta")
    html = """<html><head><script type="application/ld+json">{"datePublished":"1970-01-01T00:00:00"}</script>
      </head><body><h1>title</h1><p>no date</p></body></html>"""
    assert publication_date_from_html(html) is None


def test_visible_date_line_under_the_title():
    html = """<html><body><nav><a href="/">الرئيسية</a></nav>
      <div class="side"><span>الأكثر قراءة</span><span>1 يناير 2020</span></div>
      <article><h1>وزير المالية يعلن موازنة العام الجديد</h1>
      <div class="meta"><span>كتب: أحمد علي</span> | <span>الأحد 8 فبراير 2015 - 10:20 ص</span></div>
      <figure><figcaption>صورة أرشيفية من 3 مارس 2014</figcaption></figure>
      <p>أعلن وزير المالية اليوم ...</p></article></body></html>"""
    p = publication_date_from_html(html)
    assert (p.value, p.method) == (D(2015, 2, 8), "page_date_line")


def test_visible_date_line_skips_captions_and_updates():
    from akhbar.tasks.clean import parse_html

    html = """<html><body><h1>Markets slide</h1><p>Updated November 28, 2013</p>
      <figure><figcaption>A ship leaves port, on Aug. 31, 2019. (AP)</figcaption></figure>
      <p>By Jane Doe, November 27, 2013</p></body></html>"""
    p = publication_date_from_page_line(parse_html(html))
    assert p is not None and p.value == D(2013, 11, 27)
    assert publication_date_from_page_line(parse_html("<html><body><p>3 مارس 2014</p></body></html>")) is None


def test_reader_order_is_markup_line_htmldate():
    assert HTML_DATE_READERS[:3] == ("markup", "page_date_line", "htmldate")


def test_document_date_uses_crawl_time():
    doc = {
        "published_field": None,
        "published_html": D(2030, 1, 1),
        "published_html_precision": "day",
        "published_html_evidence": "x",
        "published_html_method": "json_ld",
        "content_kind": "html",
        "url": "https://example.com/2019/11/17/a.html",
        "crawled_at": "2019-11-18T00:00:00Z",
    }
    p = publication_date(doc)
    assert (p.value, p.method) == (D(2019, 11, 17), "url_path")


@needs_shared
def test_no_implausible_date_on_scrapinghub_pages():
    root = SHARED / "dev" / "html" / "scrapinghub-aeb"
    truth = json.loads((root / "ground-truth.json").read_text())
    bad = []
    for key, rec in sorted(truth.items())[:60]:
        html = gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
        p = publication_date_from_html(html, rec.get("url"))
        if p is not None and not plausible_published(p.value):
            bad.append((key, p))
    assert not bad


@needs_shared
@pytest.mark.integration
def test_pipeline_on_dev_html_has_no_placeholder_dates(tmp_path):
    """The real pipeline (akhbar run, local path) over a sample of the dev HTML pages: documents.published
    holds no date before 1900, no placeholder, nothing in the future."""
    from akhbar.store import connect

    src = tmp_path / "in"
    src.mkdir()
    root = SHARED / "dev" / "html"
    pages = sorted((root / "scrapinghub-aeb" / "html").glob("*.html.gz"))[:40]
    pages += sorted((root / "fundus").glob("*/*.html.gz"))[:15]
    for i, page in enumerate(pages):
        (src / f"p{i:03d}.html").write_bytes(gzip.decompress(page.read_bytes()))
    shutil.copy(root / "newspaper4k" / "arabic_article.html", src / "arabic_article.html")
    out = tmp_path / "out"
    env = {**os.environ, "PREFECT_API_URL": ""}
    run = subprocess.run(
        [sys.executable, "-m", "akhbar.cli", "run", str(src), "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    rows = (
        connect(out).execute("SELECT published, published_method FROM documents WHERE published IS NOT NULL").fetchall()
    )
    assert len(rows) >= 30
    assert all(plausible_published(day) for day, _ in rows), [r for r in rows if not plausible_published(r[0])]
    assert {m for _, m in rows} <= {"json_ld", "html_meta", "time_tag", "page_date_line", "htmldate", "url_path"}


@needs_shared
def test_htmldate_year_guess_yields_to_the_url_day():
    """htmldate reads only the year on this CNN Arabic page (2013-01-01); the URL states the day."""
    page = (SHARED / "dev" / "html" / "newspaper4k" / "arabic_article.html").read_text(
        encoding="utf-8", errors="replace"
    )
    p = publication_date_from_html(page, "http://arabic.cnn.com/2013/middle_east/8/3/syria.clashes/index.html")
    assert (p.value, p.method) == (D(2013, 8, 3), "url_path")


def test_visible_date_line_needs_the_article_title():
    from akhbar.tasks.clean import parse_html

    html = """<html><head><title>الحكومة تقر الموازنة الجديدة - موقع الأخبار</title></head><body>
      <h1 class="logo">موقع الأخبار</h1><ul><li>آخر الأخبار</li><li>3 مارس 2014</li></ul>
      <h2>الحكومة تقر الموازنة الجديدة</h2><p>أقرت الحكومة ...</p></body></html>"""
    assert publication_date_from_page_line(parse_html(html)) is None
    html = html.replace('<h1 class="logo">موقع الأخبار</h1>', "<div>موقع الأخبار</div>").replace(
        "<h2>الحكومة تقر الموازنة الجديدة</h2>", "<h1>الحكومة تقر الموازنة الجديدة</h1><span>5 مارس 2014</span>"
    )
    assert publication_date_from_page_line(parse_html(html)).value == D(2014, 3, 5)


# ---------------------------------------------------------------- the seeds' header lines, the URL, fields, HTML


def _gold():
    return json.loads((SHARED / "seeds" / "gold.json").read_text(encoding="utf-8"))


def _seed_lines(name: str) -> list[str]:
    return (SHARED / "seeds" / name).read_text(encoding="utf-8").split("\n")


@needs_shared
@pytest.mark.parametrize("n_lines", [4, 6, 8])
def test_seed_publication_dates_from_header(n_lines):
    for name, g in _gold().items():
        if name == "about":
            continue
        nonempty = [ln for ln in _seed_lines(name) if ln.strip()]
        p = publication_date_from_header(nonempty[:n_lines])
        got = p.value.isoformat() if p else None
        assert got == g["published"], (name, p)
        if p is not None:
            assert p.precision == "day" and p.method == "header_line"


def test_header_dates():
    p = publication_date_from_header(["سوريا - لبنان - فلسطين", "لافروف: الاتصالات مستمرة", "1266 2017-02-08"])
    assert p == PublicationDate(D(2017, 2, 8), "day", "1266 2017-02-08", "header_line")
    p = publication_date_from_header(["عنوان", "● أخبار دولية ٨ فبراير ٢٠١٥"])
    assert p is not None and p.value == D(2015, 2, 8) and p.precision == "day"
    p = publication_date_from_header(["نشر في: يوليو 2019"])
    assert p is not None and (p.value, p.precision) == (D(2019, 7, 1), "month")
    p = publication_date_from_header(["الثلاثاء ١ / ١٢ / ٢٠٢٠ - ٠٢:٠٠"])
    assert p is not None and p.value == D(2020, 12, 1)


def test_header_refuses_weak_or_deep_dates():
    # weekdays and relative dates are not publication dates; nor a bare year
    assert publication_date_from_header(["وزراء الخارجية خلال لقائهم في واشنطن الجمعة"]) is None
    assert publication_date_from_header(["في أول محادثة منذ 2022.. ماكرون وبوتين يبحثان"]) is None
    assert publication_date_from_header(["أمس"]) is None
    assert publication_date_from_header(["حزيران"]) is None
    # a body paragraph that mentions a full date is not a date line
    body = (
        "وكانت موسكو وواشنطن قد أنشأتا مركزا في جنيف للتنسيق في مواجهة خروقات وقف إطلاق النار في سوريا "
        "بعد توصلهما إلى حزمة اتفاقات في 9 سبتمبر 2016 لتعزيز الهدنة"
    )
    assert publication_date_from_header([body]) is None
    assert publication_date_from_header([]) is None


def test_url_dates():
    assert publication_date_from_url("https://x.com/news/2019/03/14/story.html").value == D(2019, 3, 14)
    assert publication_date_from_url("http://arabic.cnn.com/2013/middle_east/8/3/syria.clashes/index.html").value == D(
        2013, 8, 3
    )
    assert publication_date_from_url("https://x.com/2019-03-14-story").value == D(2019, 3, 14)
    p = publication_date_from_url("https://x.com/2019/03/story")
    assert p is not None and p.precision == "month"
    assert publication_date_from_url("https://x.com/article/123456") is None
    assert publication_date_from_url(None) is None


def test_field_dates():
    p = publication_date_from_field("Sun, 18 Feb 2018 21:35:43 +0400", "TIME")
    assert p is not None and p.value == D(2018, 2, 18) and p.precision == "day"
    assert publication_date_from_field("2015-07-21 02:51:32").value == D(2015, 7, 21)
    assert publication_date_from_field("2018-02-18T23:35:43+04:00").value == D(2018, 2, 18)  # local date
    assert publication_date_from_field("2018-02-18T21:35:43Z").value == D(2018, 2, 18)
    assert publication_date_from_field("٨ فبراير ٢٠١٥").value == D(2015, 2, 8)
    assert publication_date_from_field("26 شوال 1436 هـ").value == D(2015, 8, 11)
    assert publication_date_from_field("") is None
    assert publication_date_from_field(None) is None
    assert publication_date_from_field("غير معروف") is None


def test_html_json_ld_first():
    html = """<html><head>
    <meta property="article:published_time" content="2020-01-02T10:00:00Z">
    <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage"},
      {"@type":"NewsArticle","datePublished":"2020-01-01T09:00:00+03:00","dateModified":"2020-01-05"}]}</script>
    </head><body><p>نص</p></body></html>"""
    p = publication_date_from_html(html)
    assert p is not None and (p.value, p.method) == (D(2020, 1, 1), "json_ld")


def test_html_meta_time_and_url():
    html = '<html><head><meta name="pubdate" content="2019-05-06"></head><body></body></html>'
    assert publication_date_from_html(html).method == "html_meta"
    html = (
        '<html><body><time itemprop="datePublished" datetime="2018-07-08T10:00:00+03:00">8 يوليو</time></body></html>'
    )
    p = publication_date_from_html(html)
    assert p is not None and (p.value, p.method) == (D(2018, 7, 8), "time_tag")
    html = '<html><body><time datetime="2018-07-08T10:00:00+03:00">8 يوليو</time></body></html>'
    p = publication_date_from_html(html)  # an unmarked <time>: htmldate first, then the tag itself
    assert p is not None and p.value == D(2018, 7, 8) and p.method in ("htmldate", "time_tag")
    p = publication_date_from_html(
        "<html><body><p>لا تاريخ</p></body></html>", "https://example.com/2017/02/08/news.html"
    )
    assert p is not None and p.value == D(2017, 2, 8)


@needs_shared
def test_html_pages_accuracy():
    """Exact-day accuracy on the fundus pages of ../shared/dev/html (publication date per page)."""
    import html as html_lib

    ok = n = 0
    for info in sorted((SHARED / "dev" / "html" / "fundus").glob("*/meta.info")):
        meta = json.loads(info.read_text())
        for truth_file in sorted(info.parent.glob("*.json")):
            truth = json.loads(truth_file.read_text())
            files = sorted(f for f in meta if f.startswith(truth_file.stem + "_") and (info.parent / f).exists())
            pages = {f: gzip.decompress((info.parent / f).read_bytes()).decode("utf-8", "replace") for f in files}
            for i, version in enumerate(truth.values()):
                pd = version.get("publishing_date")
                title = html_lib.escape(version.get("title") or "", quote=False)[:40]
                carrying = (f for f in files if title and (title in pages[f] or title in html_lib.unescape(pages[f])))
                fname = next(carrying, files[i] if i < len(files) else None)
                if not pd or fname is None:
                    continue
                p = publication_date_from_html(pages[fname], meta[fname]["url"])
                n += 1
                ok += p is not None and p.value == D.fromisoformat(pd[:10])
    assert n >= 30
    assert ok / n >= 0.95, (ok, n)


def test_url_date_needs_one_separator_throughout():
    assert publication_date_from_url("https://example.org/news/2024/1-6.html") is None
    assert str(publication_date_from_url("https://example.org/a/2024-01-06-slug").value) == "2024-01-06"
    assert str(publication_date_from_url("https://example.org/2024/01/06/a").value) == "2024-01-06"
