"""One record's fields, found by name: text or html, url, title, published, author, crawled_at;
every other field is kept as the record's source_meta (JSON).

Names are matched case-insensitively against the usual ones (ROLES); a column mapping (Settings.columns,
`akhbar run --text-column body ...`) names the field of a role instead.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from akhbar import reasons

# The field names read for each role, first match wins.
ROLES: dict[str, tuple[str, ...]] = {
    "html": ("html", "raw_html", "page_html"),
    "text": ("text", "content", "body", "article", "article_text", "maintext"),
    "url": ("url", "link", "uri", "source_url", "article_url"),
    "title": ("title", "headline"),
    "published": (
        "published",
        "date_published",
        "published_at",
        "publish_date",
        "publication_date",
        "pub_date",
        "pubdate",
        "date",
        "datetime",
        "time",
    ),
    "author": ("author", "authors", "byline", "writer"),
    "crawled_at": (
        "crawled_at",
        "crawl_date",
        "crawl_time",
        "date_extracted",
        "date_crawled",
        "date_download",
        "fetch_time",
        "fetched_at",
        "fetch_date",
        "retrieved_at",
        "scraped_at",
        "downloaded_at",
        "warc_date",
    ),
}
MAPPABLE = tuple(ROLES)  # the roles a column mapping may name


def check_columns(columns: dict | None) -> dict[str, str]:
    """A column mapping {role: field name}, checked; raises ValueError with one plain line."""
    out = {}
    for role, name in (columns or {}).items():
        if role not in ROLES:
            raise ValueError(f"unknown column role {role!r} (known: {', '.join(MAPPABLE)})")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"column for {role!r} must be a non-empty name")
        out[role] = name.strip()
    return out


@dataclass(slots=True)
class Fields:
    """One readable record: where it is, the bytes its doc_id is made from, and its fields."""

    uri: str
    record_index: int
    raw: bytes
    encoding: str
    content_kind: str  # text | html
    content: str
    url: str | None = None
    title: str | None = None
    published: str | None = None
    author: str | None = None
    crawled_at: dt.datetime | None = None
    source_meta: str | None = None


@dataclass(slots=True)
class Problem:
    """A record or file that cannot be read; `error` starts with a reason of akhbar/reasons.py."""

    uri: str
    error: str


def resolve(names: list[str], columns: dict[str, str]) -> dict[str, str]:
    """role -> the field name that fills it, among `names` (the record's or the table's)."""
    lower = {}
    for n in names:
        lower.setdefault(str(n).lower(), n)
    found = {}
    for role, candidates in ROLES.items():
        if role in columns:
            if columns[role] in names:
                found[role] = columns[role]
            continue
        for c in candidates:
            if c in lower:
                found[role] = lower[c]
                break
    return found


def resolver(columns: dict[str, str], memo_size: int = 64) -> Callable[[dict], dict[str, str]]:
    """resolve() for the records of one stream, remembered by their field names: the records of a
    file nearly always share them. A stream of ever new names is resolved each time, with no growth."""
    memo: dict[tuple, dict[str, str]] = {}

    def roles_of(obj: dict) -> dict[str, str]:
        names = tuple(obj)
        roles = memo.get(names)
        if roles is None:
            roles = resolve(list(names), columns)
            if len(memo) < memo_size:
                memo[names] = roles
        return roles

    return roles_of


def missing_mapped(names: list[str], columns: dict[str, str]) -> list[str]:
    return [f"{role}={name}" for role, name in columns.items() if name not in names]


def as_text(value) -> str | None:
    """A field value as text: strings as they are, lists joined, other scalars printed; empty -> None."""
    if value is None:
        return None
    if isinstance(value, str):
        s = value
    elif isinstance(value, (list, tuple)):
        s = ", ".join(t for t in (as_text(v) for v in value) if t)
    elif isinstance(value, dict):
        s = value.get("name") if isinstance(value.get("name"), str) else json.dumps(value, ensure_ascii=False)
    elif isinstance(value, (dt.datetime, dt.date)):
        s = value.isoformat()
    else:
        s = str(value)
    s = s.strip()
    return s or None


def _text_of(value) -> str | None:
    """as_text(value), a string's case without the call"""
    if type(value) is str:
        return value.strip() or None
    return as_text(value)


