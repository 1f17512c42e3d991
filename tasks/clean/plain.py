"""Pages of body paragraphs only: decided without the context passes.

Most text scrapes are articles already: every line a paragraph whose context-free kind is "strong". For
such a page the context passes of akhbar.tasks.clean.text always reach the same decision: no run rule
applies, the body is one block from the first line, every line is kept, and the first one is the title
when it reads as a headline (text._find_title's rule for the first body line) and a paragraph follows.
"""

from __future__ import annotations

from akhbar.tasks.clean.doc import KEPT, METADATA, CleanedDoc, Line
from akhbar.tasks.clean.lines import _Feat, length_kind
from akhbar.tasks.clean.rules import Rules


def all_strong(feats: list[_Feat]) -> bool:
    """Every line's context-free kind is "strong" (a page of paragraphs), and there is one."""
    return bool(feats) and all(f.kind == "strong" for f in feats)


def strong_lines(lines: list[tuple[int, str]], words: list[int], rules: Rules) -> bool:
    """Every line is a plain paragraph of body length (`words`: plain_body_words of each, 0 if not plain)."""
    end = rules.sentence_end
    return bool(lines) and all(w and length_kind(w, s[-1] in end, rules) == "strong" for (_, s), w in zip(lines, words))


def plain_page(feats: list[_Feat], rules: Rules, title_eligible) -> CleanedDoc:
    """The CleanedDoc of a page whose lines are all "strong" (all_strong); `title_eligible`: text._title_eligible."""
    lines = [(f.line_no, f.text) for f in feats]
    return plain_lines_page(lines, [f.norm for f in feats], feats[0].nw, rules, title_eligible)


def plain_lines_page(
    lines: list[tuple[int, str]], norms: list, first_words: int, rules: Rules, title_eligible
) -> CleanedDoc:
    """plain_page from the page's (line number, text) and normalized texts; `first_words`: the first line's words."""
    doc = CleanedDoc(lines=[Line(s, KEPT, "body", no) for no, s in lines], line_norms=norms)
    no, first = lines[0]
    if (
        len(lines) > 1
        and rules.t["block_max_gap"] >= 0
        and title_eligible(_Feat(0, no, first, first_words, "strong"), rules)
    ):
        doc.lines[0] = Line(first, METADATA, "title", no)
        doc.title = first
        doc.header_lines = [first]
    return doc
