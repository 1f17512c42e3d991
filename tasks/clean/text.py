"""The text path: every non-empty line of a flattened news page kept, or not, with a reason.

How a text is read, in three passes:
1. every line gets a context-free kind (akhbar.tasks.clean.lines: URL, cue line, trailer cue, labelled
   metadata such as "المصدر:"/"كلمات دلالية:"/"الكاتب:", date line, section line, Latin noise,
   bullet, label-number row, "name : comment", or by length a "strong" body line / a "weak" short
   line); runs then turn bullets into headline lists, label-number rows into number tables,
   comments into threads (akhbar.tasks.clean.runs);
2. body-length lines form blocks; the main block (most characters x density x share of sentence
   endings, discounted after end-of-article markers) starts the body (akhbar.tasks.clean.blocks); lines
   before it are the header (title, section, date, source, byline);
3. from the body start a small state machine keeps body lines until a trailer cue or an
   end-of-article marker (source line, tags, copyright); after a soft cue (read-also) it returns
   to the article when a body paragraph follows at once and no end marker was seen; after a
   widget cue (a teaser box such as "Most read" / "الأكثر قراءة" flattened into the middle of the
   article) it returns when two paragraphs in a row follow within a few lines. Short lines
   inside the body are kept (subheads) unless they are runs (menus, link lists).

Speed: >= 2,000 full-page scrapes/s on one core (bench/boilerplate.py); each line is split once,
normalized at most once, and cheap necessary conditions guard the costly regular expressions. The
shard path (`clean_texts`) computes what needs no context for all pages at once, in numpy: which lines
are plain paragraphs (akhbar.tasks.clean.linecols: they skip the rule chain), every line's normalized text
(which the dedup keys reuse) and the script of the pages that need it; a page of body-length paragraphs
only skips the context passes too (akhbar.tasks.clean.plain).

In-document exact repeats are left to the dedup stage: a repeated body line may stay "kept" here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from akhbar.arabic import normalize_arabic_many
from akhbar.tasks.clean.blocks import _body_start
from akhbar.tasks.clean.doc import BOILERPLATE, KEPT, METADATA, CleanedDoc, Line
from akhbar.tasks.clean.linecols import plain_words_many
from akhbar.tasks.clean.lines import _Feat, _title_case, line_norm, read_lines, text_lines
from akhbar.tasks.clean.pages import _is_arabic_page, arabic_pages
from akhbar.tasks.clean.plain import all_strong, plain_lines_page, plain_page, strong_lines
from akhbar.tasks.clean.rules import Rules, load_rules
from akhbar.tasks.clean.runs import _resolve_runs

Out = list  # per line: (status, reason), or None while undecided

_STRUCT_REASON = {
    "url": "url",
    "no_text": "no_text",
    "cue_line": "cue_line",
    "share_buttons": "share_buttons",
    "nav": "nav",
    "topic": "comment_thread",
    "comment": "comment_thread",
    "latin_noise": "latin_noise",
    "read_also": "read_also",
    "trailer_cue": "cue_trailer",
    "headline_list": "headline_list",
    "number_table": "number_table",
    "section": "breadcrumb",
    "date_line": "date_line",
    "caption": "caption",
}


def clean_text(text: str) -> CleanedDoc:
    """Classify every non-empty line of a flattened news page (see module docstring)."""
    rules = load_rules()
    return _clean(text_lines(text), rules, _is_arabic_page(text, rules))


def clean_texts(texts: list[str]) -> list[CleanedDoc | Exception]:
    """clean_text of each text, or the exception it raised. The per-line work that needs no context (which
    lines are plain paragraphs, every line's normalized text, the page's script where a rule reads it)
    runs over all the texts at once (a shard)."""
    rules = load_rules()
    out: list[CleanedDoc | Exception] = []
    ok = [isinstance(t, str) for t in texts]
    lines = [text_lines(t) if good else [] for t, good in zip(texts, ok)]
    flat_lines = [s for doc in lines for _, s in doc]
    flat = normalize_arabic_many(flat_lines)
    flat_plain = plain_words_many(flat_lines, rules)
    plain, at = [], 0
    for doc in lines:
        plain.append(flat_plain[at : at + len(doc)])
        at += len(doc)
    # the page's script only matters to a page with a line that is not a plain body-length paragraph
    mixed = [i for i, (good, doc, p) in enumerate(zip(ok, lines, plain)) if good and not strong_lines(doc, p, rules)]
    pages = dict(zip(mixed, arabic_pages([texts[i] for i in mixed], rules)))
    at = 0
    for i, (text, good, doc_lines) in enumerate(zip(texts, ok, lines)):
        norms, at = flat[at : at + len(doc_lines)], at + len(doc_lines)
        try:
            if not good:
                out.append(clean_text(text))
            elif doc_lines and i not in pages:
                out.append(plain_lines_page(doc_lines, norms, plain[i][0], rules, _title_eligible))
            else:
                out.append(_clean(doc_lines, rules, pages.get(i, False), norms, plain[i]))
        except Exception as exc:
            out.append(exc)
    return out


def _clean(
    lines: list[tuple[int, str]],
    rules: Rules,
    arabic_page: bool,
    norms: list[str] | None = None,
    plain: list[int] | None = None,
) -> CleanedDoc:
    feats = read_lines(lines, rules, arabic_page, norms, plain)
    if all_strong(feats):  # a page of paragraphs: context_passes would keep every line
        return plain_page(feats, rules, _title_eligible)
    return context_passes(feats, rules)


def context_passes(feats: list[_Feat], rules: Rules) -> CleanedDoc:
    """Passes 2 and 3 of the module docstring over a page's classified lines."""
    _resolve_runs(feats, rules)
    out: Out = [None] * len(feats)
    doc = CleanedDoc(lines=[])
    start, late = _body_start(feats, rules)
    title_idx, start = _find_title(feats, start, rules)
    title_key = _read_header(feats, start, title_idx, out, doc)
    _read_body(feats, start, late, out, doc, rules)
    _decide_weak_lines(feats, start, title_key, out, rules)
    doc.lines = [Line(f.text, st, rs, f.line_no) for f, (st, rs) in zip(feats, out)]  # type: ignore[misc]
    doc.line_norms = [f.norm for f in feats]
    return doc


