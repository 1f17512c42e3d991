"""Pages of body paragraphs only: decided without the context passes.

Most text scrapes are articles already: every line a paragraph whose context-free kind is "strong". For
such a page the context passes of akhbar.tasks.clean.text always reach the same decision: no run rule
applies, the body is one block from the first line, every line is kept, and the first one is the title
when it reads as a headline (text._find_title's rule for the first body line) and a paragraph follows.
"""

from __future__ import annotations

from akhbar.tasks.clean.doc import KEPT, METADATA, CleanedDoc, Line
from akhbar.tasks.clean.lines import _Feat
from akhbar.tasks.clean.rules import Rules


def all_strong(feats: list[_Feat]) -> bool:
    """Every line's context-free kind is "strong" (a page of paragraphs), and there is one."""
    return bool(feats) and all(f.kind == "strong" for f in feats)


def plain_page(feats: list[_Feat], rules: Rules, title_eligible) -> CleanedDoc:
    """The CleanedDoc of a page whose lines are all "strong" (all_strong); `title_eligible`: text._title_eligible."""
    doc = CleanedDoc(lines=[Line(f.text, KEPT, "body", f.line_no) for f in feats], line_norms=[f.norm for f in feats])
    first = feats[0]
    if len(feats) > 1 and rules.t["block_max_gap"] >= 0 and title_eligible(first, rules):
        doc.lines[0] = Line(first.text, METADATA, "title", first.line_no)
        doc.title = first.text
        doc.header_lines = [first.text]
    return doc
