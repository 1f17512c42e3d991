"""Written-out numbers in dates, standard and colloquial: «الحادي عشر», «حداشر», «خمسة وعشرين», «ألفين وعشرة»,
«ألف وتسعمائة وثمانية وأربعين». Folded spelling (akhbar.arabic.fold_letters: ة→ه, ئ→ي, أ→ا).

A number is a run of number words joined by «و»; its value is their sum when the words come in
Arabic order (thousands, hundreds, then units before tens, or a teen), else it is no number.
"""

from __future__ import annotations

import functools
import re

from akhbar.tasks.dates.lexicon import _AMPM, _BC, _COUNT_NOUNS, _E, _MONTHX, _REL, _TZ
from akhbar.tasks.dates.matching import _matches, _positions
from akhbar.tasks.dates.patterns import _compile
from akhbar.tasks.dates.values import _day_value, _monthx_value, _rel_kind, _time_suffix

# word -> (value, rank): rank orders the parts of a number (thousands 4, hundreds 3, tens 1, units/teens 2)
_UNITS = {
    "واحد": 1,
    "واحده": 1,
    "احد": 1,
    "اثنين": 2,
    "اثنان": 2,
    "اتنين": 2,
    "اثنتين": 2,
    "اثنتان": 2,
    "ثلاثه": 3,
    "ثلاث": 3,
    "تلاته": 3,
    "تلات": 3,
    "اربعه": 4,
    "اربع": 4,
    "خمسه": 5,
    "خمس": 5,
    "سته": 6,
    "ست": 6,
    "سبعه": 7,
    "سبع": 7,
    "ثمانيه": 8,
    "ثماني": 8,
    "ثمان": 8,
    "تمانيه": 8,
    "تمنيه": 8,
    "تمن": 8,
    "تسعه": 9,
    "تسع": 9,
}
_TEENS = {
    "عشره": 10,
    "عشر": 10,
    "احد عشر": 11,
    "احدي عشره": 11,
    "حداشر": 11,
    "احداشر": 11,
    "حدعشر": 11,
    "اثنا عشر": 12,
    "اثني عشر": 12,
    "اثنتا عشره": 12,
    "اثنتي عشره": 12,
    "اتناشر": 12,
    "اطناشر": 12,
    "ثلاثه عشر": 13,
    "ثلاث عشره": 13,
    "تلتاشر": 13,
    "تلطاشر": 13,
    "اربعه عشر": 14,
    "اربع عشره": 14,
    "اربعتاشر": 14,
    "اربعطاشر": 14,
    "اربعتعشر": 14,
    "خمسه عشر": 15,
    "خمس عشره": 15,
    "خمستاشر": 15,
    "خمسطاشر": 15,
    "خمستعشر": 15,
    "سته عشر": 16,
    "ست عشره": 16,
    "ستاشر": 16,
    "سطاشر": 16,
    "ستعشر": 16,
    "سبعه عشر": 17,
    "سبع عشره": 17,
    "سبعتاشر": 17,
    "سبعطاشر": 17,
    "سبعتعشر": 17,
    "ثمانيه عشر": 18,
    "ثماني عشره": 18,
    "تمنتاشر": 18,
    "تمنطاشر": 18,
    "تمنتعشر": 18,
    "تسعه عشر": 19,
    "تسع عشره": 19,
    "تسعتاشر": 19,
    "تسعطاشر": 19,
    "تسعتعشر": 19,
}
_TENS = {
    "عشرين": 20,
    "عشرون": 20,
    "ثلاثين": 30,
    "ثلاثون": 30,
    "تلاتين": 30,
    "اربعين": 40,
    "اربعون": 40,
    "خمسين": 50,
    "خمسون": 50,
    "ستين": 60,
    "ستون": 60,
    "سبعين": 70,
    "سبعون": 70,
    "ثمانين": 80,
    "ثمانون": 80,
    "تمانين": 80,
    "تسعين": 90,
    "تسعون": 90,
}
_HUNDREDS = {
    "مايه": 100,
    "ميه": 100,
    "مئه": 100,
    "مايتين": 200,
    "ميتين": 200,
    "مئتين": 200,
    "مئتان": 200,
    "مايتان": 200,
}
for _w, _v in (
    ("ثلاث", 3),
    ("تلت", 3),
    ("اربع", 4),
    ("ربع", 4),
    ("خمس", 5),
    ("ست", 6),
    ("سبع", 7),
    ("ثمان", 8),
    ("ثماني", 8),
    ("تمن", 8),
    ("تسع", 9),
):
    for _h in ("مايه", "ميه", "مئه"):
        _HUNDREDS[_w + _h] = _v * 100
        _HUNDREDS[f"{_w} {_h}"] = _v * 100
