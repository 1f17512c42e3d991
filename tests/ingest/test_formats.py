"""The record formats beyond a single page: JSON arrays (SaudiNewsNet), SGML/TREC <DOC> files (ANT,
Gigaword), Parquet, CSV/TSV, zip, and compressed variants; what each record carries (author,
crawled_at, source_meta); and the rejects of broken files, each with its reason.

Real corpora are read in place from ../shared/corpora; the runs are the real pipeline
(run_pipeline with LocalExecutor), read back with DuckDB over the written Parquet."""

from __future__ import annotations

import bz2
import csv
import datetime as dt
import email.utils
import gzip
import html
import io
import json
import random
import re
import tarfile
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from akhbar import reasons
from akhbar.settings import Settings
from akhbar.tasks.ingest import Record, Reject, detect_format, read_path, sanitize_text
from akhbar.tasks.ingest.readers.fields import check_columns
from akhbar.tasks.ingest.readers.json_array import read_json
from tests.conftest import REPO, require_shared
from tests.fixtures_bad_inputs import ARABIC, warc_response, warcinfo, write_warc
from tests.ingest.common import query, run

SNN_ZIP = "2015-07-23.zip"  # the smallest day: 1,318 articles
DOC_COLUMNS = ["url", "title", "author", "published", "site", "text", "crawled_at", "source_meta", "format"]


def read_items(path: Path, settings: Settings | None = None) -> tuple[list[Record], list[Reject]]:
    items = list(read_path(path, 0, settings or Settings()))
    return [i for i in items if isinstance(i, Record)], [i for i in items if isinstance(i, Reject)]


def host(url: str) -> str:
    h = urlsplit(url).hostname or ""
    return h[4:] if h.startswith("www.") else h


def snn_articles() -> list[dict]:
    """The articles of one SaudiNewsNet day, read with the standard library (the reference)."""
    path = require_shared("corpora", "saudinewsnet", SNN_ZIP)
    with zipfile.ZipFile(path) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".json")]
        return json.loads(zf.read(name))


def squash(s: str) -> str:
    return " ".join(sanitize_text(s).split())


def nonblank(s: str | None) -> str | None:
    return s.strip() or None if isinstance(s, str) else None


# ---------------------------------------------------------------- SaudiNewsNet: a zip of a JSON array


def test_saudinewsnet_zip_gives_one_document_per_article(tmp_path):
    articles = snn_articles()
    zip_path = require_shared("corpora", "saudinewsnet", SNN_ZIP)
    summary = run([zip_path], tmp_path / "out")
    out = tmp_path / "out"
    docs = {
        r[0]: r
        for r in query(
            out,
            "SELECT source_uri, url, title, author, site, published_method, crawled_at, "
            "source_meta, format, text, n_paragraphs FROM documents",
        )
    }
    rejects = dict(query(out, "SELECT source_uri, error FROM rejects"))
    member = f"{zip_path.resolve()}!/{SNN_ZIP.replace('.zip', '.json')}"
    empty = 0
    for n, a in enumerate(articles, start=1):
        if not (a["content"] or "").strip():
            empty += 1
            assert rejects[f"{member}#{n}"] == reasons.EMPTY_TEXT
            continue
        d = docs.pop(a["url"]) if a["url"] in docs else None
        assert d is not None, (n, a["url"])
        _, url, title, author, site, method, crawled, meta, fmt, text, n_paragraphs = d
        assert (url, title, site, fmt) == (a["url"], nonblank(a["title"]), host(a["url"]), "json")
        # the record's author unless the page text states one (these plain texts never do)
        assert author == nonblank(a["author"]), (n, author, a["author"])
        assert crawled == dt.datetime.fromisoformat(a["date_extracted"]).replace(tzinfo=dt.UTC)
        assert json.loads(meta) == {"source": a["source"]}
        assert method != "record_field"  # date_extracted is crawl time, never the publication date
        assert n_paragraphs > 0 and (not text or squash(text.split("\n\n")[0]) in squash(a["content"]))
    assert not docs  # no document that is not an article
    assert empty and len(rejects) == empty
    assert summary["n_documents"] + summary["n_seen"] + summary["n_rejects"] == len(articles)
    kept_authors = sum(1 for a in articles if nonblank(a["author"]) and (a["content"] or "").strip())
    assert query(out, "SELECT count(author) FROM documents")[0][0] == kept_authors > 1000


# ---------------------------------------------------------------- ANT: TREC <DOC> files

