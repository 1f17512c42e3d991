"""Reading single inputs (tasks/ingest/read.py): the format from the content, damaged gzip, bad files, and
a bad corpus through the real pipeline (akhbar.flows.pipeline.run_pipeline, DuckDB over the output)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from akhbar.settings import Settings
from akhbar.tasks import ingest
from akhbar.tasks.ingest import (
    detect_format,
    gunzip_tolerant,
)
from tests.fixtures_bad_inputs import (
    ARABIC,
    build_bad_corpus,
    to_html,
)
from tests.ingest.common import query, read_all, run


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
