"""Ingest on real and bad inputs: formats, encodings, WARC, rejects with reasons; and the helpers
the clean stage uses (language detection, the per-document time limit).

The acceptance tests run the real pipeline (flows.pipeline.run_pipeline with LocalExecutor) and
read the output Parquet through DuckDB (akhbar.store.connect)."""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import threading
import time
from pathlib import Path

import pytest

from akhbar import store
from akhbar.settings import Settings
from tests.fixtures_bad_inputs import (ARABIC, ENCODING_VARIANTS, REFERENCE, build_bad_corpus, build_encoding_corpora,
                                 seed_texts, single_byte_safe, to_html, warc_request, warc_response,
                                 warcinfo, write_warc)
from tasks import ingest
from tasks.ingest import Record, Reject, decode_bytes, detect_format, gunzip_tolerant, read_input

REPO = Path(__file__).resolve().parents[1]
SHARED_WARC = REPO.parent / "shared" / "dev" / "warc"


def read_all(path: Path, settings: Settings | None = None) -> tuple[list[Record], list[Reject]]:
    items = list(read_input(path, path.read_bytes(), 0, settings or Settings()))
    return [i for i in items if isinstance(i, Record)], [i for i in items if isinstance(i, Reject)]


def run(inputs, out: Path, settings: Settings | None = None) -> dict:
    from flows.pipeline import LocalExecutor, run_pipeline

    return run_pipeline([str(i) for i in inputs], str(out), settings or Settings(), LocalExecutor())


def query(out: Path, sql: str) -> list[tuple]:
    con = store.connect(out)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------- encodings

