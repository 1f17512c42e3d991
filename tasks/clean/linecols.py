"""lines.plain_body_words over all the lines of a shard at once: the counts and character tests in numba and numpy.

The lines are joined into one array of code points; a table gives each code point's classes (whitespace as
str.split sees it, a colon, a slash, a digit, a Latin letter, the copyright sign). Words per line, the first
word's end and which classes each line holds come from one numba pass over that array, the tests of the first
and last characters from numpy; Python is left with the lines that pass those tests: the cue lexicon's key of
the first word (cached), and the caption, comment and section regexes where a line holds their separators.
"""

from __future__ import annotations

import numpy as np

from akhbar.codepoints import CodePointTable
from akhbar.tasks.clean.lines import _COMMENT, _DIGIT, _LATIN_OR_DIGIT, _SHORT_NORM_WORDS, _word_key
from akhbar.tasks.clean.rules import Rules

# _FIRST_DIGIT: str.isdigit (no line starting with one is plain); _DIGIT: the regex \\d (none in a short line)
_SPACE, _COLON, _SLASH, _FIRST_DIGIT, _DIGIT_BIT, _LATIN, _COPYRIGHT = 1, 2, 4, 8, 16, 32, 64
_UNSEEN = 255


def _classes_of(cp: int) -> int:
    ch = chr(cp)
    return (
        _SPACE * ch.isspace()
        | _COLON * (ch in ":：")
        | _SLASH * (ch == "/")
        | _FIRST_DIGIT * ch.isdigit()
        | _DIGIT_BIT * (_DIGIT.match(ch) is not None)
        | _LATIN * (_LATIN_OR_DIGIT.match(ch) is not None)
        | _COPYRIGHT * (ch == "©")
    )


_classes = CodePointTable(_classes_of, np.uint8, _UNSEEN)


def _code_points(chars: str) -> np.ndarray:
    return np.array(sorted({ord(c) for c in chars}), np.uint32)


def _line_classes_kernel(cps, table, unseen, lengths, words, first_end, marks) -> int:
    """Per line (`lengths` characters each, one after the other in `cps`): its words (runs of non-space), where
    its first space is (the line's length if none, or if it starts the line) and the union of its characters'
    classes; -1 at a code point the table has not classified (`unseen` holds every class bit and one more)."""
    at = 0
    for i in range(len(lengths)):
        end = at + lengths[i]
        fe = at + 1
        while fe < end and not table[cps[fe]] & _SPACE:
            fe += 1
        nw, m, prev_space = 0, 0, 1
        for j in range(at, end):  # no branch on the characters: spaces come at random
            c = table[cps[j]]
            m |= c
            space = c & _SPACE
            nw += prev_space & ~space
            prev_space = space
        if m == unseen:
            return -1
        words[i], first_end[i], marks[i] = nw, (fe if at < end and table[cps[at]] & _SPACE == 0 else end) - at, m
        at = end
    return 0


# long: one vectorized test per condition of plain_body_words, in its order
def plain_words_many(lines: list[str], rules: Rules) -> list[int]:
    """[plain_body_words(s, rules) for s in lines] (stripped, non-empty lines)."""
    n = len(lines)
    if n == 0:
        return []
    t = rules.t
    cps = np.frombuffer("".join(lines).encode("utf-32-le", "surrogatepass"), np.uint32)
    lengths = np.fromiter(map(len, lines), np.int64, n)
    starts = np.zeros(n, np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    nw, first_end, marks = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.uint8)
    _classes.run(_line_classes_kernel, cps, lengths, nw, first_end, marks)
    first, last = cps[starts], cps[starts + lengths - 1]
    short = nw <= _SHORT_NORM_WORDS
    cand = (nw >= 2) & (lengths <= 12 * nw)
    cand &= (_classes(first) & _FIRST_DIGIT) == 0
    cand &= ~np.isin(first, _code_points(rules.bullets + "©"))
    cand &= ~((last == ord(")")) & (nw <= t["headline_max_words"]))
    colon, slash = ((marks & bit) > 0 for bit in (_COLON, _SLASH))
    cand &= ~(short & ((marks & (_DIGIT_BIT | _COPYRIGHT)) > 0))
    cand &= ~(short & np.isin(last, _code_points(":：")))
    cand &= ~(short & (nw <= t["latin_line_max_words"]) & ((marks & _LATIN) > 0))
    return _decide(
        lines, np.flatnonzero(cand).tolist(), nw.tolist(), first_end.tolist(), colon.tolist(), slash.tolist(), rules
    )


def _decide(lines, cand: list[int], nw: list[int], first_end: list[int], colon, slash, rules: Rules) -> list[int]:
    """The regex and lexicon tests of plain_body_words on the candidate lines."""
    t = rules.t
    caption_max, gate = t["caption_max_words"], rules.caption_gate
    lead, anyfirst = rules.caption_lead, rules.any_first_words
    section_max, section_any = t["section_max_words"], rules.section_any
    comment_max, comment_suffix = t["comment_name_max_words"] + 1, rules.comment_suffix
    out = [0] * len(lines)
    for i in cand:
        s, w, has_colon = lines[i], nw[i], colon[i]
        if s.startswith(lead):
            continue
        if w <= caption_max and (has_colon or slash[i] or "by " in s) and gate.search(s, max(0, len(s) - 90)):
            continue
        if has_colon and _COMMENT.match(s) is not None:
            continue
        if w <= _SHORT_NORM_WORDS and (
            (w <= section_max and section_any.search(s) is not None)
            or (w <= comment_max and s.casefold().endswith(comment_suffix))
        ):
            continue
        key = _word_key(s[: first_end[i]]) or _word_key(s.split()[1])
        if key and key not in anyfirst:
            out[i] = w
    return out
