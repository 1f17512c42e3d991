"""Stage 1, ingest: find input files, read records, decode them, record provenance, reject what can't be read.

Pure functions first; the Prefect task wrappers at the bottom only call them.
A record becomes a row of the run's staging table `ingest/records-N.parquet`; an input (or a record
inside one) that cannot be read becomes a `rejects` row with the reason, and the run goes on.

Formats (detected from the content first, then the name; gzip of any of them too):
  text   .txt               one document per file
  html   .html/.htm         one document per file
  jsonl  .jsonl/.ndjson     one document per line (tasks/readers/jsonl.py), fields as for JSON below
  warc   .warc              response and resource records; request/metadata/warcinfo/revisit records
                            are skipped (they hold no page). A response that is not a page (image, PDF,
                            HTTP status other than 2xx) is REJECTED with the reason, so every response
                            record of a WARC ends as a document or a reject. WARC-Target-URI gives
                            source_uri and url; WARC-Date is crawl time and is never used as a
                            publication date. doc_id = sha256 of the (transfer- and content-decoded)
                            HTTP payload. A broken record is rejected and the records after it are read.
  arc    .arc               the old Internet Archive format, read through warcio (arc2warc).
  json   .json              a JSON array of records, or an object holding one (tasks/readers/json_array.py)
  sgml   <DOC> files        TREC/SGML <DOC>s, ANT and Gigaword layouts, any name (tasks/readers/sgml_doc.py)
  parquet, csv              .parquet / .csv / .tsv with a text or html column (tasks/readers/tabular.py)
  zip    .zip               read member by member, each member as the file it is (tasks/readers/zip_members.py)
Records of JSON, JSONL, Parquet and CSV find their fields by name (tasks/readers/fields.py: text or
html, url, title, published, author, crawled_at; Settings.columns maps other names); every other
field is kept in source_meta. gzip, bz2 and zstd of any format are read as streams (tasks/streams.py:
every decompression stops at Settings.max_decompressed_bytes, a record over max_input_bytes is a
reject). A file that is none of these is rejected as "unrecognised format"; text is only a
.txt/.text file. Reject reasons are declared in akhbar/reasons.py.

Encodings: BOM, then the declared charset (HTTP header, then HTML meta) when it decodes cleanly and
does not look like mojibake, then UTF-8, UTF-16 without BOM, the Arabic code pages (windows-1256,
ISO-8859-6) scored on letters vs. mojibake, then charset-normalizer. The decision is written to
`documents.encoding` as '<encoding> (<how>)', how = bom | http | meta | detected.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import itertools
import json
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from akhbar import reasons
from akhbar.schema import TS
from akhbar.settings import Settings
from akhbar.store import staging_options, write_staged
from akhbar.tasking import StageTask
from tasks import streams
from tasks.discover import display_path, entry_problem, entry_stat, name_is_utf8, open_regular, walk_inputs
from tasks.readers.fields import Fields, Problem, parse_timestamp
from tasks.streams import ChunkReader, capped, drop_long_lines

TEXT_EXT = {".txt", ".text"}
HTML_EXT = {".html", ".htm", ".xhtml"}
JSONL_EXT = {".jsonl", ".ndjson"}
WARC_EXT = {".warc", ".arc"}
JSON_EXT = {".json"}
SGML_EXT = {".sgml", ".sgm", ".trec"}
TABLE_EXT = {".csv", ".tsv", ".parquet"}
ZIP_EXT = {".zip"}
KNOWN_EXT = TEXT_EXT | HTML_EXT | JSONL_EXT | WARC_EXT | JSON_EXT | SGML_EXT | TABLE_EXT | ZIP_EXT
# Formats holding many records, read from a stream record by record, never whole (read_stream):
# memory bounded by a record, and a bad part never rejects the whole file.
CONTAINERS = {"warc", "arc", "jsonl", "json", "sgml", "csv", "parquet", "zip"}

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
    ("author", pa.string()),
    ("crawled_at", TS),
    ("source_meta", pa.string()),  # the record's other fields, as JSON
    ("content_kind", pa.string()),  # text | html
    ("content", pa.string()),
])
# The staged file adds each record's length, so admit splits shards by characters without
# reading (decompressing) the content column.
STAGED_SCHEMA = INGEST_SCHEMA.append(pa.field("content_chars", pa.int64()))
# input_index: the input file the reject came from (write.stage_side_tables turns it into rejects.input_path)
REJECT_SCHEMA = pa.schema([("source_uri", pa.string()), ("stage", pa.string()), ("error", pa.string()),
                           ("input_index", pa.int64())])


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
    author: str | None = None
    crawled_at: "dt.datetime | None" = None
    source_meta: str | None = None


@dataclass(slots=True)
class Reject:
    source_uri: str
    error: str
    stage: str = "ingest"


class InputError(ValueError):
    """An input (or record) that cannot be read; its message is the reject reason."""


# ---------------------------------------------------------------- discovery

def discover_inputs(inputs: list[str]) -> list[Path]:
    """Expand files and folders (recursively) into a sorted, de-duplicated list of entries: every
    entry but hidden ones, whatever its extension or kind (tasks/discover.py)."""
    return [Path(f) for f in discover_input_paths(inputs)]


def discover_input_paths(inputs: list[str]) -> list[str]:
    """discover_inputs as absolute path strings: what a run needs (a Path per file cost 0.5 s of
    the driver's time at 72,000 files)."""
    return walk_inputs(inputs)


# ---------------------------------------------------------------- decoding

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32le"), (codecs.BOM_UTF32_BE, "utf-32", "utf-32be"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"), (codecs.BOM_UTF16_LE, "utf-16", "utf-16le"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16be"),
]
_META_CHARSET = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
# Mojibake markers: C1 controls and Latin-1 letters, which Arabic text (and text in a right
# single-byte page) almost never has; an Arabic page decoded with the wrong code page is full of them.
_ODD = re.compile(r"[\u0080-\u009F\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF\uFFFD]")
# Labels for documents.encoding (WHATWG names rather than Python codec names).
_LABELS = {"cp1256": "windows-1256", "iso8859-6": "iso-8859-6", "utf-8": "utf-8", "utf-16-le": "utf-16le",
           "utf-16-be": "utf-16be", "cp1252": "windows-1252", "latin-1": "iso-8859-1", "iso8859-1": "iso-8859-1",
           "ascii": "ascii", "cp720": "cp720", "cp864": "cp864", "mac-arabic": "x-mac-arabic"}


def _label(codec_name: str) -> str:
    name = codecs.lookup(codec_name).name
    if name.startswith("cp12"):
        return "windows-" + name[2:]
    return _LABELS.get(name, name)


