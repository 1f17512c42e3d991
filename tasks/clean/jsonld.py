"""trafilatura's JSON-LD metadata readers, with a linear-time author reader for JSON that does not parse."""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def _meta_json(tree, meta):
    """trafilatura.metadata.extract_meta_json, with `_json_parse_error` for JSON-LD that does not parse."""
    import json

    from trafilatura import json_metadata as tj
    from trafilatura import metadata as tm

    for elem in tree.xpath('.//script[@type="application/ld+json" or @type="application/settings+json"]'):
        if not elem.text:
            continue
        element_text = normalize_json(tm.JSON_MINIFY.sub(r"\1", elem.text))
        try:
            meta = tj.extract_json(json.loads(element_text, strict=False), meta)
        except json.JSONDecodeError:
            meta = _json_parse_error(element_text, meta)
    return meta


def normalize_json(string: str) -> str:
    """trafilatura.json_metadata.normalize_json, its lone surrogates dropped by one regex pass: it
    tests every character of the script in a generator (a fifth of the page's metadata time)."""
    from html import unescape

    from trafilatura import json_metadata as tj
    from trafilatura.utils import HTML_STRIP_TAGS, trim

    if "\\" in string:
        string = string.replace("\\n", "").replace("\\r", "").replace("\\t", "")
        string = tj.JSON_UNICODE_REPLACE.sub(lambda match: chr(int(match[1], 16)), string)
        string = _SURROGATE.sub("", string)
        string = unescape(string)
    return trim(HTML_STRIP_TAGS.sub("", string))


def _json_parse_error(elem: str, meta):
    """trafilatura.json_metadata.extract_json_parse_error with a linear-time author reader.

    trafilatura reads the authors of broken JSON-LD by deleting each match from the text and
    searching it again from the start: quadratic in the script's size (bench/boilerplate.py). The
    rest of the function is trafilatura's, in its order; tests/clean/test_jsonld.py checks the fields against
    trafilatura's extract_metadata on the dev pages."""
    from trafilatura import json_metadata as tj

    text = tj.JSON_AUTHOR_REMOVE.sub("", elem)
    author = _json_author(text, tj.JSON_AUTHOR_1) or _json_author(text, tj.JSON_AUTHOR_2)
    if author:
        meta.author = author
    if "@type" in elem:
        match = tj.JSON_TYPE.search(elem)
        if match:
            candidate = tj.normalize_json(match[1].lower())
            if candidate in tj.JSON_OGTYPE_SCHEMA:
                meta.pagetype = candidate
    if '"publisher"' in elem:
        match = tj.JSON_PUBLISHER.search(elem)
        if match and "," not in match[1]:
            candidate = tj.normalize_json(match[1])
            if tj.is_plausible_sitename(meta, candidate):
                meta.sitename = candidate
    if '"articleSection"' in elem:
        match = tj.JSON_CATEGORY.search(elem)
        if match:
            meta.categories = [tj.normalize_json(match[1])]
    for key, regex in tj.JSON_SEQ:
        if key in elem and not meta.title:
            match = regex.search(elem)
            if match:
                meta.title = tj.normalize_json(match[1])
                break
    return meta


def _json_author(text: str, regex) -> str | None:
    """trafilatura.json_metadata.extract_json_author in one pass over the text.

    trafilatura deletes each match and searches again from the start. The author patterns have no
    anchors or lookbehind, so a match after the deleted one reads the same characters as in the
    original text: the matches it finds are `finditer`'s, in order (a match that the deletion
    would newly make begin before it needs a name key split across the deleted span, which JSON
    text does not have)."""
    from trafilatura import json_metadata as tj

    authors = None
    for match in regex.finditer(text):
        name = next(filter(None, match.groups()), None)  # JSON_AUTHOR_1 has two groups
        if not name or " " not in name:
            break
        authors = tj.normalize_authors(authors, name)
    return authors or None
