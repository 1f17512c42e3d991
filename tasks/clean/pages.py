"""Page-level features of text scrapes: is the page Arabic, for one page or for a shard in one numpy pass."""

from __future__ import annotations

import re

import numpy as np

from akhbar.tasks.clean.rules import Rules

_SAMPLE = 1600  # characters read per page: all of a short page, else 800 at the start and 800 in the middle


def page_sample(text: str) -> str:
    """The part of a page its script is judged on (start and middle)."""
    if len(text) <= _SAMPLE:
        return text
    half, mid = _SAMPLE // 2, len(text) // 2
    return text[:half] + " " + text[mid : mid + half]


_AR_WORD = re.compile(r"[\u0621-\u064A]+")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_NOT_ASCII_LETTER = bytes(b for b in range(256) if not (65 <= b <= 90 or 97 <= b <= 122))


def _is_arabic_page(text: str, rules: Rules) -> bool:
    """Most words of the page are Arabic (counted on a sample: start and middle)."""
    sample = page_sample(text)
    ratio = rules.t["arabic_page_min_ratio"]
    # Speed (same result): byte counts in C decide most pages before the second regex pass.
    raw = sample.encode("utf-8", "surrogatepass")
    if b"\xd8" not in raw and b"\xd9" not in raw:  # every Arabic letter (U+0621..U+064A) has one
        return False
    n_ar = len(_AR_WORD.findall(sample))
    n_letters = len(raw.translate(None, _NOT_ASCII_LETTER))  # >= the number of Latin words
    if n_ar + n_letters > 0 and n_ar / (n_ar + n_letters) >= ratio:
        return True
    n_lat = len(_LATIN_WORD.findall(sample))
    return n_ar + n_lat > 0 and n_ar / (n_ar + n_lat) >= ratio


def _runs_per_page(letter: np.ndarray, bounds: np.ndarray) -> list[int]:
    """Number of runs of True (words) in each page's slice of `letter` (bounds: page starts, then the end)."""
    first = letter.copy()
    first[1:] &= ~letter[:-1]
    at = np.searchsorted(np.flatnonzero(first), bounds)
    return (at[1:] - at[:-1]).tolist()


def arabic_pages(texts: list[str], rules: Rules) -> list[bool]:
    """For each text, most words of the page are Arabic: runs of U+0621..U+064A against runs of A-Za-z
    in its sample (_is_arabic_page, for a whole shard in one pass)."""
    if not texts:
        return []
    samples = [page_sample(t) for t in texts]
    # a NUL after every sample (not a letter): no word runs across two pages, no page is empty
    cps = np.frombuffer(("\0".join(samples) + "\0").encode("utf-32-le", "surrogatepass"), np.uint32)
    bounds = np.cumsum(np.fromiter((len(s) + 1 for s in [""] + samples), np.int64, len(samples) + 1)) - 1
    arabic = (cps >= 0x621) & (cps <= 0x64A)
    folded = cps | 0x20  # A-Z onto a-z; nothing else lands in a-z
    latin = (folded >= 0x61) & (folded <= 0x7A)
    ratio = rules.t["arabic_page_min_ratio"]
    return [
        n_ar + n_lat > 0 and n_ar / (n_ar + n_lat) >= ratio
        for n_ar, n_lat in zip(_runs_per_page(arabic, bounds), _runs_per_page(latin, bounds))
    ]
