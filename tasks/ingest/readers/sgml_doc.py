"""TREC/SGML <DOC> files, one or many <DOC> per file, streamed DOC by DOC.

Two layouts are read (tag names are case-insensitive; entities are unescaped):
  ANT      <DOC><DOCNO/><URL/><SRC/><CAT/><TITLE/><TIME/><AUTHOR/><ABSTRACT/><TEXT/></DOC>
           TIME in RFC 822 with its offset or ISO 8601
  Gigaword <DOC id="AFP_ARB_20010101.0001" type="story"><HEADLINE/><DATELINE/><TEXT><P/>...</TEXT></DOC>
           no date tag: the date in the id (YYYYMMDD) is the publication date
url, title, published and author become columns; every other tag and attribute (docno, src, cat,
abstract, dateline, id, type, ...) goes to source_meta. The text is the <TEXT> element's paragraphs
(<P> elements, else its lines), separated by blank lines.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator

from akhbar import reasons
from akhbar.tasks.ingest.readers.fields import Fields, Problem, meta_json

DOC_START = re.compile(rb"<doc[\s>]", re.I)
_DOC_END = re.compile(rb"</doc\s*>", re.I)
_ATTR = re.compile(r"""([A-Za-z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_ELEMENT = re.compile(r"<([A-Za-z][-\w.]*)(\s[^>]*)?>(.*?)</\1\s*>", re.S | re.I)
_PARAGRAPH = re.compile(r"<p(?:\s[^>]*)?>(.*?)(?=</p\s*>|<p[\s>]|$)", re.S | re.I)
_TAG = re.compile(r"<[^>]{0,500}>")
_ID_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")

_ROLE_TAGS = {
    "url": ("url",),
    "title": ("title", "headline"),
    "published": ("time", "date", "date_time", "pubdate", "datetime"),
    "author": ("author", "byline"),
}


def read_sgml(
    uri: str,
    chunks: Iterable[bytes],
    *,
    max_record: int,
    sanitize: Callable[[str], str],
    decode: Callable[[bytes], tuple[str, str]],
) -> Iterator[Fields | Problem]:
    """The <DOC>s of a stream; the n-th (1-based) is `uri#n`."""
    n = 0
    for raw in _docs(uri, chunks, max_record):
        if isinstance(raw, Problem):
            yield raw
            continue
        n += 1
        at = f"{uri}#{n}"
        if len(raw) > max_record:  # a whole <DOC> in view, over the limit all the same
            yield Problem(at, reasons.RECORD_OVER_LIMIT.format(size=len(raw), limit=max_record))
            continue
        try:
            text, how = decode(raw)
        except ValueError as exc:
            yield Problem(at, str(exc))
            continue
        yield parse_doc(text, at, n, raw, how, sanitize)


def _docs(uri: str, chunks: Iterable[bytes], max_record: int) -> Iterator[bytes | Problem]:
    """The raw bytes of each <DOC>...</DOC>; bounded by max_record bytes per DOC. Bytes outside
    DOCs are skipped."""
    buf, pos = b"", 0
    it = iter(chunks)
    eof = found = False

    def more() -> bool:
        nonlocal buf, pos, eof
        chunk = next(it, None)
        if chunk is None:
            eof = True
            return False
        buf, pos = buf[pos:] + chunk, 0
        return True

    while True:
        m = DOC_START.search(buf, pos)
        if m is None:
            pos = max(pos, len(buf) - 8)  # '<DOC ' may straddle the chunk edge
            if eof or not more():
                break
            continue
        start = m.start()
        end = _DOC_END.search(buf, start + 5)
        nxt = DOC_START.search(buf, start + 5, end.start() if end else len(buf))
        if end is not None and nxt is None:
            found = True
            yield buf[start : end.end()]
            pos = end.end()
            continue
        if nxt is not None:  # a <DOC> that another opens before it closes
            found = True
            yield Problem(uri, f"{reasons.UNCLOSED_DOC} (another <DOC> starts before it ends)")
            pos = nxt.start()
            continue
        pos = start
        if len(buf) - start > max_record:
            yield Problem(uri, f"{reasons.TOO_BIG}: a <DOC> of more than {max_record} bytes; the rest is not read")
            return
        if eof or not more():
            yield Problem(uri, f"{reasons.UNCLOSED_DOC} (the file ends inside it)")
            return
    if not found:
        yield Problem(uri, reasons.NO_DOC)


def parse_doc(
    doc: str, uri: str, n: int, raw: bytes, encoding: str, sanitize: Callable[[str], str]
) -> Fields | Problem:
    head_end = doc.find(">")
    meta: dict = {}
    for m in _ATTR.finditer(doc[4:head_end]):
        meta[m.group(1).lower()] = html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
    body = doc[head_end + 1 : doc.lower().rfind("</doc")]
    elements: dict[str, str] = {}
    text_raw = None
    for m in _ELEMENT.finditer(body):
        tag = m.group(1).lower()
        if tag == "text":
            text_raw = (text_raw + "\n" if text_raw else "") + m.group(3)
            continue
        for am in _ATTR.finditer(m.group(2) or ""):
            meta[f"{tag}.{am.group(1).lower()}"] = html.unescape(am.group(2) or am.group(3) or am.group(4) or "")
        value = _plain(m.group(3))
        if value and tag not in elements:
            elements[tag] = value
    text = sanitize(_paragraphs(text_raw)) if text_raw is not None else ""
    if not text.strip():
        return Problem(uri, reasons.DOC_WITHOUT_TEXT if text_raw is None else f"{reasons.EMPTY_TEXT} (an empty <TEXT>)")
    values = {}
    for role, tags in _ROLE_TAGS.items():
        tag = next((t for t in tags if t in elements), None)
        if tag is not None:
            values[role] = sanitize(elements.pop(tag))
    if "published" not in values and "id" in meta:
        d = _ID_DATE.search(meta["id"])  # Gigaword: AFP_ARB_20010101.0001
        if d:
            values["published"] = f"{d.group(1)}-{d.group(2)}-{d.group(3)}"
    meta.update({k: sanitize(v) for k, v in elements.items()})
    return Fields(
        uri,
        n,
        raw,
        encoding,
        "text",
        text,
        values.get("url"),
        values.get("title"),
        values.get("published"),
        values.get("author"),
        None,
        meta_json(meta),
    )


def _plain(fragment: str) -> str:
    return html.unescape(_TAG.sub(" ", fragment)).strip()


def _paragraphs(text: str) -> str:
    """<P> paragraphs (their lines joined), else the lines of the text; separated by blank lines."""
    if re.search(r"<p[\s>]", text, re.I):
        paras = [" ".join(_plain(p).split()) for p in _PARAGRAPH.findall(text)]
    else:
        paras = [_plain(line) for line in text.splitlines()]
    return "\n\n".join(p for p in paras if p)
