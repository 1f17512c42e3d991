"""The HTML path: trafilatura's main text and metadata of a page, and a browser-like flattening."""

from __future__ import annotations

import re
import threading
from typing import Any

from akhbar.tasks.clean.doc import KEPT, CleanedDoc, Line
from akhbar.tasks.clean.jsonld import _meta_json

# Chosen by measurement on the dev pages (bench/boilerplate.py --grid); see the bench docstring.
TRAFILATURA_SETTINGS: dict[str, Any] = {
    "favor_precision": True,
    "favor_recall": False,
    "include_comments": False,
    "include_tables": True,
    "deduplicate": False,
}


def parse_html(html: str):
    """The page as trafilatura parses it (lxml tree), or None when it is not HTML. Parsed once per
    page: extraction, metadata and the publication-date fallback all read this tree.

    trafilatura's parser, with the element classes lxml.html gives found in C (`_html_parser`)."""
    from trafilatura import utils

    with _parser_lock:
        theirs = utils.HTML_PARSER
        utils.HTML_PARSER = _html_parser(theirs)
        try:
            return utils.load_html(html)
        finally:
            utils.HTML_PARSER = theirs


_parser_lock = threading.Lock()
_parsers: dict[int, Any] = {}


def _html_parser(theirs):
    """A copy of trafilatura's HTML parser (same options) whose trees get lxml.html's element
    classes from a lookup in C: lxml.html's own lookup is a Python call each time Python first
    touches an element (0.9 M calls on the 242 dev pages, about 3 % of the extraction's CPU)."""
    if id(theirs) not in _parsers:
        from lxml import etree
        from lxml import html as lh

        lookup = etree.ElementNamespaceClassLookup(
            etree.ElementDefaultClassLookup(
                element=lh.HtmlElement, comment=lh.HtmlComment, pi=lh.HtmlProcessingInstruction, entity=lh.HtmlEntity
            )
        )
        per_tag = lookup.get_namespace(None)
        for tag, cls in lh.HtmlElementClassLookup._default_element_classes.items():  # <form>, <input>, ...
            per_tag[tag] = cls
        parser = theirs.copy()
        parser.set_element_class_lookup(lookup)
        _parsers[id(theirs)] = parser
    return _parsers[id(theirs)]


def page_metadata(tree, url: str | None = None):
    """trafilatura's metadata of a page (title, author, URL, site name, categories, tags) without
    its two steps our output does not use: htmldate's publication date (the dates stage finds its
    own, with evidence: akhbar.tasks.dates.publication_date_from_html) and the licence (bench/boilerplate.py).
    The steps and their order are
    `trafilatura.metadata.extract_metadata`'s; tests/clean/test_html.py checks the fields against it.
    Reads the tree only (extract_author prunes a copy)."""
    from trafilatura import metadata as tm

    meta = tm.examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    try:
        meta = _meta_json(tree, meta)
    except Exception:
        pass
    if not meta.title:
        meta.title = tm.extract_title(tree)
    if not meta.author:
        meta.author = tm.extract_author(tree)
    if not meta.url:
        meta.url = tm.extract_url(tree, url)
    if meta.url:
        meta.hostname = tm.extract_domain(meta.url, fast=True)
    if not meta.sitename:
        meta.sitename = tm.extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
        if meta.sitename and "." not in meta.sitename and not meta.sitename[0].isupper():
            meta.sitename = meta.sitename.title()
    elif meta.url:
        m = tm.META_URL.match(meta.url)
        if m:
            meta.sitename = m[1]
    if not meta.categories:
        meta.categories = extract_catstags("category", tree)
    if not meta.tags:
        meta.tags = extract_catstags("tag", tree)
    meta.clean_and_trim()
    return meta


