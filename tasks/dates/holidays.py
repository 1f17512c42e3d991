"""Holidays («عيد الأضحى», «ليلة رأس السنة») and Hijri days or months without a year («غرة رمضان», «15 شعبان»,
«شهر رمضان المقبل»), resolved against the reference through the Hijri calendar (hijridate)."""

from __future__ import annotations

import datetime as dt
import functools
import re

from akhbar.tasks.dates.lexicon import (
    _BC,
    _E,
    _HIJRI_MONTHS,
    _HMONTH,
    _ORDINAL,
    _ORDINALS,
    _REL,
    _REL_STEMS,
    _alt,
)
from akhbar.tasks.dates.matching import _add, _forward, _matches
from akhbar.tasks.dates.patterns import _compile
from akhbar.tasks.dates.values import _hijri_value, _rel_kind

_HIJRI_NAMES = ("محرم", "صفر", "ربيع", "جمادي", "رجب", "شعبان", "رمضان", "شوال", "القعده", "الحجه")


# a Hijri day or month without a year: «غرة رمضان», «15 شعبان», «شهر رمضان المقبل»
_RX_HIJRI_YEARLESS = _compile(
    rf"{_BC}(?:(?:(?P<d>\d{{1,2}})|(?P<ord>{_ORDINAL}))\s+(?:من\s+)?(?:شهر\s+)?|(?P<shahr>شهر)\s+)?"
    rf"(?P<hmon>{_HMONTH}){_E}(?:\s+(?P<rel>{_REL}){_E})?"
    rf"(?!\s*[،,]?\s*(?:(?:عام|سنه|لعام|لسنه)\s+)?\d)"
)


# holidays: (calendar, month, day); «أول/ثاني/ثالث أيام» counts from the day, «ليلة/عشية» is the eve
HOLIDAYS = {
    "عيد الفطر": ("hijri", 10, 1),
    "عيد الفطر المبارك": ("hijri", 10, 1),
    "عيد الاضحي": ("hijri", 12, 10),
    "عيد الاضحي المبارك": ("hijri", 12, 10),
    "يوم عرفه": ("hijri", 12, 9),
    "وقفه عرفه": ("hijri", 12, 9),
    "المولد النبوي": ("hijri", 3, 12),
    "المولد النبوي الشريف": ("hijri", 3, 12),
    "راس السنه الهجريه": ("hijri", 1, 1),
    "عيد الميلاد المجيد": ("gregorian", 12, 25),
    "راس السنه الميلاديه": ("gregorian", 1, 1),
    "عيد العمال": ("gregorian", 5, 1),
    "عيد الحب": ("gregorian", 2, 14),
}


_HOLIDAY_DAYS = {"اول ايام": 0, "ثاني ايام": 1, "ثالث ايام": 2, "رابع ايام": 3, "ليله": -1, "عشيه": -1}


_HOLIDAY_BEFORE = re.compile(rf"(?<!\w)(?P<pre>{_alt(_HOLIDAY_DAYS)})\s+$")


_RX_HOLIDAY = _compile(
    rf"{_BC}(?P<h>{_alt(HOLIDAYS)}){_E}"
    rf"(?:\s*(?:(?:لعام|لسنه|عام|سنه)\s+)?(?P<y>\d{{4}})(?!\d)(?P<suf>\s*ه(?!\w))?)?"
)


_HOLIDAY_KEYS = ("عيد ال", "يوم عرفه", "وقفه عرفه", "المولد", "راس السنه")  # where each name starts


@functools.lru_cache(maxsize=4096)  # a corpus's pages share few references; the calendar conversion is slow
def _holiday_date(cal: str, m: int, day: int, y: int | None, ref: dt.date | None, forward: bool) -> dt.date | None:
    """The holiday in year y of its calendar, else its occurrence nearest before the reference (after it when
    the sentence points forward)."""
    from hijridate import Gregorian, Hijri

    def on(year: int) -> dt.date | None:
        try:
            if cal == "hijri":
                g = Hijri(year, m, day).to_gregorian()
                return dt.date(g.year, g.month, g.day)
            return dt.date(year, m, day)
        except (ValueError, OverflowError):
            return None

    if y is not None:
        return on(y)
    if ref is None:
        return None
    base = Gregorian(ref.year, ref.month, ref.day).to_hijri().year if cal == "hijri" else ref.year
    days = [x for x in (on(base - 1), on(base), on(base + 1)) if x is not None]
    if forward:
        later = [x for x in days if x >= ref]
        return min(later) if later else None
    earlier = [x for x in days if x <= ref]
    return max(earlier) if earlier else None


