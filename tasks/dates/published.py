"""Publication dates from a record field, the header lines of a text scrape and the URL, each checked by
the plausibility guard; publication_date picks the most direct evidence of a document."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass

from akhbar.tasks.dates.mentions import DateMention, extract_mentions
from akhbar.tasks.dates.values import _valid_date, _year_ok


@dataclass(frozen=True, slots=True)
class PublicationDate:
    value: dt.date
    precision: str  # day | month | year
    evidence: str
    method: str  # header_line | html_meta | json_ld | time_tag | page_date_line | htmldate | url_path | record_field


def _mention_to_date(m: DateMention) -> tuple[dt.date, str] | None:
    v = m.value
    try:
        if m.granularity in ("day", "datetime") and re.match(r"\d{4}-\d\d-\d\d", v):
            return dt.date.fromisoformat(v[:10]), "day"
        if m.granularity == "month" and re.fullmatch(r"\d{4}-\d\d", v):
            return dt.date(int(v[:4]), int(v[5:7]), 1), "month"
    except ValueError:
        return None
    return None


# Values that CMSs write when they have no date: never a publication date.
_PLACEHOLDER_DAYS = frozenset({dt.date(1900, 1, 1), dt.date(1970, 1, 1)})
_EARLIEST_PUBLISHED = dt.date(1900, 1, 1)


def _as_now(now) -> dt.date:
    """The reference "now" (crawl or ingest time) as a UTC day: a date, a datetime, an ISO string or None (today)."""
    if now is None or now == "":
        return dt.datetime.now(dt.UTC).date()
    if isinstance(now, dt.datetime):
        return (now.astimezone(dt.UTC) if now.tzinfo else now).date()
    if isinstance(now, dt.date):
        return now
    try:
        got = dt.datetime.fromisoformat(str(now).strip().replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.now(dt.UTC).date()
    return (got.astimezone(dt.UTC) if got.tzinfo else got).date()


def plausible_published(day: dt.date, now=None) -> bool:
    """A publication date must lie in 1900..(now + 1 day) and not be a placeholder (0001-01-01,
    1970-01-01 epoch zero, 1900-01-01); `now` is the crawl/ingest time when known, else today."""
    if day < _EARLIEST_PUBLISHED or day in _PLACEHOLDER_DAYS:
        return False
    return day <= _as_now(now) + dt.timedelta(days=1)


def _plausible(found: PublicationDate | None, now=None) -> PublicationDate | None:
    return found if found is not None and plausible_published(found.value, now) else None


_HEADER_MAX_LEN = 90


def publication_date_from_header(
    header_lines: list[str], now=None, max_words_outside: int = 8
) -> PublicationDate | None:
    """The date line among the lines around the title ("1266 2017-02-08", "● أخبار دولية ٨ فبراير ٢٠١٥").

    Only absolute dates with at least month precision, on short lines; a line that is
    mostly prose (a body paragraph, a caption) is never read. The first such line wins,
    and a day beats a month on the same line.
    """
    for line in header_lines:
        line = line.strip()
        if not line or len(line) > _HEADER_MAX_LEN:
            continue
        best = None
        for m in extract_mentions(line, reference=None):
            got = _mention_to_date(m)
            if got is None or not plausible_published(got[0], now):
                continue
            # the date must carry the line: short lines only, or the date is a good part of it
            words_outside = len(re.findall(r"\w+", line[: m.start] + " " + line[m.end :]))
            if words_outside > max_words_outside:
                continue
            if best is None or (best[1] == "month" and got[1] == "day"):
                best = (got[0], got[1], line)
        if best is not None:
            return PublicationDate(best[0], best[1], best[2], "header_line")
    return None


_URL_PATTERNS = (
    # one separator throughout: /2024/01/06/, 2024-01-06-slug, 2024_01_06 (not /2024/1-6.html)
    *(
        (re.compile(rf"(?<!\d)((?:19|20)\d\d){sep}(0?[1-9]|1[0-2]){sep}(0?[1-9]|[12]\d|3[01])(?!\d)"), "day")
        for sep in ("/", "-", "_")
    ),
    (re.compile(r"/((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:/|\.|-|_|$)"), "day"),
    # CNN style: /2013/middle_east/8/3/
    (re.compile(r"/((?:19|20)\d\d)/[a-z_\-]+/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])/"), "day"),
    (re.compile(r"/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/(?!\d)"), "month"),
)


def publication_date_from_url(url: str | None, now=None) -> PublicationDate | None:
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url, flags=re.I)
    for rx, precision in _URL_PATTERNS:
        mt = rx.search(path)
        if not mt:
            continue
        y, m = int(mt.group(1)), int(mt.group(2))
        d = int(mt.group(3)) if precision == "day" else 1
        date = _valid_date(y, m, d)
        if date is None or not plausible_published(date, now):
            continue
        return PublicationDate(date, precision, mt.group(0), "url_path")
    return None


_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")


def publication_date_from_field(value: str | None, field: str = "published", now=None) -> PublicationDate | None:
    """A record field: ISO 8601, RFC 822 ('Sun, 18 Feb 2018 21:35:43 +0400'), or an Arabic date string.

    The calendar date is the one written (local to the stated offset), not converted to UTC; an
    implausible one (placeholder, before 1900, after `now` + 1 day) is None.
    """
    return _plausible(_field_date(value), now)


def _field_date(value: str | None) -> PublicationDate | None:
    if value is None:
        return None
    s = str(value).strip()
    if not s:
        return None
    mt = _ISO_DATE.match(s)
    if mt and (len(s) == mt.end() or not s[mt.end()].isdigit()):
        y, m = int(mt.group(1)), int(mt.group(2))
        if mt.group(3):
            d = _valid_date(y, m, int(mt.group(3)))
            if d is not None:
                return PublicationDate(d, "day", s, "record_field")
        elif 1 <= m <= 12 and _year_ok(y):
            return PublicationDate(dt.date(y, m, 1), "month", s, "record_field")
    if re.fullmatch(r"\d{4}", s) and _year_ok(int(s)):
        return PublicationDate(dt.date(int(s), 1, 1), "year", s, "record_field")
    if re.search(r"[A-Za-z]{3}", s):
        try:
            parsed = email.utils.parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            parsed = None
        if parsed is not None:
            return PublicationDate(parsed.date(), "day", s, "record_field")
    if re.fullmatch(r"\d{9,10}(?:\.\d+)?", s):  # epoch seconds
        try:
            return PublicationDate(dt.datetime.fromtimestamp(float(s), dt.UTC).date(), "day", s, "record_field")
        except (OverflowError, OSError, ValueError):
            pass
    best = None
    for m in extract_mentions(s, reference=None):
        got = _mention_to_date(m)
        if got and (best is None or (best[1] == "month" and got[1] == "day")):
            best = got
    if best is not None:
        return PublicationDate(best[0], best[1], s, "record_field")
    return None


def publication_date(doc: dict) -> PublicationDate | None:
    """The page's stated publication date, by the most direct evidence first; None if it states none.

    Order: a record field (JSONL `published`), the HTML markup (read by the clean stage with
    publication_date_from_html, where the page is at hand), the text scrape's header lines, the
    URL path. Crawl time (WARC-Date) is never used.
    """
    now = doc.get("crawled_at")  # the crawl/ingest time when the record states it
    found = publication_date_from_field(doc.get("published_field"), now=now)
    if found is None and doc.get("published_html") is not None:
        found = _plausible(
            PublicationDate(
                doc["published_html"],
                doc["published_html_precision"],
                doc["published_html_evidence"],
                doc["published_html_method"],
            ),
            now,
        )
    if found is None and doc.get("content_kind") == "text":
        found = publication_date_from_header(list(doc.get("header_lines") or []), now)
    if found is None:
        found = publication_date_from_url(doc.get("url"), now)
    return found
