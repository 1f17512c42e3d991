"""The "clean" stage: boilerplate removal for flattened page text and for HTML.

Text path (`clean_text`): an Arabic-aware line classifier. Every non-empty input line becomes a
`Line` with a status ("kept" | "boilerplate" | "metadata") and a short machine-readable reason.
It works on structure (line length, sentence endings, runs of short lines, bulleted lists,
label-number tables, "name : comment" threads, Latin/digit noise on an Arabic page, URLs) and on a
cue lexicon (trailer starters such as "اقرأ أيضاً", share bars, labelled metadata such as
"المصدر:"). The lexicon and every threshold live in `boilerplate_rules.toml` (data, not code);
cues are compared through the project's one normalizer, `akhbar.arabic.normalize_arabic`, with the
article "ال" folded away, so one entry covers all spellings.

How a text is read, in three passes:
1. every line gets a context-free kind (URL, cue line, trailer cue, labelled metadata such as
   "المصدر:"/"كلمات دلالية:"/"الكاتب:", date line, section line, Latin noise, bullet, label-number
   row, "name : comment", or by length a "strong" body line / a "weak" short line); runs then
   turn bullets into headline lists, label-number rows into number tables, comments into threads;
2. body-length lines form blocks; the main block (most characters x density x share of sentence
   endings, discounted after end-of-article markers) starts the body; lines before it are the
   header (title, section, date, source, byline);
3. from the body start a small state machine keeps body lines until a trailer cue or an
   end-of-article marker (source line, tags, copyright); after a soft cue (read-also) it returns
   to the article when a body paragraph follows at once and no end marker was seen; after a
   widget cue (a teaser box such as "Most read" / "الأكثر قراءة" flattened into the middle of the
   article) it returns when two paragraphs in a row follow within a few lines. Short lines
   inside the body are kept (subheads) unless they are runs (menus, link lists).

Speed (>= 2,000 full-page scrapes/s on one core, bench/boilerplate.py): each line is split once,
normalized at most once (short lines, and only when a cue, a digit or an empty first key calls
for it), long lines without a cue word take a short path, and cheap necessary conditions (a
digit, a separator, a year or a digit next to a month) guard the costly regular expressions.

In-document exact repeats are left to the dedup stage: a repeated body line may stay "kept" here.

HTML path (`clean_html`): trafilatura (settings chosen by measurement, see bench/boilerplate.py)
returns the paragraphs; metadata comes from trafilatura's own functions on the same parsed tree
(`page_metadata`), without the publication date, which the dates stage finds with its evidence.
`html_to_text_scrape` flattens HTML the way a browser's "select all, copy" does, so the text path
can be measured on the HTML dev pages too.

Pure functions; no Prefect import.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from akhbar.arabic import normalize_arabic

RULES_PATH = Path(__file__).with_name("boilerplate_rules.toml")

KEPT, BOILERPLATE, METADATA = "kept", "boilerplate", "metadata"


@dataclass(frozen=True, slots=True)
class Line:
    text: str  # the line as in the input, stripped of surrounding whitespace
    status: str  # "kept" | "boilerplate" | "metadata"
    reason: str  # short machine-readable rule name ("body" for kept lines)
    line_no: int | None  # 1-based line number in the input text; None for HTML paragraphs


@dataclass
class CleanedDoc:
    lines: list[Line]
    title: str | None = None
    author: str | None = None
    source_attribution: str | None = None
    tags: list[str] = field(default_factory=list)
    header_lines: list[str] = field(default_factory=list)
    site_name: str | None = None

    @property
    def kept_text(self) -> str:
        """The kept lines joined by newlines (the article body)."""
        return "\n".join(ln.text for ln in self.lines if ln.status == KEPT)


# --------------------------------------------------------------------------------------------
# Rules (data) loading
# --------------------------------------------------------------------------------------------


def cue_key(text: str) -> str:
    """Comparison key for cue phrases: normalize_arabic, then drop the article "ال" from words.

    "التعليقات:" and "تعليقات", "إقرأ أيضاً" and "اقرا ايضا" get the same key.
    """
    return " ".join(_al_strip(normalize_arabic(text).split()))


@dataclass(frozen=True)
class Rules:
    t: dict[str, Any]
    trailer_prefix: dict[str, tuple[tuple[str, ...], ...]]
    trailer_exact: frozenset[str]
    soft_trailer: dict[str, tuple[tuple[str, ...], ...]]
    widget_trailer: dict[str, tuple[tuple[str, ...], ...]]
    line_exact: frozenset[str]
    line_prefix: dict[str, tuple[tuple[str, ...], ...]]
    prefix_max_words: int
    share_words: frozenset[str]
    comment_topic: frozenset[str]
    nav_words: frozenset[str]
    nav_min_hits: int
    source_labels: frozenset[str]
    byline_labels: frozenset[str]
    tags_labels: frozenset[str]
    date_labels: dict[str, tuple[tuple[str, ...], ...]]
    no_sep_labels: frozenset[str]
    comment_suffix: tuple[str, ...]
    comment_dated_suffix: tuple[str, ...]
    copyright_strong: tuple[str, ...]
    first_words: frozenset[str]  # first key word of every prefix cue and label (a cheap gate)
    any_first_words: frozenset[str]  # ... and of every exact cue, share, nav and topic word
    label_first: dict[str, frozenset[str]]  # first key word of each label set (source/tags/byline)
    bullets: str
    sentence_end: str
    section_re: re.Pattern[str]
    section_any: re.Pattern[str]  # any separator (a cheap gate before splitting)
    date_re: re.Pattern[str]
    year_re: re.Pattern[str]
    months: tuple[str, ...]  # normalized month names (date_re's)
    rel_date_re: re.Pattern[str]
    caption_re: re.Pattern[str]
    caption_gate: re.Pattern[str]  # any caption credit label (a cheap gate before caption_re)
    caption_lead: tuple[str, ...]  # "In this", "This": how a wire caption starts (gate)
    caption_lead_re: re.Pattern[str]  # ... then a picture noun soon after ("file photo,")
    date_filler: frozenset[str]


def _keys(phrases: list[str]) -> list[str]:
    return [k for k in (cue_key(p) for p in phrases) if k]


def _word_keys(phrases: list[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Index cue phrases by their first key word; longest first so the longest cue wins."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for k in sorted({tuple(k.split()) for k in _keys(phrases)}, key=len, reverse=True):
        index.setdefault(k[0], []).append(k)
    return {w: tuple(v) for w, v in index.items()}


@functools.lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> Rules:
    """Load and compile boilerplate_rules.toml (cached: read once per process)."""
    with open(path or RULES_PATH, "rb") as fh:
        data = tomllib.load(fh)
    cues, chars = data["cues"], data["chars"]
    months = sorted({normalize_arabic(m) for m in cues["months"]}, key=len, reverse=True)
    month_alt = "|".join(re.escape(m) for m in months)
    units = sorted({normalize_arabic(u) for u in cues["time_units"]}, key=len, reverse=True)
    unit_alt = "|".join(re.escape(u) for u in units)
    ago = "|".join(re.escape(normalize_arabic(a)) for a in cues["ago_before"])
    ago_after = "|".join(re.escape(normalize_arabic(a)) for a in cues["ago_after"])
    year = r"(?:1[3-4]|19|20)\d\d"
    # Dates are matched on normalize_arabic output: ASCII digits, punctuation turned to spaces.
    date_re = re.compile(
        rf"(?<!\d)(?:{year} \d{{1,2}} \d{{1,2}}"  # 2017-02-08
        rf"|\d{{1,2}} \d{{1,2}} {year}"  # 08/02/2017
        rf"|(?:\d{{1,2}} )?(?:{month_alt})(?: (?:{month_alt}))? {year}"  # 8 فبراير 2015
        rf"|(?:{month_alt}) \d{{1,2}}(?: {year})?"  # February 8, 2015
        rf"|\d{{1,2}} (?:{month_alt}))(?!\d)"  # 8 فبراير
    )
    # a relative date ("منذ 3 ساعات", "2 days ago") is a date line only when it is (almost) alone
    # (a clock time may follow: "2 days ago at 07:52 am")
    rel_date_re = re.compile(
        rf"^(?:\S+ )?(?:(?:{ago}) \d{{1,3}} (?:{unit_alt})|\d{{1,3}} (?:{unit_alt}) (?:{ago_after}))(?: \S+)?"
        r"(?: \d{1,2} \d\d(?: \S+)?)?$"
    )
    seps = chars["section_separators"]
    sep_alt = "|".join(re.escape(s) for s in sorted(seps, key=len, reverse=True))
    section_re = re.compile(rf"\s*(?:{sep_alt})\s*")
    return Rules(
        t=dict(data["thresholds"]),
        trailer_prefix=_word_keys(cues["trailer_prefix"]),
        trailer_exact=frozenset(_keys(cues["trailer_exact"]) + _keys(cues["trailer_prefix"])),
        soft_trailer=_word_keys(cues["soft_trailer"]),
        widget_trailer=_word_keys(cues["widget_trailer"]),
        line_exact=frozenset(_keys(cues["line_exact"])),
        line_prefix=_word_keys(cues["line_prefix"]),
        prefix_max_words=int(cues["prefix_max_words"]),
        share_words=frozenset(_keys(cues["share_words"])),
        comment_topic=frozenset(_keys(cues["comment_topic"])),
        nav_words=frozenset(_keys(cues["nav_words"])),
        nav_min_hits=int(cues["nav_min_hits"]),
        source_labels=frozenset(_keys(cues["source_labels"])),
        byline_labels=frozenset(_keys(cues["byline_labels"])),
        tags_labels=frozenset(_keys(cues["tags_labels"])),
        date_labels=_word_keys(cues["date_labels"]),
        no_sep_labels=frozenset(_keys(cues["labels_without_separator"])),
        copyright_strong=tuple(normalize_arabic(x) for x in cues["copyright"]),
        comment_suffix=tuple(x.casefold() for x in cues["comment_header_suffix"]),
        comment_dated_suffix=tuple(x.casefold() for x in cues["comment_header_dated_suffix"]),
        first_words=frozenset(
            k.split()[0]
            for name in ("trailer_prefix", "trailer_exact", "soft_trailer", "line_prefix", "source_labels",
                         "byline_labels", "tags_labels", "date_labels", "labels_without_separator")
            for k in _keys(cues[name])
        ),
        label_first={
            name: frozenset(k.split()[0] for k in _keys(cues[f"{name}_labels"]))
            for name in ("source", "tags", "byline")
        },
        any_first_words=frozenset(
            k.split()[0]
            for name in ("trailer_prefix", "trailer_exact", "soft_trailer", "line_prefix", "source_labels",
                         "byline_labels", "tags_labels", "date_labels", "labels_without_separator",
                         "line_exact", "share_words", "nav_words", "comment_topic")
            for k in _keys(cues[name])
        ),
        bullets=chars["bullets"],
        sentence_end=chars["sentence_end"],
        section_re=section_re,
        section_any=re.compile("|".join(re.escape(x) for x in seps)),
        date_re=date_re,
        year_re=re.compile(rf"(?<!\d){year}(?!\d)"),
        months=tuple(months),
        rel_date_re=rel_date_re,
        # case variants spelled out: a case-sensitive alternation scans much faster than re.I
        caption_gate=re.compile("|".join(sorted({
            re.escape(v) for c in cues["caption_credit_labels"]
            for v in (c.split()[0], c.split()[0].lower(), c.split()[0].upper(), c.split()[0].capitalize())
        }))),
        caption_lead=tuple(x + " " for x in cues["caption_lead"]),
        caption_lead_re=re.compile(
            "^(?:" + "|".join(re.escape(x) for x in cues["caption_lead"]) + r")\s.{0,%d}?(?<!\w)(?:" % cues["caption_lead_span"]
            + "|".join(re.escape(x) for x in sorted(cues["caption_noun"], key=len, reverse=True)) + r")(?!\w)"
        ),
        date_filler=frozenset(
            w for x in cues["date_stamp_words"] + cues["date_labels"] for w in normalize_arabic(x).split()
        ),
        # "... (Picture: PA)", "...CupCredit: PA", "(Image credit: NASA)": the credit closes the line
        # ... and "(AP Photo/Marco Ugarte)", "(Photo by Jane Doe / AFP)"
        caption_re=re.compile(
            r"(?:[(\[]\s*(?:[A-Z]{2,6}\s)?|(?<=[a-z])|\s|^)(?:"
            + "|".join(re.escape(c) for c in sorted(cues["caption_credit_labels"], key=len, reverse=True))
            + r")(?:\s*[:：/]|\s+by\s)\s*[^()\[\]:]{1,60}[)\]]?$",
            re.I,
        ),
    )


# --------------------------------------------------------------------------------------------
# Per-line features and context-free rules
# --------------------------------------------------------------------------------------------

_AR_LETTER = re.compile(r"[\u0621-\u064A\u066E-\u06D3\u06FA-\u06FF]")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9\u0660-\u0669\u06F0-\u06F9]")
_URL = re.compile(r"^(?:https?://|www\.)\S+$|^\S+@\S+\.\w+$", re.I)
_NUM = r"[-+]?[\d\u0660-\u0669\u06F0-\u06F9][\d\u0660-\u0669\u06F0-\u06F9.,\u066B\u066C]*\s*%?"
_NUMROW = re.compile(rf"^(?:(?P<l1>[^\d\u0660-\u0669:=]{{2,40}}?)\s*[:=]?\s*{_NUM}|{_NUM}\s+(?P<l2>[^\d\u0660-\u0669]{{2,40}}))$")
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
            return left, text[best + len(best_sep):].strip(" :-–—\t")
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


def _al_strip(words: list[str]) -> list[str]:
    return [w[2:] if len(w) > 3 and w.startswith("ال") else w for w in words]


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
        norm = normalize_arabic(text)
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
        if key is not None and len(hkey) <= 2 and hkey[0] in rules.comment_topic and (
            text.rstrip().endswith((":", "：")) or len(hkey) == 1
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
                w for w in rules.date_re.sub(" ", norm).split()
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
            return " ".join(left_words[:-n]).strip(" -–|،,"), value[pos + 1:].strip()
    return None


# --------------------------------------------------------------------------------------------
# clean_text
# --------------------------------------------------------------------------------------------

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


_AR_WORD = re.compile(r"[\u0621-\u064A]+")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_NOT_ASCII_LETTER = bytes(b for b in range(256) if not (65 <= b <= 90 or 97 <= b <= 122))


def _is_arabic_page(text: str, rules: Rules) -> bool:
    """Most words of the page are Arabic (counted on a sample: start and middle)."""
    sample = text if len(text) <= 1600 else text[:800] + " " + text[len(text) // 2 : len(text) // 2 + 800]
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


def _resolve_runs(feats: list[_Feat], rules: Rules) -> None:
    """Context rules on runs of lines: headline lists, number tables, comment threads."""
    t = rules.t
    n = len(feats)
    i = 0
    while i < n:
        k = feats[i].kind
        if k in ("bullet", "numrow", "counted"):
            j = i
            while j < n and feats[j].kind == k:
                j += 1
            run = feats[i:j]
            if k == "bullet":
                sentences = sum(1 for f in run if f.text.rstrip()[-1] in ".!?؟" or f.nw > t["headline_max_words"])
                is_list = len(run) >= t["list_min_run"] and sentences * 2 < len(run)
                new = "headline_list" if is_list else None
            elif k == "counted":
                new = "headline_list" if len(run) >= t["count_list_min_run"] else None
            else:
                new = "number_table" if len(run) >= t["number_table_min_run"] else None
            for f in run:
                if new is not None:
                    f.kind = new
                else:
                    f.kind = _length_kind(f, rules)
            i = j
        else:
            i += 1
    # comment threads: "name : comment ..." with an ellipsis, or next to a topic line / comment
    for i, f in enumerate(feats):
        if f.kind == "comment" and f.extra != "ellipsis":
            near = feats[max(0, i - 2) : i] + feats[i + 1 : i + 3]
            if not any(g.kind == "topic" or (g.kind == "comment" and g.extra == "ellipsis") for g in near):
                f.kind = _length_kind(f, rules)
    for i in range(1, n):
        if feats[i - 1].kind == "topic" and feats[i].kind in ("weak", "strong", "comment"):
            feats[i].kind = "comment"
            feats[i].extra = "ellipsis"
    # A line right before a bare photo credit ("Photo: Hau Dinh, AP") is that photo's caption.
    for i in range(n - 1):
        g = feats[i + 1]
        if (
            g.kind in ("cue_line", "caption")
            and feats[i].kind in ("strong", "weak")
            and feats[i].nw <= t["caption_max_words"]
            and g.nw <= t["credit_max_words"]
            and (m := rules.caption_re.search(g.text)) is not None
            and m.start() == 0
        ):
            feats[i].kind = "caption"
    # A source line inside a run of paragraphs (a paragraph before it, two after it) credits a chart
    # or a photo ("Source: Natl Energy Administration"); the article's source line ends the article.
    for i in range(1, n - 2):
        if feats[i].kind == "source" and feats[i - 1].kind == "strong" and all(
            feats[j].kind == "strong" and feats[j].ends_sentence for j in (i + 1, i + 2)
        ):
            feats[i].kind = "credit"
    # Relative time stamps ("2 days ago at 07:52 am", "11 hours ago") recurring every few lines head
    # the items of a comment thread or a news feed, never the paragraphs of one article (its own
    # stamp is one line): a series of feed_min_stamps of them, each at most thread_max_gap lines
    # after the previous one, are comment headers (the thread rule below takes the lines between).
    stamps = [i for i, f in enumerate(feats) if f.kind == "date_line" and f.extra == "relative"]
    gap = t["thread_max_gap"]
    k = 0
    while k < len(stamps):
        m = k
        while m + 1 < len(stamps) and stamps[m + 1] - stamps[m] <= gap + 1:
            m += 1
        if m - k + 1 >= t["feed_min_stamps"]:
            for i in stamps[k : m + 1]:
                feats[i].kind = "topic"
        k = m + 1
    # A thread: comment headers at most thread_max_gap lines apart. Everything between two of them,
    # and after the last one up to the next other kind of line, is comment text.
    topics = [i for i, f in enumerate(feats) if f.kind == "topic"]
    gap = t["thread_max_gap"]
    for k, a in enumerate(topics):
        nxt = topics[k + 1] if k + 1 < len(topics) else None
        to_next = nxt is not None and nxt - a <= gap + 1
        if not to_next and not (k > 0 and a - topics[k - 1] <= gap + 1):
            continue  # a lone header
        end = nxt if nxt is not None and to_next else min(n, a + 1 + gap)
        for j in range(a + 1, end):
            if feats[j].kind not in _THREAD_KINDS:
                break
            feats[j].kind = "comment"
            feats[j].extra = "ellipsis"


# kinds a comment's text may take (its paragraphs, a short "Hi Bob,", a list, "In favor of X:")
_THREAD_KINDS = frozenset({"weak", "strong", "comment", "dateline", "bullet", "headline_list"})

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _length_kind(f: _Feat, rules: Rules) -> str:
    t = rules.t
    if f.nw >= t["body_min_words"] or (f.nw >= t["body_min_words_sentence"] and f.ends_sentence):
        return "strong"
    return "weak"


def clean_text(text: str) -> CleanedDoc:
    """Classify every non-empty line of a flattened news page (see module docstring)."""
    rules = load_rules()
    t = rules.t
    arabic_page = _is_arabic_page(text, rules)
    feats: list[_Feat] = []
    # lines end at \n, \r\n or \r (not U+2028/U+0085); str.replace/split run in C
    for no, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        s = raw.strip()
        if not s:
            continue
        words = s.split()
        nw = len(words)
        if len(s) > 12 * nw and _CJK.search(s):  # scripts written without spaces
            nw = max(nw, len(s) // 3)
        f = _Feat(len(feats), no, s, nw, "")
        _classify_line(f, words, rules, arabic_page)
        feats.append(f)
    _resolve_runs(feats, rules)

    n = len(feats)
    out: list[tuple[str, str] | None] = [None] * n
    doc = CleanedDoc(lines=[])
    start, late = _body_start(feats, rules)
    # Title: the first headline-like line (short, no sentence end) after the last page-chrome line
    # of the header (menus, cue lines, Latin noise); metadata lines (section, date, byline) do not
    # interrupt it. The first body-length line is the title when it reads as a headline and no
    # other line could be.
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
        tk = normalize_arabic(feats[title_idx].text)
        title_idx = next(i for i in cands + [title_idx] if normalize_arabic(feats[i].text) == tk)

    # ---- header: everything before the first body line
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
            title_key = normalize_arabic(f.text)
        elif k in ("weak", "dateline") and title_key is not None and _same_as(f.text, title_key):
            out[i] = (BOILERPLATE, "title_repeat")
        else:
            out[i] = (BOILERPLATE, _STRUCT_REASON.get(k, "header"))
    doc.header_lines = [f.text for f in feats[:start]] if start < n else [f.text for f in feats[:10]]

    # ---- body and trailer
    state = "body"
    ended = False  # an end-of-article marker (source line, tags, hard cue) was seen
    soft_at = -1  # index of the soft trailer cue that opened the current trailer
    widget_at = -1  # index of the widget cue ("Most read", "الأكثر قراءة") that opened it
    for i in range(start, n):
        f = feats[i]
        k = f.kind
        if state == "trailer":
            if (
                k == "strong"
                and f.ends_sentence
                and not ended
                and i not in late  # the return lands on a block the body pass accepted
                and (
                    (soft_at >= 0 and i - soft_at <= t["trailer_return_within"])
                    # a teaser box dropped into the article: the article resumes with a run of
                    # paragraphs (two body lines in a row), teasers alternate headline and blurb
                    or (
                        widget_at >= 0
                        and i - widget_at <= t["widget_return_within"]
                        and i + 1 < n
                        and feats[i + 1].kind == "strong"
                        and feats[i + 1].ends_sentence
                        and not _title_case(f.text, t)
                        and not _title_case(feats[i + 1].text, t)
                    )
                )
            ):
                state = "body"  # the page provably returns to the article
                for j in range(max(soft_at, widget_at) + 1, i):
                    out[j] = (BOILERPLATE, "read_also" if soft_at > widget_at else "widget")
                out[i] = (KEPT, "body")
                continue
            if k == "tags":
                out[i] = (METADATA, "tags")
                _set_tags(doc, f.value)
                ended = True
                continue
            if k == "trailer_cue" and f.extra == "hard":
                ended = True
            elif k == "trailer_cue" and not ended:
                # another soft cue (a second read-also link) or widget re-arms the return
                if f.extra == "soft":
                    soft_at = i
                else:
                    widget_at = i
            out[i] = (BOILERPLATE, _STRUCT_REASON.get(k, "trailer"))
            continue
        # state == body
        if k == "strong" and i in late:
            out[i] = (BOILERPLATE, "late_block")
        elif k == "strong":
            out[i] = (KEPT, "body")
        elif k == "trailer_cue":
            out[i] = (BOILERPLATE, "cue_trailer")
            state = "trailer"
            soft_at = widget_at = -1
            if f.extra == "soft" and not ended:
                soft_at = i
            elif f.extra == "widget" and not ended:
                widget_at = i
            else:
                ended = True
        elif k == "source":
            out[i] = (METADATA, "source_line")
            _set_source(doc, f)
            state, ended, soft_at = "trailer", True, -1
        elif k == "tags":
            out[i] = (METADATA, "tags")
            _set_tags(doc, f.value)
            state, ended, soft_at = "trailer", True, -1
        elif k == "byline":
            out[i] = (METADATA, "byline")
            doc.author = doc.author or f.value
        elif k == "date_line":
            out[i] = (METADATA, "date_line")
        elif k in ("weak", "dateline"):
            out[i] = None  # decided below by position
        else:
            out[i] = (BOILERPLATE, _STRUCT_REASON.get(k, k))

    # ---- weak lines inside the body: interior subheads / short sentences vs. runs and tails
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
            if title_key is not None and _same_as(f.text, title_key):
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

    doc.lines = [Line(f.text, st, rs, f.line_no) for f, (st, rs) in zip(feats, out)]  # type: ignore[misc]
    return doc


def _body_start(feats: list[_Feat], rules: Rules) -> tuple[int, set[int]]:
    """Index of the first body line: the start of the main block of body lines.

    Body-length lines are grouped into blocks (consecutive ones, allowing up to block_max_gap
    other lines between them, or block_content_gap short content lines, no trailer cue / end marker
    in the gap). The main block has the most characters; earlier blocks close enough before it
    (block_attach_gap) are part of the article (a lead paragraph split from the rest by a photo
    caption or a share bar) unless the article's byline / date line stands between them.
    """
    t = rules.t
    strong = [i for i, f in enumerate(feats) if f.kind == "strong"]
    if not strong:
        return len(feats), set()
    # hard_before[i]: separating lines before index i (so a gap's count is one subtraction)
    hard_before = [0]
    for f in feats:
        hard_before.append(hard_before[-1] + _is_hard(f))
    max_gap = t["block_max_gap"]
    blocks: list[list[int]] = [[strong[0]]]
    long_gap = t["block_content_gap"]
    for prev, cur in zip(strong, strong[1:]):
        gap = cur - prev - 1
        if hard_before[cur] == hard_before[prev + 1] and (
            gap <= max_gap
            # a longer gap of content-like short lines (list items, subheads) does not split
            # the article; menus are runs of one- and two-word lines
            or (gap <= long_gap and _content_gap(feats, prev + 1, cur))
        ):
            blocks[-1].append(cur)
        else:
            blocks.append([cur])
    mass = [sum(len(feats[i].text) for i in b) for b in blocks]
    # Score = characters x density^p, density = body lines / lines spanned: an article is a run of
    # paragraphs; teaser lists alternate a headline with a blurb (density ~ 0.5).
    p = t["block_density_power"]
    # ... and x (1 - w + w * share of its lines ending a sentence): paragraphs end with a full
    # stop, headline lists do not.
    w = t["block_sentence_weight"]
    score = [
        m * (len(b) / (b[-1] - b[0] + 1)) ** p * (1 - w + w * sum(feats[i].ends_sentence for i in b) / len(b))
        for m, b in zip(mass, blocks)
    ]
    # Text after an end-of-article marker (copyright line, "التعليقات", "آخر الأخبار", ...) is
    # rarely the article: each such marker before a block discounts it.
    hard_seen = 0
    pos = 0
    for bi, b in enumerate(blocks):
        in_gap = 0
        while pos < b[0]:
            fk = feats[pos].kind
            # an end marker (or teaser box) counts once some body text precedes it (not in the
            # page header)
            if pos > strong[0] and (
                (fk == "trailer_cue" and feats[pos].extra != "soft") or fk in ("source", "tags")
            ):
                in_gap += 1
            pos += 1
        # markers between two blocks count up to end_markers_per_gap: a mega-menu full of
        # "More from X" cues is one boundary, not twelve
        hard_seen += min(in_gap, t["end_markers_per_gap"])
        score[bi] *= t["after_end_marker_factor"] ** hard_seen
    main = max(range(len(blocks)), key=lambda b: score[b])
    # Blocks after the main one: the article goes on after a short interruption (an ad, a photo,
    # a read-also link); teasers, comments and footers come after a longer one. A later block is
    # kept when it follows the previous kept block closely, or scores close to the main block.
    weak_late: set[int] = set()
    last_kept = blocks[main][-1]
    for b in range(main + 1, len(blocks)):
        close = blocks[b][0] - last_kept - 1 <= t["late_block_max_gap"]
        if (close and score[b] >= t["late_block_min_ratio"] * score[main]) or (
            score[b] >= t["late_block_keep_ratio"] * score[main]
        ):
            last_kept = blocks[b][-1]
        else:
            weak_late.update(blocks[b])
    first = main
    while first > 0:
        prev_end, cur_start = blocks[first - 1][-1], blocks[first][0]
        if cur_start - prev_end - 1 > t["block_attach_gap"]:
            break
        if hard_before[cur_start] != hard_before[prev_end + 1] and not (
            # a teaser box ("Most Read") dropped between two runs of paragraphs splits one article
            # (the body pass returns to the article after it, see widget_return_within)
            all(feats[g].kind == "trailer_cue" and feats[g].extra == "widget"
                for g in range(prev_end + 1, cur_start) if _is_hard(feats[g]))
            and _paragraph_run(feats, blocks[first - 1][-2:])
        ):
            break
        # the article's own byline / date line between them: what comes before is another item
        if any(feats[g].kind in ("byline", "date_line") for g in range(prev_end + 1, cur_start)):
            break
        first -= 1
    return blocks[first][0], weak_late


def _paragraph_run(feats: list[_Feat], idx: list[int]) -> bool:
    """Two consecutive body lines that end like sentences (paragraphs, not a headline + blurb)."""
    return len(idx) == 2 and idx[1] == idx[0] + 1 and all(feats[i].ends_sentence for i in idx)


def _content_gap(feats: list[_Feat], a: int, b: int) -> bool:
    """Lines a..b-1 are short content lines (list items, subheads) between two paragraphs, not a
    menu: all weak / section / date lines of 3+ words, or with a lone one- or two-word line here and
    there ("Meal 1", "Pre-Workout Meal" heading an item): never two in a row (menus are runs of
    them), at most a third of the gap, and no date line with them (teasers: topic, headline,
    author, "11 hours ago", blurb)."""
    prev_short = dated = False
    n_short = 0
    for g in range(a, b):
        f = feats[g]
        if f.kind not in ("weak", "section", "date_line"):
            return False
        short = f.nw < 3
        if short and prev_short:
            return False
        prev_short = short
        n_short += short
        dated |= f.kind == "date_line"
    return n_short == 0 or (not dated and 3 * n_short <= b - a)


_META_KINDS = frozenset({"date_line", "section", "source", "byline", "dateline", "tags"})
_HARD_KINDS = frozenset({"trailer_cue", "source", "tags", "comment", "topic", "headline_list"})


def _is_hard(f: _Feat) -> bool:
    """A line that separates blocks: end markers, comment threads, link lists (not a soft cue)."""
    return f.kind in _HARD_KINDS and not (f.kind == "trailer_cue" and f.extra == "soft")


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


def _same_as(text: str, norm_title: str) -> bool:
    if abs(len(text) - len(norm_title)) > max(10, len(norm_title) // 3):
        return False
    return normalize_arabic(text) == norm_title


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


# --------------------------------------------------------------------------------------------
# HTML path
# --------------------------------------------------------------------------------------------

# Chosen by measurement on the dev pages (bench/boilerplate.py --grid); see the bench docstring.
TRAFILATURA_SETTINGS: dict[str, Any] = {
    "favor_precision": True,
    "favor_recall": False,
    "include_comments": False,
    "include_tables": True,
    "deduplicate": False,
}


def parse_html(html: str):
    """The page as trafilatura parses it (lxml tree), or None when it is not HTML. Parsed once per
    page: extraction, metadata and the publication-date fallback all read this tree."""
    from trafilatura.utils import load_html

    return load_html(html)


def page_metadata(tree, url: str | None = None):
    """trafilatura's metadata of a page (title, author, URL, site name, categories, tags) without
    its two steps our output does not use: htmldate's publication date (the dates stage finds its
    own, with evidence: tasks.dates.publication_date_from_html) and the licence. Those two took
    about a quarter of trafilatura's metadata time on the dev pages. The steps and their order are
    `trafilatura.metadata.extract_metadata`'s; tests/test_clean.py checks the fields against it.
    Reads the tree only (extract_author prunes a copy)."""
    from trafilatura import metadata as tm

    meta = tm.examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    try:
        meta = _meta_json(tree, meta)
    except Exception:  # noqa: BLE001 - trafilatura guards this call the same way (bugs in its JSON-LD code)
        pass
    if not meta.title:
        meta.title = tm.extract_title(tree)
    if not meta.author:
        meta.author = tm.extract_author(tree)
    if not meta.url:
        meta.url = tm.extract_url(tree, url)
    if meta.url:
        meta.hostname = tm.extract_domain(meta.url, fast=True)
    if not meta.sitename:
        meta.sitename = tm.extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
        if meta.sitename and "." not in meta.sitename and not meta.sitename[0].isupper():
            meta.sitename = meta.sitename.title()
    elif meta.url:
        m = tm.META_URL.match(meta.url)
        if m:
            meta.sitename = m[1]
    if not meta.categories:
        meta.categories = tm.extract_catstags("category", tree)
    if not meta.tags:
        meta.tags = tm.extract_catstags("tag", tree)
    meta.clean_and_trim()
    return meta


def _meta_json(tree, meta):
    """trafilatura.metadata.extract_meta_json, with `_json_parse_error` for JSON-LD that does not parse."""
    import json

    from trafilatura import json_metadata as tj
    from trafilatura import metadata as tm

    for elem in tree.xpath('.//script[@type="application/ld+json" or @type="application/settings+json"]'):
        if not elem.text:
            continue
        element_text = tj.normalize_json(tm.JSON_MINIFY.sub(r"\1", elem.text))
        try:
            meta = tj.extract_json(json.loads(element_text, strict=False), meta)
        except json.JSONDecodeError:
            meta = _json_parse_error(element_text, meta)
    return meta


def _json_parse_error(elem: str, meta):
    """trafilatura.json_metadata.extract_json_parse_error with a linear-time author reader.

    trafilatura reads the authors of broken JSON-LD by deleting each match from the text and
    searching it again from the start: quadratic in the script's size. One dev page (TheMirror,
    a 700 KB script) took 1.4 s there, a sixth of all 242 pages' extraction. The rest of the
    function is trafilatura's, in its order; tests/test_clean.py checks the fields against
    trafilatura's extract_metadata on the dev pages."""
    from trafilatura import json_metadata as tj

    text = tj.JSON_AUTHOR_REMOVE.sub("", elem)
    author = _json_author(text, tj.JSON_AUTHOR_1) or _json_author(text, tj.JSON_AUTHOR_2)
    if author:
        meta.author = author
    if "@type" in elem:
        match = tj.JSON_TYPE.search(elem)
        if match:
            candidate = tj.normalize_json(match[1].lower())
            if candidate in tj.JSON_OGTYPE_SCHEMA:
                meta.pagetype = candidate
    if '"publisher"' in elem:
        match = tj.JSON_PUBLISHER.search(elem)
        if match and "," not in match[1]:
            candidate = tj.normalize_json(match[1])
            if tj.is_plausible_sitename(meta, candidate):
                meta.sitename = candidate
    if '"articleSection"' in elem:
        match = tj.JSON_CATEGORY.search(elem)
        if match:
            meta.categories = [tj.normalize_json(match[1])]
    for key, regex in tj.JSON_SEQ:
        if key in elem and not meta.title:
            match = regex.search(elem)
            if match:
                meta.title = tj.normalize_json(match[1])
                break
    return meta


