"""Three of trafilatura's prune expressions with their regex tests run only where they can match:
the same elements in the same order, on the 242 dev HTML pages ~0.2 of 4.2 CPU-s less.

Why: RAW_TREE_PRUNE_XPATH[0], REMOVE_COMMENTS_XPATH and REMOVE_COMMENTS_AND_LISTS_XPATH run on
every page (0.6 CPU-s on the dev pages) and test the id and class of every div, section, ... with
EXSLT `re:test`, a Python callback per element (akhbar/discard_xpaths.py). Each of their patterns
needs a literal (`[Cc]omment(?!ary)` needs "omment"), so a regex-free XPath with `contains()` on
those literals selects a superset of their elements, in libxml2 alone; the expression's own
predicates are then tested on those few elements only (`self::*[...]`, the same XPath semantics).

The clean stage swaps them in around its own `bare_extraction` call only (`narrowed_xpaths`), as
for discard_xpaths. They are used only while trafilatura's expressions are exactly the ones the
literals were read from (`NARROWED`); tests/clean/test_narrowed_xpaths.py checks each against
trafilatura's XPath on every dev page.
"""

from __future__ import annotations

from lxml import etree

from akhbar.module_patch import ModulePatch, Replacements

_REGEXP_NS = {"re": "http://exslt.org/regular-expressions"}
_COMMENT_PATTERNS = (
    "re:test(@id, '^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)') or "
    "re:test(@class, '^[Cc]omment(?!ary)|(?:article|post)-comments')"
)
# ...literals those patterns need ("dsq-comments" and "(?:article|post)-comments" hold "omment")
_COMMENT_LITERALS = (
    "contains(@id, 'omment') or contains(@id, 'comol') or contains(@id, 'disqus_thread') or contains(@class, 'omment')"
)
_MVP = "mvp-post-add-(?:box|wrap)"

# (trafilatura.core's global, index) -> (trafilatura 2.3.1's expression, whitespace collapsed;
# a regex-free expression selecting every element it selects)
NARROWED = {
    ("RAW_TREE_PRUNE_XPATH", 0): (
        ".//*[self::div or self::section or self::aside][ "
        f"re:test(@id, '{_MVP}|infinite-?scroll') or re:test(@class, '{_MVP}|infinite-?scroll')][ "
        f"not(.//h1) or re:test(@id, '{_MVP}') or re:test(@class, '{_MVP}')]",
        ".//*[self::div or self::section or self::aside][contains(@id, 'mvp-post-add-') or "
        "contains(@id, 'infinite') or contains(@class, 'mvp-post-add-') or contains(@class, 'infinite')]",
    ),
    ("REMOVE_COMMENTS_XPATH", 0): (
        f".//*[self::div or self::list or self::section or self::details][ {_COMMENT_PATTERNS}]",
        f".//*[self::div or self::list or self::section or self::details][{_COMMENT_LITERALS}]",
    ),
    ("REMOVE_COMMENTS_AND_LISTS_XPATH", 0): (
        f".//*[self::div or self::list or self::section or self::details or self::ol or self::ul][ "
        f"{_COMMENT_PATTERNS}][ not(self::ol or self::ul) or re:test(@id, '^(?:[Cc]omment(?!ary)|comol)') or "
        "re:test(@class, '^[Cc]omment(?!ary)|(?:article|post)-comments')]",
        f".//*[self::div or self::list or self::section or self::details or self::ol or self::ul][{_COMMENT_LITERALS}]",
    ),
}


class Narrowed:
    """Callable like the lxml XPath `.//*[...]` it stands for (tree -> list of elements); keeps its `path`."""

    def __init__(self, path: str, superset: str):
        self.path = path
        self._candidates = etree.XPath(superset)
        self._keeps = etree.XPath("self::*" + path.strip()[len(".//*") :], namespaces=_REGEXP_NS)

    def __call__(self, tree) -> list:
        return [el for el in self._candidates(tree) if self._keeps(el)]


def _normalized(path: str) -> str:
    return " ".join(path.split())


def narrowed_lists() -> dict[str, list] | None:
    """trafilatura.core's expression lists with the NARROWED ones in place, or None when the
    installed trafilatura's expressions are not exactly the ones NARROWED was read from."""
    from trafilatura import core

    lists: dict[str, list] = {}
    for (name, index), (expected, superset) in NARROWED.items():
        theirs = getattr(core, name, None)
        if not isinstance(theirs, list) or len(theirs) <= index:
            return None
        path = getattr(theirs[index], "path", "")
        if _normalized(path) != expected or not path.strip().startswith(".//*["):
            return None
        replaced = lists.setdefault(name, list(theirs))
        replaced[index] = Narrowed(path, superset)
    return lists


def _replacements() -> Replacements | None:
    lists = narrowed_lists()
    return None if lists is None else {("trafilatura.core", name): value for name, value in lists.items()}


PATCH = ModulePatch(_replacements)


def narrowed_xpaths():
    """Within the block, trafilatura.core uses the narrowed expressions (when they match the
    installed trafilatura). Re-entrant and thread-safe: the last thread to leave puts trafilatura's
    lists back; a thread running trafilatura meanwhile gets the same elements either way."""
    return PATCH.applied()
