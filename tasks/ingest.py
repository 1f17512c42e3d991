"""Stage 1, ingest: find input files, read records, decode them, record provenance, reject what can't be read.

Pure functions first; the Prefect task wrappers at the bottom only call them.
A record becomes a row of the run's staging table `ingest/shard-N.parquet`; an input that cannot
be read becomes a `rejects` row with the reason, and the run goes on.
"""

from __future__ import annotations

import codecs
import datetime as dt
import gzip
import hashlib
import json
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq

from akhbar.settings import Settings

TEXT_EXT = {".txt", ".text"}
HTML_EXT = {".html", ".htm", ".xhtml"}
JSONL_EXT = {".jsonl", ".ndjson"}
WARC_EXT = {".warc", ".arc"}
KNOWN_EXT = TEXT_EXT | HTML_EXT | JSONL_EXT | WARC_EXT

INGEST_SCHEMA = pa.schema([
    ("doc_id", pa.string()),
    ("source_uri", pa.string()),
    ("site", pa.string()),
    ("format", pa.string()),
    ("encoding", pa.string()),
    ("input_index", pa.int64()),
    ("record_index", pa.int64()),
    ("url", pa.string()),
    ("title", pa.string()),
    ("published_field", pa.string()),
    ("content_kind", pa.string()),  # text | html
    ("content", pa.string()),
])
REJECT_SCHEMA = pa.schema([("source_uri", pa.string()), ("stage", pa.string()), ("error", pa.string())])


@dataclass(slots=True)
class Record:
    doc_id: str
    source_uri: str
    site: str | None
    format: str
    encoding: str
    input_index: int
    record_index: int
    url: str | None
    title: str | None
    published_field: str | None
    content_kind: str
    content: str


@dataclass(slots=True)
class Reject:
    source_uri: str
    error: str
    stage: str = "ingest"


class InputError(ValueError):
    """An input (or record) that cannot be read; its message is the reject reason."""


# ---------------------------------------------------------------- discovery

def discover_inputs(inputs: list[str]) -> list[Path]:
    """Expand files and folders (recursively) into a sorted, de-duplicated list of files.

    Hidden files and folders are skipped; inside folders only known extensions (optionally
    .gz) are taken, while a file named explicitly is always taken.
    """
    found: set[Path] = set()
    for item in inputs:
        p = Path(item).expanduser().resolve()
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    if name.startswith("."):
                        continue
                    if _known_name(name):
                        found.add(Path(root) / name)
        elif p.exists():
            found.add(p)
        else:
            raise FileNotFoundError(f"input not found: {item}")
    return sorted(found)


def _known_name(name: str) -> bool:
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return Path(lower).suffix in KNOWN_EXT


# ---------------------------------------------------------------- decoding

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
]
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")


def decode_bytes(raw: bytes, *, declared: str | None = None, is_html: bool = False) -> tuple[str, str]:
    """Decode raw bytes; return (text, how) where `how` names the encoding and how it was decided.

    Order: BOM, then a declared charset (HTTP header, HTML meta) if it decodes cleanly, then
    strict UTF-8, then charset detection with the Arabic single-byte code pages in mind.
    """
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            return raw.decode(enc), f"{enc} (bom)"
    candidates: list[tuple[str, str]] = []
    if declared:
        candidates.append((declared, "declared"))
    if is_html:
        m = _META_CHARSET.search(raw[:4096])
        if m:
            candidates.append((m.group(1).decode("ascii", "replace"), "meta"))
    for enc, how in candidates:
        try:
            norm = codecs.lookup(enc).name
        except LookupError:
            continue
        try:
            text = raw.decode(norm)
        except UnicodeDecodeError:
            continue  # a lying declaration: fall through to detection
        if norm not in ("utf-8",) and _looks_misdecoded(raw, text):
            continue
        return text, f"{norm} ({how})"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _detect(raw)


def _looks_misdecoded(raw: bytes, text: str) -> bool:
    # Bytes that are valid UTF-8 with Arabic in them but were declared as a single-byte page.
    try:
        utf = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return bool(_ARABIC_LETTER.search(utf)) and not _ARABIC_LETTER.search(text)


