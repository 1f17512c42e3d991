"""Revisions are not duplicates: a near-duplicate paragraph that states a different fact is kept.

In news the number is the news: an updated casualty count, a league table with other points, a
columnist footer with another writer's code. The dedup pass finds near-duplicate pairs by MinHash;
this module decides, from the two texts, whether the later paragraph repeats the earlier one
(`duplicate`) or revises it (`revision`).

The rule, chosen by measurement on labelled SaudiNewsNet pairs (bench/revision_labels.md,
bench/revisions.py): a number is replaced, in place, by a number the earlier paragraph does not
state, and the replaced number is not stated by the later one. Numbers are compared after digit
folding (akhbar.arabic.fold_letters) with their separators dropped (1.277 = 1277, ٢,٦ = 2.6,
08:00 = 0800, 3ر42 = 42.3), so a number rewritten in another notation, spelt out in words, moved (a currency
conversion given the other way round) or added with a new clause is not a change.
"""

from __future__ import annotations

import difflib
import re

from akhbar.arabic import fold_letters

# A number with its decimal, thousands and time separators (ASCII and Arabic), or in the agencies'
# "3ر42" notation (= 42.3: the fraction first). Found in the text as written (re's \d is any
# decimal digit), then digit-folded, so a dropped tatweel cannot join two numbers. One branch after the
# first digits (not two alternatives from the start): re then skips to the next digit fast.
_NUMBER = re.compile(r"(\d+)(?:\u0631(\d+)|(?:[.,:\u066b\u066c\u060c]\d+)*)")
_NOT_DIGIT = re.compile(r"\D")


def _numbers(text: str) -> list[str]:
    """The numbers of a text, canonical: folded digits without separators or leading zeros."""
    out = []
    for m in _NUMBER.finditer(text):
        raw = m.group(0) if m.group(2) is None else m.group(2) + m.group(1)
        # plain ASCII digits (most numbers) fold to themselves
        if raw.isascii() and raw.isdigit():
            out.append(raw.lstrip("0") or "0")
        else:
            out.append(_NOT_DIGIT.sub("", fold_letters(raw)).lstrip("0") or "0")
    return out


def numbers_replaced(text: str, earlier: str) -> bool:
    """True when, in the word alignment of the two paragraphs, a number of the earlier one is
    replaced by a number it never states, and the later one never states the replaced number."""
    nums_a, nums_b = set(_numbers(earlier)), set(_numbers(text))
    # a replaced span's numbers are some of its paragraph's (numbers never span a space): without a
    # number new to the later one and a number it drops, no replacement can count
    if not (nums_b - nums_a) or not (nums_a - nums_b):
        return False
    a, b = earlier.split(), text.split()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op != "replace":
            continue
        old, new = set(_numbers(" ".join(a[i1:i2]))), set(_numbers(" ".join(b[j1:j2])))
        if (new - nums_a) and (old - nums_b):
            return True
    return False


def relation(text: str, earlier: str) -> str:
    """'revision' when the later paragraph states a different fact than the earlier near-duplicate,
    else 'duplicate'."""
    return "revision" if numbers_replaced(text, earlier) else "duplicate"