def _find_title(feats: list[_Feat], start: int, rules: Rules) -> tuple[int, int]:
    """The title's index (-1: none) and the body start (moved past a body-length title line).

    The title is the first headline-like line (short, no sentence end) after the last page-chrome
    line of the header (menus, cue lines, Latin noise); metadata lines (section, date, byline) do
    not interrupt it. The first body-length line is the title when it reads as a headline and no
    other line could be.
    """
    t = rules.t
    n = len(feats)
    cands: list[int] = []
    last_group: list[int] = []
    for i in range(start):
        f = feats[i]
        if f.kind == "weak" and _headline_like(f, rules):
            cands.append(i)
            last_group.append(i)
        elif f.kind not in _META_KINDS:
            last_group = []
    if not cands and start < n and _title_eligible(feats[start], rules):
        nxt = next((j for j in range(start + 1, n) if feats[j].kind == "strong"), None)
        if nxt is not None and nxt - start <= t["block_max_gap"] + 1:
            cands = last_group = [start]
            start = nxt
    title_idx = last_group[0] if last_group else (cands[-1] if cands else -1)
    if title_idx >= 0:  # prefer the first copy of a repeated title
        tk = line_norm(feats[title_idx])
        title_idx = next(i for i in cands + [title_idx] if line_norm(feats[i]) == tk)
    return title_idx, start


def _read_header(feats: list[_Feat], start: int, title_idx: int, out: Out, doc: CleanedDoc) -> str | None:
    """Decide the lines before the body start (header metadata, title, chrome); the title's key."""
    n = len(feats)
    title_key: str | None = None
    for i in range(start):
        f = feats[i]
        k = f.kind
        if k == "date_line":
            out[i] = (METADATA, "date_line")
        elif k == "section":
            out[i] = (METADATA, "section")
        elif k == "source":
            out[i] = (METADATA, "source_line")
            _set_source(doc, f)
        elif k == "dateline" and f.value and i == start - 1:  # "الثورة أون لاين :" right before the body
            out[i] = (METADATA, "source_line")
            doc.source_attribution = doc.source_attribution or f.value
        elif k == "byline":
            out[i] = (METADATA, "byline")
            doc.author = doc.author or f.value
        elif k == "tags":
            out[i] = (METADATA, "tags")
            _set_tags(doc, f.value)
        elif i == title_idx:
            out[i] = (METADATA, "title")
            doc.title = f.text
            title_key = line_norm(f)
        elif k in ("weak", "dateline") and title_key is not None and _same_as(f, title_key):
            out[i] = (BOILERPLATE, "title_repeat")
        else:
            out[i] = (BOILERPLATE, _STRUCT_REASON.get(k, "header"))
    doc.header_lines = [f.text for f in feats[:start]] if start < n else [f.text for f in feats[:10]]
    return title_key


