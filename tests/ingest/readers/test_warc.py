"""The WARC reader (tasks/ingest/readers/warc.py): records, provenance, broken records, streaming."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from akhbar.settings import Settings
from akhbar.tasks import ingest
from akhbar.tasks.ingest import (
    Record,
    Reject,
    read_input,
)
from akhbar.tasks.ingest.readers.warc import read_warc
from tests.fixtures_bad_inputs import (
    ARABIC,
    to_html,
    warc_request,
    warc_response,
    warcinfo,
    write_warc,
)

REPO = Path(__file__).resolve().parents[3]
SHARED_WARC = REPO.parent / "shared" / "dev" / "warc"


def read_all(path: Path, settings: Settings | None = None) -> tuple[list[Record], list[Reject]]:
    items = list(read_input(path, path.read_bytes(), 0, settings or Settings()))
    return [i for i in items if isinstance(i, Record)], [i for i in items if isinstance(i, Reject)]


def test_warc_records_and_provenance(tmp_path):
    body1 = to_html(ARABIC, "utf-8").encode("utf-8")
    body2 = to_html(ARABIC + " 2", None).encode("cp1256")
    path = write_warc(
        tmp_path / "c.warc.gz",
        [
            warcinfo(),
            warc_request("https://a.example/1"),
            warc_response("https://a.example/1", body1),
            warc_response(
                "https://a.example/2", body2, "text/html; charset=windows-1256", chunked=True, gzip_body=True
            ),
            warc_response("https://a.example/doc.pdf", b"%PDF-1.4 ...", "application/pdf"),
            warc_response("https://a.example/gone", b"<html>gone</html>", status="301 Moved Permanently"),
        ],
        gz=True,
    )
    recs, rejs = read_all(path)
    assert [r.url for r in recs] == ["https://a.example/1", "https://a.example/2"]
    assert [r.source_uri for r in recs] == [r.url for r in recs]
    assert recs[0].doc_id == hashlib.sha256(body1).hexdigest()[:16]
    # doc_id is over the payload after transfer/content decoding: same page, same id.
    assert recs[1].doc_id == hashlib.sha256(body2).hexdigest()[:16]
    assert recs[1].encoding == "windows-1256 (http)" and ARABIC[:30] in recs[1].content
    assert all(r.format == "warc" and r.site == "a.example" and r.content_kind == "html" for r in recs)
    # WARC-Date is crawl time, never a publication date.
    assert all(r.published_field is None for r in recs)
    # request and warcinfo records are skipped; non-pages are rejected with the reason.
    assert sorted(r.error for r in rejs) == [
        "HTTP 301 response (Moved Permanently)",
        "not a page: application/pdf response",
    ]


def test_broken_warc_record_in_the_middle(tmp_path):
    recs = [warc_response(f"https://b.example/{i}", to_html(f"{ARABIC} {i}", "utf-8").encode()) for i in range(4)]
    broken = warc_response("https://b.example/broken", b"<html>x</html>", content_length=50_000)
    garbage = b"WARC/1.0\r\nthis is no header at all\r\n\r\n\x00\x01garbage\r\n\r\n"
    truncated = warc_response("https://b.example/cut", to_html(ARABIC, "utf-8").encode())[:-300]
    path = write_warc(tmp_path / "b.warc", recs[:2] + [broken] + recs[2:3] + [garbage] + recs[3:] + [truncated])
    got, rejs = read_all(path)
    assert [r.url for r in got] == [f"https://b.example/{i}" for i in range(4)]
    assert len(rejs) == 3 and all("WARC record" in r.error for r in rejs), rejs
    assert any("truncated" in r.error for r in rejs)
    # A payload that itself contains a WARC header line is not cut there.
    inner = b"<html><body><pre>\r\nWARC/1.0\r\nWARC-Type: response\r\n</pre>" + ARABIC.encode() + b"</body></html>"
    path = write_warc(tmp_path / "inner.warc", [recs[0], warc_response("https://b.example/inner", inner), recs[1]])
    got, rejs = read_all(path)
    assert [r.url for r in got] == [
        "https://b.example/0",
        "https://b.example/inner",
        "https://b.example/1",
    ] and not rejs


def test_shared_warc_samples_parse_record_by_record():
    if not SHARED_WARC.exists():
        pytest.skip(f"../shared material not found: {SHARED_WARC}")
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    files = sorted(p for p in SHARED_WARC.rglob("*") if p.is_file())
    assert len(files) >= 8
    totals = {}
    for path in files:
        recs, rejs = read_all(path)
        # No reader failure: every reject is a record-level reason, never the catch-all.
        assert not [r for r in rejs if r.error.startswith("unreadable input")], (path, rejs)
        if path.name.endswith(".arc.gz"):
            expected = 1
        else:
            expected = sum(
                1
                for r in ArchiveIterator(open(path, "rb"), parse_http=False, quirks_mode=True)
                if r.record_type in (WarcRecordType.response, WarcRecordType.resource)
            )
        assert len(recs) + len(rejs) == expected, (path.name, len(recs), [r.error for r in rejs])
        totals[path.name] = recs
    clueweb = totals["clueweb-quirk.warc.gz"]
    assert len(clueweb) == 29 and all(r.encoding == "euc_jp (http)" for r in clueweb)
    assert any("\u3042" <= ch <= "\u30ff" for ch in clueweb[0].content)  # kana: EUC-JP decoded
    assert len(totals["example-iana.org-chunked.warc"]) == 1
    assert "<html" in totals["example-iana.org-chunked.warc"][0].content.lower()  # de-chunked
    assert totals["example.arc.gz"][0].format == "arc"


def test_warc_is_read_as_a_stream_with_bounded_memory(tmp_path):
    import tracemalloc

    body = to_html(ARABIC * 300, "utf-8").encode("utf-8")  # ~100 KB per page
    records = [warc_response(f"https://big.example/{i}", body + str(i).encode()) for i in range(400)]
    path = write_warc(tmp_path / "big.warc.gz", records[:200] + [records[200][:-5000]] + records[201:], gz=True)
    size = sum(len(r) for r in records)
    assert size > 30_000_000
    tracemalloc.start()
    n_docs = n_rejects = 0
    for item in ingest.read_path(path, 0, Settings()):
        if isinstance(item, Record):
            n_docs += 1
        else:
            n_rejects += 1
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (n_docs, n_rejects) == (399, 1)
    assert peak < size / 4, f"peak {peak} bytes for a {size}-byte WARC: not streamed"


def test_stream_reader_does_not_depend_on_chunk_edges():
    recs = [
        warc_response(f"https://c.example/{i}", to_html(f"{ARABIC} {i}", "utf-8").encode(), chunked=i % 2 == 1)
        for i in range(5)
    ]
    data = b"junk\r\n" + b"".join(recs[:2]) + recs[2][:-40] + b"".join(recs[3:])
    whole = list(read_warc(Path("x.warc"), [data], 0, Settings()))
    for size in (1, 7, 64, 1000):
        pieces = [data[i : i + size] for i in range(0, len(data), size)]
        got = list(read_warc(Path("x.warc"), pieces, 0, Settings()))
        assert got == whole, size
    assert sum(isinstance(i, Record) for i in whole) == 4 and sum(isinstance(i, Reject) for i in whole) == 2
