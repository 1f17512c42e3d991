"""Per-line features and the context-free kind of each line of a flattened page."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from akhbar.arabic import normalize_arabic
from akhbar.tasks.clean.rules import Rules, _al_strip, cue_key

_AR_LETTER = re.compile(r"[\u0621-\u064A\u066E-\u06D3\u06FA-\u06FF]")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9\u0660-\u0669\u06F0-\u06F9]")
_URL = re.compile(r"^(?:https?://|www\.)\S+$|^\S+@\S+\.\w+$", re.I)
_NUM = r"[-+]?[\d\u0660-\u0669\u06F0-\u06F9][\d\u0660-\u0669\u06F0-\u06F9.,\u066B\u066C]*\s*%?"
_NUMROW = re.compile(
    rf"^(?:(?P<l1>[^\d\u0660-\u0669:=]{{2,40}}?)\s*[:=]?\s*{_NUM}|{_NUM}\s+(?P<l2>[^\d\u0660-\u0669]{{2,40}}))$"
)
_COMMENT = re.compile(r"^(?P<name>[^:：]{2,40}?)\s+[:：]\s+(?P<body>\S.*)$")
_COUNT_TAIL = re.compile(r"\s\(\d{1,6}\)$")
_NUMBERED = re.compile(r"^[\d\u0660-\u0669]{1,2}\s*[.)\-–]\s+\S")
_ELLIPSIS = ("...", "…", "..")
_DIGIT = re.compile(r"\d")
_SHORT_NORM_WORDS = 16  # lines up to this many words are normalized whole (cheap); longer ones by head


@dataclass(slots=True)
class _Feat:
    idx: int
    line_no: int
    text: str
    nw: int
    kind: str  # see _classify_line
    value: str | None = None
    extra: str | None = None  # second value (author inside a source line; soft trailer flag)
    ends_sentence: bool = False
    norm: str | None = None  # normalize_arabic(text) once computed (the dedup keys reuse it)


def line_norm(f: _Feat) -> str:
    """normalize_arabic of the line's text, computed at most once."""
    if f.norm is None:
        f.norm = normalize_arabic(f.text)
    return f.norm


def _label_split(text: str, rules: Rules, labels: frozenset[str]) -> tuple[str, str] | None:
    """If `text` is "<label>: value" (or "<label> - value"; or "<label> value" for labels that need
    no separator) with a label from `labels`, return (label_key, value)."""
    best = -1
    best_sep = ""
    for sep in (":", "：", " - ", " – ", " — "):
        pos = text.find(sep)
        if 0 < pos <= 40 and (best < 0 or pos < best):
            best, best_sep = pos, sep
    if best > 0:
        left = cue_key(text[:best])
        if left in labels:
            return left, text[best + len(best_sep) :].strip(" :-–—\t")
    words = text.split()
    for n in (2, 1):
        if len(words) > n:
            k = cue_key(" ".join(words[:n]))
            if k in labels and k in rules.no_sep_labels:
                return k, " ".join(words[n:]).strip(" :-–—")
    return None


def _starts_with(keywords: list[str], cues: dict[str, tuple[tuple[str, ...], ...]]) -> tuple[str, ...] | None:
    """The longest cue (tuple of key words) that `keywords` starts with, else None."""
    if not keywords:
        return None
    for cue in cues.get(keywords[0], ()):
        n = len(cue)
        if len(keywords) >= n and tuple(keywords[:n]) == cue:
            return cue
    return None


@functools.lru_cache(maxsize=200_000)
def _word_key(word: str) -> str:
    """cue_key of one word (its first token), cached: the vocabulary of line starts is small."""
    parts = normalize_arabic(word).split()
    return _al_strip(parts[:1])[0] if parts else ""


def _is_section(text: str, rules: Rules) -> bool:
    t = rules.t
    parts = [p for p in rules.section_re.split(text) if p.strip()]
    if len(parts) < t["section_min_separators"] + 1:
        return False
    if sum(len(p.split()) for p in parts) > t["section_max_words"]:
        return False
    for p in parts:
        if len(p.split()) > t["section_max_segment_words"] or not any(c.isalpha() for c in p):
            return False
        if any(c.isdigit() for c in p):
            return False
    return True


