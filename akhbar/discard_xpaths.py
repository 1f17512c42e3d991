"""trafilatura's two OVERALL_DISCARD_XPATH expressions, evaluated in Python: the same elements in the
same order, about three times faster.

Why: both expressions call EXSLT `re:test`, which lxml runs as a Python callback for every element
and attribute it tests. On the 242 dev HTML pages they took 2.3 of the 7.9 s of our extraction
(the largest single cost in trafilatura), and these evaluators 0.74 s.

The clean stage swaps them in around its own `bare_extraction` call only (`python_discard_xpaths`),
so other trafilatura users in the process, such as bench/html_vs_trafilatura.py's baseline, keep
trafilatura's own. They are used only while trafilatura's expressions are exactly the ones
translated here (`EXPECTED_PATHS`): a trafilatura release that changes them turns this off, and
trafilatura's own expressions run. tests/clean/test_discard_xpaths.py checks each evaluation against
trafilatura's XPath on every dev page.

XPath semantics kept:
- `.//*` is every descendant element in document order (no comments or processing instructions);
- `string(@id|@class)` is the value of whichever of the two comes first in the source, '' if neither;
- `@x` as a condition is true when the attribute is present, even empty; `re:test` is `re.search`.
"""

from __future__ import annotations

import re

from lxml import etree

from akhbar.module_patch import ModulePatch, Replacements

_COOKIE = "cookie"
_ID_TOKENS = (
    "^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author|"
    "^(?:jp-|dpsp-content)|bmdh|footer|Footer|share|Share|nav|Nav|menu|related|message-container|"
    "premium|^ad-"
)
_CLASS_TOKENS = (
    "^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author|"
    "^(?:nav|post-nav|ZendeskForm)|subnav|avigation|navbar|navbox|menu|bar| ad |-ad-|(?:^| )ad-|"
    "dfp[Aa]d|outbrain|taboola|criteo|paid-?content|widget|footer|Footer|byline|Byline|share-|"
    "sociable|embedded|embed|tag-list|consent|modal-content|permission|elated|next-|-stories|"
    "most-popular|more-on|meta|rating|attachment|timestamp|user-info|user-profile|-icon|"
    "article-infos|message-container|slide|viewport|overlay|options|expand|obfuscated|blurred|"
    "mol-factbox|yin|zlylin|nfoline"
)
_HIDDEN = "hidden"
_COMMENT_ID_TOKENS = "reader-comments|akismet"
_COMMENT_CLASS_TOKENS = (
    "^hide-|comments-title|nocomments|-reply-|message|akismet|suggest-links|-hide-|"
    "hide-print| hidden| hide|noprint|notloaded"
)

# trafilatura 2.3.1's expressions (trafilatura.xpaths.OVERALL_DISCARD_XPATH), whitespace collapsed
EXPECTED_PATHS = (
    ".//*[self::div or self::item or self::list or self::p or self::section or self::span][ "
    "@data-lp-replacement-content or contains(translate(@role, 'N', 'n'), 'nav') or "
    "contains(@data-component, 'MostPopularStories') or "
    f"re:test(@id|@class, '{_COOKIE}') or re:test(@id, '{_ID_TOKENS}') or re:test(@class, '{_CLASS_TOKENS}')]",
    ".//*[@class='comments-title' or starts-with(@id|@class, 'reply-') or "
    f"re:test(@id|@style, '{_HIDDEN}') or contains(@style, 'display:none') or contains(@style, 'display: none') or "
    f"re:test(@id, '{_COMMENT_ID_TOKENS}') or re:test(@class, '{_COMMENT_CLASS_TOKENS}') or @aria-hidden='true']",
)


def _first_of(keys: list[str], a: str, b: str, value_a: str | None, value_b: str | None) -> str:
    """string(@a|@b): the value of the attribute that comes first in the source, '' if neither."""
    if value_a is None:
        return value_b or ""
    if value_b is None:
        return value_a
    return value_a if keys.index(a) < keys.index(b) else value_b