@dataclass(slots=True)
class _Trailer:
    """Where the body pass is: in the article or in a trailer, and what opened the trailer."""

    state: str = "body"
    ended: bool = False  # an end-of-article marker (source line, tags, hard cue) was seen
    soft_at: int = -1  # index of the soft trailer cue that opened the current trailer
    widget_at: int = -1  # index of the widget cue ("Most read", "الأكثر قراءة") that opened it


def _read_body(feats: list[_Feat], start: int, late: set[int], out: Out, doc: CleanedDoc, rules: Rules) -> None:
    """The body and trailer state machine from the body start; weak lines are left undecided (None)."""
    s = _Trailer()
    for i in range(start, len(feats)):
        if s.state == "trailer":
            _trailer_line(feats, i, late, out, doc, s, rules)
        else:
            _body_line(feats[i], i, late, out, doc, s)


def _returns_to_article(feats: list[_Feat], i: int, late: set[int], s: _Trailer, rules: Rules) -> bool:
    """Line i, inside a trailer, provably resumes the article."""
    t = rules.t
    f = feats[i]
    n = len(feats)
    return (
        f.kind == "strong"
        and f.ends_sentence
        and not s.ended
        and i not in late  # the return lands on a block the body pass accepted
        and (
            (s.soft_at >= 0 and i - s.soft_at <= t["trailer_return_within"])
            # a teaser box dropped into the article: the article resumes with a run of
            # paragraphs (two body lines in a row), teasers alternate headline and blurb
            or (
                s.widget_at >= 0
                and i - s.widget_at <= t["widget_return_within"]
                and i + 1 < n
                and feats[i + 1].kind == "strong"
                and feats[i + 1].ends_sentence
                and not _title_case(f.text, t)
                and not _title_case(feats[i + 1].text, t)
            )
        )
    )


def _trailer_line(
    feats: list[_Feat], i: int, late: set[int], out: Out, doc: CleanedDoc, s: _Trailer, rules: Rules
) -> None:
    f = feats[i]
    k = f.kind
    if _returns_to_article(feats, i, late, s, rules):
        s.state = "body"  # the page provably returns to the article
        for j in range(max(s.soft_at, s.widget_at) + 1, i):
            out[j] = (BOILERPLATE, "read_also" if s.soft_at > s.widget_at else "widget")
        out[i] = (KEPT, "body")
        return
    if k == "tags":
        out[i] = (METADATA, "tags")
        _set_tags(doc, f.value)
        s.ended = True
        return
    if k == "trailer_cue" and f.extra == "hard":
        s.ended = True
    elif k == "trailer_cue" and not s.ended:
        # another soft cue (a second read-also link) or widget re-arms the return
        if f.extra == "soft":
            s.soft_at = i
        else:
            s.widget_at = i
    out[i] = (BOILERPLATE, _STRUCT_REASON.get(k, "trailer"))


def _body_line(f: _Feat, i: int, late: set[int], out: Out, doc: CleanedDoc, s: _Trailer) -> None:
    k = f.kind
    if k == "strong" and i in late:
        out[i] = (BOILERPLATE, "late_block")
    elif k == "strong":
        out[i] = (KEPT, "body")
    elif k == "trailer_cue":
        out[i] = (BOILERPLATE, "cue_trailer")
        s.state = "trailer"
        s.soft_at = s.widget_at = -1
        if f.extra == "soft" and not s.ended:
            s.soft_at = i
        elif f.extra == "widget" and not s.ended:
            s.widget_at = i
        else:
            s.ended = True
    elif k == "source":
        out[i] = (METADATA, "source_line")
        _set_source(doc, f)
        s.state, s.ended, s.soft_at = "trailer", True, -1
    elif k == "tags":
        out[i] = (METADATA, "tags")
        _set_tags(doc, f.value)
        s.state, s.ended, s.soft_at = "trailer", True, -1
    elif k == "byline":
        out[i] = (METADATA, "byline")
        doc.author = doc.author or f.value
    elif k == "date_line":
        out[i] = (METADATA, "date_line")
    elif k in ("weak", "dateline"):
        out[i] = None  # decided below by position
    else:
        out[i] = (BOILERPLATE, _STRUCT_REASON.get(k, k))


