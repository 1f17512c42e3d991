"""Dates as sites' date widgets and English-order templates render them in Arabic: a month cut to its
first three or four letters, sometimes closed by a tatweel («12 يول 2018», «03 سبتـ 2019», «5-أكتو-2020»),
and the month first («أبريل 3, 2021», «الخميس، يوليو 12، 2018 - 11:40 م»), Maghrebi and Levantine
names included. Folded text; an abbreviation only counts between a day number and a four-digit year.
"""

from __future__ import annotations

import re

from akhbar.tasks.dates.lexicon import _ARABIC_MONTH, _B, _E, _GREG_MONTHS, _NOT_NUM_BEFORE, _TIME_TAIL, _WEEKDAY, _alt
from akhbar.tasks.dates.patterns import _compile
from akhbar.tasks.dates.values import _end_before_time, _month_of, _time_suffix, _valid_date, _year_ok

# the first three and four letters of each one-word month name, when all the names they start agree
_prefixes: dict[str, set[int]] = {}
for _name, _month in _GREG_MONTHS.items():
    if " " in _name or len(_name) < 4:
        continue
    for _n in (3, 4):
        if len(_name) > _n:
            _prefixes.setdefault(_name[:_n], set()).add(_month)
ABBREVIATIONS = {p: ms.pop() for p, ms in _prefixes.items() if len(ms) == 1 and p not in _GREG_MONTHS}

_MON = rf"(?P<mon>{_alt(ABBREVIATIONS)}|{_ARABIC_MONTH})\.?{_E}"
_RX_DAY_FIRST = _compile(
    rf"{_NOT_NUM_BEFORE}(?P<d>\d{{1,2}})(?:\s+|\s*[-/.]\s*){_MON}(?:\s*[-/.،,]\s*|\s+)(?P<y>\d{{4}})(?!\d)" + _TIME_TAIL
)
_RX_MONTH_FIRST = _compile(
    rf"{_B}(?:(?P<wd>{_WEEKDAY}){_E}\s*[،,]?\s*)?{_MON}\s+(?P<d>\d{{1,2}})(?!\d)(?:st|nd|rd|th)?"
    rf"\s*[,،]?\s+(?P<y>\d{{4}})(?!\d)" + _TIME_TAIL
)


_DAY_ABBREVIATION_FIRST = re.compile(rf"(?<!\w){_alt(ABBREVIATIONS)}\.?\s+\d")


def _month(name: str) -> int | None:
    key = re.sub(r"\s+", " ", name.strip().rstrip("."))
    return ABBREVIATIONS.get(key) or _month_of(key)


# cheap gates (they open with a digit, which re skips to in C): a day and an abbreviation, a day and a year
_DAY_ABBREVIATION = re.compile(rf"\d(?:\s+|\s*[-/.]\s*){_alt(ABBREVIATIONS)}\.?(?!\w)")
_DAY_YEAR = re.compile(r"\d\s*[,،]?\s+\d{4}")


_ALL = frozenset({"widget_day_first", "widget_month_first"})


def candidates(f: str, ref, out: list, month: bool, rules=_ALL) -> None:
    """Day-first dates with an abbreviated month, and month-first dates (any month spelling); called on
    texts with a four-digit run. `month`: extract_mentions found a month name in `f`; `rules`: the names of
    the patterns (widget_day_first, widget_month_first) that may match in `f` (trigger.rule_hits)."""
    if not (
        _DAY_ABBREVIATION.search(f)
        or (month and _DAY_YEAR.search(f))
        or (_DAY_YEAR.search(f) and _DAY_ABBREVIATION_FIRST.search(f))
    ):
        return
    for name, rx in (("widget_day_first", _RX_DAY_FIRST), ("widget_month_first", _RX_MONTH_FIRST)):
        for mt in rx.finditer(f) if name in rules else ():
            g = mt.groupdict()
            m, y, day = _month(g["mon"]), int(g["y"]), int(g["d"])
            if m is None or not _year_ok(y) or _valid_date(y, m, day) is None:
                continue
            value, gran, end = f"{y:04d}-{m:02d}-{day:02d}", "day", mt.end()
            t = _time_suffix(g)
            if t is not None:
                value, gran = value + t, "datetime"
            elif g["H"] is not None:
                end = _end_before_time(mt)
            out.append((mt.start(), end, 8, [(mt.start(), end, value, gran, "gregorian")]))