def _json_author(text: str, regex) -> str | None:
    """trafilatura.json_metadata.extract_json_author in one pass over the text.

    trafilatura deletes each match and searches again from the start. The author patterns have no
    anchors or lookbehind, so a match after the deleted one reads the same characters as in the
    original text: the matches it finds are `finditer`'s, in order (a match that the deletion
    would newly make begin before it needs a name key split across the deleted span, which JSON
    text does not have)."""
    from trafilatura import json_metadata as tj

    authors = None
    for match in regex.finditer(text):
        name = next(filter(None, match.groups()), None)  # JSON_AUTHOR_1 has two groups
        if not name or " " not in name:
            break
        authors = tj.normalize_authors(authors, name)
    return authors or None


def clean_html(html, url: str | None = None) -> CleanedDoc:
    """Main text of an HTML page (markup, or a tree from `parse_html`) via trafilatura; paragraphs
    become kept `Line`s (line_no None)."""
    import trafilatura  # heavy import, only on the HTML path

    from akhbar.discard_xpaths import python_discard_xpaths

    tree = parse_html(html) if isinstance(html, (str, bytes)) else html
    if tree is None:
        return CleanedDoc(lines=[])
    meta = page_metadata(tree, url)
    # bare_extraction works on its own copy of the tree; the URL it is given is the one it would
    # have taken from its own metadata. Its two slowest XPath expressions run in Python (same
    # elements, about a fifth of its time saved: akhbar/discard_xpaths.py).
    with python_discard_xpaths():
        doc = trafilatura.bare_extraction(tree, url=url or meta.url, with_metadata=False, **TRAFILATURA_SETTINGS)
    if doc is None:
        return CleanedDoc(lines=[])
    text = doc.text or ""
    lines = [Line(p.strip(), KEPT, "body", None) for p in text.split("\n") if p.strip()]
    tags = [x for x in (list(meta.tags or []) + list(meta.categories or [])) if x]
    return CleanedDoc(
        lines=lines,
        title=meta.title or None,
        author=meta.author or None,
        source_attribution=None,
        tags=list(dict.fromkeys(tags)),
        header_lines=[],
        site_name=meta.sitename or None,
    )