_ANT_TAG = {
    t: re.compile(rf"<{t}>(.*?)</{t}>", re.S)
    for t in ("DOCNO", "URL", "SRC", "CAT", "TITLE", "TIME", "AUTHOR", "ABSTRACT")
}


def extract_ant(dest: Path, per_folder: int = 2) -> list[Path]:
    """A few <DOC> files of each ANT source (the first ones in each archive), extracted to dest."""
    files = []
    for corpus in ("ant-multisource", "ant-jawharafm"):
        (archive,) = sorted(require_shared("corpora", corpus).glob("*.tar.xz"))
        taken: dict[str, int] = {}
        with tarfile.open(archive, "r|xz") as tf:
            for m in tf:
                if not (m.isfile() and m.name.endswith(".txt")):
                    continue
                folder = m.name.split("/")[0]
                if taken.get(folder, 0) >= per_folder:
                    continue
                taken[folder] = taken.get(folder, 0) + 1
                path = dest / corpus / m.name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(tf.extractfile(m).read())
                files.append(path)
    return files


def ant_time_date(raw: str) -> dt.date:
    """TIME as written (RFC 822 or ISO 8601, with its offset; JawharaFM also writes day/month/year):
    the calendar day it states."""
    dmy = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw)
    if dmy:
        return dt.date(int(dmy.group(3)), int(dmy.group(2)), int(dmy.group(1)))
    try:
        return dt.datetime.fromisoformat(raw).date()
    except ValueError:
        return email.utils.parsedate_to_datetime(raw).date()


def test_ant_doc_files_give_url_title_author_published_and_site(tmp_path):
    files = extract_ant(tmp_path / "in")
    assert len(files) >= 8
    run([tmp_path / "in"], tmp_path / "out")
    docs = {
        r[0]: r[1:]
        for r in query(
            tmp_path / "out",
            "SELECT url, title, author, published, published_method, site, format, source_meta, text FROM documents",
        )
    }
    assert not query(tmp_path / "out", "SELECT * FROM rejects")
    assert len(docs) == len(files)
    for f in files:
        raw = f.read_text(encoding="utf-8")
        tag = {t: html.unescape(m.group(1).strip()) if (m := rx.search(raw)) else "" for t, rx in _ANT_TAG.items()}
        title, author, published, method, site, fmt, meta, text = docs[tag["URL"]]
        assert (title, author, site, fmt) == (tag["TITLE"], tag["AUTHOR"] or None, host(tag["URL"]), "sgml")
        assert (published, method) == (ant_time_date(tag["TIME"]), "record_field"), f
        meta = json.loads(meta)
        assert (meta.get("docno"), meta.get("src"), meta.get("cat")) == (
            tag["DOCNO"] or None,
            tag["SRC"] or None,
            tag["CAT"] or None,
        )
        assert meta.get("abstract") == (tag["ABSTRACT"] or None) and "<" not in text


def test_ant_time_offset_decides_the_day(tmp_path):
    """A TIME late in the evening at +04:00 is that day, not the UTC day after."""
    doc = (
        "<DOC>\n<DOCNO>X-1</DOCNO>\n<URL>https://news.example/a</URL>\n<TITLE>عنوان</TITLE>\n"
        "<TIME>Sun, 15 Jul 2018 23:56:56 -0400</TIME>\n<AUTHOR>كاتب</AUTHOR>\n"
        "<TEXT>\n" + ARABIC + "\n</TEXT>\n</DOC>\n"
    )
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "doc.txt").write_text(doc, encoding="utf-8")
    run([tmp_path / "in"], tmp_path / "out")
    assert query(tmp_path / "out", "SELECT published, author FROM documents") == [(dt.date(2018, 7, 15), "كاتب")]


# ---------------------------------------------------------------- Gigaword layout

WORDS = [
    "الحكومة",
    "الوزير",
    "المدينة",
    "الاقتصاد",
    "مشروع",
    "اجتماع",
    "المجلس",
    "الرئيس",
    "البرلمان",
    "الشركة",
    "السوق",
    "النفط",
    "التعليم",
    "الصحة",
    "المستشفى",
    "المدرسة",
    "الطريق",
    "الميناء",
    "المطار",
    "الجامعة",
    "الأمطار",
    "الزراعة",
    "التجارة",
    "الاستثمار",
]


def sentence(rng: random.Random, n: int = 14) -> str:
    return "أعلن " + " ".join(rng.choice(WORDS) for _ in range(n)) + "."


