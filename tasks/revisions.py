"""Revisions are not duplicates: a near-duplicate paragraph that states a different fact is kept.

In news the number is the news: an updated casualty count, a league table with other points, the
same report about another town. The dedup pass finds near-duplicate pairs by MinHash; this module
decides, from the two texts, whether the later paragraph repeats the earlier one (`duplicate`) or
revises it (`revision`). The rule was chosen by measurement on labelled pairs
(bench/revision_labels.md, `bench/revisions.py`).
"""

from __future__ import annotations

import re
from collections import Counter

from akhbar.arabic import normalize_arabic

_NUMBER = re.compile(r"\d+")


def numbers(norm_text: str) -> Counter:
    """The numbers of a normalized text (digits already folded to ASCII), as a multiset."""
    return Counter(_NUMBER.findall(norm_text))


def numbers_changed(text: str, earlier: str) -> bool:
    """True when a number of the earlier paragraph is replaced by another one in the later: each
    side has a number the other lacks (an added or dropped clause with a number is not a change)."""
    a, b = numbers(normalize_arabic(text)), numbers(normalize_arabic(earlier))
    return bool(a - b) and bool(b - a)


def relation(text: str, earlier: str) -> str:
    """'revision' when the later paragraph states a different fact than the earlier near-duplicate,
    else 'duplicate'."""
    return "revision" if numbers_changed(text, earlier) else "duplicate"
