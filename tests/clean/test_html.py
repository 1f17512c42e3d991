"""tasks/clean/html.py: the HTML path (trafilatura's text and metadata) and the browser-like flattening."""

from __future__ import annotations

import json

from akhbar.tasks.clean import clean_html, html_to_text_scrape, page_metadata, parse_html
from tests.clean.common import N4K, SHARED, needs_dev_html, needs_shared, token_f1
from tests.conftest import dev_html_markup


def test_html_to_text_scrape_blocks_and_hidden():
    html = """<html><head><title>T</title><style>p{}</style></head><body>
    <nav><ul><li>الرئيسية</li><li>أخبار</li></ul></nav>
    <script>var x = "لا";</script><noscript>فعّل</noscript><template><p>قالب</p></template>
    <div hidden>مخفي</div><div style="display: none">مخفي أيضا</div>
    <h1>عنوان <b>الخبر</b></h1>
    <p>الفقرة الأولى
    تستمر هنا <a href="#">برابط</a>.</p><!-- تعليق --><p>الفقرة الثانية<br>بعد فاصل</p>
    <table><tr><td>دولار</td><td>1.5</td></tr></table></body></html>"""
    out = html_to_text_scrape(html).split("\n")
    assert out == [
        "الرئيسية",
        "أخبار",
        "عنوان الخبر",
        "الفقرة الأولى تستمر هنا برابط.",
        "الفقرة الثانية",
        "بعد فاصل",
        "دولار 1.5",
    ]
    assert html_to_text_scrape("") == ""
    # an XML declaration in a str (lxml refuses those) and <pre> line breaks
    assert html_to_text_scrape('<?xml version="1.0" encoding="utf-8"?><html><body><p>نص</p></body></html>') == "نص"
    assert html_to_text_scrape("<p>أ</p><pre>س\nص</pre>") == "أ\nس\nص"


@needs_dev_html
def test_clean_html_arabic_dev_page():
    html = (N4K / "arabic_article.html").read_text(encoding="utf-8", errors="replace")
    ref = (N4K / "arabic_article.txt").read_text(encoding="utf-8")
    meta = json.loads((N4K / "arabic_article.json").read_text(encoding="utf-8"))
    doc = clean_html(html, url=meta.get("url"))
    assert doc.lines and all(ln.status == "kept" and ln.line_no is None for ln in doc.lines)
    assert doc.title == meta["title"]
    f1, _ = token_f1("\n".join(ln.text for ln in doc.lines), ref)
    assert f1 >= 0.9


@needs_shared
def test_page_metadata_matches_trafilatura_extract_metadata():
    """page_metadata is trafilatura's extract_metadata minus the date and licence: every other field
    must come out the same (guards against a trafilatura release changing its steps), and the tree
    must be left as it was (extraction and the date fallback read it afterwards)."""
    from lxml import html as lxml_html
    from trafilatura.metadata import extract_metadata

    pages = sorted((SHARED / "dev" / "html").rglob("*.html*"))[::8]  # 30 pages from every source
    assert len(pages) >= 25
    for path in pages:
        html = dev_html_markup(path)
        tree = parse_html(html)
        before = lxml_html.tostring(tree)
        ours = page_metadata(tree, "https://example.org/a/b.html")
        assert lxml_html.tostring(tree) == before, path.name
        ref = extract_metadata(parse_html(html), "https://example.org/a/b.html")
        for name in (
            "title",
            "author",
            "url",
            "hostname",
            "sitename",
            "description",
            "categories",
            "tags",
            "image",
            "pagetype",
        ):
            assert getattr(ours, name) == getattr(ref, name), (path.name, name)


@needs_shared
def test_parse_html_gives_trafilaturas_tree_and_element_classes_and_the_same_extraction():
    """parse_html's parser (lxml.html's element classes looked up in C) parses every dev page to
    trafilatura's own tree, with the same class on every element, and the page's text comes out
    the same from either tree."""
    import trafilatura
    from lxml import html as lxml_html
    from trafilatura.utils import load_html

    from akhbar.tasks.clean import TRAFILATURA_SETTINGS

    pages = sorted((SHARED / "dev" / "html").rglob("*.html*"))
    assert len(pages) >= 200
    forms = 0
    for k, path in enumerate(pages):
        html = dev_html_markup(path)
        ours, theirs = parse_html(html), load_html(html)
        assert lxml_html.tostring(ours) == lxml_html.tostring(theirs), path.name
        assert [type(e) for e in ours.iter()] == [type(e) for e in theirs.iter()], path.name
        forms += sum(1 for _ in ours.iter("form", "input", "select", "textarea", "label"))
        if k % 6 == 0:  # trafilatura's text from each tree (40 pages)
            kw = dict(with_metadata=False, **TRAFILATURA_SETTINGS)
            assert trafilatura.bare_extraction(ours, **kw).text == trafilatura.bare_extraction(theirs, **kw).text
    assert forms > 0  # the per-tag classes (FormElement, InputElement, ...) were compared too


def test_extract_catstags_matches_trafilatura_with_and_without_category_links():
    from trafilatura import metadata as tm

    from akhbar.tasks.clean.html import extract_catstags

    pages = [
        '<html><head><meta property="article:section" content="سياسة"></head><body>'
        '<div class="post-meta"><a href="/news/1">x</a></div></body></html>',  # no such link: the meta fallback
        '<html><head><meta name="dc.subject" content="Economy"></head><body><p>x</p></body></html>',
        '<html><body><div class="post-meta"><a href="/category/sport/">رياضة</a><a href="/tags/x/">وسم</a>'
        '</div><div class="tags"><a href="/tag/gaza/">غزة</a><a href="/tag/gaza/">غزة</a></div></body></html>',
        '<html><body><a href="/categories/">all</a><a>no href</a></body></html>',  # a link, but outside their paths
    ]
    for html in pages:
        for kind in ("category", "tag"):
            assert extract_catstags(kind, parse_html(html)) == tm.extract_catstags(kind, parse_html(html)), (html, kind)


@needs_shared
def test_extract_catstags_matches_trafilatura_on_every_dev_page():
    from trafilatura import metadata as tm

    from akhbar.tasks.clean.html import extract_catstags

    found = 0
    for path in sorted((SHARED / "dev" / "html").rglob("*.html*")):
        tree = parse_html(dev_html_markup(path))
        if tree is None:
            continue
        for kind in ("category", "tag"):
            ours = extract_catstags(kind, tree)
            assert ours == tm.extract_catstags(kind, tree), (path.name, kind)
            found += bool(ours)
    assert found >= 20