_DROP_TAGS = {"script", "style", "noscript", "template", "head", "svg", "select", "iframe", "object", "canvas"}
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "br", "center", "dd", "details", "dialog",
    "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav",
    "ol", "p", "pre", "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "ul", "caption",
    "option", "button", "label", "title", "textarea",
}
_CELL_TAGS = {"td", "th"}
_PRE_TAGS = {"pre", "textarea"}
_NEWLINES = re.compile(r"[\r\n]+")
_WS = re.compile(r"[ \t\r\f\v\u00a0\u200b\u200c\u200e\u200f]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def html_to_text_scrape(html: str) -> str:
    """Visible text of a page, one block element per line (like a browser's select-all copy)."""
    import lxml.html
    from lxml import etree

    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        try:
            root = lxml.html.document_fromstring(html.encode("utf-8", "replace"))
        except (etree.ParserError, ValueError):
            return ""
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    doomed = [
        el
        for el in root.iter()
        if isinstance(el.tag, str)
        and (
            el.tag.lower() in _DROP_TAGS
            or el.get("hidden") is not None
            or _HIDDEN_STYLE.search(el.get("style") or "") is not None
        )
    ]
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the tail text
    parts: list[str] = []
    pre = 0  # inside <pre>/<textarea> source line breaks are visible; elsewhere they are spaces
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            elif tag in _CELL_TAGS:
                parts.append("\t")
            if tag in _PRE_TAGS:
                pre += 1
            if el.text:
                parts.append(el.text if pre else _NEWLINES.sub(" ", el.text))
        else:
            if tag in _PRE_TAGS:
                pre -= 1
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if el.tail:
                parts.append(el.tail if pre else _NEWLINES.sub(" ", el.tail))
    out: list[str] = []
    for line in "".join(parts).split("\n"):
        line = _WS.sub(" ", line).strip()
        if line:
            out.append(line)
    return "\n".join(out)


# ---------------------------------------------------------------- shard entry point (pipeline glue)

import pyarrow as pa  # noqa: E402  (the rules above need neither)
import xxhash  # noqa: E402

from akhbar.language import detect_language  # noqa: E402
from akhbar.limits import TimeLimitExceeded, map_with_time_limit  # noqa: E402
from akhbar.settings import Settings  # noqa: E402
from akhbar.store import write_staged  # noqa: E402
from akhbar.tasking import StageTask  # noqa: E402

CLEAN_PARAGRAPH_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("position", pa.int32()), ("line_no", pa.int32()), ("text", pa.string()),
    ("norm_hash", pa.uint64()), ("status", pa.string()), ("reason", pa.string()),
])
_RECORD_COLUMNS = ["doc_id", "source_uri", "site", "format", "encoding", "input_index", "record_index", "url",
                   "crawled_at", "source_meta"]
