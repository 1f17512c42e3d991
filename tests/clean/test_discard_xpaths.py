"""akhbar/discard_xpaths.py: the Python evaluators select exactly what trafilatura's XPath selects."""

from __future__ import annotations

import threading

import pytest
import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura import xpaths

import akhbar.discard_xpaths as discard
from akhbar.tasks.clean import clean_html
from tests.conftest import dev_html_markup, require_shared

# the trafilatura release the evaluators were translated from
TRANSLATED_FROM = "2.3.1"

PAGES = [
    # string(@id|@class) is the attribute first in the source: only the first div is cookie chrome
    '<div class="cookie-bar" id="main"><p>a</p></div><div id="main" class="cookie-bar"><p>b</p></div>',
    '<div id="" class="cookie"><p>empty id first</p></div><div class="reply-x" id="y">c</div>'
    '<div id="y" class="reply-x">d</div><span id="reply-1" class="z">e</span>',
    '<section role="Navigation">n</section><p role="nav-x">m</p><div role="main">k</div>',
    '<div data-lp-replacement-content="">x</div><div data-component="MostPopularStories-1">y</div>',
    '<div class="ad-slot">1</div><div class="top ad-slot">2</div><div class="bad-slot">3</div>'
    '<div class="x ad y">4</div><div id="ad-top">5</div><div id="top-ad-1">6</div><div class="dfpAd">7</div>',
    '<p style="display:none">h</p><p style="display: none">i</p><p id="hidden-x">j</p>'
    '<p style="color:red" id="a">k</p><p class="visible hidden">l</p><b aria-hidden="true">m</b>'
    '<i aria-hidden="false">n</i><td style="x" id="hidden">o</td><td id="a" style="hidden">p</td>',
    '<div class="comments-title">t</div><div class="comments-title x">u</div><div id="reader-comments">v</div>'
    '<ul class="nav"><li class="menu-item">w</li></ul><span class="ShareBar">x</span><span class="share-bar">y</span>',
    '<div class="post"><!-- a comment --><div class="sidebar"><div class="widget"><p>z</p></div></div></div>',
]


def _trees():
    for page in PAGES:
        tree = lxml_html.fromstring(f"<html><body>{page}</body></html>")
        yield tree
        # the tags trafilatura gives lists before it prunes, and an element in a namespace
        for el in tree.iter("ul", "li"):
            el.tag = {"ul": "list", "li": "item"}[el.tag]
        yield tree
    yield etree.fromstring('<r xmlns:x="urn:x"><x:div class="sidebar"/><div class="sidebar"/><x:p id="hidden"/></r>')


def test_evaluators_are_used_with_the_trafilatura_they_were_translated_from():
    evaluators = discard.python_evaluators()
    if trafilatura.__version__ == TRANSLATED_FROM:
        assert evaluators is not None, "trafilatura's OVERALL_DISCARD_XPATH changed: see akhbar/discard_xpaths.py"
    if evaluators is None:  # another release: trafilatura's own expressions must stay in place
        with discard.python_discard_xpaths() as active:
            assert not active
            assert trafilatura.main_extractor.OVERALL_DISCARD_XPATH is xpaths.OVERALL_DISCARD_XPATH


def test_evaluators_select_what_the_xpaths_select_on_crafted_markup():
    evaluators = discard.python_evaluators()
    if evaluators is None:
        pytest.skip(f"trafilatura {trafilatura.__version__}: its discard expressions are not the translated ones")
    selected = 0
    for tree in _trees():
        for evaluator, xpath in zip(evaluators, xpaths.OVERALL_DISCARD_XPATH):
            want = xpath(tree)
            assert evaluator(tree) == want, (evaluator.path[:40], etree.tostring(tree)[:200])
            selected += len(want)
    assert selected >= 30  # the markup exercises both sides of each condition


def test_evaluators_select_what_the_xpaths_select_on_every_dev_page(monkeypatch):
    """Every evaluation during the clean stage's extraction of every dev HTML page gives trafilatura's
    elements in trafilatura's order, and the extracted text is the same without the evaluators."""
    evaluators = discard.python_evaluators()
    if evaluators is None:
        pytest.skip(f"trafilatura {trafilatura.__version__}: its discard expressions are not the translated ones")
    pages = sorted(require_shared("dev", "html").rglob("*.html*"))
    assert len(pages) >= 200
    calls = [0, 0]

    class Checked:
        def __init__(self, k):
            self.k, self.path = k, evaluators[k].path

        def __call__(self, tree):
            got, want = evaluators[self.k](tree), xpaths.OVERALL_DISCARD_XPATH[self.k](tree)
            assert got == want, (page.name, self.k)
            calls[self.k] += 1
            return got

    monkeypatch.setattr(discard.PATCH, "checked", True)
    for i, page in enumerate(pages):
        markup = dev_html_markup(page)
        monkeypatch.setattr(discard.PATCH, "values", discard.in_users([Checked(0), Checked(1)]))
        ours = clean_html(markup)
        if i % 8 == 0:  # end to end, on every eighth page: the same text with trafilatura's own XPath
            monkeypatch.setattr(discard.PATCH, "values", None)
            assert clean_html(markup) == ours, page.name
    assert min(calls) >= len(pages)  # at least once per page (twice when trafilatura compares extractors)


def test_trafilatura_gets_its_own_expressions_back_after_each_block():
    own = xpaths.OVERALL_DISCARD_XPATH
    with discard.python_discard_xpaths() as active:
        with discard.python_discard_xpaths():
            pass
        inside = trafilatura.main_extractor.OVERALL_DISCARD_XPATH
        assert (inside is not own) == active
    assert trafilatura.main_extractor.OVERALL_DISCARD_XPATH is own
    assert trafilatura.external.OVERALL_DISCARD_XPATH is own

    # threads overlapping their blocks: the last one out restores
    entered, leave = threading.Barrier(3), threading.Event()

    def worker():
        with discard.python_discard_xpaths():
            entered.wait()
            leave.wait()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    entered.wait()
    assert (trafilatura.main_extractor.OVERALL_DISCARD_XPATH is not own) == active
    leave.set()
    for t in threads:
        t.join()
    assert trafilatura.main_extractor.OVERALL_DISCARD_XPATH is own
    assert trafilatura.external.OVERALL_DISCARD_XPATH is own