def _detect(raw: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    # charset-normalizer ranks by chaos/coherence; among Arabic code pages it can prefer
    # cp1256 or iso-8859-6 for the same bytes, so score the Arabic ones ourselves when they tie.
    best = from_bytes(raw, cp_isolation=None).best()
    arabic = []
    for enc in ("cp1256", "iso8859_6"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        letters = len(_ARABIC_LETTER.findall(text))
        arabic.append((letters, enc, text))
    if arabic:
        letters, enc, text = max(arabic)
        if letters >= 20 and (best is None or letters >= len(_ARABIC_LETTER.findall(str(best)))):
            return text, f"{codecs.lookup(enc).name} (detected)"
    if best is None:
        raise InputError("undecodable bytes: no text encoding fits")
    return str(best), f"{codecs.lookup(best.encoding).name} (detected)"


# ---------------------------------------------------------------- reading

def _check_bytes(raw: bytes, what: str, settings: Settings) -> None:
    if not raw.strip():
        raise InputError(f"empty {what}")
    if len(raw) > settings.max_input_bytes:
        raise InputError(f"{what} of {len(raw)} bytes is over the size limit ({settings.max_input_bytes})")
    head = raw[:8192]
    if head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x7fELF")):
        raise InputError(f"binary content ({_magic_name(head)}) in {what}")
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE))
    if not utf16 and b"\x00" in head:
        raise InputError(f"binary content (NUL bytes) in {what}")


