"""Formats: what a file is, from its content first and then its name, and the checks on a single document's bytes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from akhbar import reasons
from akhbar.settings import Settings
from akhbar.tasks.ingest import streams
from akhbar.tasks.ingest.records import InputError

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


_MAGIC = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"PK\x03\x04", "zip archive"),
    (b"\x7fELF", "executable"),
    (b"RIFF", "RIFF media"),
    (b"\x00\x00\x00\x18ftyp", "MP4 video"),
    (b"\x00\x00\x00\x20ftyp", "MP4 video"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ", "xz archive"),
    (b"7z\xbc\xaf", "7z archive"),
    (b"\x28\xb5\x2f\xfd", "zstd archive"),
    (b"wOFF", "web font"),
    (b"wOF2", "web font"),
    (b"\x00asm", "wasm"),
)


def check_bytes(raw: bytes, what: str, settings: Settings) -> None:
    if not raw.strip():
        raise InputError(reasons.EMPTY_PART.format(what=what))
    if len(raw) > settings.max_input_bytes:
        raise InputError(reasons.OVER_SIZE_LIMIT.format(what=what, size=len(raw), limit=settings.max_input_bytes))
    name = magic_name(raw[:16])
    if name:
        raise InputError(f"{reasons.BINARY} ({name}) in {what}")


def magic_name(head: bytes) -> str | None:
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head[:2] == b"\x1f\x8b":
        return "gzip inside gzip"
    return None


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
    from akhbar.tasks.ingest.readers.fields import ROLES
    from akhbar.tasks.ingest.readers.tabular import csv_header_names

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
    binary = magic_name(raw[:16])
    suffix = Path(streams.strip_compression_suffix(path.name.lower())).suffix
    what = f"{reasons.BINARY} ({binary})" if binary else f"a {suffix or 'name without extension'} file"
    return (
        f"{reasons.UNRECOGNISED}: {what} that is none of text (.txt), HTML, JSON, JSONL, CSV/TSV, Parquet, "
        f"SGML <DOC>, WARC/ARC or zip"
    )
