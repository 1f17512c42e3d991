"""Trigger-anchored matching and the candidate helpers the relative rules share (akhbar.tasks.dates.relative,
holidays, numbers)."""

from __future__ import annotations

import re

from akhbar.tasks.dates.patterns import _FUTURE_BEFORE


def _word_starts_before(f: str, i: int, back: int) -> list[int]:
    """The start of the word holding position i and of the `back` words before it (and, for a word that
    opens with the proclitic و/ف, the position after it)."""
    out = []
    j = i
    for _ in range(back + 1):
        while j > 0 and f[j - 1].isalnum():
            j -= 1
        out.append(j)
        if f[j : j + 1] in ("و", "ف"):
            out.append(j + 1)
        while j > 0 and not f[j - 1].isalnum():
            j -= 1
        if j == 0:
            break
    return out


def _matches(
    rx: re.Pattern, f: str, keys: tuple[str, ...] | dict[str, int], back: int, at: list[int] | None = None
) -> list[re.Match]:
    """rx's matches that start within `back` words (or keys[k] words, for a dict) before an occurrence of
    one of `keys` (a word every match holds), or before the positions `at`, left to right and disjoint
    like finditer. Tries rx only there: a scan of the whole text costs a regex step at each of its
    characters, str.find does not."""
    starts: set[int] = set()
    for i in at or ():
        starts.update(_word_starts_before(f, i, back))
    for k in keys:
        k_back = keys[k] if isinstance(keys, dict) else back
        i = f.find(k)
        while i >= 0:
            if k_back:
                starts.update(_word_starts_before(f, i, k_back))
            else:
                starts.add(i)  # the match opens with the key: rx's own lookbehinds check the word start
                if i and f[i - 1] in "وف":
                    starts.add(i - 1)
            i = f.find(k, i + 1)
    found, end = [], -1
    for s in sorted(starts):
        if s < end:
            continue
        mt = rx.match(f, s)
        if mt is not None and mt.end() > s:
            found.append(mt)
            end = mt.end()
    return found


def _matches_near(rx: re.Pattern, f: str, keys: tuple[str, ...], words: int):
    """rx.finditer(f) for a pattern whose every match holds one of `keys` with at most `words` whitespace-separated
    words of the match before it (and never matches empty): only the stretches near a key are scanned
    (_matches_from)."""
    return _matches_from(rx, f, sorted(i for k in keys for i in _positions(f, k)), words)


def _matches_from(rx: re.Pattern, f: str, keys: list[int], words: int):
    """rx.finditer(f) for a pattern whose every match holds a key (`keys`: the positions where one opens, in
    order) with at most `words` whitespace-separated words of the match before it, and never matches empty:
    each search starts that many words before the next key rather than where the last match ended. No match
    starts in between, and look-behinds still see the text before the start position, so the matches are
    finditer's."""
    pos = 0
    for key in keys:
        if key < pos:
            continue
        start = key
        for _ in range(words + 1):  # the key's own word (a proclitic before it), then `words` more
            while start > pos and f[start - 1].isspace():
                start -= 1
            while start > pos and not f[start - 1].isspace():
                start -= 1
        mt = rx.search(f, start)
        if mt is None:
            return
        yield mt
        pos = mt.end()


def _positions(f: str, key: str) -> list[int]:
    """Where `key` occurs in f, overlapping occurrences included, in order."""
    out, i = [], f.find(key)
    while i >= 0:
        out.append(i)
        i = f.find(key, i + 1)
    return out


def _forward(f: str, start: int) -> bool:
    return _FUTURE_BEFORE.search(f[max(0, start - 40) : start]) is not None


def _add(out: list, start: int, end: int, value: str, gran: str, prio: int = 3, cal: str = "gregorian") -> None:
    out.append((start, end, prio, [(start, end, value, gran, cal)]))