_THOUSANDS = {"الف": 1000, "الفين": 2000, "الفان": 2000, "الفا": 1000}

_WORDS: dict[str, tuple[int, int]] = {}
for _table, _rank in ((_UNITS, 2), (_TEENS, 2), (_TENS, 1), (_HUNDREDS, 3), (_THOUSANDS, 4)):
    for _w, _v in _table.items():
        _WORDS[_w] = (_v, _rank)


def _alt(words) -> str:
    return (
        "(?:"
        + "|".join(
            re.escape(w).replace(r"\ ", " ").replace(" ", r"\s+") for w in sorted(set(words), key=len, reverse=True)
        )
        + ")"
    )


NUMBER_WORD = _alt(_WORDS) + r"(?!\w)"
# a written number: words joined by و (a proclitic, with or without a space after it)
NUMBER = rf"{NUMBER_WORD}(?:\s+و\s*{NUMBER_WORD})*"
_SPLIT = re.compile(r"\s+و\s*")


def number_value(phrase: str) -> int | None:
    """The value of a written number (folded), or None when its words are not in a number's order:
    thousands, hundreds, then a unit before its tens ("اثنين وعشرين") or a teen or tens alone."""
    total, last_rank, last_value = 0, 5, 0
    for word in _SPLIT.split(phrase.strip()):
        got = _WORDS.get(re.sub(r"\s+", " ", word))
        if got is None:
            return None
        value, rank = got
        if rank >= last_rank or (rank == 1 and last_rank == 2 and last_value >= 10):
            return None
        total, last_rank, last_value = total + value, rank, value
    return total


# ---------------------------------------------------------------- dates with written-out numbers


def _year_value(phrase: str | None) -> int | None:
    """A year in words: a number of 1000..2199 that names its thousands («ألفين وعشرة», «ألف وتسعمائة ...»)."""
    if not phrase:
        return None
    v = number_value(phrase)
    return v if v is not None and 1000 <= v <= 2199 and re.match(r"الف", phrase) else None


@functools.cache  # built on first use
def _patterns():
    year_kw = r"(?:(?:في|من|منذ|حتي)\s+)?(?:عام|العام|سنه|السنه|لعام|لسنه|بعام|بسنه)"
    day = _compile(
        rf"{_BC}(?P<dw>{NUMBER})\s+(?:من\s+)?(?:شهر\s+)?(?P<mon>{_MONTHX}){_E}"
        rf"(?:\s*[،,]?\s*(?:(?:من\s+)?(?:عام|العام|سنه)\s+)?(?:(?P<y>\d{{4}})(?!\d)|(?P<yw>{NUMBER}))"
        rf"|\s+(?P<rel>{_REL}){_E})?"
    )
    month = _compile(
        rf"{_BC}(?:شهر\s+)?(?P<mon>{_MONTHX}){_E}\s*[،,]?\s*(?:(?:من\s+)?(?:عام|العام|سنه)\s+)?(?P<yw>{NUMBER})"
    )
    year = _compile(rf"{_BC}(?:(?P<kw>{year_kw}|في|منذ|حتي)\s+)?(?P<yw>{NUMBER})(?!\s+{_COUNT_NOUNS})")
    return day, month, year


# Every year in words from 1001 to 2199 holds one of these: candidates reads a year in words only in a text that
# does, and _YEAR_WORDS is the rule set's number_year rule, so that a paragraph with other number words skips it.
YEAR_WORDS = ("الفين", "الف و")
_YEAR_WORDS = re.compile("|".join(YEAR_WORDS))


_FIRST_WORDS = frozenset(w for w in _WORDS if " " not in w) | frozenset(w.split()[0] for w in _WORDS)
_ALL = frozenset({"number_day", "number_month", "number_year"})