def _cands_holidays(f: str, ref: dt.date | None, out: list) -> None:
    for mt in _matches(_RX_HOLIDAY, f, _HOLIDAY_KEYS, 0):
        g = mt.groupdict()
        pre = _HOLIDAY_BEFORE.search(f, max(0, mt.start() - 12), mt.start())
        cal, m, day = HOLIDAYS[re.sub(r"\s+", " ", g["h"])]
        y = int(g["y"]) if g["y"] else None
        hijri_year = y is not None and (g["suf"] is not None or 1300 <= y <= 1500)
        if y is not None and cal == "hijri" and not hijri_year:  # «عيد الفطر 2017»: the one in that Gregorian year
            got = next(
                (
                    x
                    for hy in range(y - 580, y - 576)
                    if (x := _holiday_date(cal, m, day, hy, None, False)) is not None and x.year == y
                ),
                None,
            )
        elif y is not None and cal == "gregorian" and hijri_year:
            continue
        else:
            got = _holiday_date(cal, m, day, y, ref, _forward(f, mt.start()))
        if got is None:
            continue
        got += dt.timedelta(days=_HOLIDAY_DAYS[re.sub(r"\s+", " ", pre.group("pre"))] if pre else 0)
        end = mt.end() if y is not None else mt.end("h")
        _add(out, pre.start() if pre else mt.start(), end, got.isoformat(), "day", prio=5, cal=cal)


# what a Hijri month without a year needs around it: a day (digits, an ordinal, غرة) or شهر before it,
# or a relative word after it
_HIJRI_BEFORE = re.compile(rf"(?:\d|شهر|{_ORDINAL})\s*(?:من\s+)?(?:شهر\s+)?$")


def _hijri_name_positions(f: str) -> list[int]:
    at = []
    for k in _HIJRI_NAMES:
        i = f.find(k)
        while i >= 0:
            if _HIJRI_BEFORE.search(f, max(0, i - 40), i) or any(s in f[i : i + 30] for s in _REL_STEMS):
                at.append(i)
            i = f.find(k, i + 1)
    return at


def _cands_hijri_yearless(f: str, ref: dt.date, out: list) -> None:
    from hijridate import Gregorian

    at = _hijri_name_positions(f)
    if not at:
        return
    today = None
    for mt in _matches(_RX_HIJRI_YEARLESS, f, (), 5, at):
        g = mt.groupdict()
        hm = _HIJRI_MONTHS.get(re.sub(r"\s+", " ", g["hmon"]))
        if hm is None or not (g["d"] or g["ord"] or g["shahr"] or g["rel"]):
            continue  # a bare رمضان, رجب, صفر is a name or a number as often as a month
        today = today or Gregorian(ref.year, ref.month, ref.day).to_hijri()
        day = int(g["d"]) if g["d"] else (_ORDINALS.get(re.sub(r"\s+", " ", g["ord"])) if g["ord"] else None)
        kind = _rel_kind(g["rel"]) or ("future" if _forward(f, mt.start()) else None)
        key, now = (hm, day or 1), (today.month, today.day)
        if kind == "future":
            hy = today.year if key > now else today.year + 1
        elif kind == "past" and day is None:
            hy = today.year if hm < today.month else today.year - 1
        elif day is None:  # a month alone: the occurrence nearest the reference, as for Gregorian months
            hy = min(
                (today.year - 1, today.year, today.year + 1),
                key=lambda y: abs((y * 12 + hm) - (today.year * 12 + today.month)),
            )
        else:
            hy = today.year if key <= now or (day is None and hm == today.month) else today.year - 1
        try:
            value, gran = _hijri_value(hy, hm, day)
        except (ValueError, OverflowError):
            continue
        start = mt.start("shahr") if g["shahr"] else mt.start()
        _add(out, start, mt.end(), value, gran, prio=6, cal="hijri")
