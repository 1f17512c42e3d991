"""tasks/clean/jsonld.py: the JSON-LD readers give trafilatura's metadata, in linear time."""

from __future__ import annotations

import json

from akhbar.tasks.clean import page_metadata, parse_html
from akhbar.tasks.clean.jsonld import _json_author, normalize_json
from tests.clean.common import SHARED, needs_shared
from tests.conftest import dev_html_markup


def test_json_ld_author_reader_matches_trafilatura():
    """Our one-pass author reader for JSON-LD that does not parse gives trafilatura's authors."""
    from trafilatura import json_metadata as tj

    person = '{"@type":"Person","name":"%s","url":"https://x.example/%d"}'
    names = ["Ahmed Ali", "Sara Haddad", "Omar Khaled", "Lina Saleh", "Mona Farouk"]
    texts = [
        '{"@type":"NewsArticle","author":[' + ",".join(person % (n, i) for i, n in enumerate(names)) + "],",
        '{"author":{"name":"Karim Nour"},"headline":"x"},{"author":{"name":"Hala Adel"}',  # both patterns
        '{"@type":"Person","name":"Yusuf Amin"}, {"@type":"Person","name":"single"}, '
        '{"@type":"Person","name":"Nadia Aziz"}',  # a one-word name ends the list, as in trafilatura
        '{"author":"نور الهدى","x":1} {"author": {"name": "Rami Said"}',
        '{"headline":"no authors here"',
    ]
    for text in texts:
        for regex in (tj.JSON_AUTHOR_1, tj.JSON_AUTHOR_2):
            assert _json_author(text, regex) == tj.extract_json_author(text, regex), (text, regex.pattern)


@needs_shared
def test_page_metadata_on_broken_json_ld_matches_trafilatura():
    """Every dev page whose JSON-LD does not parse (the path with our own author reader) gives
    trafilatura's metadata, including TheMirror's 700 KB script that made trafilatura quadratic."""
    from trafilatura import metadata as tm
    from trafilatura.json_metadata import normalize_json

    checked = 0
    for path in sorted((SHARED / "dev" / "html").rglob("*.html*")):
        html = dev_html_markup(path)
        tree = parse_html(html)
        if tree is None:
            continue
        broken = False
        for elem in tree.xpath('.//script[@type="application/ld+json" or @type="application/settings+json"]'):
            try:
                json.loads(normalize_json(tm.JSON_MINIFY.sub(r"\1", elem.text or "{}")), strict=False)
            except json.JSONDecodeError:
                broken = True
        if not broken:
            continue
        checked += 1
        ours = page_metadata(tree, "https://example.org/a/b.html")
        ref = tm.extract_metadata(parse_html(html), "https://example.org/a/b.html")
        for name in ("title", "author", "sitename", "categories", "pagetype"):
            assert getattr(ours, name) == getattr(ref, name), (path.name, name)
    assert checked >= 5


def test_normalize_json_matches_trafilatura_on_escapes_and_lone_surrogates():
    from trafilatura.json_metadata import normalize_json as theirs

    texts = [
        '{"name": "Ahmed \\u0623\\u062d\\u0645\\u062f", "x": "a\\nb\\tc"}',
        '{"a": "\\ud83d\\ude00 and a lone \\ud800 here", "b": "&amp; <b>bold</b>"}',
        "no backslash: <i>tags</i> &amp; spaces   kept  once",
        '{"s": "\\u00e9\\udfff\\uDBFF!"}' + "\ud800 raw \udfff",
        "",
    ]
    for text in texts:
        assert normalize_json(text) == theirs(text), text


@needs_shared
def test_normalize_json_matches_trafilatura_on_every_dev_page_script():
    from trafilatura import metadata as tm
    from trafilatura.json_metadata import normalize_json as theirs

    scripts = 0
    for path in sorted((SHARED / "dev" / "html").rglob("*.html*")):
        tree = parse_html(dev_html_markup(path))
        if tree is None:
            continue
        for elem in tree.xpath('.//script[@type="application/ld+json" or @type="application/settings+json"]'):
            text = tm.JSON_MINIFY.sub(r"\1", elem.text or "")
            assert normalize_json(text) == theirs(text), path.name
            scripts += 1
    assert scripts >= 100