# one ordered chain of early returns (the first rule that matches decides): kept whole so the order reads at once
def _classify_line(f: _Feat, words: list[str], rules: Rules, arabic_page: bool) -> None:
    """Context-free kind of one line (`words`: its whitespace tokens). Sets f.kind (and f.value /
    f.extra)."""
    t = rules.t
    text, nw = f.text, f.nw
    f.ends_sentence = text[-1] in rules.sentence_end
    if nw == 1 and _URL.match(text):  # URLs and e-mail addresses are one token
        f.kind = "url"
        return
    words = words[:10]  # the first words
    # Speed: normalize_arabic is the costly step. The key of the first word gates everything:
    # a cue can only match when that word starts some cue; dates need a digit.
    fkey = _word_key(words[0])
    if not fkey and nw > 1:
        fkey = _word_key(words[1])
    gate_any = bool(fkey) and fkey in rules.any_first_words
    if text[0] == "©" and nw <= t["copyright_lead_max_words"] and _YEAR.search(" ".join(words[:3])):
        # "© 2019 Site, LLC. All rights reserved. <trademark notices>": the site's rights line,
        # however long its legal text ("© Jane Doe <caption> May 18, 2019" is a photo credit)
        f.kind = "trailer_cue"
        f.extra = "hard"
        return
    if nw > _SHORT_NORM_WORDS and fkey and not gate_any:
        # Speed: every cue, label, date, noise and section rule is either gated by the first
        # word or limited to shorter lines: a long line is a list item, a comment or body text.
        _structure_kind(f, rules, False)
        return
    has_digit = _DIGIT.search(text) is not None  # computed once: dates, number rows, noise
    norm: str | None = None
    if nw <= _SHORT_NORM_WORDS and (gate_any or not fkey or has_digit or "©" in text):
        norm = line_norm(f)
        hkey = _al_strip(norm.split())
    elif gate_any:
        hkey = cue_key(" ".join(words[:10])).split()
    else:
        hkey = [fkey] if fkey else []
    if not hkey:
        f.kind = "no_text"
        return
    short = nw <= rules.prefix_max_words
    key = None
    if nw <= t["exact_cue_max_words"]:  # whole-line key; a trailing count ("التعليقات (3)") is ignored
        key = " ".join(hkey[:-1] if len(hkey) > 1 and hkey[-1].isdigit() else hkey)
    gate = hkey[0] in rules.first_words

    # labelled metadata: source / tags / byline
    if gate and nw <= t["source_max_words"] + 2 and hkey[0] in rules.label_first["source"]:
        lab = _label_split(text, rules, rules.source_labels)
        if lab is not None and lab[1]:
            value = lab[1]
            inner = _embedded_label(value, rules, rules.byline_labels)
            if inner is not None:
                f.value, f.extra = inner
            else:
                f.value = value
            f.kind = "source"
            return
    lab = _label_split(text, rules, rules.tags_labels) if gate and hkey[0] in rules.label_first["tags"] else None
    if lab is not None:
        f.kind, f.value = "tags", lab[1]
        return
    if gate and nw <= t["byline_max_words"] and hkey[0] in rules.label_first["byline"]:
        lab = _label_split(text, rules, rules.byline_labels)
        if lab is not None and lab[1]:
            f.kind, f.value = "byline", lab[1]
            return

    # copyright / rights lines end the article
    if nw <= t["copyright_max_words"] and norm is not None and _is_copyright(text, norm, rules):
        f.kind = "trailer_cue"
        f.extra = "hard"
        return
    # trailer cues
    if key is not None and (key in rules.trailer_exact):
        f.kind = "trailer_cue"
        f.extra = _cue_class(hkey, rules)
        return
    cue = _starts_with(hkey, rules.trailer_prefix)
    if cue is not None and nw <= t["headline_max_words"] + len(cue):
        f.kind = "trailer_cue"
        f.extra = _cue_class(hkey, rules)
        # "اقرأ أيضاً: <headline>" on one line is a single read-also link
        if len(hkey) > len(cue) + 1 and f.extra == "soft":
            f.kind = "read_also"
        return

    # standalone cue lines
    if key is not None and key in rules.line_exact:
        f.kind = "cue_line"
        return
    if short and _starts_with(hkey, rules.line_prefix) is not None:
        f.kind = "cue_line"
        return
    if norm is not None and nw <= t["share_nav_max_words"]:
        kw = hkey
        if kw and all(w in rules.share_words for w in kw):
            f.kind = "share_buttons"
            return
        if len(kw) >= rules.nav_min_hits and sum(w in rules.nav_words for w in kw) >= rules.nav_min_hits:
            f.kind = "nav"
            return
        if (
            key is not None
            and len(hkey) <= 2
            and hkey[0] in rules.comment_topic
            and (text.rstrip().endswith((":", "：")) or len(hkey) == 1)
        ):
            f.kind = "topic"
            return

    # dates and sections (short lines only)
    if norm is not None and nw <= t["date_stamp_max_words"]:
        norm_digit = _DIGIT.search(norm) is not None  # every date pattern holds a digit
        m = rules.date_re.search(norm) if norm_digit and _may_hold_date(norm, rules) else None
        if m is not None:
            sentence = f.ends_sentence and text[-1] == "." and nw > 6
            rest = len(norm.split()) - len(m.group(0).split())
            if nw <= t["date_line_max_words"] + 4 and rest <= t["date_line_max_words"] and not sentence:
                f.kind = "date_line"
                f.value = m.group(0)
                return
            # a publication stamp: dates, clock times, weekdays and labels make up the line
            # ("Published: Nov. 19, 2019, 6:18 p.m. Updated: Nov. 19, 2019, 7:10 p.m.")
            rest_words = [
                w
                for w in rules.date_re.sub(" ", norm).split()
                if w not in rules.date_filler and not (w.isdigit() and len(w) <= 2)
            ]
            if (
                len(rest_words) <= t["date_line_max_words"]
                and not (sentence and norm.split()[-1] not in rules.date_filler)
                and text[-1] not in ":："  # "Bob on May 2, 2019 at 4:47 pm said:" heads a comment
            ):
                f.kind = "date_line"
                f.value = m.group(0)
                return
    if norm is not None and nw <= t["date_line_max_words"] + 4:
        norm_digit = _DIGIT.search(norm) is not None
        if norm_digit and rules.rel_date_re.match(norm) is not None:
            f.kind = "date_line"
            f.extra = "relative"
            return
        if (
            _starts_with(hkey, rules.date_labels) is not None
            and nw <= t["date_label_max_words"]
            and any(c.isdigit() for c in norm)
        ):
            f.kind = "date_line"
            return
    if arabic_page and nw <= t["latin_line_max_words"] and (has_digit or _LATIN_OR_DIGIT.search(text)):
        n_ar = len(_AR_LETTER.findall(text))
        n_lat = len(_LATIN_OR_DIGIT.findall(text))
        if n_ar + n_lat and n_ar / (n_ar + n_lat) < t["latin_line_max_arabic_ratio"]:
            f.kind = "latin_noise"
            return
    if (
        nw <= t["section_max_words"]
        and not has_digit  # a section segment holds no digit
        and rules.section_any.search(text) is not None
        and _is_section(text, rules)
    ):
        f.kind = "section"
        return
    _structure_kind(f, rules, has_digit)