def decode_bytes(raw: bytes, *, declared: str | None = None, is_html: bool = False) -> tuple[str, str]:
    """Decode raw bytes; return (text, how): the encoding and how it was decided, e.g. 'windows-1256 (meta)'.

    Order: BOM; a declared charset (HTTP header, then HTML meta) if it decodes cleanly and does not
    look like mojibake; strict UTF-8; UTF-16 without BOM; the Arabic code pages scored on letters
    vs. mojibake; charset-normalizer. Raises InputError for binary or undecodable bytes.
    """
    for bom, codec, label in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), f"{label} (bom)"
            except UnicodeDecodeError:
                break  # a BOM followed by something else: let detection decide
    candidates: list[tuple[str, str]] = []
    if declared:
        candidates.append((declared, "http"))
    if is_html:
        m = _META_CHARSET.search(raw[:8192])
        if m:
            candidates.append((m.group(1).decode("ascii", "replace"), "meta"))
    for enc, how in candidates:
        try:
            norm = codecs.lookup(enc.strip().strip("\"'")).name
        except LookupError:
            continue
        if norm.startswith(("utf-16", "utf-32")):
            if how == "meta":
                norm = "utf-8"  # HTML spec: a meta can't declare UTF-16 (the meta itself is ASCII)
            elif b"\x00" not in raw[:4096]:
                continue
        try:
            text = raw.decode(norm)
        except UnicodeDecodeError:
            continue  # a lying declaration: fall through to detection
        if norm != "utf-8" and not _plausible_single_byte(raw, text):
            continue
        return text, f"{_label(norm)} ({how})"
    if b"\x00" in raw[:8192]:
        utf16 = _sniff_utf16(raw)
        if utf16:
            return utf16
        raise InputError(f"{reasons.BINARY} (NUL bytes)")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    arabic = _detect_arabic(raw)
    if arabic:
        return arabic
    return _detect_other(raw)


def _plausible_single_byte(raw: bytes, text: str) -> bool:
    """False when a single-byte declaration is evidently wrong (the bytes are UTF-8, or mojibake)."""
    if not raw.isascii():
        try:
            raw.decode("utf-8")
            return False  # real UTF-8 declared as a single-byte page
        except UnicodeDecodeError:
            pass
    odd = len(_ODD.findall(text))
    if not odd:
        return True
    letters = len(_ARABIC_LETTER.findall(text)) + len(_LATIN_LETTER.findall(text))
    if odd <= 0.02 * max(letters, 1):
        return True
    # Many Latin-1 letters: fine for French in windows-1252, not when an Arabic page decodes better.
    return _detect_arabic(raw) is None


def _detect_arabic(raw: bytes) -> tuple[str, str] | None:
    """windows-1256 or ISO-8859-6 when one of them yields mostly Arabic letters and no mojibake."""
    best = None
    for codec in ("cp1256", "iso8859_6"):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        arabic = len(_ARABIC_LETTER.findall(text))
        odd = len(_ODD.findall(text))
        latin = len(_LATIN_LETTER.findall(text))
        if arabic < 3 or arabic < 0.3 * (arabic + latin) or odd > 0.01 * arabic + 1:
            continue
        score = arabic - 20 * odd
        if best is None or score > best[0]:
            best = (score, text, codec)
    if best is None:
        return None
    return best[1], f"{_label(best[2])} (detected)"


_UTF16_TEXT = re.compile(r"[\t\n\r\x20-\x7e\u00a0-\u00ff\u0600-\u06ff\u0750-\u077f\u2000-\u206f\ufb50-\ufdff\ufe70-\ufeff]")


