"""Value helpers of the grammar: month names to numbers, years, days, times, weekdays, shifted months."""

from __future__ import annotations

import datetime as dt
import functools
import re

from akhbar.tasks.dates.lexicon import (
    _AM_WORDS,
    _AMBIGUOUS_MONTHS,
    _CURRENT,
    _ENGLISH_MONTHS,
    _FUTURE,
    _GREG_MONTHS,
    _NOON_WORDS,
    _PAST,
    _PM_WORDS,
)


@functools.lru_cache(maxsize=4096)  # a few dozen spellings recur in every text: each is looked up once
def _month_of(name: str) -> int | None:
    key = re.sub(r"\s+", " ", name.strip().rstrip(".")).strip()
    key = re.sub(r" ?(\d)$", r" \1", key)
    if key in _GREG_MONTHS:
        return _GREG_MONTHS[key]
    return _ENGLISH_MONTHS.get(key.lower())


def _split_monthx(monx: str) -> list[str]:
    parts = re.split(r"\s*(?:/|\\|-|–|\(|،)\s*", monx.strip().rstrip(")").strip())
    if len(parts) == 1 and _month_of(parts[0]) is None:  # "يوليو تموز": split on the space
        words = parts[0].split()
        for i in range(1, len(words)):
            a, b = " ".join(words[:i]), " ".join(words[i:])
            if _month_of(a) is not None and _month_of(b) is not None:
                return [a, b]
    return [p for p in parts if p]


@functools.lru_cache(maxsize=4096)
def _monthx_value(monx: str) -> tuple[int, bool] | None:
    """(month, ambiguous) for a possibly doubled month; ambiguous if no part is a sure month name."""
    parts = _split_monthx(monx)
    if not parts:
        return None
    m = _month_of(parts[0])
    if m is None:
        return None
    key = lambda p: re.sub(r"\s+", " ", p.strip(".")).lower()  # noqa: E731
    ambiguous = all(key(p) in _AMBIGUOUS_MONTHS for p in parts)
    return m, ambiguous


def _year_ok(y: int) -> bool:
    return 1000 <= y <= 2199


def _near_year(month: int, day: int | None, ref: dt.date) -> int:
    """Year for a month (and day) written without a year: the occurrence nearest the reference."""
    diff = month - ref.month
    if diff > 6:
        return ref.year - 1
    if diff < -7:
        return ref.year + 1
    return ref.year


def _rel_kind(rel: str | None) -> str | None:
    if not rel:
        return None
    if rel in _PAST:
        return "past"
    if rel in _FUTURE:
        return "future"
    if rel in _CURRENT:
        return "current"
    return None


def _valid_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _hour_24(h: int, ap: str | None) -> int | None:
    """The 24-hour hour of a 12-hour time and its part of the day (ص/م, صباحا, مساء, ظهرا, عصرا, فجرا, ليلا)."""
    if not ap:
        return h
    ap = re.sub(r"\s+", " ", ap).lower()
    if h > 12:
        return h if ap not in _AM_WORDS else None  # "14:00 مساء" is still 14:00; "14:00 ص" is no time
    if ap in _AM_WORDS:
        return 0 if h == 12 else h
    if ap in _PM_WORDS:
        return h if h == 12 else h + 12
    if ap in _NOON_WORDS:
        return h + 12 if 1 <= h <= 5 else h
    return h + 12 if 6 <= h <= 11 else (0 if h == 12 else h)  # night: "11 ليلا" 23, "2 ليلا" 02


