"""The boilerplate rules: `boilerplate_rules.toml` (the cue lexicon and every threshold) compiled once."""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from akhbar.arabic import normalize_arabic

RULES_PATH = Path(__file__).with_name("boilerplate_rules.toml")


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


# The cue lists whose entries open a line (labels, trailers, prefixes): their first words gate the classifier.
_LEAD_CUES = (
    "trailer_prefix",
    "trailer_exact",
    "soft_trailer",
    "line_prefix",
    "source_labels",
    "byline_labels",
    "tags_labels",
    "date_labels",
    "labels_without_separator",
)


def _first_words(cues: dict, names: tuple[str, ...]) -> frozenset[str]:
    """The first word of every entry of the cue lists `names`."""
    return frozenset(k.split()[0] for name in names for k in _keys(cues[name]))


# long: one Rules(...) built field by field from the toml
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
        first_words=_first_words(cues, _LEAD_CUES),
        label_first={
            name: frozenset(k.split()[0] for k in _keys(cues[f"{name}_labels"]))
            for name in ("source", "tags", "byline")
        },
        any_first_words=_first_words(cues, (*_LEAD_CUES, "line_exact", "share_words", "nav_words", "comment_topic")),
        bullets=chars["bullets"],
        sentence_end=chars["sentence_end"],
        section_re=section_re,
        section_any=re.compile("|".join(re.escape(x) for x in seps)),
        date_re=date_re,
        year_re=re.compile(rf"(?<!\d){year}(?!\d)"),
        months=tuple(months),
        rel_date_re=rel_date_re,
        # case variants spelled out: a case-sensitive alternation scans much faster than re.I
        caption_gate=re.compile(
            "|".join(
                sorted(
                    {
                        re.escape(v)
                        for c in cues["caption_credit_labels"]
                        for v in (c.split()[0], c.split()[0].lower(), c.split()[0].upper(), c.split()[0].capitalize())
                    }
                )
            )
        ),
        caption_lead=tuple(x + " " for x in cues["caption_lead"]),
        caption_lead_re=re.compile(
            "^(?:"
            + "|".join(re.escape(x) for x in cues["caption_lead"])
            + r")\s.{0,"
            + str(cues["caption_lead_span"])
            + r"}?(?<!\w)(?:"
            + "|".join(re.escape(x) for x in sorted(cues["caption_noun"], key=len, reverse=True))
            + r")(?!\w)"
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


def _al_strip(words: list[str]) -> list[str]:
    return [w[2:] if len(w) > 3 and w.startswith("ال") else w for w in words]