def gigaword_doc(rng: random.Random, doc_id: str, headline: str, dateline: str, paragraphs: list[str]) -> str:
    ps = "\n".join(f"<P>\n{html.escape(p, quote=False)}\n</P>" for p in paragraphs)
    return (
        f'<DOC id="{doc_id}" type="story" >\n<HEADLINE>\n{html.escape(headline)}\n</HEADLINE>\n'
        f"<DATELINE>\n{dateline}\n</DATELINE>\n<TEXT>\n{ps}\n</TEXT>\n</DOC>\n"
    )


def write_gigaword(folder: Path, rng: random.Random) -> list[dict]:
    """Two files of three <DOC>s each (one gzip, as the LDC ships them); returns what each must give."""
    folder.mkdir(parents=True, exist_ok=True)
    expected = []
    for k, (name, day) in enumerate((("afp_arb_200101", "20010102"), ("xin_arb_200312", "20031231"))):
        docs = []
        for i in range(1, 4):
            doc_id = f"{name[:7].upper()}_{day}.{i:04d}"
            paras = [sentence(rng) + " & " + sentence(rng, 6) for _ in range(3)]
            headline = f'{sentence(rng, 5)} "{i}"'
            docs.append(gigaword_doc(rng, doc_id, headline, "القاهرة (أ ف ب)", paras))
            expected.append(
                {
                    "id": doc_id,
                    "title": headline,
                    "paragraphs": paras,
                    "published": dt.date(int(day[:4]), int(day[4:6]), int(day[6:])),
                }
            )
        data = "".join(docs).encode("utf-8")
        if k == 0:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)  # no extension, as in the LDC's data folders
    return expected


def test_gigaword_doc_files_are_read_doc_by_doc(tmp_path):
    expected = write_gigaword(tmp_path / "in", random.Random(7))
    records = []
    for f in sorted((tmp_path / "in").iterdir()):
        recs, rejs = read_items(f)
        assert not rejs and len(recs) == 3
        records += recs
    by_id = {json.loads(r.source_meta)["id"]: r for r in records}
    for e in expected:
        r = by_id[e["id"]]
        assert (r.format, r.title, r.content_kind) == ("sgml", e["title"], "text")
        assert r.content.split("\n\n") == e["paragraphs"]  # <P> paragraphs, entities unescaped
        assert json.loads(r.source_meta) == {"id": e["id"], "type": "story", "dateline": "القاهرة (أ ف ب)"}
    # the folder walked: the LDC's names (afp_arb_200101.gz, xin_arb_200312) tell no format, the content does
    run([tmp_path / "in"], tmp_path / "out")
    assert not query(tmp_path / "out", "SELECT error FROM rejects")
    got = dict(query(tmp_path / "out", "SELECT title, published FROM documents"))
    assert got == {e["title"]: e["published"] for e in expected}


# ---------------------------------------------------------------- Parquet, CSV, TSV, JSON: the same documents


def snn_sample(n: int = 60) -> list[dict]:
    rows = [a for a in snn_articles() if (a["content"] or "").strip()][:n]
    return [{k: a[k] for k in ("source", "url", "date_extracted", "title", "author", "content")} for a in rows]


def write_csv(path: Path, rows: list[dict], delimiter: str = ",", rename: dict | None = None) -> None:
    rename = rename or {}
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, [rename.get(k, k) for k in rows[0]], delimiter=delimiter)
        w.writeheader()
        for r in rows:
            w.writerow({rename.get(k, k): v for k, v in r.items()})


def documents(out: Path) -> list[tuple]:
    return query(out, f"SELECT {', '.join(DOC_COLUMNS[:-1])} FROM documents ORDER BY url")


def test_parquet_csv_tsv_and_json_give_the_same_documents(tmp_path):
    rows = snn_sample()
    variants = tmp_path / "variants"
    for v in ("json", "parquet", "csv", "tsv_mapped", "jsonl_bz2"):
        (variants / v).mkdir(parents=True)
    (variants / "json" / "day.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    # small row groups and batches: the reader goes through several
    pq.write_table(pa.Table.from_pylist(rows), variants / "parquet" / "day.parquet", row_group_size=16)
    write_csv(variants / "csv" / "day.csv", rows)
    rename = {"content": "article_body", "url": "page_link", "title": "heading", "author": "writer_name"}
    write_csv(variants / "tsv_mapped" / "day.tsv", rows, "\t", rename)
    (variants / "jsonl_bz2" / "day.jsonl.bz2").write_bytes(
        bz2.compress("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8"))
    )
    results = {}
    for v in sorted(p.name for p in variants.iterdir()):
        settings = Settings(
            columns={"text": "article_body", "url": "page_link", "title": "heading", "author": "writer_name"}
            if v == "tsv_mapped"
            else {}
        )
        summary = run([variants / v], tmp_path / f"out-{v}", settings)
        assert summary["n_rejects"] == 0, v
        results[v] = documents(tmp_path / f"out-{v}")
    reference = results.pop("json")
    assert len(reference) == len(rows)
    assert [r[0] for r in reference] == sorted(r["url"] for r in rows)
    for v, docs in results.items():
        assert docs == reference, v
    authors = [r[2] for r in reference]
    assert authors == [nonblank(r["author"]) for r in sorted(rows, key=lambda r: r["url"])]