def candidates(f: str, ref, out: list, month: bool, rules=_ALL) -> None:
    """Dates whose day or year is written out: «حداشر يناير», «خمسة وعشرين ديسمبر ألفين وعشرين»,
    «سنة ألفين وعشرة», «في ألف وتسعمائة وثمانية وأربعين». `rules`: the names of the patterns (number_day,
    number_month, number_year) that may match in `f` (akhbar.tasks.dates.trigger.rule_hits); no other is tried."""
    year_words = any(w in f for w in YEAR_WORDS)
    rx_day, rx_month, rx_year = _patterns()
    # a written day's first word stands alone (a number word, no proclitic): rx_day is tried only there
    hits = _FIRST_WORDS.intersection(f.split()) if month and "number_day" in rules else ()
    if hits:
        starts = sorted({i for w in hits for i in _positions(f, w)})
        for mt in _matches(rx_day, f, (), 0, starts):
            g = mt.groupdict()
            dv, mv = number_value(g["dw"]), _monthx_value(g["mon"])
            if dv is None or mv is None or not 1 <= dv <= 31:
                continue
            y = int(g["y"]) if g["y"] else _year_value(g["yw"])
            end = mt.end() if (g["y"] or g["rel"] or y is not None) else mt.end("mon")
            kind = _rel_kind(g["rel"])
            if y is None and ref is not None and kind in ("past", "future"):  # «اتناشر مارس اللي فات»
                after = (mv[0], dv) > (ref.month, ref.day)
                y = ref.year - (kind == "past" and after) + (kind == "future" and not after)
            got = _day_value(y, mv[0], dv, ref)
            if got is not None:
                out.append((mt.start(), end, 7, [(mt.start(), end, got[0], got[1], "gregorian")]))
    # «يناير ألفين وأربعة وعشرين»: the month is at most three words before الف
    if month and year_words and "number_month" in rules:
        for mt in _matches(rx_month, f, ("الف",), 3):
            mv, y = _monthx_value(mt.group("mon")), _year_value(mt.group("yw"))
            if mv is not None and y is not None:
                value = f"{y:04d}-{mv[0]:02d}"
                out.append((mt.start(), mt.end(), 6, [(mt.start(), mt.end(), value, "month", "gregorian")]))
    if year_words and "number_year" in rules:
        for mt in _matches(rx_year, f, ("الف",), 3):
            y = _year_value(mt.group("yw"))
            if y is None:
                continue
            # a year in words needs a year word before it, a preposition and a modern value, or to be
            # all the line says («الفين وعشرة»)
            kw = mt.group("kw")
            year_word = re.search(r"(?:عام|العام|سنه|السنه)", kw) if kw else None
            alone = not f[: mt.start()].strip(" \t،,.-:") and not f[mt.end() :].strip(" \t،,.-:!؟?")
            if not (year_word or alone or (kw and 1900 <= y <= 2100)):
                continue
            start = mt.start("kw") + year_word.start() if year_word else mt.start("yw")
            out.append((start, mt.end(), 4, [(start, mt.end(), f"{y:04d}", "year", "gregorian")]))


# ---------------------------------------------------------------- a time in words: «الساعة الخامسة مساء»

HOUR_WORDS = {
    "الواحده": 1,
    "الثانيه": 2,
    "الثالثه": 3,
    "الرابعه": 4,
    "الخامسه": 5,
    "السادسه": 6,
    "السابعه": 7,
    "الثامنه": 8,
    "التاسعه": 9,
    "العاشره": 10,
    "الحاديه عشره": 11,
    "الحاديه عشر": 11,
    "الثانيه عشره": 12,
    "الثانيه عشر": 12,
}
MINUTE_WORDS = {
    "والنصف": 30,
    "ونصف": 30,
    "والربع": 15,
    "وربع": 15,
    "والثلث": 20,
    "وثلث": 20,
    "الا ربعا": -15,
    "الا ربع": -15,
    "الا الربع": -15,
    "الا ثلثا": -20,
    "الا ثلث": -20,
    "الا الثلث": -20,
}


@functools.cache
def hour_words_pattern() -> re.Pattern:
    """«الساعة» and an hour in words (built on first use, like _patterns)."""
    return _compile(
        rf"(?P<pre>الساعه)\s+(?P<hw>{_alt(HOUR_WORDS)})(?!\w)(?:\s+(?P<mw>{_alt(MINUTE_WORDS)})(?!\w))?"
        rf"(?:\s+(?:من\s+)?(?P<ap>{_AMPM})(?!\w))?(?:\s*(?P<par>\()?\s*{_TZ}(?(par)\s*\)))?"
    )


def time_candidates(f: str, out: list) -> None:
    """«الساعة الخامسة مساء» T17:00, «الساعة العاشرة والنصف صباحا» T10:30, «الساعة الثانية إلا ربعا» T01:45."""
    if "الساعه" not in f:
        return
    for mt in hour_words_pattern().finditer(f):
        g = mt.groupdict()
        h = HOUR_WORDS[re.sub(r"\s+", " ", g["hw"])]
        m = MINUTE_WORDS.get(re.sub(r"\s+", " ", g["mw"] or ""), 0)
        if m < 0:
            h, m = (h - 1) or 12, 60 + m
        t = _time_suffix({**g, "H": str(h), "M": str(m)})
        if t is not None:
            out.append((mt.start(), mt.end(), 1, [(mt.start(), mt.end(), t, "time", "gregorian")]))