_DIGIT_RUN = re.compile(r"\d+")
_CLOCK = re.compile(r"(?<!\d)\d{1,2}[:.]\d\d(?!\d)")


def _may_hold_date(norm: str, rules: Rules) -> bool:
    """A cheap necessary condition for rules.date_re to match (its month alternation is slow to
    search): a year, or digits next to a month name ("8 فبراير", "February 8")."""
    if rules.year_re.search(norm) is not None:
        return True
    months = rules.months
    for m in _DIGIT_RUN.finditer(norm):
        s, e = m.start(), m.end()
        if norm.startswith(" ", e) and norm.startswith(months, e + 1):
            return True
        if s > 1 and norm[s - 1] == " " and norm.endswith(months, 0, s - 1):
            return True
    return False


def _structure_kind(f: _Feat, rules: Rules, has_digit: bool) -> None:
    """The structural kinds of a line (list item, number row, comment) or its length kind."""
    t = rules.t
    text, nw = f.text, f.nw
    if (
        nw <= t["caption_max_words"]
        and (":" in text or "/" in text or "by " in text or "：" in text)  # cheap gates: a separator,
        and rules.caption_gate.search(text, max(0, len(text) - 90)) is not None  # then a credit label
        and rules.caption_re.search(text, max(0, len(text) - 90)) is not None
    ):
        f.kind = "caption"
        return
    if text.startswith(rules.caption_lead) and nw <= t["caption_max_words"] and rules.caption_lead_re.match(text):
        f.kind = "caption"  # "In this Dec. 12, 2006, file photo, made available by NASA, ..."
        return
    first = text[0]
    if (first in rules.bullets and len(text) > 1 and text[1] in " \t\u00a0") or (
        first.isdigit() and _NUMBERED.match(text)
    ):
        f.kind = "bullet"
        return
    if has_digit and nw <= t["number_row_max_words"] and _NUMROW.match(text):
        f.kind = "numrow"
        return
    if text[-1] == ")" and nw <= t["headline_max_words"] and _COUNT_TAIL.search(text) is not None:
        f.kind = "counted"  # "Myles Garrett should expect a significant suspension (148)": a count
        return  # (comments, views) closes the item; a run of them is a "most commented" list
    if nw <= t["comment_name_max_words"] + 1 and text.casefold().endswith(rules.comment_suffix):
        f.kind = "topic"  # a comment header: "Bob says:"
        return
    if (
        nw <= t["comment_header_max_words"]
        and text[-1] == ":"
        and text.casefold().endswith(rules.comment_dated_suffix)
        and _CLOCK.search(text) is not None
    ):
        f.kind = "topic"  # "Bob on September 12, 2018 at 4:47 pm said:"
        return
    m = _COMMENT.match(text) if (":" in text or "：" in text) else None
    if m is not None and len(m.group("name").split()) <= t["comment_name_max_words"]:
        f.kind = "comment"
        f.extra = "ellipsis" if text.endswith(_ELLIPSIS) else None
        return
    if t["dateline_max_words"] >= nw and text.endswith((":", "：")):
        f.kind = "dateline"
        f.value = text.rstrip(":： ").strip()
        return
    f.kind = _length_kind(f, rules)