def _with_attributes(elements):
    """(element, its attribute names in source order, its get) for the elements that have
    attributes: most have none, and nothing in either expression can select those."""
    for el in elements:
        keys = el.keys()
        if keys:
            yield el, keys, el.get


class _Evaluator:
    """Callable like the lxml XPath it replaces (tree -> list of elements); keeps its `path`."""

    def __init__(self, path: str):
        self.path = path


class ChromeDiscard(_Evaluator):
    """OVERALL_DISCARD_XPATH[0]: block elements whose role, id or class names page chrome."""

    _cookie = re.compile(_COOKIE)
    _id = re.compile(_ID_TOKENS)
    _class = re.compile(_CLASS_TOKENS)

    def __call__(self, tree) -> list:
        found = []
        for el, keys, get in _with_attributes(tree.iterdescendants("div", "item", "list", "p", "section", "span")):
            id_, class_ = get("id"), get("class")
            if (
                get("data-lp-replacement-content") is not None
                or "nav" in (get("role") or "").replace("N", "n")
                or "MostPopularStories" in (get("data-component") or "")
                or self._cookie.search(_first_of(keys, "id", "class", id_, class_))
                or (id_ is not None and self._id.search(id_))
                or (class_ is not None and self._class.search(class_))
            ):
                found.append(el)
        return found


class HiddenDiscard(_Evaluator):
    """OVERALL_DISCARD_XPATH[1]: hidden elements and comment-form chrome, of any tag."""

    _hidden = re.compile(_HIDDEN)
    _id = re.compile(_COMMENT_ID_TOKENS)
    _class = re.compile(_COMMENT_CLASS_TOKENS)

    def __call__(self, tree) -> list:
        found = []
        for el, keys, get in _with_attributes(tree.iterdescendants(etree.Element)):
            id_, class_, style = get("id"), get("class"), get("style")
            if (
                class_ == "comments-title"
                or _first_of(keys, "id", "class", id_, class_).startswith("reply-")
                or self._hidden.search(_first_of(keys, "id", "style", id_, style))
                or (style is not None and ("display:none" in style or "display: none" in style))
                or (id_ is not None and self._id.search(id_))
                or (class_ is not None and self._class.search(class_))
                or get("aria-hidden") == "true"
            ):
                found.append(el)
        return found


def _normalized(path: str) -> str:
    return " ".join(path.split())


def python_evaluators() -> list | None:
    """The Python evaluators for trafilatura's OVERALL_DISCARD_XPATH, or None when the installed
    trafilatura's expressions are not exactly the ones translated here."""
    from trafilatura import xpaths

    theirs = [_normalized(x.path) for x in xpaths.OVERALL_DISCARD_XPATH]
    if theirs != list(EXPECTED_PATHS):
        return None
    return [ChromeDiscard(xpaths.OVERALL_DISCARD_XPATH[0].path), HiddenDiscard(xpaths.OVERALL_DISCARD_XPATH[1].path)]


# trafilatura's modules that read OVERALL_DISCARD_XPATH as a module global when they run
_USERS = ("trafilatura.main_extractor", "trafilatura.external")


def in_users(evaluators: list) -> Replacements:
    """The evaluators as every user module's OVERALL_DISCARD_XPATH."""
    return {(name, "OVERALL_DISCARD_XPATH"): evaluators for name in _USERS}


def _replacements() -> Replacements | None:
    evaluators = python_evaluators()
    return None if evaluators is None else in_users(evaluators)


PATCH = ModulePatch(_replacements)


def python_discard_xpaths():
    """Within the block, trafilatura evaluates its OVERALL_DISCARD_XPATH with the Python evaluators
    (when they match the installed trafilatura). Re-entrant and thread-safe: the last thread to
    leave puts trafilatura's expressions back; a thread running trafilatura meanwhile gets the
    same elements either way."""
    return PATCH.applied()