CLEAN_DOC_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("source_uri", pa.string()), ("site", pa.string()), ("format", pa.string()),
    ("encoding", pa.string()), ("input_index", pa.int64()), ("record_index", pa.int64()), ("url", pa.string()),
    ("crawled_at", pa.timestamp("us", tz="UTC")), ("source_meta", pa.string()), ("shard", pa.int32()), ("content_kind", pa.string()), ("title", pa.string()), ("author", pa.string()),
    ("source_attribution", pa.string()), ("tags", pa.list_(pa.string())), ("header_lines", pa.list_(pa.string())),
    ("published_field", pa.string()), ("published_html", pa.date32()), ("published_html_precision", pa.string()),
    ("published_html_evidence", pa.string()), ("published_html_method", pa.string()), ("language", pa.string()),
    # the publication-date decision, made here so the dedup pass can order copies by it
    ("published", pa.date32()), ("published_precision", pa.string()), ("published_evidence", pa.string()),
    ("published_method", pa.string()),
])


def paragraph_keys(line: Line, near_min_words: int | None) -> tuple[int | None, str | None]:
    """The dedup keys of one line, from one normalization: the exact key (akhbar.arabic.norm_hash's
    xxh64 of the normalized text; None when nothing is left), and the normalized text when the line
    goes to the near-duplicate search (kept, at least near_min_words words; None = search off)."""
    norm = normalize_arabic(line.text)
    norm_hash = xxhash.xxh64_intdigest(norm.encode("utf-8")) if norm else None
    if near_min_words and line.status == KEPT and norm.count(" ") + 1 >= near_min_words:
        return norm_hash, norm
    return norm_hash, None