@pytest.mark.parametrize("codec", ["cp1256", "iso8859_6", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-8"])
def test_seeds_decode_in_every_encoding(codec):
    for name, text in seed_texts().items():
        text = single_byte_safe(text)
        decoded, how = decode_bytes(text.encode(codec))
        assert decoded == text, (name, codec, how)
        expected = {"cp1256": "windows-1256", "iso8859_6": "iso-8859-6", "utf-8-sig": "utf-8 (bom)",
                    "utf-16": "utf-16", "utf-16-le": "utf-16le", "utf-16-be": "utf-16be", "utf-8": "utf-8"}[codec]
        assert how.startswith(expected), (name, how)


def test_lying_and_right_declarations():
    text = single_byte_safe(next(iter(seed_texts().values())))
    # A meta that says UTF-8 over windows-1256 bytes is a lie: detection decides.
    page = to_html(text, "utf-8").encode("cp1256")
    assert decode_bytes(page, is_html=True) == (to_html(text, "utf-8"), "windows-1256 (detected)")
    # windows-1256 declared over ISO-8859-6 bytes decodes without error but into mojibake.
    page = to_html(text, "windows-1256").encode("iso8859_6")
    assert decode_bytes(page, is_html=True)[1] == "iso-8859-6 (detected)"
    # A right declaration is taken as such; the HTTP header comes before the meta.
    assert decode_bytes(to_html(text, "windows-1256").encode("cp1256"), is_html=True)[1] == "windows-1256 (meta)"
    assert decode_bytes(text.encode("cp1256"), declared="windows-1256")[1] == "windows-1256 (http)"
    # UTF-8 bytes declared as a single-byte page.
    assert decode_bytes(text.encode("utf-8"), declared="windows-1256") == (text, "utf-8")
    # French in windows-1252 stays French (its accents are not Arabic mojibake).
    french = "Le ministère a annoncé l'ouverture d'un hôpital très attendu à Genève. " * 3
    assert decode_bytes(french.encode("cp1252"), declared="windows-1252") == (french, "windows-1252 (http)")


@pytest.fixture(scope="module")
def encoding_runs(tmp_path_factory):
    """Every encoding variant and the UTF-8 references, each through the real pipeline into its own
    output folder (separate folders: the copies would otherwise be each other's duplicates)."""
    root = tmp_path_factory.mktemp("encodings")
    folders = build_encoding_corpora(root / "in")
    outs = {}
    for variant, folder in folders.items():
        out = root / "out" / variant
        summary = run([folder], out)
        assert summary["published"], variant
        outs[variant] = out
    return outs


def _texts(out: Path) -> dict[str, tuple[str, str]]:
    rows = query(out, "SELECT coalesce(url, regexp_extract(source_uri, '[^/]+$')), text, encoding FROM documents")
    # Key by the file stem (txt/html) or URL (WARC), so .txt and .html of a seed compare.
    return {Path(k).stem: (t, e) for k, t, e in rows}


@pytest.mark.integration
@pytest.mark.parametrize("variant", sorted(ENCODING_VARIANTS))
def test_encoded_seeds_give_the_same_documents_text(encoding_runs, variant):
    kind = ENCODING_VARIANTS[variant][0]
    ref = _texts(encoding_runs[REFERENCE[kind]])
    got = _texts(encoding_runs[variant])
    assert len(ref) == 5 and set(got) == set(ref)
    for key, (text, _enc) in ref.items():
        assert text.strip(), (key, "the reference has no kept text: the comparison would prove nothing")
        assert got[key][0] == text, (variant, key, got[key][1])
    assert query(encoding_runs[variant], "SELECT count(*) FROM rejects") == [(0,)]
    codec = ENCODING_VARIANTS[variant][1]
    label = {"cp1256": "windows-1256", "iso8859_6": "iso-8859-6", "utf-16": "utf-16", "utf-16-le": "utf-16le",
             "utf-16-be": "utf-16be", "utf-8-sig": "utf-8"}[codec]
    encodings = {e for _t, e in got.values()}
    assert all(e.startswith(label) for e in encodings), encodings


# ---------------------------------------------------------------- formats

def test_format_from_content_not_name(tmp_path):
    html = b"<!doctype html><html><body><p>x</p></body></html>"
    assert detect_format(Path("page.txt"), html) == "html"
    assert detect_format(Path("dump.dat"), b"WARC/1.0\r\nWARC-Type: warcinfo\r\n") == "warc"
    assert detect_format(Path("x.html"), b'{"url": "u", "text": "t"}\n') == "jsonl"
    assert detect_format(Path("x.bin"), b"filedesc://x.arc 0.0.0.0 2005 text/plain 76\n") == "arc"
    assert detect_format(Path("notes.txt"), "نص عادي".encode()) == "text"
    # gzip detected from the magic bytes, whatever the name.
    p = tmp_path / "page.html"
    p.write_bytes(gzip.compress(to_html(ARABIC, "utf-8").encode()))
    recs, rejs = read_all(p)
    assert len(recs) == 1 and not rejs and recs[0].content_kind == "html"


def test_gunzip_tolerant_keeps_members_around_damage():
    a, b = gzip.compress(b"first\n"), gzip.compress(b"second\n")
    data, problem = gunzip_tolerant(a + b"\x1f\x8b\x08\x00junk" + bytes(50) + b)
    assert data == b"first\nsecond\n" and "corrupt gzip member" in problem
    data, problem = gunzip_tolerant(a + b[:-12])
    assert data.startswith(b"first\n") and "truncated" in problem
    assert gunzip_tolerant(a + b) == (b"first\nsecond\n", None)


def test_warc_records_and_provenance(tmp_path):
    body1 = to_html(ARABIC, "utf-8").encode("utf-8")
    body2 = to_html(ARABIC + " 2", None).encode("cp1256")
    path = write_warc(tmp_path / "c.warc.gz", [
        warcinfo(), warc_request("https://a.example/1"),
        warc_response("https://a.example/1", body1),
        warc_response("https://a.example/2", body2, "text/html; charset=windows-1256", chunked=True, gzip_body=True),
        warc_response("https://a.example/doc.pdf", b"%PDF-1.4 ...", "application/pdf"),
        warc_response("https://a.example/gone", b"<html>gone</html>", status="301 Moved Permanently"),
    ], gz=True)
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
    assert sorted(r.error for r in rejs) == ["HTTP 301 response (Moved Permanently)", "not a page: application/pdf response"]


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
    assert [r.url for r in got] == ["https://b.example/0", "https://b.example/inner", "https://b.example/1"] and not rejs


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
            expected = sum(1 for r in ArchiveIterator(open(path, "rb"), parse_http=False, quirks_mode=True)
                           if r.record_type in (WarcRecordType.response, WarcRecordType.resource))
        assert len(recs) + len(rejs) == expected, (path.name, len(recs), [r.error for r in rejs])
        totals[path.name] = recs
    clueweb = totals["clueweb-quirk.warc.gz"]
    assert len(clueweb) == 29 and all(r.encoding == "euc_jp (http)" for r in clueweb)
    assert any("\u3042" <= ch <= "\u30ff" for ch in clueweb[0].content)  # kana: EUC-JP decoded
    assert len(totals["example-iana.org-chunked.warc"]) == 1
    assert "<html" in totals["example-iana.org-chunked.warc"][0].content.lower()  # de-chunked
    assert totals["example.arc.gz"][0].format == "arc"


def test_bad_single_files(tmp_path):
    s = Settings(max_input_bytes=10_000)
    cases = {
        "empty.txt": (b"", "empty file"),
        "pdf.html": (b"%PDF-1.5\n" + bytes(range(256)), "binary content (PDF)"),
        "img.txt": (b"\xff\xd8\xff\xe0" + bytes(100), "binary content (JPEG image)"),
        "nul.txt": (b"a\x00b\x00\x00\x00\xff" * 20, "binary content (NUL bytes)"),
        "pairs.txt": (b"\x00\x01\x02\x03" * 100, "binary content (NUL bytes)"),  # decodes as UTF-16, is not text
        "big.html": (b"<p>" + b"a" * 20_000, "over the size limit (10000)"),
        "cut.txt.gz": (gzip.compress(ARABIC.encode() * 20)[:-30], "truncated or corrupt gzip"),
        "bomb.html.gz": (gzip.compress(b"<p>" + b"a" * 5_000_000), "over the size limit"),
        "ctrl.txt": (b"\x01\x02\x03\x1b\x1b" * 10, "no text"),
    }
    for name, (data, reason) in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        recs, rejs = read_all(p, s)
        assert not recs and len(rejs) == 1 and reason in rejs[0].error, (name, rejs)
        assert rejs[0].source_uri == str(p)


def test_control_characters_and_surrogates_are_cleaned(tmp_path):
    p = tmp_path / "c.jsonl"
    p.write_text('{"text": "\\u0000\\u0007 نص \\ud800 عربي \\u000b سطر", "url": "https://x.example/1"}\n', encoding="utf-8")
    (rec,), rejs = read_all(p)
    assert not rejs and rec.content == " نص \ufffd عربي \n سطر"
    rec.content.encode("utf-8")  # storable


@pytest.mark.integration
def test_bad_corpus_runs_to_completion_and_everything_is_accounted_for(tmp_path):
    root = tmp_path / "bad"
    expected = build_bad_corpus(root)
    out = tmp_path / "out"
    summary = run([root], out, Settings(max_input_bytes=21_000_000))
    assert summary["published"]
    files = ingest.discover_inputs([str(root)])
    assert sorted(f.name for f in files) == sorted(expected)

    def file_of(uri: str) -> str:
        if uri.startswith(str(root)):
            return Path(uri.split("#")[0].split("@")[0]).name
        if "warc.example/gz" in uri:
            return "crawl_damaged.warc.gz"
        if "warc.example/" in uri:
            return "crawl.warc"
        return "mixed.jsonl" if uri.rstrip("/").rsplit("/", 1)[-1].isalpha() else "truncated.jsonl.gz"

    docs = query(out, "SELECT input_index, language, encoding, text FROM documents")
    rejects = query(out, "SELECT source_uri, stage, error FROM rejects")
    got_docs: dict[str, int] = {}
    for input_index, _lang, _enc, _text in docs:
        got_docs[files[input_index].name] = got_docs.get(files[input_index].name, 0) + 1
    got_rejects: dict[str, list[str]] = {}
    for uri, _stage, error in rejects:
        got_rejects.setdefault(file_of(uri), []).append(error)
    for name, e in expected.items():
        assert got_docs.get(name, 0) == e.documents, (name, e.note, got_rejects.get(name))
        assert len(got_rejects.get(name, [])) == e.rejects, (name, e.note, got_rejects.get(name))
    assert len(docs) + len(rejects) == sum(e.documents + e.rejects for e in expected.values())
    # Every reason is a sentence, not a traceback; the non-Arabic pages are kept with their language.
    assert all(err and "Traceback" not in err and len(err) <= 500 for _u, _s, err in rejects)
    langs = {files[i].name: lang for i, lang, _e, _t in docs}
    for name, e in expected.items():
        if e.languages:
            assert langs[name] in e.languages, (name, langs[name])
    assert langs["good.txt"] == "ar"
    # Every input file is recorded (the over-limit one too, unread), so a re-run skips them all.
    inputs = dict(query(out, "SELECT regexp_extract(path, '[^/]+$'), n_records FROM inputs"))
    assert sorted(inputs) == sorted(expected)
    again = run([root], out, Settings(max_input_bytes=21_000_000))
    assert not again["published"] and again["inputs_skipped"] == len(expected)


# ---------------------------------------------------------------- language (akhbar.language)

def test_detect_language():
    from akhbar.language import detect_language

    assert detect_language(ARABIC) == "ar"
    assert detect_language("The ministry of health announced today the opening of a new hospital in the city.") == "en"
    assert detect_language("Le ministère de la santé a annoncé aujourd'hui l'ouverture d'un nouvel hôpital.") == "fr"
    assert detect_language("خبر") == "und"
    assert detect_language("") == "und" and detect_language(None) == "und"
    assert detect_language("12345 67890 ... !!! 2024-05-01") == "und"
    for text in seed_texts().values():
        assert detect_language(text) == "ar"
    # Arabic script is not Arabic language: the script shortcut must leave these to the classifier
    assert detect_language("این یک متن فارسی است که برای آزمایش تشخیص زبان نوشته شده است و باید فارسی باشد") == "fa"
    assert detect_language("یہ ایک اردو متن ہے جو زبان کی شناخت کے لیے لکھا گیا ہے اور اسے اردو ہونا چاہیے") == "ur"


def test_script_counts_equal_the_pattern_counts():
    # the per-character table must count exactly what the three patterns match
    from akhbar import language

    samples = list(seed_texts().values()) + [
        ARABIC, "abc ١٢٣ ² ½ _ ـــ مَرحبًا ﻻ ﷲ", "پچژگکی ہے", "Ünïcödé ß ǅ Ⅻ 𝔸𝔹", "\ud800 lone surrogate", ""]
    for text in samples:
        expected = (len(language._LETTER.findall(text)), len(language._ARABIC.findall(text)),
                    len(language._NON_ARABIC_LETTERS.findall(text)))
        assert language._script_counts(text) == expected, text[:40]


def test_detect_language_from_threads():
    from akhbar.language import detect_language

    results = []
    threads = [threading.Thread(target=lambda: results.append(detect_language(ARABIC))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["ar"] * 4


# ---------------------------------------------------------------- time limit (akhbar.limits)

def test_time_limit_kills_the_slow_item_and_goes_on():
    from akhbar.limits import TimeLimitExceeded, map_with_time_limit

    got = list(map_with_time_limit(time.sleep, [0.0, 60.0, 0.0, 0.01], seconds=1.0))
    assert [item for item, _ in got] == [0.0, 60.0, 0.0, 0.01]
    assert got[0][1] is None and got[2][1] is None and got[3][1] is None
    assert isinstance(got[1][1], TimeLimitExceeded)


def _busy(seconds: float) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:  # pure Python work, no sleep to interrupt
        pass
    return "done"


def test_time_limit_on_the_main_thread_runs_in_process():
    # The quick path: a SIGALRM timer stops a busy item inside this process; the next items run,
    # exceptions come back as results, and the process's alarm state is left as it was.
    import signal

    from akhbar.limits import TimeLimitExceeded, map_with_time_limit

    before = signal.getsignal(signal.SIGALRM)
    t0 = time.monotonic()
    got = list(map_with_time_limit(_busy, [0.0, 30.0, 0.05], seconds=0.5))
    assert time.monotonic() - t0 < 10
    assert got[0][1] == "done" and got[2][1] == "done"
    assert isinstance(got[1][1], TimeLimitExceeded)
    assert isinstance(list(map_with_time_limit(math.sqrt, [-1.0], seconds=1))[0][1], ValueError)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == before
    # forced to the child process, the same items give the same results
    got = list(map_with_time_limit(_busy, [0.0, 30.0], seconds=0.5, in_process=False))
    assert got[0][1] == "done" and isinstance(got[1][1], TimeLimitExceeded)


def test_time_limit_in_a_worker_thread_with_errors_and_crashes():
    # A Prefect worker thread: signals are not available there, the child process still works.
    from akhbar.limits import TimeLimitExceeded, WorkerDied, map_with_time_limit

    out = {}

    def work():
        out["math"] = list(map_with_time_limit(math.sqrt, [4.0, -1.0, 9.0], seconds=5))
        out["crash"] = list(map_with_time_limit(os._exit, [3, 4], seconds=5))
        out["slow"] = list(map_with_time_limit(time.sleep, [30.0, 0.0], seconds=0.5))

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert [r for _i, r in out["math"]][::2] == [2.0, 3.0]
    assert isinstance(out["math"][1][1], ValueError)
    assert all(isinstance(r, WorkerDied) for _i, r in out["crash"])
    assert isinstance(out["slow"][0][1], TimeLimitExceeded) and out["slow"][1][1] is None


def test_time_limit_off_runs_inline():
    from akhbar.limits import map_with_time_limit

    assert [r for _i, r in map_with_time_limit(math.sqrt, [4.0, 16.0], seconds=None)] == [2.0, 4.0]
    assert isinstance(list(map_with_time_limit(math.sqrt, [-1.0], seconds=0))[0][1], ValueError)


# ---------------------------------------------------------------- streaming (huge WARC files)

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
    recs = [warc_response(f"https://c.example/{i}", to_html(f"{ARABIC} {i}", "utf-8").encode(), chunked=i % 2 == 1)
            for i in range(5)]
    data = b"junk\r\n" + b"".join(recs[:2]) + recs[2][:-40] + b"".join(recs[3:])
    whole = list(ingest._read_warc_stream(Path("x.warc"), [data], 0, Settings()))
    for size in (1, 7, 64, 1000):
        pieces = [data[i:i + size] for i in range(0, len(data), size)]
        got = list(ingest._read_warc_stream(Path("x.warc"), pieces, 0, Settings()))
        assert got == whole, size
    assert sum(isinstance(i, Record) for i in whole) == 4 and sum(isinstance(i, Reject) for i in whole) == 2


# ---------------------------------------------------------------- sanitize_text

_ODD_CHARS = [chr(c) for c in [*range(0, 40), 0x7F, 0x80, 0x9F, 0x627, 0xD800, 0xDC00, 0xFEFF, 0x1F600]]


def test_sanitize_text_drops_controls_and_replaces_surrogates():
    from tasks.ingest import sanitize_text

    assert sanitize_text("نص\x00 عربي\x07") == "نص عربي"
    assert sanitize_text("a\x0bb\x0cc\td\re\n") == "a\nb\nc\td\re\n"
    assert sanitize_text("x\ud800y") == "x\ufffdy"
    clean = "خبر عاجل\tمع\nسطر"
    assert sanitize_text(clean) is clean  # the fast path returns the text itself


def test_sanitize_text_fast_path_agrees_with_the_rules():
    # the byte-level shortcut must give what the character rules give, on any mix of odd characters
    from hypothesis import given
    from hypothesis import strategies as st

    from tasks.ingest import _CONTROLS, sanitize_text

    def by_rules(text: str) -> str:
        text = _CONTROLS.sub("", text).replace("\x0b", "\n").replace("\x0c", "\n")
        if any("\ud800" <= ch <= "\udfff" for ch in text):
            text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return text

    @given(st.lists(st.sampled_from(_ODD_CHARS), max_size=12).map("".join))
    def check(text):
        assert sanitize_text(text) == by_rules(text)

    check()