def _title_case(text: str, t: dict[str, Any]) -> bool:
    """A Latin-script headline ("Trump Gives Biden A New Nickname"): most longer words capitalized."""
    words = [w for w in text.split() if len(w) >= 4 and w[0].isalpha()]
    if len(words) < 3 or not words[0].isascii():
        return False
    return sum(w[0].isupper() for w in words) >= t["title_case_min_share"] * len(words)


def _cue_class(hkey: list[str], rules: Rules) -> str:
    """'soft' (read-also link), 'widget' (a box of teasers: most read, more from ...) or 'hard'."""
    if _starts_with(hkey, rules.soft_trailer) is not None:
        return "soft"
    return "widget" if _starts_with(hkey, rules.widget_trailer) is not None else "hard"


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _is_copyright(text: str, norm: str, rules: Rules) -> bool:
    """A site's rights line ("© 2019 CBS Interactive Inc.", "جميع الحقوق محفوظة"), not a photo
    credit ("© AFP", "Image copyright Getty Images")."""
    if any(c in norm for c in rules.copyright_strong):
        return True
    return ("©" in text or "copyright" in norm) and _YEAR.search(norm) is not None


def _embedded_label(value: str, rules: Rules, labels: frozenset[str]) -> tuple[str, str] | None:
    """'شبكة شام الكاتب: فريق التحرير' -> ('شبكة شام', 'فريق التحرير')."""
    pos = value.find(":")
    if pos <= 0:
        return None
    left_words = value[:pos].split()
    for n in (2, 1):
        if len(left_words) > n and cue_key(" ".join(left_words[-n:])) in labels:
            return " ".join(left_words[:-n]).strip(" -–|،,"), value[pos + 1 :].strip()
    return None


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _length_kind(f: _Feat, rules: Rules) -> str:
    return length_kind(f.nw, f.ends_sentence, rules)


