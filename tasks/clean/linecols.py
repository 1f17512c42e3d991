"""lines.plain_body_words over all the lines of a shard at once: the counts and character tests in numpy.

The lines are joined by "\\n" into one array of code points; a table gives each code point's classes
(whitespace as str.split sees it, a colon, a slash, a character no paragraph starts with). Words per
line, the first word's end, the first and last characters and the separators come from a few passes
over that array; Python is left with the lines that pass those tests: the cue lexicon's key of the
first word (cached) and the caption and comment regexes of a line holding a separator.
"""

from __future__ import annotations

import numpy as np

from akhbar.codepoints import CodePointTable
from akhbar.tasks.clean.lines import _COMMENT, _SHORT_NORM_WORDS, _word_key
from akhbar.tasks.clean.rules import Rules

_SPACE, _COLON, _SLASH, _BAD_FIRST = 1, 2, 4, 8  # _BAD_FIRST: a digit, or (with the rules) a bullet or "©"
_UNSEEN = 255


def _classes_of(cp: int) -> int:
    ch = chr(cp)
    return (
        _SPACE * ch.isspace()
        | _COLON * (ch in ":：")
        | _SLASH * (ch == "/")
        | _BAD_FIRST * ch.isdigit()
    )


_classes = CodePointTable(_classes_of, np.uint8, _UNSEEN)


def _bad_first(rules: Rules) -> np.ndarray:
    """The code points no plain paragraph starts with: bullets and "©" (digits are in the class table)."""
    return np.array(sorted({ord(c) for c in rules.bullets + "©"}), np.uint32)


def plain_words_many(lines: list[str], rules: Rules) -> list[int]:
    """[plain_body_words(s, rules) for s in lines] (stripped, non-empty lines)."""
    n = len(lines)
    if n == 0:
        return []
    t = rules.t
    cps = np.frombuffer("\n".join(lines).encode("utf-32-le", "surrogatepass"), np.uint32)
    cls = _classes(cps)
    lengths = np.fromiter(map(len, lines), np.int64, n)
    starts = np.zeros(n, np.int64)
    np.cumsum(lengths[:-1] + 1, out=starts[1:])
    bounds = np.append(starts, len(cps))
    space = (cls & _SPACE).view(np.bool_)  # 0 or 1
    word_start = ~space
    word_start[1:] &= space[:-1]
    nw = np.diff(np.searchsorted(np.flatnonzero(word_start), bounds))
    first, last = cps[starts], cps[starts + lengths - 1]
    cand = (nw > _SHORT_NORM_WORDS) & (nw >= t["body_min_words"]) & (lengths <= 12 * nw)
    cand &= (cls[starts] & _BAD_FIRST) == 0
    cand &= ~np.isin(first, _bad_first(rules))
    cand &= ~((last == ord(")")) & (nw <= t["headline_max_words"]))
    seps = np.flatnonzero(cls & (_COLON | _SLASH))  # few: then split by kind
    colon = _per_line(seps[(cls[seps] & _COLON) > 0], bounds)
    slash = _per_line(seps[(cls[seps] & _SLASH) > 0], bounds)
    spaces = np.flatnonzero(space)
    first_end = spaces[np.minimum(np.searchsorted(spaces, starts), len(spaces) - 1)] - starts if len(spaces) else lengths
    first_end = np.where((first_end > 0) & (first_end < lengths), first_end, lengths)
    nw_list, first_end = nw.tolist(), first_end.tolist()
    out = [0] * n
    caption_max, lead, gate, anyfirst = t["caption_max_words"], rules.caption_lead, rules.caption_gate, rules.any_first_words
    for i in np.flatnonzero(cand).tolist():
        s = lines[i]
        w = nw_list[i]
        if s.startswith(lead):
            continue
        has_colon = colon[i]
        if (
            w <= caption_max
            and (has_colon or slash[i] or "by " in s)
            and gate.search(s, max(0, len(s) - 90)) is not None
        ):
            continue
        if has_colon and _COMMENT.match(s) is not None:
            continue
        key = _word_key(s[: first_end[i]]) or _word_key(s.split()[1])
        if key and key not in anyfirst:
            out[i] = w
    return out


def _per_line(positions: np.ndarray, bounds: np.ndarray) -> list[bool]:
    """Whether each line (bounds: line starts, then the end) holds one of the sorted `positions`."""
    return (np.diff(np.searchsorted(positions, bounds)) > 0).tolist()
