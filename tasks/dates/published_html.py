"""Publication dates from a page's HTML: its markup (JSON-LD, meta, <time>), its visible date line, htmldate
and the URL path, tried in the order HTML_DATE_READERS."""

from __future__ import annotations

import datetime as dt
import json
import re

from akhbar.arabic import fold_letters
from akhbar.tasks.dates.published import (
    PublicationDate,
    _as_now,
    publication_date_from_field,
    publication_date_from_header,
    publication_date_from_url,
)

_LD_JSON = re.compile(r"<script[^>]+type\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>(.*?)</script>", re.I | re.S)
_META = re.compile(r"<meta\b[^>]*>", re.I)
_ATTR = re.compile(r"([a-zA-Z_:.\-]+)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)")
_TIME_TAG = re.compile(r"<time\b[^>]*>", re.I)
_META_KEYS = (  # in order of trust
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "published_time",
    "article.published",
    "parsely-pub-date",
    "sailthru.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dcterms.created",
    "date",
    "article_date_original",
    "cxenseparse:recs:publishtime",
    "og:published_time",
)


def _attrs(tag: str) -> dict[str, str]:
    out = {}
    for k, v in _ATTR.findall(tag):
        if v[:1] in "\"'":
            v = v[1:-1]
        out[k.lower()] = v
    return out


def _find_date_published(obj, depth: int = 0):
    if depth > 6:
        return None
    if isinstance(obj, dict):
        for key in ("datePublished", "dateCreated"):
            v = obj.get(key)
            if isinstance(v, str) and v.strip():
                return v
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if key in obj:
                r = _find_date_published(obj[key], depth + 1)
                if r:
                    return r
    elif isinstance(obj, list):
        for item in obj:
            r = _find_date_published(item, depth + 1)
            if r:
                return r
    return None


def _markup_date(html: str, now=None) -> PublicationDate | None:
    """JSON-LD datePublished, then meta tags, then a <time datetime> marked as the publication's."""
    # 1. JSON-LD
    for block in _LD_JSON.findall(html):
        try:
            data = json.loads(block.strip().rstrip(";"))
        except ValueError:
            mt = re.search(r"\"datePublished\"\s*:\s*\"([^\"]+)\"", block)
            data = {"datePublished": mt.group(1)} if mt else None
        v = _find_date_published(data) if data is not None else None
        if v:
            p = publication_date_from_field(v, now=now)
            if p is not None and p.precision == "day":
                return PublicationDate(p.value, p.precision, v, "json_ld")
    # 2. meta tags
    found: dict[str, str] = {}
    for tag in _META.findall(html):
        a = _attrs(tag)
        key = (a.get("property") or a.get("name") or a.get("itemprop") or a.get("http-equiv") or "").lower()
        content = a.get("content") or a.get("datetime")
        if key and content and key not in found:
            found[key] = content
    for key in _META_KEYS:
        if key in found:
            p = publication_date_from_field(found[key], now=now)
            if p is not None:
                return PublicationDate(p.value, p.precision, f'{key}="{found[key]}"', "html_meta")
    # 3. <time datetime> marked as publication
    for t in _time_tags(html):
        if (
            "pubdate" in t
            or t.get("itemprop", "").lower() == "datepublished"
            or "publish" in t.get("class", "").lower()
        ):
            p = publication_date_from_field(t["datetime"], now=now)
            if p is not None:
                return PublicationDate(p.value, p.precision, t["datetime"], "time_tag")
    return None


def _time_tags(html: str) -> list[dict[str, str]]:
    return [a for a in (_attrs(t) for t in _TIME_TAG.findall(html)) if a.get("datetime")]


def _first_time_tag(html: str, now=None) -> PublicationDate | None:
    """The first <time datetime> of the page, marked or not (it may sit in a sidebar: a late resort)."""
    for t in _time_tags(html)[:1]:
        p = publication_date_from_field(t["datetime"], now=now)
        if p is not None:
            return PublicationDate(p.value, p.precision, t["datetime"], "time_tag")
    return None


_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "li",
        "td",
        "th",
        "dd",
        "dt",
        "header",
        "section",
        "article",
        "aside",
        "footer",
        "figcaption",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "time",
        "address",
        "ul",
        "ol",
        "table",
        "tr",
        "main",
        "nav",
        "form",
        "blockquote",
        "pre",
        "figure",
        "br",
    }
)
# not the page's own date line: code, hidden text, and photo captions ("... on Aug. 31, 2019. (AP)")
_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "head", "title", "select", "option", "figure", "figcaption"}
)
_PAGE_LINE_MAX_WORDS_OUTSIDE = 5
_UPDATED_LINE = re.compile(r"(?i)\bupdated\b|\bmodified\b|تحديث|تعديل|حدث في|محدث")
_LINES_BEFORE_TITLE, _LINES_AFTER_TITLE = 4, 12