def parse_timestamp(value) -> dt.datetime | None:
    """A crawl time as UTC: ISO 8601, RFC 822, 14-digit WARC/ARC dates, epoch seconds (or ms); a time
    without an offset is taken as UTC. None when it is not a time."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _epoch(float(value))
    s = str(value).strip()
    if re.fullmatch(r"\d{14}", s):
        try:
            return dt.datetime.strptime(s, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
        except ValueError:
            return None
    if re.fullmatch(r"\d{9,13}(?:\.\d+)?", s):
        return _epoch(float(s))
    try:
        return parse_timestamp(dt.datetime.fromisoformat(s))
    except ValueError:
        pass
    try:
        return parse_timestamp(email.utils.parsedate_to_datetime(s))
    except (TypeError, ValueError, IndexError):
        return None


def _epoch(x: float) -> dt.datetime | None:
    if x > 1e11:  # milliseconds
        x /= 1000
    try:
        return dt.datetime.fromtimestamp(x, dt.UTC) if 1e8 < x < 1e10 else None
    except (OverflowError, OSError, ValueError):
        return None


# json.dumps(meta, ensure_ascii=False, sort_keys=True, default=str), without building an encoder per record:
# json's own C encoder made once (no circular check: a parsed record holds no cycle)
_META_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)
_C_META_ENCODER = (
    json.encoder.c_make_encoder(None, str, json.encoder.encode_basestring, None, ": ", ", ", True, False, True)
    if json.encoder.c_make_encoder is not None
    else None
)


def meta_json(meta: dict) -> str | None:
    if not meta:
        return None
    return "".join(_C_META_ENCODER(meta, 0)) if _C_META_ENCODER is not None else _META_ENCODER.encode(meta)


def from_mapping(
    obj: dict, roles: dict[str, str], *, uri: str, record_index: int, raw: bytes, encoding: str, sanitize
) -> Fields | Problem:
    """A record given as a mapping (JSON object, table row): its fields by role, the rest as source_meta.
    `roles` comes from resolve(); `sanitize` cleans each text (akhbar.tasks.ingest.sanitize_text), None when
    the caller knows no text needs it."""
    html_key, text_key = roles.get("html"), roles.get("text")
    html = obj.get(html_key) if html_key else None
    text = obj.get(text_key) if text_key else None
    if not isinstance(html, str) and not isinstance(text, str):
        if html_key is None and text_key is None:
            return Problem(uri, f"{reasons.NO_TEXT_FIELD} (fields: {_names(obj)})")
        key = text_key or html_key
        if obj.get(key) is None:
            return Problem(uri, f"{reasons.EMPTY_TEXT} (the {key!r} field is null)")
        return Problem(uri, f"{reasons.NO_TEXT_FIELD} (the {key!r} field is a {type(obj[key]).__name__}, not text)")
    use_html = isinstance(html, str) and not _blank(html)
    content = html if use_html else (text if isinstance(text, str) else "")
    used = {html_key if use_html else text_key}
    keys = [roles.get(role) for role in _TEXT_ROLES]
    found = [None if key is None else _text_of(obj.get(key)) for key in keys]
    used.update(keys)  # None among them names no field
    if sanitize is not None:
        # the usual record needs no change: one sanitize call over all its texts tells
        joined = "".join([content, *[v for v in found if v]])
        if sanitize(joined) != joined:
            content = sanitize(content)
            found = [sanitize(v) if v else None for v in found]
    if _blank(content):
        return Problem(uri, reasons.EMPTY_TEXT)
    crawled = None
    if roles.get("crawled_at") is not None:
        crawled = parse_timestamp(obj.get(roles["crawled_at"]))
        if crawled is not None or obj.get(roles["crawled_at"]) in (None, ""):
            used.add(roles["crawled_at"])  # a value that is not a time stays in source_meta
    meta = {k: v for k, v in obj.items() if k not in used and v is not None and v != ""}
    return Fields(
        uri,
        record_index,
        raw,
        encoding,
        "html" if use_html else "text",
        content,
        *found,
        crawled,
        meta_json(meta),
    )


# Fields' text roles besides the content, in Fields' order
_TEXT_ROLES = ("url", "title", "published", "author")


def _blank(s: str) -> bool:
    """not s.strip(), without copying s"""
    return not s or s.isspace()


def _names(obj: dict) -> str:
    names = ", ".join(str(k) for k in list(obj)[:20])
    return names or "none"
