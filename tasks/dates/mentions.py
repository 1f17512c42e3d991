"""Date mentions of a text: extract_mentions gates the candidate builders, selects among their
candidates and maps the spans back to the original text."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass

from akhbar.arabic import FOLD_TABLE, fold_dropped_runs, fold_letters, fold_letters_many
from akhbar.tasks.dates import numbers, relative, widgets
from akhbar.tasks.dates.candidates import (
    _cands_day,
    _cands_hijri,
    _cands_month,
    _cands_numeric,
    _cands_range,
    _cands_relative,
    _cands_rfc,
    _cands_season,
    _cands_time,
    _cands_weekday,
    _cands_year,
)
from akhbar.tasks.dates.lexicon import _HMONTH
from akhbar.tasks.dates.matching import _matches_from
from akhbar.tasks.dates.patterns import (
    _FOUR_DIGITS,
    _HIJRI_TRIGGERS,
    _MONTH_TRIGGERS,
    _MONTH_WORD,
    _ORD_HINT,
    _RX_MONTH,
    _SEASON_TRIGGERS,
    _SPAN_UNITS,
    _TRIGGERS,
    _WEEKDAY_TRIGGERS,
)
from akhbar.tasks.dates.trigger import (
    MONTH_RULES,
    NUMBER_RULES,
    RELATIVE_RULES,
    WEEKDAY_RULES,
    WIDGET_RULES,
    keys_in,
    rule_hits,
    rule_hits_many,
)


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int  # char offset in the ORIGINAL text
    end: int
    surface: str  # text[start:end]
    value: str
    granularity: str  # year | season | month | week | day | datetime | time | weekday
    calendar: str  # gregorian | hijri


def _select(cands: list) -> list:
    """Longest candidates first (ties: higher priority, earlier start); no overlaps."""
    if len(cands) == 1:
        return cands if cands[0][1] > cands[0][0] else []
    cands.sort(key=lambda c: (-(c[1] - c[0]), -c[2], c[0]))
    starts: list[int] = []  # the chosen intervals, disjoint, kept sorted
    ends: list[int] = []
    chosen = []
    for c in cands:
        s, e = c[0], c[1]
        if e <= s:
            continue
        i = bisect.bisect_right(starts, s)
        if i > 0 and ends[i - 1] > s:
            continue
        if i < len(starts) and starts[i] < e:
            continue
        starts.insert(i, s)
        ends.insert(i, e)
        chosen.append(c)
    chosen.sort(key=lambda c: c[0])
    return chosen


def _strip_span(f: str, s: int, e: int) -> tuple[int, int]:
    while s < e and f[s] in " \t\n\r،,-–|":
        s += 1
    while e > s and f[e - 1] in " \t\n\r،,-–|":
        e -= 1
    return s, e


_CHUNK = 600


def extract_mentions(text: str, reference: dt.date | None = None) -> list[DateMention]:
    """Each date expression once, non-overlapping, in text order."""
    # one function: the per-line hot path, its gates inline rather than behind extra calls
    if not text:
        return []
    if isinstance(reference, dt.datetime):
        reference = reference.date()
    if len(text) > _CHUNK and "\n" in text:
        # a whole article: read it line by line (date expressions do not cross lines), so the
        # slow offset map is only built for the lines that carry tashkeel or tatweel
        out: list[DateMention] = []
        pos = 0
        for line in text.split("\n"):
            if line:
                for m in extract_mentions(line, reference):
                    out.append(DateMention(m.start + pos, m.end + pos, m.surface, m.value, m.granularity, m.calendar))
            pos += len(line) + 1
        return out
    # fold_letters(text) is exactly fold_with_offsets(text)[0] (= text.translate(FOLD_TABLE), cheaper:
    # bench/dates.py); the offsets are only computed when a mention must be mapped back.
    return _mentions_of_folded(text, fold_letters(text), reference)


def mentions_of_paragraphs(texts: list[str], references: list[dt.date | None]) -> list[list[DateMention]]:
    """[extract_mentions(t, r) for t, r in zip(texts, references)], the letters of all texts folded at once."""
    folded = fold_letters_many(texts)
    hits_of = rule_hits_many(folded)
    out: list[list[DateMention]] = [[] for _ in texts]
    # only the texts some rule may match in, and those extract_mentions reads line by line, are looked at
    todo = [i for i, hits in enumerate(hits_of) if hits]
    todo += [i for i, text in enumerate(texts) if len(text) > _CHUNK and not hits_of[i] and "\n" in text]
    for i in todo:
        text, reference = texts[i], references[i]
        if len(text) > _CHUNK and "\n" in text:  # extract_mentions reads such a text line by line
            out[i] = extract_mentions(text, reference)
            continue
        if isinstance(reference, dt.datetime):
            reference = reference.date()
        out[i] = _mentions_of_folded(text, folded[i], reference, hits_of[i])
    return out


def _mentions_of_folded(text: str, folded: str, reference: dt.date | None, hits=None) -> list[DateMention]:
    """extract_mentions of a text of at most one line or _CHUNK characters, given its fold_letters (and
    rule_hits, when known)."""
    if hits is None:
        hits = rule_hits(folded)  # the rules that may match (a superset): none runs where its pattern cannot
    if not hits:
        return []
    # the character tests are the set's gates (trigger.gate_patterns), answered in its pass
    has_digit = "?digit" in hits
    english = "?english_month" in hits  # = _has_english_month(folded)
    if not (
        has_digit
        or english
        or any(k in folded for k in _TRIGGERS)
        or ("بعد" in folded and any(k in folded for k in _SPAN_UNITS))
    ):  # «بعد ثلاثة أيام»
        return []

    # Each gate below is a necessary condition of its patterns (a four-digit run, a month name
    # in the position the patterns allow, "d:d"), so skipping on it changes nothing; it spares
    # the big alternations a scan of the many paragraphs that cannot match (a month trigger
    # substring is in half the paragraphs: اب, ماي inside other words).
    cands: list = []
    latin = "?latin" in hits
    month, names = False, None  # names: the month names _month_matches starts from, when "month" runs on them
    if hits.isdisjoint(MONTH_RULES):
        pass
    elif english or (latin and any(k in folded for k in _MONTH_TRIGGERS)):
        month = True
    elif "month" in hits and not latin:
        names = _month_names(folded)
        month = bool(names) or _has_month_word(folded)  # (a name right after a digit is not in names)
    else:
        month = _has_month_word(folded)
    year4 = "?four_digits" in hits
    if has_digit:
        if year4:
            first_four = _FOUR_DIGITS.search(folded).start()
            if "iso" in hits or "dmy" in hits:
                _cands_numeric(folded, reference, cands, first_four)
            if english and ("rfc" in hits or "mdy" in hits):
                _cands_rfc(folded, cands)
        if month and "range" in hits:
            _cands_range(folded, reference, cands)
        if year4 and "year" in hits:
            _cands_year(folded, cands, first_four)
        if ("time" in hits or "hour" in hits) and ("?digit_colon" in hits or "الساعه" in folded):
            _cands_time(folded, cands)
        if year4 and "hijri" in hits and any(k in folded for k in _HIJRI_TRIGGERS):
            _cands_hijri(folded, cands)
    if month:
        if "day" in hits and (has_digit or _ORD_HINT.search(folded)):
            _cands_day(folded, reference, cands)
        if "month" in hits:
            _cands_month(folded, reference, cands, None if english or latin else _month_matches(folded, names))
    if "season" in hits and any(k in folded for k in _SEASON_TRIGGERS):
        _cands_season(folded, reference, cands)
    if reference is not None and ("relperiod" in hits or "period_edge" in hits):
        _cands_relative(folded, reference, cands)
    weekday = not hits.isdisjoint(WEEKDAY_RULES) and any(k in folded for k in _WEEKDAY_TRIGGERS)
    if weekday and "weekday" in hits:
        _cands_weekday(folded, reference, cands)
    if not hits.isdisjoint(RELATIVE_RULES):
        relative.candidates(folded, reference, cands, month, weekday, has_digit, hits)
    if (month or ("الف" in folded and any(w in folded for w in numbers.YEAR_WORDS))) and not hits.isdisjoint(
        NUMBER_RULES
    ):
        numbers.candidates(folded, reference, cands, month, hits)
    if "hour_words" in hits and "الساعه" in folded:
        numbers.time_candidates(folded, cands)
    if year4 and not hits.isdisjoint(WIDGET_RULES):
        widgets.candidates(folded, reference, cands, month, hits)

    if not cands:
        return []
    runs = None
    if len(folded) != len(text):  # something was dropped (tashkeel, tatweel): map positions back
        runs = fold_dropped_runs(text)
    result: list[DateMention] = []
    n = len(text)
    for cand in _select(cands):
        for s, e, value, gran, cal in cand[3]:
            s, e = _strip_span(folded, s, e)
            if runs is None:
                os_, oe = s, e
            else:
                os_ = _original(runs, s)
                oe = _original(runs, e - 1) + 1 if e > 0 else 0
                # keep marks that belong to the last letter (tanween, tatweel in هـ)
                end = _original(runs, e)
                while oe < n and text[oe] != " " and oe < end and text[oe].translate(FOLD_TABLE) == "":
                    oe += 1
            result.append(DateMention(os_, oe, text[os_:oe], value, gran, cal))
    return _join_day_and_time(text, result) if len(result) > 1 else result


def _original(runs: tuple[list[int], list[int]], i: int) -> int:
    """fold_offsets(text)[i], from fold_dropped_runs(text)."""
    at, dropped = runs
    k = bisect.bisect_right(at, i)
    return i + dropped[k - 1] if k else i


# between a day and its time: nothing but spaces, a comma or dash, and عند/في/على ("12 يوليو 2018، الساعة الخامسة مساء")
_DAY_TIME_GAP = re.compile(r"[\s,،\-–|]*(?:(?:عند|في|على|علي|حوالي|نحو)\s+)?")


# between a time and its day: "الساعة العاشرة من صباح يوم الخميس 12 يوليو", "الساعة 10:30 صباح اليوم"
_TIME_DAY_GAP = re.compile(r"[\s,،]*(?:(?:يوم|من)\s+)*")
_FULL_DAY = re.compile(r"\d{4}-\d\d-\d\d")


def _join_day_and_time(text: str, mentions: list[DateMention]) -> list[DateMention]:
    """A day next to a time mention (one the date patterns could not take, such as a time in words, or a
    time written before its day) becomes one datetime mention."""
    out: list[DateMention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if prev is not None and {prev.granularity, m.granularity} == {"day", "time"}:
            day, time = (prev, m) if prev.granularity == "day" else (m, prev)
            gap = _DAY_TIME_GAP if day is prev else _TIME_DAY_GAP
            if _FULL_DAY.fullmatch(day.value) and gap.fullmatch(text, prev.end, m.start):
                out[-1] = DateMention(
                    prev.start, m.end, text[prev.start : m.end], day.value + time.value, "datetime", day.calendar
                )
                continue
        out.append(m)
    return out


_HIJRI_HINT = re.compile(_HMONTH)


def _has_month_word(folded: str) -> bool:
    """_MONTH_WORD.search(folded) is not None, tried only where a month name can start: at a
    trigger (a name's first word) that the pattern's lookbehinds allow, checked with str methods
    first (re's \\w is isalnum() or "_", \\d is isdecimal()). A trigger substring is in nearly
    half the paragraphs (اب, ماي inside other words), where a full scan of the pattern is slow (bench/dates.py)."""
    for k in _MONTH_TRIGGER_STARTS:
        i = folded.find(k)
        while i >= 0:
            before = folded[i - 1] if i else " "
            if (not (before.isalnum() or before == "_") or before.isdecimal()) and _MONTH_WORD.match(folded, i):
                return True
            if (
                before in "وبل"
                and (i == 1 or not (folded[i - 2].isalnum() or folded[i - 2] == "_"))
                and _MONTH_WORD.match(folded, i - 1)
            ):
                return True
            i = folded.find(k, i + 1)
    return False


def _month_names(folded: str) -> list[int]:
    """Where an Arabic month name opens at a word start or after a clitic و/ب/ل at one (_MONTH_WORD matches
    there), in order."""
    names = set()
    for k in keys_in(folded, _MONTH_TRIGGER_STARTS):
        i = folded.find(k)
        while i >= 0:
            before = folded[i - 1] if i else " "
            if not (before.isalnum() or before == "_"):
                if _MONTH_WORD.match(folded, i):
                    names.add(i)
            elif (
                before in "وبل"
                and (i == 1 or not (folded[i - 2].isalnum() or folded[i - 2] == "_"))
                and _MONTH_WORD.match(folded, i - 1)
            ):
                names.add(i)
            i = folded.find(k, i + 1)
    return sorted(names)


def _month_matches(folded: str, names: list[int] | None = None):
    """_RX_MONTH.finditer(folded) of a text without Latin letters, each search started a few words before the
    next Arabic month name (names: _month_names(folded), when known) rather than where the last match ended."""
    # A month name (_RX_MONTH's mon) opens at a word start or after a clitic و/ب/ل at one, where _MONTH_WORD
    # matches (as in _has_month_word); before it the match holds at most a clitic and three words (a
    # position word, من/ل, شهر). So no match starts before those words (and lookbehinds see the text before
    # the start position: the matches are finditer's).
    if names is None:
        names = _month_names(folded)
    return _matches_from(_RX_MONTH, folded, names, 3)


# the triggers that no shorter trigger starts: every month name starts with one of these
_MONTH_TRIGGER_STARTS = tuple(
    k for k in _MONTH_TRIGGERS if not any(o != k and k.startswith(o) for o in _MONTH_TRIGGERS)
)
# names that share their first three letters are looked for once by them (each hit is checked by _MONTH_WORD)
_MONTH_TRIGGER_STARTS = tuple(
    sorted({k[:3] if sum(o[:3] == k[:3] for o in _MONTH_TRIGGER_STARTS) > 1 else k for k in _MONTH_TRIGGER_STARTS})
)
