"""akhbar/narrowed_xpaths.py: the narrowed expressions select exactly what trafilatura's XPath selects."""

from __future__ import annotations

import pytest
import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura import core, xpaths

import akhbar.narrowed_xpaths as narrowed
from akhbar.tasks.clean import clean_html
from tests.conftest import dev_html_markup, require_shared

# the trafilatura release the literals were read from
READ_FROM = "2.3.1"
NAMES = ("RAW_TREE_PRUNE_XPATH", "REMOVE_COMMENTS_XPATH", "REMOVE_COMMENTS_AND_LISTS_XPATH")

PAGES = [
    # comment containers: the id pattern is anchored, "commentary" is not one, the class needs
    # "comment" at its start or "article-/post-comments" anywhere
    '<div id="comments">a</div><div id="commentary">b</div><div id="Comment-3">c</div><div id="x-comments">d</div>'
    '<section id="disqus_thread">e</section><div id="dsq-comments">f</div><details id="comol-1">g</details>',
    '<div class="comment-list">h</div><div class="my-comment">i</div><div class="post-comments box">j</div>'
    '<div class="Commentary">k</div><div class="article-comments">l</div><span class="comments">m</span>',
    # lists: only with the ol/ul parts of the pattern (no disqus id)
    '<ul class="comments">n</ul><ol id="comments">o</ol><ul id="disqus_thread">p</ul><ol class="x-comments">q</ol>'
    '<list id="comment">r</list><ul class="Comment-x">s</ul>',
    # raw-tree prune: an infinite-scroll container is pruned unless it holds the h1
    '<div class="infinite-scroll"><p>t</p></div><div class="infinitescroll"><h1>u</h1></div>'
    '<aside id="mvp-post-add-box"><h1>v</h1></aside><section class="mvp-post-add-wrap x">w</section>'
    '<div class="infinite">x</div><div class="mvp-post-add-other"><h1>y</h1></div><p class="infinite-scroll">z</p>',
]


def _trees():
    for page in PAGES:
        yield lxml_html.fromstring(f"<html><body>{page}</body></html>")
    yield etree.fromstring('<r xmlns:x="urn:x"><x:div id="comments"/><div id="comments"/><x:ul class="comment"/></r>')


def test_narrowed_expressions_are_used_with_the_trafilatura_they_were_read_from():
    lists = narrowed.narrowed_lists()
    if trafilatura.__version__ == READ_FROM:
        assert lists is not None, "trafilatura's prune expressions changed: see akhbar/narrowed_xpaths.py"
    if lists is None:  # another release: trafilatura's own expressions must stay in place
        with narrowed.narrowed_xpaths() as active:
            assert not active
            assert all(getattr(core, name) is getattr(xpaths, name) for name in NAMES)


def test_a_changed_expression_turns_narrowing_off(monkeypatch):
    changed = [etree.XPath(".//*[self::div][re:test(@id, 'comment')]", namespaces={"re": narrowed._REGEXP_NS["re"]})]
    monkeypatch.setattr(core, "REMOVE_COMMENTS_XPATH", changed)
    assert narrowed.narrowed_lists() is None


def _pairs():
    lists = narrowed.narrowed_lists()
    if lists is None:
        pytest.skip(f"trafilatura {trafilatura.__version__}: its prune expressions are not the ones narrowed")
    return [(ours, theirs) for name in NAMES for ours, theirs in zip(lists[name], getattr(xpaths, name))]


def test_narrowed_select_what_the_xpaths_select_on_crafted_markup():
    selected = 0
    for tree in _trees():
        for ours, theirs in _pairs():
            want = theirs(tree)
            assert ours(tree) == want, (ours.path[:50], etree.tostring(tree)[:200])
            selected += len(want)
    assert selected >= 15  # the markup exercises both sides of each condition


def test_narrowed_select_what_the_xpaths_select_on_every_dev_page_and_the_text_is_the_same(monkeypatch):
    pages = sorted(require_shared("dev", "html").rglob("*.html*"))
    assert len(pages) >= 200
    pairs = _pairs()
    selected = 0
    for i, page in enumerate(pages):
        markup = dev_html_markup(page)
        tree = lxml_html.fromstring(markup.encode("utf-8"))
        for ours, theirs in pairs:
            want = theirs(tree)
            assert ours(tree) == want, (page.name, ours.path[:50])
            selected += len(want)
        if i % 8 == 0:  # end to end: the same text with trafilatura's own expressions
            ours_doc = clean_html(markup)
            monkeypatch.setattr(narrowed.PATCH, "values", None)
            monkeypatch.setattr(narrowed.PATCH, "checked", True)
            assert clean_html(markup) == ours_doc, page.name
            monkeypatch.undo()
    assert selected >= 50


def test_trafilatura_gets_its_own_lists_back_after_each_block():
    own = {name: getattr(core, name) for name in NAMES}
    with narrowed.narrowed_xpaths() as active:
        with narrowed.narrowed_xpaths():
            pass
        assert (core.REMOVE_COMMENTS_XPATH is not own["REMOVE_COMMENTS_XPATH"]) == active
    assert all(getattr(core, name) is own[name] for name in NAMES)