def _magic_name(head: bytes) -> str:
    for magic, name in ((b"%PDF", "PDF"), (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"),
                        (b"GIF8", "GIF image"), (b"PK\x03\x04", "zip archive"), (b"\x7fELF", "executable")):
        if head.startswith(magic):
            return name
    return "unknown"


def doc_id_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def site_of(url: str | None, path: Path) -> str:
    if url:
        host = urlsplit(url).hostname or ""
        if host:
            return host[4:] if host.startswith("www.") else host
    return path.parent.name or "unknown"


def detect_format(path: Path, raw: bytes) -> str:
    """Format from the content first (a mislabelled file is common), then the name."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    head = raw[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"WARC/"):
        return "warc"
    if head[:1] == b"{" and (Path(name).suffix in JSONL_EXT or _first_line_is_json(raw)):
        return "jsonl"
    lower = head[:1024].lower()
    if lower.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in lower or b"<body" in lower:
        return "html"
    suffix = Path(name).suffix
    if suffix in HTML_EXT:
        return "html"
    if suffix in JSONL_EXT:
        return "jsonl"
    if suffix in WARC_EXT:
        return "warc"
    return "text"


def _first_line_is_json(raw: bytes) -> bool:
    line = raw.split(b"\n", 1)[0]
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def gunzip_if_needed(path: Path, raw: bytes) -> bytes:
    if path.name.lower().endswith(".gz") or raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"truncated or corrupt gzip: {exc}") from None
    return raw


def read_input(path: Path, file_bytes: bytes, input_index: int, settings: Settings) -> Iterator[Record | Reject]:
    """All records of one input file, or Rejects for what cannot be read. Never raises for bad data."""
    uri = str(path)
    try:
        raw = gunzip_if_needed(path, file_bytes)
        _check_bytes(raw, "file", settings)
        fmt = detect_format(path, raw)
    except InputError as exc:
        yield Reject(uri, str(exc))
        return
    if fmt == "jsonl":
        yield from _read_jsonl(path, raw, input_index, settings)
    elif fmt == "warc":
        yield from _read_warc(path, raw, input_index, settings)
    else:
        try:
            text, how = decode_bytes(raw, is_html=fmt == "html")
        except InputError as exc:
            yield Reject(uri, str(exc))
            return
        yield Record(doc_id_of(raw), uri, site_of(None, path), fmt, how, input_index, 0,
                     None, None, None, "html" if fmt == "html" else "text", text)


def _read_jsonl(path: Path, raw: bytes, input_index: int, settings: Settings) -> Iterator[Record | Reject]:
    for n, line in enumerate(raw.splitlines(), start=1):
        uri = f"{path}#{n}"
        if not line.strip():
            continue
        try:
            text_line, _ = decode_bytes(line)
            obj = json.loads(text_line)
            if not isinstance(obj, dict):
                raise InputError("JSONL record is not an object")
            html, text = obj.get("html"), obj.get("text")
            if not (isinstance(html, str) and html.strip()) and not (isinstance(text, str) and text.strip()):
                raise InputError("JSONL record has neither 'text' nor 'html'")
            url = obj.get("url") if isinstance(obj.get("url"), str) else None
            kind = "html" if isinstance(html, str) and html.strip() else "text"
            content = html if kind == "html" else text
            if len(content.encode("utf-8", "surrogatepass")) > settings.max_input_bytes:
                raise InputError(f"record over the size limit ({settings.max_input_bytes} bytes)")
            published = obj.get("published")
            title = obj.get("title")
            yield Record(doc_id_of(line), url or uri, site_of(url, path), "jsonl", "utf-8", input_index, n,
                         url, title if isinstance(title, str) else None,
                         str(published) if published not in (None, "") else None, kind, content)
        except (InputError, ValueError) as exc:
            msg = str(exc) if isinstance(exc, InputError) else f"malformed JSON: {exc}"
            yield Reject(uri, msg)


def _read_warc(path: Path, raw: bytes, input_index: int, settings: Settings) -> Iterator[Record | Reject]:
    yield Reject(str(path), "WARC input is not supported yet")


# ---------------------------------------------------------------- shard entry point

def ingest_shard(run_dir: str, shard_id: int) -> dict:
    """Read the input files of one ingest shard into staging Parquet files. Returns counts."""
    run = Path(run_dir)
    settings = Settings.load(run)
    manifest = json.loads((run / "ingest_shards.json").read_text())[shard_id]
    records: list[dict] = []
    rejects: list[dict] = []
    file_rows: list[dict] = []
    for input_index, path_str in manifest:
        path = Path(path_str)
        n_records = 0
        try:
            st = path.stat()
            file_bytes = path.read_bytes()
        except OSError as exc:
            rejects.append({"source_uri": str(path), "stage": "ingest", "error": f"cannot read file: {exc.strerror or exc}"})
            continue
        for item in read_input(path, file_bytes, input_index, settings):
            if isinstance(item, Reject):
                rejects.append({"source_uri": item.source_uri, "stage": item.stage, "error": item.error})
            else:
                n_records += 1
                records.append({f.name: getattr(item, f.name) for f in INGEST_SCHEMA})
        file_rows.append({"path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                          "sha256": hashlib.sha256(file_bytes).hexdigest(), "n_records": n_records})
    out = run / "ingest"
    out.mkdir(exist_ok=True)
    pq.write_table(pa.Table.from_pylist(records, schema=INGEST_SCHEMA), out / f"records-{shard_id:05d}.parquet")
    pq.write_table(pa.Table.from_pylist(rejects, schema=REJECT_SCHEMA), out / f"rejects-{shard_id:05d}.parquet")
    pq.write_table(pa.Table.from_pylist(file_rows, schema=_FILE_SCHEMA), out / f"files-{shard_id:05d}.parquet")
    return {"records": len(records), "rejects": len(rejects), "files": len(file_rows)}


_FILE_SCHEMA = pa.schema([("path", pa.string()), ("size", pa.int64()), ("mtime_ns", pa.int64()),
                          ("sha256", pa.string()), ("n_records", pa.int64())])


def plan_ingest_shards(files: list[Path], settings: Settings) -> list[list[tuple[int, str]]]:
    """Group input files into shards of bounded total size and count, keeping input order."""
    shards: list[list[tuple[int, str]]] = []
    cur: list[tuple[int, str]] = []
    cur_bytes = 0
    for i, f in enumerate(files):
        size = f.stat().st_size if f.exists() else 0
        if cur and (cur_bytes + size > settings.ingest_shard_bytes or len(cur) >= settings.ingest_shard_files):
            shards.append(cur)
            cur, cur_bytes = [], 0
        cur.append((i, str(f)))
        cur_bytes += size
    if cur:
        shards.append(cur)
    return shards


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def admit_records(out_dir: str, run_dir: str) -> dict:
    """Keep the records not stored before (by doc_id, i.e. raw bytes) and first in this run, and
    split them into record shards of `shard_size` in input order (so results never depend on it).

    Writes records/shard=K/*.parquet; returns {"admitted": n, "seen": n, "shards": [K, ...]}.
    """
    import duckdb

    from akhbar import store

    run, out = Path(run_dir), Path(out_dir)
    settings = Settings.load(run)
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    staged = str(run / "ingest" / "records-*.parquet")
    con.execute(f"CREATE VIEW staged AS SELECT * FROM read_parquet('{staged}')")
    done = sorted(store.completed_runs(out))
    con.execute("CREATE TEMP TABLE done_runs (run_id VARCHAR)")
    if done:
        con.executemany("INSERT INTO done_runs VALUES (?)", [[r] for r in done])
    con.execute(
        f"""CREATE VIEW stored_ids AS SELECT doc_id FROM read_parquet('{store.table_glob(out, "documents")}')
            WHERE run_id IN (SELECT run_id FROM done_runs)"""
    )
    con.execute(
        """CREATE TEMP TABLE admitted AS
           WITH fresh AS (SELECT s.* FROM staged s ANTI JOIN stored_ids t ON s.doc_id = t.doc_id),
           firsts AS (SELECT * FROM fresh
                      QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY input_index, record_index) = 1)
           SELECT *, row_number() OVER (ORDER BY input_index, record_index) - 1 AS seq FROM firsts"""
    )
    n_staged = con.execute("SELECT count(*) FROM staged").fetchone()[0]
    n_admitted = con.execute("SELECT count(*) FROM admitted").fetchone()[0]
    records = run / "records"
    if n_admitted:
        con.execute(
            f"""COPY (SELECT *, (seq // {int(settings.shard_size)})::INTEGER AS shard FROM admitted ORDER BY seq)
                TO '{records}' (FORMAT parquet, PARTITION_BY (shard), OVERWRITE_OR_IGNORE true)"""
        )
    shards = sorted(int(p.name.split("=")[1]) for p in records.glob("shard=*")) if n_admitted else []
    con.close()
    return {"admitted": n_admitted, "seen": n_staged - n_admitted, "shards": shards}


def read_record_shard(run_dir: str, shard_id: int) -> pa.Table:
    return pq.read_table(Path(run_dir) / "records" / f"shard={shard_id}")


def unchanged_inputs(out_dir: str, files: list[Path]) -> set[str]:
    """Paths whose (size, mtime) match what a completed earlier run read: skipped without reading."""
    from akhbar import store

    out = Path(out_dir)
    done = store.completed_runs(out)
    if not done or not files:
        return set()
    import duckdb

    con = duckdb.connect()
    rows = con.execute(
        f"SELECT DISTINCT path, size, mtime_ns FROM read_parquet('{store.table_glob(out, 'inputs')}') "
        "WHERE run_id IN (SELECT unnest(?::VARCHAR[]))", [sorted(done)]
    ).fetchall()
    con.close()
    seen = {(p, s, m) for p, s, m in rows}
    unchanged = set()
    for f in files:
        try:
            st = f.stat()
        except OSError:
            continue
        if (str(f), st.st_size, st.st_mtime_ns) in seen:
            unchanged.add(str(f))
    return unchanged


# ---------------------------------------------------------------- Prefect task wrappers

from prefect import task  # noqa: E402  (wrappers only; the functions above need no Prefect)
from prefect.cache_policies import NONE as NO_CACHE  # noqa: E402

ingest_task = task(ingest_shard, name="ingest", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
admit_task = task(admit_records, name="admit", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10])