def _visible_lines(tree) -> tuple[list[str], list[int]]:
    """The page's visible text as lines (one per innermost block element) and the indexes of its <h1> lines."""
    lines: list[str] = []
    h1_at: list[int] = []
    buf: list[str] = []

    def flush():
        text = " ".join(" ".join(buf).split())
        buf.clear()
        if text:
            lines.append(text)

    def walk(el):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP_TAGS:
            return
        block = tag in _BLOCK_TAGS
        if block:
            flush()
            if tag == "h1":
                h1_at.append(len(lines))
        if el.text and tag:
            buf.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buf.append(child.tail)
        if block:
            flush()

    walk(tree)
    flush()
    return lines, h1_at


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold_letters(text).lower()))


def _page_title(tree) -> str:
    for xpath in ('.//meta[@property="og:title"]/@content', ".//title/text()"):
        got = tree.xpath(xpath)
        if got and str(got[0]).strip():
            # "Article title - Site name": the longest part is the article's
            return max(re.split(r"\s+[-|–—:]+\s+", str(got[0])), key=len)
    return ""


def _title_line(lines: list[str], h1_at: list[int], title: str) -> int | None:
    """The <h1> that is the article's title: most of its words are in the page's <title>/og:title (a site's
    logo in an <h1> is not); the only <h1> when the page states no title."""
    want = _words(title)
    best, best_share = None, 0.5
    for i in h1_at:
        if i >= len(lines):
            continue
        have = _words(lines[i])
        if not want:
            return i if len(h1_at) == 1 else None
        share = len(have & want) / len(have) if have else 0.0
        if share > best_share:
            best, best_share = i, share
    return best


def publication_date_from_page_line(tree, now=None) -> PublicationDate | None:
    """The date line a reader sees next to the title ("Published March 3, 2021", "٨ فبراير ٢٠١٥ - 10:20"):
    the header-line reader of the text path on the visible lines around the page's <h1>."""
    if tree is None:
        return None
    try:
        lines, h1_at = _visible_lines(tree)
        title_at = _title_line(lines, h1_at, _page_title(tree))
    except (RecursionError, ValueError):
        return None
    if title_at is None:
        return None
    after = lines[title_at : title_at + _LINES_AFTER_TITLE]
    around = after + lines[max(0, title_at - _LINES_BEFORE_TITLE) : title_at][::-1]  # nearest first
    around = [ln for ln in around if not _UPDATED_LINE.search(ln)]  # the date of an update, not of publication
    found = publication_date_from_header(around, now, _PAGE_LINE_MAX_WORDS_OUTSIDE)
    if found is None or found.precision != "day":
        return None
    return PublicationDate(found.value, found.precision, found.evidence, "page_date_line")


def _htmldate_date(html: str, url: str | None, tree, now=None) -> PublicationDate | None:
    try:
        from htmldate import find_date
    except ImportError:  # optional dependency
        return None
    max_date = (_as_now(now) + dt.timedelta(days=1)).isoformat()
    try:
        v = find_date(
            html if tree is None else tree, url=url, original_date=True, extensive_search=True, max_date=max_date
        )
    except Exception:
        return None
    p = publication_date_from_field(v, now=now) if v else None
    return PublicationDate(p.value, p.precision, v, "htmldate") if p is not None else None


# The readers of a page, most direct evidence first; the order is measured in bench/dates.py (each
# reader alone, exact day on the development pages): markup > the visible date line > htmldate.
HTML_DATE_READERS = ("markup", "page_date_line", "htmldate", "time_tag_any", "url_path")


def publication_date_by(reader: str, html: str, url: str | None = None, tree=None, now=None) -> PublicationDate | None:
    """One reader of HTML_DATE_READERS alone (the bench measures them one by one)."""
    if reader == "markup":
        return _markup_date(html, now)
    if reader == "page_date_line":
        if tree is None:
            from akhbar.tasks.clean import parse_html

            tree = parse_html(html)
        return publication_date_from_page_line(tree, now)
    if reader == "htmldate":
        return _htmldate_date(html, url, tree, now)
    if reader == "time_tag_any":
        return _first_time_tag(html, now)
    if reader == "url_path":
        return publication_date_from_url(url, now)
    raise ValueError(f"unknown publication-date reader {reader!r}")


def publication_date_from_html(html: str, url: str | None = None, tree=None, now=None) -> PublicationDate | None:
    """The first of HTML_DATE_READERS that finds a plausible date (placeholders, dates before 1900 and
    dates after `now`, the crawl time, + 1 day are never one).

    `tree`: the page already parsed by lxml (akhbar.tasks.clean.parse_html), handed to htmldate so it does
    not parse the page a second time; htmldate works on a copy of it."""
    if not html:
        return publication_date_from_url(url, now)
    if tree is None and "page_date_line" in HTML_DATE_READERS:
        from akhbar.tasks.clean import parse_html

        tree = parse_html(html)
    weak = None
    for reader in HTML_DATE_READERS:
        found = publication_date_by(reader, html, url, tree, now)
        if found is None:
            continue
        if reader == "htmldate" and (found.value.month, found.value.day) == (1, 1):
            weak = weak or found  # htmldate's guess from a bare year: a later reader may state the day
            continue
        if weak is not None and found.value.year != weak.value.year:
            return weak
        return found
    return weak