def _clean_html_job(job: tuple[str, str | None, object]):
    """Extract a page and read its publication date from the markup (JSON-LD, meta, <time>, URL).

    Module-level so the time-limit child process (used off the main thread) can import it by
    name. The date is read here,
    where the HTML is at hand, and handed to the dates stage through the staged documents.
    """
    from tasks.dates import publication_date_from_html

    html, url, crawled_at = job
    tree = parse_html(html)
    # one parse for all the readers; none changes the tree (trafilatura and htmldate prune copies)
    return clean_html(tree, url), publication_date_from_html(html, url, tree, now=crawled_at)


def _clean_all(rows: list[dict], time_limit: float) -> list:
    """Clean each record; a failure or a page over the time limit becomes the exception, in order.

    HTML goes to trafilatura under a per-page time limit (akhbar.limits: in this process under
    SIGALRM on a main thread, else in a child process killed past the limit), so a pathological
    page cannot stall the night; text scrapes run our own linear-time rules in this process.
    """
    results: list = [None] * len(rows)
    html_idx = [i for i, r in enumerate(rows) if r["content_kind"] == "html"]
    # the crawl time, when the record has one, bounds the publication date (never after it + 1 day)
    jobs = ((rows[i]["content"], rows[i]["url"], rows[i].get("crawled_at")) for i in html_idx)
    for i, (_job, result) in zip(html_idx, map_with_time_limit(_clean_html_job, jobs, time_limit)):
        results[i] = result
    for i, r in enumerate(rows):
        if results[i] is None:
            try:
                results[i] = (clean_text(r["content"]), None)
            except Exception as exc:  # noqa: BLE001 - one bad page is a reject, not the end of the run
                results[i] = exc
    return results


