"""A record's site from its URL, and the roles of a JSONL record's fields: the shortcuts agree with
the general rules (urllib's urlsplit, resolve) on any URL and any set of field names."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from akhbar.tasks.ingest.readers.fields import resolve, resolver
from akhbar.tasks.ingest.records import site_of

FOLDER = Path("inbox/some-site/page.txt")


def site_by_urlsplit(url: str | None, path: Path) -> str:
    if url:
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            host = ""
        if host:
            return host[4:] if host.startswith("www.") else host
    return path.parent.name or "unknown"


def test_site_of_urls_seen_in_the_wild():
    cases = {
        "https://www.Alriyadh.com/1234": "alriyadh.com",
        "http://sabq.org?id=5": "sabq.org",
        "http://www.jawharafm.net/ar/article/مخرج/95/76326": "jawharafm.net",
        "HTTP://WWW.SPA.GOV.SA/x": "spa.gov.sa",
        "https://user:pw@www.example.com:8080/p": "example.com",
        "https://[::1]:80/": "::1",
        "https://موقع.عربي/خبر": "موقع.عربي",
        "http://host\n.com/": "host.com",
        " http://padded.com/": "padded.com",
        "https://[broken/": "some-site",
        "not a url": "some-site",
        "": "some-site",
        None: "some-site",
    }
    for url, site in cases.items():
        assert site_of(url, FOLDER) == site == site_by_urlsplit(url, FOLDER), url


URL_PARTS = st.sampled_from(
    ["http://", "https://", "HTTP://", "ftp://", "www.", "a", "Z", "9", ".", "-", "/", "?", "#", ":", "@", "[", "]",
     "%", " ", "\t", "\n", "\r", "\x00", "\u0645", "\uff0e", "\ud800", "80", ".com", "//"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(URL_PARTS, max_size=10).map("".join))
def test_site_of_agrees_with_urlsplit(url):
    assert site_of(url, FOLDER) == site_by_urlsplit(url, FOLDER)


NAMES = st.sampled_from(["text", "Text", "TEXT", "content", "html", "url", "Link", "title", "headline", "date",
                         "published", "author", "byline", "crawl_date", "id", "other"])  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(NAMES, max_size=8, unique=True), min_size=1, max_size=6))
def test_resolver_gives_the_roles_resolve_gives(records):
    for columns in ({}, {"text": "other", "url": "id"}):
        roles_of = resolver(columns, memo_size=2)  # records past the memo's size are resolved each time
        for names in records + records:
            assert roles_of(dict.fromkeys(names, "x")) == resolve(names, columns)