def length_kind(nw: int, ends_sentence: bool, rules: Rules) -> str:
    """The length kind of a line: "strong" (body length) or "weak" (short), by words and a sentence end."""
    t = rules.t
    if nw >= t["body_min_words"] or (nw >= t["body_min_words_sentence"] and ends_sentence):
        return "strong"
    return "weak"


def text_lines(text: str) -> list[tuple[int, str]]:
    """The non-empty lines of `text`: (1-based line number, the line stripped)."""
    # lines end at \n, \r\n or \r (not U+2028/U+0085); str.replace/split run in C
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [(no, s) for no, s in enumerate(map(str.strip, raw), 1) if s]


def read_lines(
    lines: list[tuple[int, str]],
    rules: Rules,
    arabic_page: bool,
    norms: list[str] | None = None,
    plain: list[int] | None = None,
) -> list[_Feat]:
    """Each line of text_lines with its features and context-free kind (`norms`: their normalize_arabic, if
    known; `plain`: their plain_body_words, if known)."""
    feats: list[_Feat] = []
    sentence_end = rules.sentence_end
    for idx, (no, s) in enumerate(lines):
        norm = norms[idx] if norms is not None else None
        nw = plain[idx] if plain is not None else plain_body_words(s, rules)
        if nw:  # what _classify_line finds for it, without its rules
            f = _Feat(idx, no, s, nw, "", None, None, s[-1] in sentence_end, norm)
            f.kind = _length_kind(f, rules)
            feats.append(f)
        else:
            feats.append(read_line(idx, no, s, rules, arabic_page, norm))
    return feats


def plain_body_words(text: str, rules: Rules) -> int:
    """The number of words of `text` (a stripped, non-empty line) when _classify_line certainly gives it its
    length kind ("strong" or "weak", _length_kind), else 0: no cue word first; no bullet, number or copyright
    sign first; no separator that a caption or comment rule reads; and a short line (normalized and matched
    against the date, noise and section rules) also holds no digit, Latin letter, copyright sign or section
    separator and does not end like a label. A sufficient condition (the rules without their last regex);
    tests/clean/test_plain.py checks it against _classify_line, linecols.plain_words_many is its column form."""
    first = text[0]
    if first == "©" or first in rules.bullets or first.isdigit() or text.startswith(rules.caption_lead):
        return 0
    words = text.split()
    nw = len(words)
    t = rules.t
    if nw < 2 or len(text) > 12 * nw:  # a lone token may be a URL; not recounted (CJK)
        return 0
    if text[-1] == ")" and nw <= t["headline_max_words"]:
        return 0
    colon = ":" in text or "：" in text
    if (
        nw <= t["caption_max_words"]
        and (colon or "/" in text or "by " in text)
        and rules.caption_gate.search(text, max(0, len(text) - 90)) is not None
    ):
        return 0
    if colon and _COMMENT.match(text) is not None:
        return 0
    if nw <= _SHORT_NORM_WORDS and not _plain_short_line(text, nw, rules):
        return 0
    key = _word_key(words[0]) or _word_key(words[1])
    return nw if key and key not in rules.any_first_words else 0


def _plain_short_line(text: str, nw: int, rules: Rules) -> bool:
    """A short line none of the date, noise, section, copyright and label-ending rules can read."""
    t = rules.t
    if _DIGIT.search(text) is not None or "©" in text or text[-1] in ":：":
        return False
    if nw <= t["latin_line_max_words"] and _LATIN_OR_DIGIT.search(text) is not None:
        return False
    if nw <= t["section_max_words"] and rules.section_any.search(text) is not None:
        return False
    return not (nw <= t["comment_name_max_words"] + 1 and text.casefold().endswith(rules.comment_suffix))


def read_line(idx: int, no: int, s: str, rules: Rules, arabic_page: bool, norm: str | None) -> _Feat:
    """The features and context-free kind of line `idx` of a page (line number `no`, text `s`)."""
    words = s.split()
    nw = len(words)
    if len(s) > 12 * nw and _CJK.search(s):  # scripts written without spaces
        nw = max(nw, len(s) // 3)
    f = _Feat(idx, no, s, nw, "", None, None, False, norm)
    _classify_line(f, words, rules, arabic_page)
    return f