# ---------------------------------------------------------------- a mixed folder: every format, one broken of each


def page(title: str, body: str) -> str:
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><article><h1>{title}</h1>'
        f"<p>{body}</p><p>{body[::-1]}</p></article></body></html>"
    )


def build_mixed(root: Path, rng: random.Random) -> tuple[int, dict[str, str]]:
    """Every format, good and broken. Returns (documents expected, {reject uri: reason prefix})."""
    root.mkdir(parents=True)
    good = 0
    rejects: dict[str, str] = {}

    def rec(i: int, **extra) -> dict:
        return {
            "url": f"https://mixed.example/{i}",
            "title": f"خبر {i}",
            "text": f"{sentence(rng)} {i}",
            "author": f"كاتب {i}",
            **extra,
        }

    # single pages
    (root / "scrape.txt").write_text(f"عنوان الخبر\n\n{sentence(rng)}\n\n{sentence(rng)}\n", encoding="utf-8")
    (root / "page.html").write_text(page("صفحة", sentence(rng)), encoding="utf-8")
    good += 2
    # JSONL (gzip), one line broken, one record with an empty text
    lines = [json.dumps(rec(i), ensure_ascii=False) for i in range(1, 4)]
    lines += ["{broken json", json.dumps(rec(4, text=""), ensure_ascii=False)]
    (root / "records.jsonl.gz").write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8")))
    good += 3
    rejects[f"{root / 'records.jsonl.gz'}#4"] = reasons.MALFORMED_JSON
    rejects[f"{root / 'records.jsonl.gz'}#5"] = reasons.EMPTY_TEXT
    # JSON: an array; an object holding one; a broken (cut-off) array; an array with a record without text
    (root / "array.json").write_text(json.dumps([rec(i) for i in range(10, 13)], ensure_ascii=False), encoding="utf-8")
    (root / "object.json").write_text(
        json.dumps({"count": 2, "articles": [rec(20), rec(21)]}, ensure_ascii=False), encoding="utf-8"
    )
    good += 5
    cut = json.dumps([rec(30), rec(31), rec(32)], ensure_ascii=False)
    (root / "cut.json").write_text(cut[: cut.index('"url": "https://mixed.example/32"') + 20], encoding="utf-8")
    good += 2
    rejects[f"{root / 'cut.json'}#3"] = reasons.BROKEN_JSON
    notext = [rec(40), {"url": "https://mixed.example/41", "title": "بلا نص"}, [1, 2]]
    (root / "notext.json").write_text(json.dumps(notext, ensure_ascii=False), encoding="utf-8")
    good += 1
    rejects[f"{root / 'notext.json'}#2"] = reasons.NO_TEXT_FIELD
    rejects[f"{root / 'notext.json'}#3"] = reasons.NOT_AN_OBJECT
    # SGML <DOC>: ANT layout (two DOCs), Gigaword (bz2), a DOC without TEXT, an unclosed DOC
    ant = "".join(
        f"<DOC>\n<DOCNO>M-{i}</DOCNO>\n<URL>https://ant.example/{i}</URL>\n<TITLE>عنوان {i}</TITLE>\n"
        f"<TIME>2018-02-0{i}T10:00:00+03:00</TIME>\n<AUTHOR></AUTHOR>\n"
        f"<TEXT>\n{sentence(rng)}\n</TEXT>\n</DOC>\n"
        for i in (1, 2)
    )
    (root / "ant.txt").write_text(ant, encoding="utf-8")
    giga = gigaword_doc(rng, "NHR_ARB_20050301.0001", "عنوان", "بيروت", [sentence(rng), sentence(rng)])
    (root / "giga.sgml.bz2").write_bytes(bz2.compress(giga.encode("utf-8")))
    good += 3
    (root / "notext.sgml").write_text("<DOC>\n<DOCNO>N-1</DOCNO>\n<TITLE>بلا نص</TITLE>\n</DOC>\n", encoding="utf-8")
    rejects[f"{root / 'notext.sgml'}#1"] = reasons.DOC_WITHOUT_TEXT
    (root / "unclosed.sgml").write_text(f"<DOC>\n<TEXT>\n{sentence(rng)}\n</TEXT>\n", encoding="utf-8")
    rejects[str(root / "unclosed.sgml")] = reasons.UNCLOSED_DOC
    # Parquet, CSV, TSV (zstd); one of each without a text column, a file that is not Parquet
    pq.write_table(pa.Table.from_pylist([rec(i) for i in range(50, 53)]), root / "table.parquet", row_group_size=2)
    write_csv(root / "table.csv", [rec(i) for i in range(60, 62)])
    with open(root / "table.csv", "a", encoding="utf-8") as fh:
        fh.write("one,field,too,many,here,and,more\n")  # a row with more fields than the header
    rejects[str(root / "table.csv")] = reasons.BAD_CSV_ROW
    buf = io.StringIO()
    w = csv.DictWriter(buf, list(rec(0)), delimiter="\t")
    w.writeheader()
    w.writerows([rec(70), rec(71)])
    with pa.CompressedOutputStream(str(root / "table.tsv.zst"), "zstd") as zs:
        zs.write(buf.getvalue().encode("utf-8"))
    good += 7
    pq.write_table(pa.table({"url": ["https://mixed.example/80"], "headline_only": ["x"]}), root / "notext.parquet")
    rejects[str(root / "notext.parquet")] = reasons.NO_TEXT_COLUMN
    (root / "notext.csv").write_text("url,headline_only\nhttps://mixed.example/81,x\n", encoding="utf-8")
    rejects[str(root / "notext.csv")] = reasons.NO_TEXT_COLUMN
    (root / "fake.parquet").write_bytes(b"PAR1" + bytes(rng.randrange(256) for _ in range(300)))
    rejects[str(root / "fake.parquet")] = reasons.BROKEN_TABLE
    # WARC (crawl time kept), a zip holding JSON and a text scrape, a damaged zip
    response = warc_response("https://warc.example/1", page("وارك", sentence(rng)).encode())
    write_warc(root / "crawl.warc", [warcinfo(), response])
    good += 1
    with zipfile.ZipFile(root / "bundle.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("day/records.json", json.dumps([rec(90), rec(91)], ensure_ascii=False))
        zf.writestr("day/scrape.txt", f"عنوان\n\n{sentence(rng)}\n")
        zf.writestr("day/empty.json", "[]")
        inner = io.BytesIO()
        with zipfile.ZipFile(inner, "w") as z2:
            z2.writestr("more.json", json.dumps([rec(95)], ensure_ascii=False))
        zf.writestr("day/inner.zip", inner.getvalue())
    good += 4
    whole = (root / "bundle.zip").read_bytes()
    (root / "damaged.zip").write_bytes(whole[: len(whole) // 2])
    rejects[str(root / "damaged.zip")] = reasons.BROKEN_ZIP
    # files no reader takes
    (root / "notes.dat").write_text(sentence(rng), encoding="utf-8")
    rejects[str(root / "notes.dat")] = reasons.UNRECOGNISED
    with zipfile.ZipFile(root / "report.docx", "w") as zf:
        zf.writestr("word/document.xml", "<?xml version='1.0'?><w:document/>")
    rejects[str(root / "report.docx")] = reasons.UNRECOGNISED
    return good, rejects


def test_mixed_folder_every_record_is_a_document_or_a_reject(tmp_path):
    good, expected_rejects = build_mixed(tmp_path / "in", random.Random(1256))
    # the folder walked: every file, the .dat and .docx too, reaches format detection
    inputs = [tmp_path / "in"]
    summary = run(inputs, tmp_path / "out")
    out = tmp_path / "out"
    assert summary["n_documents"] == good == query(out, "SELECT count(*) FROM documents")[0][0]
    rejects = query(out, "SELECT source_uri, error FROM rejects")
    assert len(rejects) == len(expected_rejects), rejects
    for uri, error in rejects:
        assert error.startswith(expected_rejects[uri]), (uri, error)
    formats = dict(query(out, "SELECT format, count(*) FROM documents GROUP BY 1"))
    assert formats == {"text": 2, "html": 1, "jsonl": 3, "json": 11, "sgml": 3, "parquet": 3, "csv": 4, "warc": 1}
    # what records carry: authors, crawl time, other fields
    assert query(out, "SELECT author FROM documents WHERE url = 'https://mixed.example/51'") == [("كاتب 51",)]
    assert query(out, "SELECT crawled_at FROM documents WHERE format = 'warc'") == [
        (dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC),)
    ]
    meta = query(out, "SELECT source_meta FROM documents WHERE url = 'https://ant.example/1'")
    assert meta == [('{"docno": "M-1"}',)]
    zipped = query(out, "SELECT source_uri, site FROM documents WHERE source_uri LIKE '%bundle.zip!/day/scrape.txt'")
    assert zipped == [(f"{tmp_path / 'in' / 'bundle.zip'}!/day/scrape.txt", "day")]
    # a zip in a zip
    assert query(out, "SELECT count(*) FROM documents WHERE url = 'https://mixed.example/95'")[0][0] == 1
    # records of one input never share a record_index (it orders them)
    assert (
        query(
            out,
            "SELECT count(*) FROM (SELECT input_index, record_index FROM documents GROUP BY ALL HAVING count(*) > 1)",
        )[0][0]
        == 0
    )
    # a second run over the same folder changes nothing
    again = run(inputs, out)
    assert query(out, "SELECT count(*) FROM documents")[0][0] == good and again.get("n_documents", 0) == 0


# ---------------------------------------------------------------- detection and reasons


@pytest.mark.parametrize(
    "name,head,fmt",
    [
        ("a.json", b'[\n {"url": "u", "text": "t"}]', "json"),
        ("a.txt", b'[{"url": "u"}]', "json"),
        ("a.json", b'{"articles": [{"text": "t"}]}\n', "json"),
        ("a.json", b'{"text": "t"}\n{"text": "u"}\n', "jsonl"),
        ("a.txt", b"<DOC>\n<DOCNO>x</DOCNO>", "sgml"),
        ("afp_arb_200101", b'<DOC id="AFP_ARB_20010101.0001" type="story" >', "sgml"),
        ("x.bin", b"PAR1\x15\x04", "parquet"),
        ("x.tsv", b"title\tbody\n", "csv"),
        ("export.dat", b"url,title,text\nhttps://x,y,z\n", "csv"),
        ("x.zip", b"PK\x03\x04", "zip"),
        ("x.docx", b"PK\x03\x04", "unknown"),
        ("notes.md", "نص عادي".encode(), "unknown"),
        ("README", b"plain words", "unknown"),
        ("notes.txt", "نص عادي".encode(), "text"),
    ],
)
def test_detect_format(name, head, fmt):
    assert detect_format(Path(name), head) == fmt


def test_sample_and_dev_pages_keep_their_formats():
    for p in sorted((REPO / "data" / "sample").glob("*.txt")):
        assert detect_format(p, p.read_bytes()[:65536]) == "text", p
    html_dir = require_shared("dev", "html")
    for p in sorted(html_dir.rglob("*.htm*"))[:60]:
        raw = p.read_bytes()
        raw = gzip.decompress(raw) if p.name.endswith(".gz") else raw
        assert detect_format(p, raw[:65536]) == "html", p


def test_empty_text_and_missing_text_have_their_own_reasons(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text(
        '{"url": "https://x.example/1", "text": ""}\n{"url": "https://x.example/2", "title": "t"}\n'
        '{"text": null}\n{"text": 5}\n',
        encoding="utf-8",
    )
    recs, rejs = read_items(p)
    assert not recs
    assert [r.error.split(" (")[0] for r in rejs] == [
        reasons.EMPTY_TEXT,
        reasons.NO_TEXT_FIELD,
        reasons.EMPTY_TEXT,
        reasons.NO_TEXT_FIELD,
    ]


def test_json_reader_does_not_depend_on_chunk_edges():
    rng = random.Random(3)
    records = [
        {
            "url": f"https://x.example/{i}",
            "text": sentence(rng) + ' "quoted" \\ \u0627',
            "n": i * 1.5,
            "tags": ["أ", {"b": None}],
        }
        for i in range(40)
    ]
    data = json.dumps({"meta": {"n": 40}, "items": records}, ensure_ascii=False).encode("utf-8")
    whole = list(read_json("x", [data], columns={}, max_record=10**6, sanitize=str))
    for size in (1, 3, 7, 64, 1000):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert list(read_json("x", chunks, columns={}, max_record=10**6, sanitize=str)) == whole
    assert len(whole) == 40 and all(json.loads(f.source_meta)["n"] == i * 1.5 for i, f in enumerate(whole))


def test_json_record_over_the_limit_is_rejected_with_the_rest():
    data = json.dumps([{"text": "x" * 5000}, {"text": "ok"}]).encode()
    # read whole, the big record ends in view: it alone is rejected
    big, ok = read_json("x", [data], columns={}, max_record=1000, sanitize=str)
    assert big.uri == "x#1" and big.error.startswith(reasons.TOO_BIG) and ok.content == "ok"
    # streamed, reading stops at the limit: the records after it are lost, and the reject says so
    data = json.dumps([{"text": "x" * 500_000}, {"text": "ok"}]).encode()
    chunks = [data[i : i + 100] for i in range(0, len(data), 100)]
    (big,) = read_json("x", chunks, columns={}, max_record=1000, sanitize=str)
    assert big.error.startswith(reasons.TOO_BIG) and "not read" in big.error


def test_column_mapping_is_checked():
    assert check_columns({"text": " body "}) == {"text": "body"}
    with pytest.raises(ValueError, match="unknown column role"):
        check_columns({"txt": "body"})


def test_cli_column_options(tmp_path, capsys):
    from akhbar.cli import main

    (tmp_path / "in").mkdir()
    write_csv(tmp_path / "in" / "t.csv", [{"link": "https://x.example/1", "matn": ARABIC, "katib": "سارة"}])
    assert (
        main(
            [
                "run",
                str(tmp_path / "in"),
                "--out",
                str(tmp_path / "out"),
                "--local",
                "--text-column",
                "matn",
                "--url-column",
                "link",
                "--author-column",
                "katib",
            ]
        )
        == 0
    )
    assert query(tmp_path / "out", "SELECT url, author FROM documents") == [("https://x.example/1", "سارة")]
    capsys.readouterr()
    assert main(["run", str(tmp_path / "in"), "--out", str(tmp_path / "out2"), "--local", "--text-column", " "]) == 2
    assert "must be a non-empty name" in capsys.readouterr().err


@pytest.mark.integration
def test_prefect_flow_takes_the_columns_parameter(tmp_path, prefect_server):
    from akhbar.flows.pipeline import akhbar_pipeline

    (tmp_path / "in").mkdir()
    write_csv(tmp_path / "in" / "t.tsv", [{"link": "https://x.example/1", "matn": ARABIC, "katib": "سارة"}], "\t")
    summary = akhbar_pipeline(
        inputs=[str(tmp_path / "in")],
        out=str(tmp_path / "out"),
        columns={"text": "matn", "url": "link", "author": "katib"},
    )
    assert summary["n_documents"] == 1
    assert query(tmp_path / "out", "SELECT url, author, source_meta FROM documents") == [
        ("https://x.example/1", "سارة", None)
    ]
    runs = query(tmp_path / "out", "SELECT json_extract(parameters, '$.settings.columns') FROM runs")
    assert json.loads(runs[0][0]) == {"text": "matn", "url": "link", "author": "katib"}


def test_compressed_single_pages_and_names_that_do_not_tell(tmp_path):
    """bz2 and zstd of single pages, and compressed record files whose name says nothing: the
    format comes from the decompressed bytes."""
    rng = random.Random(5)
    (tmp_path / "page.html.bz2").write_bytes(bz2.compress(page("صفحة", sentence(rng)).encode("utf-8")))
    with pa.CompressedOutputStream(str(tmp_path / "scrape.txt.zst"), "zstd") as zs:
        zs.write(f"عنوان\n\n{sentence(rng)}\n".encode())
    records = [
        {"url": f"https://x.example/{i}", "text": " ".join(sentence(rng) for _ in range(400))} for i in range(40)
    ]
    (tmp_path / "dump.bz2").write_bytes(bz2.compress(json.dumps(records, ensure_ascii=False).encode("utf-8")))
    with pa.CompressedOutputStream(str(tmp_path / "dump.zst"), "zstd") as zs:
        zs.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8"))
    got = {}
    for name in ("page.html.bz2", "scrape.txt.zst", "dump.bz2", "dump.zst"):
        recs, rejs = read_items(tmp_path / name)
        assert not rejs, (name, rejs)
        got[name] = (len(recs), recs[0].format)
    # JSONL whose first line is longer than the 64 KiB read for detection, under a name that says
    # nothing, goes to the JSON reader, which reads one top-level value after another: same records
    assert got == {
        "page.html.bz2": (1, "html"),
        "scrape.txt.zst": (1, "text"),
        "dump.bz2": (40, "json"),
        "dump.zst": (40, "json"),
    }


def test_record_files_are_read_as_streams_with_bounded_memory(tmp_path):
    import tracemalloc

    recs = [
        {"url": f"https://big.example/{i}", "title": f"خبر {i}", "text": (ARABIC + f" {i}\n") * 200} for i in range(800)
    ]
    size = sum(len(json.dumps(r, ensure_ascii=False).encode("utf-8")) for r in recs)
    assert size > 45_000_000
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode("utf-8")
    (tmp_path / "big.jsonl.gz").write_bytes(gzip.compress(lines, 1))
    (tmp_path / "big.json").write_text(json.dumps(recs, ensure_ascii=False, indent=1), encoding="utf-8")
    (tmp_path / "big.txt").write_text(
        "".join(
            f"<DOC>\n<URL>{r['url']}</URL>\n<TITLE>{r['title']}</TITLE>\n<TEXT>\n{r['text']}</TEXT>\n</DOC>\n"
            for r in recs
        ),
        encoding="utf-8",
    )
    with zipfile.ZipFile(tmp_path / "big.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("day/big.json", json.dumps(recs, ensure_ascii=False))
    for name in ("big.jsonl.gz", "big.json", "big.txt", "big.zip"):
        tracemalloc.start()
        n = sum(isinstance(item, Record) for item in read_path(tmp_path / name, 0, Settings()))
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert n == len(recs), name
        assert peak < size / 5, f"{name}: peak {peak} bytes for {size} bytes of records: not streamed"


# ---------------------------------------------------------------- the same limits for every format


def jsonl_lines(n: int) -> bytes:
    return b"".join(
        json.dumps({"url": f"https://lim.example/{i}", "text": f"{ARABIC} {i}"}, ensure_ascii=False).encode("utf-8")
        + b"\n"
        for i in range(n)
    )


@pytest.mark.parametrize("packing", ["gzip", "bz2", "zstd", "zip member"])
def test_every_decompression_stops_at_max_decompressed_bytes(tmp_path, packing):
    data = jsonl_lines(2000)
    limit = len(data) // 4
    if packing == "gzip":
        path = tmp_path / "day.jsonl.gz"
        path.write_bytes(gzip.compress(data))
    elif packing == "bz2":
        path = tmp_path / "day.jsonl.bz2"
        path.write_bytes(bz2.compress(data))
    elif packing == "zstd":
        path = tmp_path / "day.jsonl.zst"
        with pa.output_stream(str(path), compression="zstd") as out:
            out.write(data)
    else:
        path = tmp_path / "days.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("day.jsonl", data)
    recs, rejs = read_items(path, Settings(max_decompressed_bytes=limit))
    # the records before the limit are kept, and a reject says the rest was not read
    assert 0.2 * 2000 < len(recs) < 0.3 * 2000, len(recs)
    assert reasons.DECOMPRESSED_OVER_LIMIT.format(limit=limit) in [r.error for r in rejs]
    assert [r.url for r in recs] == [f"https://lim.example/{i}" for i in range(len(recs))]


@pytest.mark.parametrize("fmt", ["jsonl", "json", "sgml", "csv", "parquet"])
def test_a_record_over_max_input_bytes_is_rejected_and_the_others_read(tmp_path, fmt):
    rows = [
        {"url": "https://lim.example/0", "text": ARABIC},
        {"url": "https://lim.example/1", "text": ARABIC * 200},
        {"url": "https://lim.example/2", "text": ARABIC + " 2"},
    ]
    path = tmp_path / f"records.{fmt}"
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "json":
        path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    elif fmt == "sgml":
        path.write_text(
            "".join(f"<DOC>\n<URL>{r['url']}</URL>\n<TEXT>\n{r['text']}\n</TEXT>\n</DOC>\n" for r in rows),
            encoding="utf-8",
        )
    elif fmt == "csv":
        write_csv(path, rows)
    else:
        pq.write_table(pa.Table.from_pylist(rows), path)
    limit = 4 * len(ARABIC.encode("utf-8"))
    recs, rejs = read_items(path, Settings(max_input_bytes=limit))
    assert [r.url for r in recs] == ["https://lim.example/0", "https://lim.example/2"]
    assert len(rejs) == 1 and rejs[0].error.startswith((reasons.TOO_BIG, "record of")), rejs
    assert "over the size limit" in rejs[0].error