def _stage_publication_date(docs: dict[str, list]) -> None:
    """Decide the publication date of the document just appended to `docs` (its published* columns)."""
    from tasks.dates import publication_date

    found = publication_date({name: values[-1] for name, values in docs.items() if not name.startswith("published")}
                             | {"published_field": docs["published_field"][-1],
                                **{n: docs[n][-1] for n in ("published_html", "published_html_precision",
                                                            "published_html_evidence", "published_html_method")}})
    docs["published"].append(found.value if found else None)
    docs["published_precision"].append(found.precision if found else None)
    docs["published_evidence"].append(found.evidence if found else None)
    docs["published_method"].append(found.method if found else None)


def clean_shard(run_dir: str, shard_id: int) -> dict:
    """Clean every admitted record of one record shard; write staged paragraphs and documents."""
    from tasks.ingest import REJECT_SCHEMA, read_record_shard

    run = Path(run_dir)
    settings = Settings.load(run)
    rows = read_record_shard(run_dir, shard_id).to_pylist()
    # Near-dup search on: stage the MinHash signatures of this shard's kept lines of enough words
    # here, in parallel, so the serial corpus-wide dedup pass only joins them.
    near = settings.near_dup_threshold <= 1.0
    min_words = max(int(settings.near_dup_min_words), 1)
    near_rows: tuple[list, list, list] = ([], [], [])  # doc_id, position, normalized text
    paras = {name: [] for name in CLEAN_PARAGRAPH_SCHEMA.names}
    docs = {name: [] for name in CLEAN_DOC_SCHEMA.names}
    rejects = []
    for rec, result in zip(rows, _clean_all(rows, settings.doc_time_limit)):
        if isinstance(result, Exception):
            error = (f"extraction over the time limit ({settings.doc_time_limit:g} s)"
                     if isinstance(result, TimeLimitExceeded)
                     else f"extraction failed: {type(result).__name__}: {result}")
            rejects.append({"source_uri": rec["source_uri"], "stage": "clean", "error": error[:500],
                            "input_index": rec["input_index"]})
            continue
        cleaned, html_date = result
        for pos, line in enumerate(cleaned.lines):
            norm_hash, near_text = paragraph_keys(line, min_words if near else None)
            paras["doc_id"].append(rec["doc_id"])
            paras["position"].append(pos)
            paras["line_no"].append(line.line_no)
            paras["text"].append(line.text)
            paras["norm_hash"].append(norm_hash)
            if near_text is not None:
                near_rows[0].append(rec["doc_id"])
                near_rows[1].append(pos)
                near_rows[2].append(near_text)
            paras["status"].append(line.status)
            paras["reason"].append(line.reason)
        for name in _RECORD_COLUMNS:
            docs[name].append(rec[name])
        docs["shard"].append(shard_id)
        docs["content_kind"].append(rec["content_kind"])
        docs["title"].append(rec["title"] or cleaned.title)
        docs["author"].append(cleaned.author or rec["author"])  # the page's own byline first
        docs["source_attribution"].append(cleaned.source_attribution)
        docs["tags"].append(list(cleaned.tags))
        docs["header_lines"].append(list(cleaned.header_lines))
        docs["published_field"].append(rec["published_field"])
        docs["published_html"].append(html_date.value if html_date else None)
        docs["published_html_precision"].append(html_date.precision if html_date else None)
        docs["published_html_evidence"].append(html_date.evidence if html_date else None)
        docs["published_html_method"].append(html_date.method if html_date else None)
        docs["language"].append(detect_language("\n".join(ln.text for ln in cleaned.lines if ln.status == KEPT)))
        _stage_publication_date(docs)
    out = run / "clean"
    out.mkdir(exist_ok=True)
    write_staged(pa.table(paras, schema=CLEAN_PARAGRAPH_SCHEMA), out / f"paragraphs-{shard_id:05d}.parquet",
                 plain=("text",))
    write_staged(pa.table(docs, schema=CLEAN_DOC_SCHEMA), out / f"docs-{shard_id:05d}.parquet")
    write_staged(pa.Table.from_pylist(rejects, schema=REJECT_SCHEMA), out / f"rejects-{shard_id:05d}.parquet")
    if near:  # read by tasks.dedup._near_dups
        from tasks.dedup import minhash_stage_table
        from tasks.stories import document_signatures

        full: list = []
        lines = minhash_stage_table(*near_rows, min_words, full_signatures=full)
        write_staged(lines, out / f"minhash-{shard_id:05d}.parquet")
        write_staged(document_signatures(lines.column("doc_id").to_pylist(), full[0]),  # tasks.stories
                     out / f"docsig-{shard_id:05d}.parquet")
    return {"documents": len(docs["doc_id"]), "paragraphs": len(paras["doc_id"]), "rejects": len(rejects)}


# ---------------------------------------------------------------- Prefect task wrapper

clean_task = StageTask(clean_shard, name="clean", retries=1)