def extract_catstags(metatype: str, tree) -> list[str]:
    """trafilatura.metadata.extract_catstags, without its XPath searches on a page where no link's
    href has the path they filter their links by (/category/, /tag/, ...): there they find nothing,
    and they were a third of page_metadata's time (on 3 of 4 dev pages no link has it)."""
    from trafilatura import metadata as tm

    link_path = re.compile("/" + metatype.rstrip("y") + "(?:y|ies|s)?/")
    if any(link_path.search(href) for href in (a.get("href") for a in tree.iter("a")) if href is not None):
        return tm.extract_catstags(metatype, tree)
    results: list[str] = []
    if metatype == "category":  # trafilatura's fallback when its searches found nothing
        results.extend(
            element.attrib["content"]
            for element in tree.xpath(
                './/head//meta[@property="article:section" or contains(@name, "subject")][@content]'
            )
        )
    return [r for r in dict.fromkeys(tm.line_processing(x) for x in results if x) if r]


def clean_html(html, url: str | None = None) -> CleanedDoc:
    """Main text of an HTML page (markup, or a tree from `parse_html`) via trafilatura; paragraphs
    become kept `Line`s (line_no None)."""
    import trafilatura  # heavy import, only on the HTML path

    from akhbar.discard_xpaths import python_discard_xpaths
    from akhbar.narrowed_xpaths import narrowed_xpaths

    tree = parse_html(html) if isinstance(html, (str, bytes)) else html
    if tree is None:
        return CleanedDoc(lines=[])
    meta = page_metadata(tree, url)
    # bare_extraction works on its own copy of the tree; the URL it is given is the one it would
    # have taken from its own metadata. Its two slowest XPath expressions run in Python, and three
    # more test their regexes on fewer elements (same elements, faster: akhbar/discard_xpaths.py,
    # akhbar/narrowed_xpaths.py, bench/boilerplate.py).
    with python_discard_xpaths(), narrowed_xpaths():
        doc = trafilatura.bare_extraction(tree, url=url or meta.url, with_metadata=False, **TRAFILATURA_SETTINGS)
    if doc is None:
        return CleanedDoc(lines=[])
    text = doc.text or ""
    lines = [Line(p.strip(), KEPT, "body", None) for p in text.split("\n") if p.strip()]
    tags = [x for x in (list(meta.tags or []) + list(meta.categories or [])) if x]
    return CleanedDoc(
        lines=lines,
        title=meta.title or None,
        author=meta.author or None,
        source_attribution=None,
        tags=list(dict.fromkeys(tags)),
        header_lines=[],
    )


_DROP_TAGS = {"script", "style", "noscript", "template", "head", "svg", "select", "iframe", "object", "canvas"}
_BLOCK_TAGS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "ul",
    "caption",
    "option",
    "button",
    "label",
    "title",
    "textarea",
}
_CELL_TAGS = {"td", "th"}
_PRE_TAGS = {"pre", "textarea"}
_NEWLINES = re.compile(r"[\r\n]+")
_WS = re.compile(r"[ \t\r\f\v\u00a0\u200b\u200c\u200e\u200f]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def html_to_text_scrape(html: str) -> str:
    """Visible text of a page, one block element per line (like a browser's select-all copy)."""
    import lxml.html
    from lxml import etree

    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        try:
            root = lxml.html.document_fromstring(html.encode("utf-8", "replace"))
        except (etree.ParserError, ValueError):
            return ""
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    doomed = [
        el
        for el in root.iter()
        if isinstance(el.tag, str)
        and (
            el.tag.lower() in _DROP_TAGS
            or el.get("hidden") is not None
            or _HIDDEN_STYLE.search(el.get("style") or "") is not None
        )
    ]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the tail text
    parts: list[str] = []
    pre = 0  # inside <pre>/<textarea> source line breaks are visible; elsewhere they are spaces
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            elif tag in _CELL_TAGS:
                parts.append("\t")
            if tag in _PRE_TAGS:
                pre += 1
            if el.text:
                parts.append(el.text if pre else _NEWLINES.sub(" ", el.text))
        else:
            if tag in _PRE_TAGS:
                pre -= 1
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if el.tail:
                parts.append(el.tail if pre else _NEWLINES.sub(" ", el.tail))
    out: list[str] = []
    for line in "".join(parts).split("\n"):
        line = _WS.sub(" ", line).strip()
        if line:
            out.append(line)
    return "\n".join(out)