def _sniff_utf16(raw: bytes) -> tuple[str, str] | None:
    """UTF-16 without a BOM: the byte order that decodes into text of the scripts this corpus holds
    (Arabic, Latin, ASCII markup) with spaces between words; anything else is binary."""
    body = raw[: len(raw) // 2 * 2]
    best = None
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        sample = text[:4000]
        good = len(_UTF16_TEXT.findall(sample))
        spaces = sum(1 for ch in sample if ch in " \n")
        if sample and good >= 0.95 * len(sample) and spaces >= 0.02 * len(sample) and (best is None or good > best[0]):
            best = (good, text, codec)
    return (best[1], f"{_label(best[2])} (detected)") if best else None


def _detect_other(raw: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise InputError("undecodable bytes: no text encoding fits")
    text = str(best)
    if len(_ODD.findall(text[:20000])) > 0.2 * max(1, len(text[:20000])):
        raise InputError(f"undecodable bytes: best guess {best.encoding} gives mojibake")
    return text, f"{_label(best.encoding)} (detected)"


_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0b, 0x0d), *range(0x0e, 0x20), 0x7f])  # + \x0b \x0c
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def sanitize_text(text: str) -> str:
    """Drop control characters (they carry no text and XML-based extractors refuse them) and
    replace lone surrogates (from JSON escapes), which cannot be stored as UTF-8."""
    try:
        # The common case, checked at C speed (a regex scan of a 200 KB page took 1 ms): no
        # surrogate (the encode raises on one) and none of the control bytes, which in UTF-8 only
        # ever stand for themselves.
        encoded = text.encode("utf-8")
        if len(encoded.translate(None, _CONTROL_BYTES)) == len(encoded):
            return text
    except UnicodeEncodeError:
        pass
    text = _CONTROLS.sub("", text).replace("\x0b", "\n").replace("\x0c", "\n")
    if _SURROGATE.search(text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


# ---------------------------------------------------------------- checks and helpers

_MAGIC = ((b"%PDF", "PDF"), (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
          (b"PK\x03\x04", "zip archive"), (b"\x7fELF", "executable"), (b"RIFF", "RIFF media"),
          (b"\x00\x00\x00\x18ftyp", "MP4 video"), (b"\x00\x00\x00\x20ftyp", "MP4 video"), (b"OggS", "Ogg media"),
          (b"ID3", "MP3 audio"), (b"BZh", "bzip2 archive"), (b"\xfd7zXZ", "xz archive"), (b"7z\xbc\xaf", "7z archive"),
          (b"\x28\xb5\x2f\xfd", "zstd archive"), (b"wOFF", "web font"), (b"wOF2", "web font"), (b"\x00asm", "wasm"))


def _check_bytes(raw: bytes, what: str, settings: Settings) -> None:
    if not raw.strip():
        raise InputError(f"empty {what}")
    if len(raw) > settings.max_input_bytes:
        raise InputError(f"{what} of {len(raw)} bytes is over the size limit ({settings.max_input_bytes})")
    name = _magic_name(raw[:16])
    if name:
        raise InputError(f"{reasons.BINARY} ({name}) in {what}")


def _magic_name(head: bytes) -> str | None:
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head[:2] == b"\x1f\x8b":
        return "gzip inside gzip"
    return None


def doc_id_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:16]


def site_of(url: str | None, path: Path) -> str:
    if url:
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            host = ""
        if host:
            return host[4:] if host.startswith("www.") else host
    return path.parent.name or "unknown"


def detect_format(path: Path, raw: bytes) -> str:
    """Format from the content first (a mislabelled file is common), then the name; "unknown" when
    neither tells (such a file is rejected, never read as text)."""
    name = streams.strip_compression_suffix(path.name.lower())
    head = raw[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    suffix = Path(name).suffix
    if head.startswith(b"WARC/"):
        return "warc"
    if head.startswith(b"filedesc://"):
        return "arc"
    if raw[:4] == b"PAR1":
        return "parquet"
    if raw[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip" if suffix in ZIP_EXT else "unknown"  # .docx, .xlsx, .epub: zips that hold no news records
    if head[:1] == b"{" and (suffix in JSONL_EXT or _first_line_is_json(raw)):
        return "jsonl"
    if _JSON_ARRAY.match(head) or (head[:1] == b"{" and (suffix in JSON_EXT or _JSON_OBJECT.match(head))):
        return "json"
    if _SGML_DOC.match(head):
        return "sgml"
    lower = head[:1024].lower()
    if lower.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in lower or b"<body" in lower:
        return "html"
    if b"\x00" in head[:64]:  # UTF-16: look for markup in the decoded head
        low16 = head[:1024].replace(b"\x00", b"").lower()
        if b"<html" in low16 or b"<!doctype html" in low16 or b"<body" in low16:
            return "html"
    if suffix in HTML_EXT:
        return "html"
    if suffix in JSONL_EXT:
        return "jsonl"
    if suffix in JSON_EXT:
        return "json"
    if suffix == ".arc":
        return "arc"
    if suffix in WARC_EXT:
        return "warc"
    if suffix in SGML_EXT:
        return "sgml"
    if suffix in (".csv", ".tsv") or _csv_with_text_column(head):
        return "csv"
    if suffix == ".parquet":
        return "parquet"  # not Parquet inside: the reader says so
    if suffix in TEXT_EXT:
        return "text"
    return "unknown"


_JSON_ARRAY = re.compile(rb"\[\s*[\[{\]]")
_JSON_OBJECT = re.compile(rb'\{\s*"[^"\n]{0,200}"\s*:')
_SGML_DOC = re.compile(rb"(?:<\?xml[^>]{0,200}>\s*)?(?:<!--.{0,2000}?-->\s*)?<doc[\s>]", re.I | re.S)


def _csv_with_text_column(head: bytes) -> bool:
    from tasks.readers.fields import ROLES
    from tasks.readers.tabular import csv_header_names

    names = {n.strip().lower() for n in csv_header_names(head)}
    return len(names) >= 2 and bool(names & set(ROLES["text"] + ROLES["html"]))


def _first_line_is_json(raw: bytes) -> bool:
    line = raw.split(b"\n", 1)[0]
    try:
        obj = json.loads(line)
    except ValueError:
        return False
    # one line holding {"articles": [{...}, ...]} is a JSON file of records, not a JSONL record
    return isinstance(obj, dict) and not any(isinstance(v, list) and v and isinstance(v[0], dict) for v in obj.values())


def unrecognised(path: Path, raw: bytes) -> str:
    """The reject reason for a file no reader takes, saying what it looks like."""
    binary = _magic_name(raw[:16])
    suffix = Path(streams.strip_compression_suffix(path.name.lower())).suffix
    what = f"{reasons.BINARY} ({binary})" if binary else f"a {suffix or 'name without extension'} file"
    return (f"{reasons.UNRECOGNISED}: {what} that is none of text (.txt), HTML, JSON, JSONL, CSV/TSV, Parquet, "
            f"SGML <DOC>, WARC/ARC or zip")


def is_gzip(path: Path, raw: bytes) -> bool:
    return raw[:2] == b"\x1f\x8b"


def gunzip_tolerant(raw: bytes, cap: int | None = None) -> tuple[bytes, str | None]:
    """Decompress every gzip member; return (data, problem). A corrupt member is skipped (resync at
    the next member header) and a truncated tail keeps what decompressed, so the records of a
    multi-member .warc.gz before and after the damage survive. Raises InputError past `cap` bytes."""
    out: list[bytes] = []
    total, pos, problem = 0, 0, None
    view = memoryview(raw)
    while pos < len(raw):
        if raw[pos:pos + 2] != b"\x1f\x8b":
            nxt = raw.find(b"\x1f\x8b\x08", pos + 1)
            if raw[pos:nxt if nxt >= 0 else len(raw)].strip(b"\x00 \t\r\n"):  # NUL/blank padding is no damage
                problem = problem or f"bytes that are not gzip at byte {pos}"
            if nxt < 0:
                break
            pos = nxt
            continue
        d = zlib.decompressobj(31)
        try:
            chunk = d.decompress(view[pos:], (cap - total + 1) if cap else 0)
        except zlib.error as exc:
            problem = problem or f"corrupt gzip member at byte {pos} ({exc}); its content is lost"
            nxt = raw.find(b"\x1f\x8b\x08", pos + 1)
            if nxt < 0:
                break
            pos = nxt
            continue
        total += len(chunk)
        if cap and (d.unconsumed_tail or total > cap):
            raise InputError(f"decompresses to over the size limit ({cap} bytes)")
        out.append(chunk)
        if not d.eof:
            try:
                out.append(d.flush())
            except zlib.error:
                pass
            problem = problem or f"truncated gzip: the stream ends at byte {len(raw)} before its end"
            break
        pos = len(raw) - len(d.unused_data)
    return b"".join(out), problem


def gunzip_if_needed(path: Path, raw: bytes) -> bytes:
    """Strict variant kept for callers that want all-or-nothing."""
    if is_gzip(path, raw):
        data, problem = gunzip_tolerant(raw)
        if problem:
            raise InputError(f"{reasons.CORRUPT_GZIP}: {problem}")
        return data
    return raw


# ---------------------------------------------------------------- reading

def read_input(path: Path, file_bytes: bytes, input_index: int, settings: Settings,
               probe: bytes | None = None) -> Iterator[Record | Reject]:
    """All records of one input file, or Rejects for what cannot be read. Never raises for bad data.
    `probe`: the file's first 64 KiB, decompressed (streams.head_of), when the caller already has it."""
    uri = str(path)
    try:
        yield from _read_input(path, file_bytes, input_index, settings, probe)
    except Exception as exc:  # a reader bug on strange bytes is still a reject, never the end of the run
        yield Reject(uri, f"{reasons.UNREADABLE_INPUT} ({type(exc).__name__}: {exc})"[:500])


def _read_input(path: Path, file_bytes: bytes, input_index: int, settings: Settings,
                probe: bytes | None) -> Iterator[Record | Reject]:
    uri = str(path)
    problem = None
    raw = file_bytes
    if not file_bytes.strip():
        yield Reject(uri, reasons.EMPTY_FILE)
        return
    compression = streams.compression_of(file_bytes[:16])
    if probe is None:
        probe = streams.head_of(file_bytes[:65536], compression)
    fmt = detect_format(path, probe)
    if fmt in CONTAINERS or compression in ("bz2", "zstd"):
        yield from (read_stream(path, uri, io.BytesIO(file_bytes), compression, fmt, input_index, settings)
                    if fmt in CONTAINERS else
                    _read_decompressed(path, io.BytesIO(file_bytes), compression, input_index, settings))
        return
    try:
        if compression == "gzip":
            # A single document: decompressed up to the size limit of one record.
            raw, problem = gunzip_tolerant(file_bytes, settings.max_input_bytes)
            if not raw and problem:
                raise InputError(f"{reasons.CORRUPT_GZIP}: {problem}")
        if not raw.strip():
            raise InputError(reasons.EMPTY_FILE if not problem else f"{reasons.CORRUPT_GZIP}: {problem}")
        fmt = detect_format(path, raw)
        if fmt == "unknown":
            raise InputError(unrecognised(path, raw))
        if problem and fmt not in CONTAINERS:
            raise InputError(f"{reasons.CORRUPT_GZIP}: {problem}")
        if fmt not in CONTAINERS:
            _check_bytes(raw, "file", settings)
    except InputError as exc:
        yield Reject(uri, str(exc))
        return
    if fmt in CONTAINERS:  # the whole text tells what its head did not; raw is within max_input_bytes
        if problem:
            yield Reject(uri, f"{reasons.CORRUPT_GZIP}: {problem}")
        yield from read_stream(path, uri, io.BytesIO(raw), None, fmt, input_index, settings)
    else:
        try:
            text, how = decode_bytes(raw, is_html=fmt == "html")
        except InputError as exc:
            yield Reject(uri, str(exc))
            return
        text = sanitize_text(text)
        if not text.strip():
            yield Reject(uri, "no text after decoding (only control characters)")
            return
        yield Record(doc_id_of(raw), uri, site_of(None, path), fmt, how, input_index, 0,
                     None, None, None, "html" if fmt == "html" else "text", text)


# ---- WARC

# A record header: the version line (0.1x: ClueWeb09), then a line. Not anchored at a line start:
# a truncated record runs straight into the next one. A match inside a payload is harmless: a
# record whose Content-Length ends exactly at a later record is read whole.
_WARC_START = re.compile(rb"WARC/(?:1\.[01]|0\.1[0-9])\r?\n[\x21-\x7e]")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")




class _Window:
    """A growing/shrinking window over a stream of bytes, so a WARC of any size is read with
    memory bounded by its largest record."""

    def __init__(self, chunks: Iterable[bytes]):
        self.it = iter(chunks)
        self.buf = bytearray()
        self.base = 0          # absolute offset of buf[0]
        self.eof = False
        self.junk = False      # non-blank bytes were discarded while looking for a record
        self.max_buf = 0       # > 0: a search that keeps the bytes scanned stops at this many

    def more(self) -> bool:
        if self.eof:
            return False
        for chunk in self.it:
            if chunk:
                self.buf += chunk
                return True
        self.eof = True
        return False

    def fill(self, n: int) -> None:
        while len(self.buf) < n and self.more():
            pass

    def drop(self, n: int) -> None:
        if n <= 0:
            return
        if bytes(self.buf[:n]).strip():
            self.junk = True
        del self.buf[:n]
        self.base += n

    def boundary(self, start: int, discard: bool = False) -> int | None:
        """Position (relative) of the next 'WARC/x.y' line at or after `start`, loading as needed;
        with discard, the bytes scanned are dropped on the way (junk between records)."""
        pos = start
        while True:
            m = _WARC_START.search(self.buf, pos)
            if m is not None:
                return m.start()
            pos = max(pos, len(self.buf) - 80)  # a header line may straddle the edge
            if discard and pos > 0:
                self.drop(pos)
                pos = 0
            if not discard and self.max_buf and len(self.buf) > self.max_buf:
                return None  # junk after a record, longer than any record: not held in memory
            if not self.more():
                return None


def _read_warc_stream(path: Path, chunks: Iterable[bytes], input_index: int,
                      settings: Settings) -> Iterator[Record | Reject]:
    """Records of a WARC, read as a stream. fastwarc parses each record; the reader only finds where
    records start, so that a broken record (wrong Content-Length, garbage header, truncation) is
    rejected and the records after it are still read."""
    win = _Window(chunks)
    p = win.boundary(0, discard=True)
    if p is None:
        yield Reject(str(path), "no WARC record found" + (" (the file is not a WARC)" if win.junk else ""))
        return
    win.drop(p)
    if win.junk:
        yield Reject(f"{path}@0", "broken WARC data before the first record header")
    record_no = 0
    limit = 2 * settings.max_input_bytes + 65536
    win.max_buf = limit + 2 * 65536
    while True:
        start = win.base
        at = f"{path}@{start}"
        nxt: int | None = None
        item: Record | Reject | None = None
        try:
            win.fill(65536)
            header_end = _header_end(win.buf)
            clen = _content_length(bytes(win.buf[:header_end]))
            body_end = header_end + clen
            if clen > limit:
                raise InputError(f"record of {clen} bytes is over the size limit ({settings.max_input_bytes})")
            win.fill(body_end + 64)
            q = win.boundary(1)
            if len(win.buf) < body_end:
                nxt = q
                raise InputError(f"broken WARC record: Content-Length {clen} runs past the next record" if q is not None
                                 else f"truncated WARC record: Content-Length {clen}, {len(win.buf) - header_end} bytes left")
            if q is not None and q < body_end:
                # A 'WARC/1.0' line inside the payload (then the record ends where a later one
                # starts), or a Content-Length that runs into the next record.
                r = win.boundary(body_end)
                if bytes(win.buf[body_end: r if r is not None else len(win.buf)]).strip():
                    nxt = q
                    raise InputError(f"broken WARC record: Content-Length {clen} runs past the "
                                     f"{q - header_end} bytes before the next record")
                nxt = r
            else:
                nxt = q
                if bytes(win.buf[body_end: q if q is not None else len(win.buf)]).strip():
                    raise InputError(f"broken WARC record: stray bytes after its Content-Length ({clen}); "
                                     "the payload is not trustworthy")
            item = _warc_record(path, bytes(win.buf[:body_end]), start, input_index, record_no, settings)
        except InputError as exc:
            item = Reject(at, str(exc))
        except Exception as exc:  # fastwarc raises OSError/ValueError on malformed records
            item = Reject(at, f"broken WARC record: {type(exc).__name__}: {exc}"[:500])
        if item is not None:
            yield item
        record_no += 1
        if nxt is None:
            nxt = win.boundary(1, discard=True)
        if nxt is None:
            return
        win.junk = False
        win.drop(nxt)


def _header_end(buf) -> int:
    head = bytes(buf[:65536])
    for sep in (b"\r\n\r\n", b"\n\n"):
        pos = head.find(sep)
        if pos >= 0:
            return pos + len(sep)
    raise InputError("broken WARC record: no end of the header block")


def _content_length(header: bytes) -> int:
    m = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", header)
    if not m:
        raise InputError("broken WARC record: no Content-Length")
    return int(m.group(1))


def _parse_one(buf: bytes, decode: str):
    from fastwarc.warc import ArchiveIterator

    record = next(iter(ArchiveIterator(io.BytesIO(buf), parse_http=True, auto_decode=decode, quirks_mode=True,
                                       max_content_length=None)), None)
    if record is None:
        raise InputError("broken WARC record: unreadable header")
    return record


def _warc_record(path: Path, buf: bytes, start: int, input_index: int, record_no: int,
                 settings: Settings) -> Record | Reject | None:
    from fastwarc.warc import WarcRecordType

    record = _parse_one(buf, "all")
    rtype = record.record_type
    if rtype not in (WarcRecordType.response, WarcRecordType.resource):
        return None  # request, metadata, warcinfo, revisit, conversion: no page in them
    url = record.headers.get("WARC-Target-URI")
    url = url.strip().strip("<>") if url else None
    uri = url or f"{path}@{start}"
    if rtype == WarcRecordType.response:
        if not record.is_http or record.http_headers is None:
            return Reject(uri, "WARC response without a readable HTTP header")
        status = record.http_headers.status_code
        if not 200 <= (status or 0) < 300:
            return Reject(uri, f"HTTP {status} response ({record.http_headers.reason_phrase or 'no page'})")
        ctype = (record.http_content_type or "").lower()
        charset = record.http_charset
    else:
        raw_type = record.headers.get("Content-Type") or ""
        ctype = raw_type.split(";")[0].strip().lower()
        m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", raw_type, re.I)
        charset = m.group(1) if m else None
    if record.content_length > settings.max_input_bytes * 2:
        return Reject(uri, f"record of {record.content_length} bytes is over the size limit ({settings.max_input_bytes})")
    try:
        payload = record.reader.read()
    except Exception as exc:
        # Crawlers (ClueWeb09) often store the payload already decoded but keep the
        # Content-Encoding / Transfer-Encoding header: read it as stored before giving up.
        try:
            payload = _parse_one(buf, "none").reader.read()
        except Exception:
            return Reject(uri, f"unreadable HTTP payload ({type(exc).__name__}: {exc})"[:500])
    if ctype and not (ctype in _HTML_TYPES or ctype.startswith("text/")):
        return Reject(uri, f"not a page: {ctype} response")
    try:
        _check_bytes(payload, "HTTP payload", settings)
        is_html = ctype in _HTML_TYPES or (not ctype or ctype == "text/plain") and detect_format(Path("x"), payload) == "html"
        text, how = decode_bytes(payload, declared=charset, is_html=is_html)
    except InputError as exc:
        return Reject(uri, str(exc))
    text = sanitize_text(text)
    if not text.strip():
        return Reject(uri, "no text after decoding")
    return Record(doc_id_of(payload), uri, site_of(url, path), "warc", how, input_index, record_no,
                  url, None, None, "html" if is_html else "text", text,
                  crawled_at=parse_timestamp(record.headers.get("WARC-Date")))


def _read_arc_stream(path: Path, fh, input_index: int, settings: Settings) -> Iterator[Record | Reject]:
    """ARC files (the WARC predecessor) through warcio, which converts them; fastwarc reads WARC only.
    `fh`: the (decompressed) file object; a payload over the size limit is rejected unread."""
    from warcio.archiveiterator import ArchiveIterator

    record_no = 0
    it = iter(ArchiveIterator(fh, arc2warc=True))
    while True:
        try:
            rec = next(it)
        except StopIteration:
            return
        except Exception as exc:  # warcio cannot resynchronise an ARC; what follows is lost, and said so
            yield Reject(f"{path}@record{record_no}", f"broken ARC record ({type(exc).__name__}: {exc}); "
                                                      "the rest of the file is not readable"[:500])
            return
        try:
            if rec.rec_type != "response":
                continue
            url = rec.rec_headers.get_header("WARC-Target-URI")
            uri = url or f"{path}@record{record_no}"
            status = rec.http_headers.get_statuscode() if rec.http_headers else None
            if status and not str(status).startswith("2"):
                yield Reject(uri, f"HTTP {status} response")
                continue
            ctype_full = (rec.http_headers.get_header("Content-Type") if rec.http_headers else None) or ""
            ctype = ctype_full.split(";")[0].strip().lower()
            payload = rec.content_stream().read(settings.max_input_bytes + 1)
            if len(payload) > settings.max_input_bytes:
                size = rec.rec_headers.get_header("Content-Length") or f"over {settings.max_input_bytes}"
                yield Reject(uri, reasons.RECORD_OVER_LIMIT.format(size=size, limit=settings.max_input_bytes))
                continue
            if ctype and not (ctype in _HTML_TYPES or ctype.startswith("text/")):
                yield Reject(uri, f"not a page: {ctype} response")
                continue
            m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", ctype_full, re.I)
            _check_bytes(payload, "HTTP payload", settings)
            is_html = ctype in _HTML_TYPES or detect_format(Path("x"), payload) == "html"
            text, how = decode_bytes(payload, declared=m.group(1) if m else None, is_html=is_html)
            yield Record(doc_id_of(payload), uri, site_of(url, path), "arc", how, input_index, record_no,
                         url, None, None, "html" if is_html else "text", sanitize_text(text),
                         crawled_at=parse_timestamp(rec.rec_headers.get_header("WARC-Date")))
        except InputError as exc:
            yield Reject(uri, str(exc))
        except Exception as exc:
            yield Reject(f"{path}@record{record_no}", f"broken ARC record ({type(exc).__name__}: {exc})"[:500])
        finally:
            record_no += 1


# ---------------------------------------------------------------- shard entry point

def read_path(path: Path, input_index: int, settings: Settings) -> Iterator[Record | Reject]:
    """All records of one input file, reading WARC, ARC and JSONL files as a stream (memory bounded
    by the largest record, whatever the file size) and rejecting a single document over the size limit from its
    first 64 KiB. Only a regular file is opened (discover.open_regular). Raises OSError when the
    file cannot be opened."""
    with open_regular(str(path)) as fh:
        head = fh.read(65536)
        compression = streams.compression_of(head)
        if compression in ("bz2", "zstd"):
            probe = streams.head_of_stream(fh, compression)
        else:
            probe = streams.head_of(head, compression)
        fmt = detect_format(path, probe) if head.strip() else None
        if fmt in CONTAINERS:
            fh.seek(0)
            yield from read_stream(path, str(path), fh, compression, fmt, input_index, settings)
            return
        if fmt is not None and compression in ("bz2", "zstd"):
            fh.seek(0)
            yield from _read_decompressed(path, fh, compression, input_index, settings)
            return
        file_bytes, too_big = _read_file(fh, head, path, settings, probe)
    if file_bytes is None:
        yield Reject(str(path), too_big)
        return
    yield from read_input(path, file_bytes, input_index, settings, probe)


def read_stream(path: Path, uri: str, fh, compression: str | None, fmt: str, input_index: int,
                settings: Settings) -> Iterator[Record | Reject]:
    """The records of a file object in a streamed format (CONTAINERS), read record by record from
    its decompressed chunks (tasks/streams.py), so memory is bounded by a record (max_input_bytes)
    whatever the file's size; a decompressed stream stops at max_decompressed_bytes (the records
    before it are kept). `uri` names the file (a zip member: 'archive.zip!/member')."""
    if fmt == "zip":
        if compression is not None:
            yield Reject(uri, reasons.NESTED_ZIP)
            return
        yield from _read_zip(path, fh, input_index, settings)
        return
    problems: list[str] = []
    notes: list[str] = []
    seen = [False]
    chunks = streams.decompressed(fh, compression, problems)
    if compression is not None:
        chunks = capped(chunks, settings.max_decompressed_bytes, notes)
    first, chunks = _peek(_noting_content(chunks, seen))
    binary = _magic_name(first[:16]) if fmt not in ("warc", "parquet") else None
    n = 0
    try:
        if binary:
            raise InputError(f"{reasons.BINARY} ({binary}) in file")
        for item in _records_of(path, uri, fh, compression, fmt, chunks, input_index, settings):
            n += 1
            yield _item_of(item, path, fmt, input_index)
    except InputError as exc:
        n += 1
        yield Reject(uri, str(exc))
    except Exception as exc:  # a reader bug must not lose the file silently
        n += 1
        yield Reject(uri, f"{reasons.UNREADABLE_INPUT} ({type(exc).__name__}: {exc})"[:500])
    if n == 0 and not seen[0] and not problems and not notes:
        yield Reject(uri, reasons.EMPTY_FILE)
    for note in notes:
        yield Reject(uri, note)
    if problems:
        # The records read before (and after) the damage are kept; this row says what was lost.
        what = reasons.CORRUPT_GZIP if compression == "gzip" else reasons.CORRUPT_STREAM
        yield Reject(uri, f"{what}: {'; '.join(problems)}"[:500])


def _records_of(path: Path, uri: str, fh, compression: str | None, fmt: str, chunks: Iterator[bytes],
                input_index: int, settings: Settings) -> Iterator:
    """The reader of `fmt` over the decompressed chunks: Records, Rejects, Fields or Problems."""
    from tasks.readers import json_array, jsonl, sgml_doc, tabular

    columns = dict(settings.columns)
    limit = settings.max_input_bytes
    if fmt == "warc":
        return _read_warc_stream(path, chunks, input_index, settings)
    if fmt == "arc":
        return _read_arc_stream(path, io.BufferedReader(ChunkReader(chunks), streams.CHUNK), input_index, settings)
    if fmt == "jsonl":
        return jsonl.read_jsonl(uri, chunks, columns=columns, max_record=limit, sanitize=sanitize_text,
                                decode=decode_bytes)
    if fmt == "json":
        return json_array.read_json(uri, chunks, columns=columns, max_record=limit, sanitize=sanitize_text)
    if fmt == "sgml":
        return sgml_doc.read_sgml(uri, chunks, max_record=limit, sanitize=sanitize_text, decode=decode_bytes)
    if fmt == "csv":
        delimiter = {".tsv": "\t", ".csv": ","}.get(Path(streams.strip_compression_suffix(path.name.lower())).suffix)
        return tabular.read_csv(uri, chunks, delimiter=delimiter, columns=columns, sanitize=sanitize_text,
                             max_record=limit)
    # parquet needs seeking: a plain file is read in place, anything else through a temporary file
    seekable = compression is None and isinstance(fh, (io.BufferedReader, io.BytesIO))
    if seekable:
        fh.seek(0)
    return tabular.read_parquet(uri, fh if seekable else streams.spill(chunks), columns=columns,
                                sanitize=sanitize_text, max_record=limit)


def _peek(chunks: Iterable[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """The first non-empty chunk, and the chunks with it still in front."""
    it = iter(chunks)
    for chunk in it:
        if chunk:
            return chunk, itertools.chain([chunk], it)
    return b"", iter(())


def _noting_content(chunks: Iterable[bytes], seen: list[bool]) -> Iterator[bytes]:
    """The chunks, noting in seen[0] whether any holds more than whitespace."""
    for chunk in chunks:
        if not seen[0] and chunk.strip():
            seen[0] = True
        yield chunk


def _item_of(item, path: Path, fmt: str, input_index: int) -> Record | Reject:
    """A reader's Fields or Problem as a staged Record or a Reject."""
    if isinstance(item, (Record, Reject)):
        return item
    if isinstance(item, Problem):
        return Reject(item.uri, item.error[:500])
    f: Fields = item
    return Record(doc_id_of(f.raw), f.url or f.uri, site_of(f.url, path), fmt, f.encoding, input_index,
                  f.record_index, f.url, f.title, f.published, f.content_kind, f.content, f.author, f.crawled_at,
                  f.source_meta)


def _read_zip(path: Path, fh, input_index: int, settings: Settings) -> Iterator[Record | Reject]:
    """Every member of a zip, read as the file it is; record_index runs on across members, and a
    record without a URL takes its site from the member's folder, else the zip's."""
    from tasks.readers.zip_members import members

    base = 0
    for entry in members(str(path), fh):
        if isinstance(entry, Problem):
            yield Reject(entry.uri, entry.error)
            continue
        uri, info, zf = entry
        member_path = Path(uri)
        folder = info.filename.rsplit("/", 1)[0].rsplit("/", 1)[-1] if "/" in info.filename else None
        top = base
        notes: list[str] = []
        try:
            with zf.open(info) as member:
                # a member's decompression stops at max_decompressed_bytes, as a gzip stream's does
                chunks = capped(iter(lambda: member.read(1 << 18), b""), settings.max_decompressed_bytes, notes)
                mf = ChunkReader(chunks)
                for item in _read_member(member_path, uri, mf, input_index, settings):
                    if isinstance(item, Record):
                        item.record_index += base
                        top = max(top, item.record_index)
                        if item.url is None:
                            item.site = folder or site_of(None, path)
                    yield item
        except Exception as exc:  # a damaged member (bad CRC, unsupported compression) is one reject
            yield Reject(uri, f"{reasons.BROKEN_ZIP}: {type(exc).__name__}: {exc}"[:500])
        for note in notes:
            yield Reject(uri, note)
        base = top + 1


def _read_member(path: Path, uri: str, mf, input_index: int, settings: Settings) -> Iterator[Record | Reject]:
    head = mf.read(65536)
    if not head.strip():
        yield Reject(uri, reasons.EMPTY_FILE)
        return
    compression = streams.compression_of(head)
    fmt = detect_format(path, streams.head_of(head, compression))
    if fmt == "zip" and compression is None:  # a zip in a zip: zipfile needs to seek
        with streams.copy_to_temp(streams.Prefixed(head, mf)) as tmp:
            yield from read_stream(path, uri, tmp, None, "zip", input_index, settings)
        return
    if fmt in CONTAINERS:
        yield from read_stream(path, uri, streams.Prefixed(head, mf), compression, fmt, input_index, settings)
        return
    data = head + mf.read(settings.max_input_bytes + 1 - len(head))
    if len(data) > settings.max_input_bytes:
        yield Reject(uri, f"file of more than {settings.max_input_bytes} bytes is over the size limit")
        return
    for item in read_input(path, data, input_index, settings):
        if isinstance(item, Reject) and item.source_uri == str(path):
            item.source_uri = uri
        yield item


def _read_decompressed(path: Path, fh, compression: str, input_index: int,
                       settings: Settings) -> Iterator[Record | Reject]:
    """A single document compressed with bz2 or zstd, decompressed up to the size limit."""
    problems: list[str] = []
    data, total = [], 0
    for chunk in streams.decompressed(fh, compression, problems):
        total += len(chunk)
        if total > settings.max_input_bytes:
            yield Reject(str(path), f"decompresses to over the size limit ({settings.max_input_bytes} bytes)")
            return
        data.append(chunk)
    if problems:
        yield Reject(str(path), f"{reasons.CORRUPT_STREAM}: {'; '.join(problems)}"[:500])
        if not total:
            return
    yield from read_input(path, b"".join(data), input_index, settings)


def _read_file(fh, head: bytes, path: Path, settings: Settings, probe: bytes) -> tuple[bytes | None, str | None]:
    """The file's bytes (`head` already read from `fh`), or (None, reason) for a single document
    over the size limit, which is rejected from its first 64 KiB without reading the rest."""
    size = os.fstat(fh.fileno()).st_size
    if size <= settings.max_input_bytes:
        return head + fh.read(), None
    return None, f"file of {size} bytes is over the size limit ({settings.max_input_bytes})"


def _sha256_file(path: Path) -> str:
    with open_regular(str(path)) as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class _RecordWriter:
    """Staged records written in row groups as they come, so a shard's memory stays bounded."""

    # Small row groups: read_record_shard decodes the whole groups holding a record shard's rows
    # (HTML pages: 64M-character groups made the 7 shards' reads 0.34 s, 1M ones 0.14 s).
    ROWS, CHARS = 2000, 1_000_000

    def __init__(self, path: Path):
        self.writer = pq.ParquetWriter(path, STAGED_SCHEMA, **staging_options(STAGED_SCHEMA, plain=("content",)))
        self.rows: list[dict] = []
        self.chars = 0
        self.count = 0

    def add(self, rec: Record) -> None:
        row = {f.name: getattr(rec, f.name) for f in INGEST_SCHEMA}
        row["content_chars"] = n = len(rec.content)
        self.rows.append(row)
        self.chars += n
        self.count += 1
        if len(self.rows) >= self.ROWS or self.chars >= self.CHARS:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=STAGED_SCHEMA))
            self.rows, self.chars = [], 0

    def close(self) -> None:
        self.flush()
        self.writer.close()


def ingest_shard(run_dir: str, shard_id: int) -> dict:
    """Read the input files of one ingest shard into staging Parquet files. Returns counts."""
    from akhbar.store import crash_point

    run = Path(run_dir)
    settings = Settings.load(run)
    manifest = json.loads(_plan_file(run, shard_id).read_text())
    out = run / "ingest"
    out.mkdir(exist_ok=True)
    records = _RecordWriter(out / f"records-{shard_id:05d}.parquet")
    rejects: list[dict] = []
    file_rows: list[dict] = []
    try:
        for input_index, path_str in manifest:
            n_records, digest = 0, None
            uri = display_path(path_str)
            problem = entry_problem(path_str)
            if problem is None and not name_is_utf8(path_str):
                rejects.append(_reject_row(uri, reasons.NAME_NOT_UTF8, input_index))
            try:
                if problem is not None:
                    raise _Unreadable(problem)
                digest = _sha256_file(Path(path_str))
                for item in read_path(Path(path_str), input_index, settings):
                    if isinstance(item, Reject):
                        rejects.append(_reject_row(display_path(item.source_uri), item.error, input_index, item.stage))
                    else:
                        rejects.extend(_drop_long_lines(item, input_index, settings))
                        if item.content.strip():
                            n_records += 1
                            records.add(_storable(item))
            except (OSError, _Unreadable) as exc:
                digest = None  # not read: the next run tries again
                reason = str(exc) if isinstance(exc, _Unreadable) else reasons.from_os_error(exc)
                rejects.append(_reject_row(uri, reason, input_index))
            st = entry_stat(path_str)
            file_rows.append({"path": uri, "size": st.st_size if st else None, "mtime_ns": st.st_mtime_ns if st else None,
                              "sha256": digest, "n_records": n_records, "ctime_ns": st.st_ctime_ns if st else None})
    finally:
        records.close()
    crash_point("ingest")
    write_staged(pa.Table.from_pylist(rejects, schema=REJECT_SCHEMA), out / f"rejects-{shard_id:05d}.parquet")
    write_staged(pa.Table.from_pylist(file_rows, schema=_FILE_SCHEMA), out / f"files-{shard_id:05d}.parquet")
    return {"records": records.count, "rejects": len(rejects), "files": len(file_rows)}


class _Unreadable(Exception):
    """An entry that is not read at all; its message is the reject reason."""


def _reject_row(uri: str, error: str, input_index: int, stage: str = "ingest") -> dict:
    return {"source_uri": uri, "stage": stage, "error": error, "input_index": input_index}


def _drop_long_lines(rec: Record, input_index: int, settings: Settings) -> list[dict]:
    """Leave out the lines of a text record longer than max_line_chars; a reject row for each."""
    if rec.content_kind != "text":
        return []
    rec.content, dropped = drop_long_lines(rec.content, settings.max_line_chars)
    uri = display_path(rec.source_uri)
    return [_reject_row(uri, reasons.LINE_OVER_LIMIT.format(line=no, chars=n, limit=settings.max_line_chars),
                        input_index) for no, n in dropped]


def _storable(rec: Record) -> Record:
    """The record with every string but its (sanitized) content storable as UTF-8: a file name's
    undecodable bytes reach source_uri and site, and a JSON url may hold a lone surrogate."""
    for name in ("source_uri", "site", "url", "title", "published_field"):
        value = getattr(rec, name)
        if value is not None:
            setattr(rec, name, display_path(value))
    return rec


_FILE_SCHEMA = pa.schema([("path", pa.string()), ("size", pa.int64()), ("mtime_ns", pa.int64()),
                          ("sha256", pa.string()), ("n_records", pa.int64()), ("ctime_ns", pa.int64())])


def _plan_file(run: Path, shard_id: int) -> Path:
    return run / "ingest" / "plan" / f"{shard_id:05d}.json"


def save_ingest_plan(run_dir: str, shards: list[list[tuple[int, str]]]) -> None:
    """One small file per ingest shard: each task reads only its own (a single manifest of every
    path cost each task a parse of the whole list, 0.15 s per shard at 72,000 files)."""
    for k, manifest in enumerate(shards):
        path = _plan_file(Path(run_dir), k)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(manifest))


def plan_ingest_shards(files: list[str] | list[Path], settings: Settings,
                       workers: int = 1) -> list[list[tuple[int, str]]]:
    """Group input files into shards of bounded total size and count, keeping input order; a small
    run is cut into enough shards for `workers` (Settings.balanced_cap)."""
    sizes = []
    for f in files:
        try:
            sizes.append(os.stat(f).st_size)  # one system call (exists() + stat() were two)
        except OSError:
            sizes.append(0)
    max_bytes = settings.balanced_cap(settings.ingest_shard_bytes, sum(sizes), settings.min_ingest_shard_bytes,
                                      workers)
    shards: list[list[tuple[int, str]]] = []
    cur: list[tuple[int, str]] = []
    cur_bytes = 0
    for i, (f, size) in enumerate(zip(files, sizes)):
        if cur and (cur_bytes + size > max_bytes or len(cur) >= settings.ingest_shard_files):
            shards.append(cur)
            cur, cur_bytes = [], 0
        cur.append((i, str(f)))
        cur_bytes += size
    if cur:
        shards.append(cur)
    return shards


def admit_records(out_dir: str, run_dir: str, workers: int = 1) -> dict:
    """Keep the records not stored before (by doc_id, i.e. raw bytes) and first in this run, and
    split them into record shards of `shard_size` in input order (so results never depend on it);
    a small run is cut into enough shards for `workers` (Settings.balanced_cap).

    Writes records/shard=K/*.parquet, an index of the shard's records: every staged column but
    `content`, plus seq (input order) and ingest_file/ingest_row, where the record sits in the
    ingest staging files (read_record_shard takes the content from there: copying every page here
    was most of admit's time). Returns {"admitted": n, "seen": n, "shards": [K, ...]}.
    """
    from akhbar import store

    run, out = Path(run_dir), Path(out_dir)
    settings = Settings.load(run)
    con = store.work_connection(settings.duckdb_memory_limit, run / "duckdb_tmp")
    # A view takes no parameters: its file patterns come from variables.
    con.execute("SET VARIABLE staged_files = ?", [store.files_glob(run / "ingest", "records-*.parquet")])
    con.execute("SET VARIABLE stored_documents = ?", [store.table_glob(out, "documents")])
    con.execute(
        """CREATE VIEW staged AS
           SELECT * EXCLUDE (content, filename, file_row_number),
                  parse_filename(filename) AS ingest_file, file_row_number AS ingest_row
           FROM read_parquet(getvariable('staged_files'), filename = true, file_row_number = true,
                              hive_partitioning = false)"""
    )
    done = sorted(store.completed_runs(out))
    con.execute("CREATE TEMP TABLE done_runs (run_id VARCHAR)")
    if done:
        con.executemany("INSERT INTO done_runs VALUES (?)", [[r] for r in done])
    con.execute(
        """CREATE VIEW stored_ids AS SELECT doc_id FROM read_parquet(getvariable('stored_documents'), hive_partitioning = false)
           WHERE run_id IN (SELECT run_id FROM done_runs)"""
    )
    con.execute(
        """CREATE TEMP TABLE admitted AS
           WITH fresh AS (SELECT s.* FROM staged s ANTI JOIN stored_ids t ON s.doc_id = t.doc_id),
           firsts AS (SELECT * FROM fresh
                      QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY input_index, record_index) = 1)
           SELECT *, row_number() OVER (ORDER BY input_index, record_index) - 1 AS seq,
                  sum(content_chars) OVER (ORDER BY input_index, record_index
                                           ROWS UNBOUNDED PRECEDING) AS chars_through
           FROM firsts"""
    )
    n_staged = con.execute("SELECT count(*) FROM staged").fetchone()[0]
    n_admitted, n_chars = con.execute("SELECT count(*), coalesce(sum(content_chars), 0) FROM admitted").fetchone()
    max_chars = settings.balanced_cap(settings.shard_max_chars, n_chars, settings.min_shard_chars, workers)
    records = run / "records"
    if n_admitted:
        con.execute(
            # A new shard every shard_size records or shard_max_chars characters, whichever comes
            # first (both only grow along seq, so shards stay in input order; numbers may skip).
            """COPY (SELECT * EXCLUDE (chars_through, content_chars),
                        greatest(seq // $shard_size, (chars_through - 1) // $max_chars)::INTEGER AS shard
                     FROM admitted ORDER BY seq)
               TO $records (FORMAT parquet, PARTITION_BY (shard), OVERWRITE_OR_IGNORE true)""",
            {"shard_size": int(settings.shard_size), "max_chars": max(1, int(max_chars)), "records": str(records)},
        )
    shards = sorted(int(p.name.split("=")[1]) for p in records.glob("shard=*")) if n_admitted else []
    con.close()
    store.crash_point("admit")
    return {"admitted": n_admitted, "seen": n_staged - n_admitted, "shards": shards}


def read_record_shard(run_dir: str, shard_id: int) -> pa.Table:
    """The admitted records of one shard in input order: the staged columns (content included)
    and seq. The content comes from the ingest staging files the shard's index points at, only
    those files and in them only the row groups holding the shard's rows (_RecordWriter keeps row
    groups small), so memory stays about the shard's own size."""
    run = Path(run_dir)
    index = pq.read_table(run / "records" / f"shard={shard_id}")
    index = index.sort_by("seq")  # admit's COPY need not keep its ORDER BY inside a file
    files = index.column("ingest_file").to_numpy(zero_copy_only=False)
    rows = index.column("ingest_row").to_numpy()
    doc_ids: list[pa.ChunkedArray] = []
    contents: list[pa.ChunkedArray] = []
    at: list[np.ndarray] = []  # positions in `index` of the rows taken, in the order taken
    for name in np.unique(files):
        mine = np.flatnonzero(files == name)
        mine = mine[np.argsort(rows[mine], kind="stable")]
        wanted = rows[mine]
        with pq.ParquetFile(run / "ingest" / name) as pf:
            sizes = np.array([pf.metadata.row_group(g).num_rows for g in range(pf.metadata.num_row_groups)])
            starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            group = np.searchsorted(starts, wanted, side="right") - 1
            needed = np.unique(group)
            part = pf.read_row_groups(needed.tolist(), columns=["doc_id", "content"])
        # row number in `part` = row in its group + the rows of the needed groups before it
        before = np.concatenate([[0], np.cumsum(sizes[needed])[:-1]])
        local = wanted - starts[group] + before[np.searchsorted(needed, group)]
        if local[-1] - local[0] + 1 == len(local):  # one run of rows (the usual case): no copy
            part = part.slice(int(local[0]), len(local))
        else:
            part = part.take(pa.array(local))
        doc_ids.append(part.column("doc_id"))
        contents.append(part.column("content"))
        at.append(mine)
    content = pa.chunked_array([c for ca in contents for c in ca.chunks], pa.string())
    doc_id = pa.chunked_array([c for ca in doc_ids for c in ca.chunks], pa.string())
    position = np.concatenate(at) if at else np.empty(0, np.int64)
    if not np.array_equal(position, np.arange(len(position))):
        order = pa.array(np.argsort(position))
        content, doc_id = content.take(order), doc_id.take(order)
    # a wrong pointer would pair a record with another page's text: fail rather than go on
    if not doc_id.equals(index.column("doc_id")):
        raise RuntimeError(f"record shard {shard_id}: the index does not match the ingest staging files")
    names = INGEST_SCHEMA.names + ["seq"]
    return pa.table([content if n == "content" else index.column(n) for n in names], names=names)


# A write within this long before a run started may leave size, mtime and ctime as the run
# recorded them (file systems stamp times from a coarse clock; FAT's is 2 s): such a row is not
# trusted on its stat alone and the file is hashed instead.
RACY_NS = 2_000_000_000


def unchanged_inputs(out_dir: str, files: list[str] | list[Path]) -> set[str]:
    """Entries a completed earlier run read that have not changed since: skipped unread.

    mtime and size alone cannot be trusted: tools set mtime back (touch -r, cp -p, rsync -t, tar)
    and an edit may keep the size. ctime can: the kernel sets it on every write or rename and no
    call sets it back. So an entry is unchanged without reading when size, mtime_ns and ctime_ns
    are as the latest run that read it recorded, and that ctime was RACY_NS before the run started.
    Otherwise a regular file of the recorded size is hashed and unchanged when its sha256 is the
    recorded one (a copy or a touch moves ctime without changing the bytes). An entry that run
    could not read (sha256 null) is tried again unless its stat is unchanged and trusted.
    """
    from akhbar import store

    out = Path(out_dir)
    done = store.completed_runs(out)
    if not done or not files:
        return set()
    import duckdb

    con = duckdb.connect()
    rows = con.execute(
        """SELECT i.path, arg_max([i.size, i.mtime_ns, i.ctime_ns], i.run_id), arg_max(i.sha256, i.run_id),
                  arg_max(epoch_ns(r.started_at), i.run_id)
           FROM read_parquet(?, union_by_name = true, hive_partitioning = false) i
           JOIN read_parquet(?, union_by_name = true, hive_partitioning = false) r USING (run_id)
           WHERE i.run_id IN (SELECT unnest(?::VARCHAR[]))
           GROUP BY i.path""", [store.table_glob(out, "inputs"), store.table_glob(out, "runs"), sorted(done)]
    ).fetchall()
    con.close()
    seen = {path: (stat_key, digest, started) for path, stat_key, digest, started in rows}
    unchanged = set()
    for f in files:
        f = str(f)
        last = seen.get(display_path(f))
        if last is not None and _unchanged(f, *last):
            unchanged.add(f)
    return unchanged


def _unchanged(path: str, stat_key: list, digest: str | None, started_ns: int) -> bool:
    st = entry_stat(path)
    if st is None:
        return False
    size, mtime_ns, ctime_ns = stat_key
    if ctime_ns is not None and [st.st_size, st.st_mtime_ns, st.st_ctime_ns] == stat_key \
            and ctime_ns < started_ns - RACY_NS:
        return True
    if digest is None or st.st_size != size or entry_problem(path) is not None:
        return False
    try:
        return _sha256_file(Path(path)) == digest
    except OSError:
        return False


# ---------------------------------------------------------------- Prefect task wrappers

ingest_task = StageTask(ingest_shard, name="ingest", retries=2)
admit_task = StageTask(admit_records, name="admit", retries=2)