def _announced_list(feats: list[_Feat], out: Out, rules: Rules) -> int:
    """Keep the list items the article's last paragraph announces; the index of the last body line."""
    t = rules.t
    n = len(feats)
    last_body = next((i for i in range(n - 1, -1, -1) if out[i] == (KEPT, "body")), -1)
    if last_body >= 0 and feats[last_body].text[-1] in ":：":
        # the article's last paragraph announces a list ("The tour dates:", "وجاءت النتائج كالتالي:"):
        # the list items right after it (short lines, dated ones too) are the article's
        j = last_body + 1
        while (
            j < n
            and out[j] in (None, (METADATA, "date_line"))
            and feats[j].kind in ("weak", "date_line")
            and feats[j].nw >= t["interior_min_words"]
        ):
            j += 1
        if j - last_body - 1 >= t["announced_list_min_items"]:  # a list, not a stamp and a link
            for r in range(last_body + 1, j):
                out[r] = (KEPT, "body")
            last_body = j - 1
    return last_body


def _decide_weak_lines(feats: list[_Feat], start: int, title_key: str | None, out: Out, rules: Rules) -> None:
    """Weak lines inside the body: interior subheads / short sentences vs. runs and tails."""
    t = rules.t
    n = len(feats)
    last_body = _announced_list(feats, out, rules)
    i = start
    while i < n:
        if out[i] is not None:
            i += 1
            continue
        j = i
        while j < n and out[j] is None:
            j += 1
        run = range(i, j)
        n_short = sum(1 for r in run if feats[r].nw < t["short_max_words"])
        n_heads = sum(1 for r in run if not feats[r].ends_sentence)
        for r in run:
            f = feats[r]
            if title_key is not None and _same_as(f, title_key):
                out[r] = (BOILERPLATE, "title_repeat")
            elif r > last_body:
                out[r] = (BOILERPLATE, "after_body")
            elif n_short >= t["short_run_min"] and f.nw < t["short_max_words"]:
                out[r] = (BOILERPLATE, "short_run")
            elif f.nw < t["interior_min_words"]:
                out[r] = (BOILERPLATE, "short_line")
            elif n_heads >= t["headline_run_min"] and not f.ends_sentence:
                out[r] = (BOILERPLATE, "headline_list")
            else:
                out[r] = (KEPT, "body")
        i = j


_META_KINDS = frozenset({"date_line", "section", "source", "byline", "dateline", "tags"})


def _title_eligible(f: _Feat, rules: Rules) -> bool:
    """A body-length line that still reads as a headline (only before the body starts)."""
    t = rules.t
    return (
        f.nw <= t["title_long_max_words"]
        and f.text[-1] not in ".،,:؛"
        and f.text.count("،") + f.text.count(",") <= t["title_max_commas"]
    )


def _headline_like(f: _Feat, rules: Rules) -> bool:
    t = rules.t
    return t["title_min_words"] <= f.nw <= t["title_max_words"] and f.text[-1] not in ".،,"


def _same_as(f: _Feat, norm_title: str) -> bool:
    if abs(len(f.text) - len(norm_title)) > max(10, len(norm_title) // 3):
        return False
    return line_norm(f) == norm_title


def _set_source(doc: CleanedDoc, f: _Feat) -> None:
    if doc.source_attribution is None and f.value:
        doc.source_attribution = f.value
    if f.extra and doc.author is None:
        doc.author = f.extra


_TAG_SPLIT = re.compile(r"\s*[،,|;؛#]\s*|\s{2,}")


def _set_tags(doc: CleanedDoc, value: str | None) -> None:
    if doc.tags or not value:
        return
    parts = [p.strip() for p in _TAG_SPLIT.split(value) if p.strip()]
    seen: set[str] = set()
    for p in parts:
        if p not in seen:
            seen.add(p)
            doc.tags.append(p)