def _time_suffix(g: dict) -> str | None:
    """ "THH:MM[:SS][±HH:MM|Z]" from the H/M/S/ap/tz/gmt groups, or None if absent or impossible.
    An hour without minutes is a time only after الساعة and with its part of the day ("الساعة 5 مساء")."""
    if g.get("H") is None:
        return None
    if g.get("M") is None and not (g.get("pre") and g.get("ap")):
        return None
    h, mi = _hour_24(int(g["H"]), g.get("ap")), int(g.get("M") or 0)
    if h is None or h > 23 or mi > 59:
        return None
    s = f"T{h:02d}:{mi:02d}"
    if g.get("S") is not None:
        if int(g["S"]) > 59:
            return None
        s += f":{int(g['S']):02d}"
    if g.get("tz"):
        tz = g["tz"].replace(":", "")
        s += f"{tz[:3]}:{tz[3:]}"
    elif g.get("gmtoff"):
        off = re.sub(r"\s+", "", g["gmtoff"])
        hh, _, mm = off[1:].partition(":")
        if len(hh) > 2:  # "+0300"
            hh, mm = hh[:-2], hh[-2:]
        if int(hh) > 14 or int(mm or 0) > 59:
            return None
        s += "Z" if int(hh) == int(mm or 0) == 0 else f"{off[0]}{int(hh):02d}:{int(mm or 0):02d}"
    elif g.get("gmt"):
        s += "Z"
    elif g.get("mecca"):
        s += "+03:00"
    return s


def _weekday_date(wd: int, rel: str | None, ref: dt.date) -> dt.date:
    kind = _rel_kind(rel)
    if kind == "future":
        delta = (wd - ref.weekday()) % 7 or 7
        return ref + dt.timedelta(days=delta)
    delta = (ref.weekday() - wd) % 7
    if kind == "past" and delta == 0:
        delta = 7
    return ref - dt.timedelta(days=delta)


def _shift_month(y: int, m: int, n: int) -> tuple[int, int]:
    k = y * 12 + (m - 1) + n
    return k // 12, k % 12 + 1


def _yearless_day_year(m: int, d: int, ref: dt.date, wd: int | None = None, forward: bool = False) -> int:
    """The year of a day written without one: the year whose date falls on the weekday written with it
    ("الأحد 5 يناير"), else the next occurrence when the sentence points forward, else the nearest past one."""
    if wd is not None:
        fits = [
            y
            for y in (ref.year, ref.year - 1, ref.year + 1)
            if (day := _valid_date(y, m, d)) is not None and day.weekday() == wd
        ]
        if fits:
            return min(fits, key=lambda y: abs((dt.date(y, m, d) - ref).days))
    if forward:
        return ref.year if (m, d) >= (ref.month, ref.day) else ref.year + 1
    return ref.year if (m, d) <= (ref.month, ref.day) else ref.year - 1


def _day_value(
    y: int | None, m: int, d: int, ref: dt.date | None, wd: int | None = None, forward: bool = False
) -> tuple[str, str] | None:
    if not 1 <= d <= 31:
        return None
    if y is None:
        if ref is None:
            if _valid_date(2000, m, d) is None:
                return None
            return f"--{m:02d}-{d:02d}", "day"
        y = _yearless_day_year(m, d, ref, wd, forward)
    if not _year_ok(y) or _valid_date(y, m, d) is None:
        return None
    return f"{y:04d}-{m:02d}-{d:02d}", "day"


def _hijri_value(y: int, m: int, d: int | None) -> tuple[str, str]:
    """The Gregorian value of a Hijri day, or of a Hijri month (d None): the Gregorian month holding
    its middle, since a Hijri month straddles two. Raises ValueError/OverflowError outside the calendar."""
    from hijridate import Hijri  # light import, only when a Hijri month is present

    if d is not None:
        gd = Hijri(y, m, d).to_gregorian()
        return f"{gd.year:04d}-{gd.month:02d}-{gd.day:02d}", "day"
    gd = Hijri(y, m, 15).to_gregorian()
    return f"{gd.year:04d}-{gd.month:02d}", "month"


def _end_before_time(mt: re.Match) -> int:
    """End of the date part when a trailing time group matched but was invalid."""
    time_groups = {"pre", "H", "M", "S", "ap", "par", "tz", "gmt", "gmtoff", "mecca"}
    ends = [mt.end(n) for n in mt.re.groupindex if n not in time_groups and mt.end(n) != -1]
    return max(ends) if ends else mt.end()
