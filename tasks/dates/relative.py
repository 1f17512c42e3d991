"""Relative date expressions resolved against the reference (the publication date), beyond akhbar.tasks.dates.candidates'
own: colloquial days («بكرة», «امبارح», «قبل امس»), «غد/بكرة + weekday» (the next such day), a day with
its time («أمس الساعة 10 مساء»), «منذ/قبل/بعد + a number in words + unit», weeks («الأسبوع الماضي»), a
weekday of a week («الخميس من الأسبوع المقبل»), the nth weekday of a month («ثالث جمعة من شهر مايو»),
the first/last day of a period («آخر يوم من السنة»); holidays and Hijri days without a year («غرة رمضان»)
through akhbar.tasks.dates.holidays.

Matched on folded text; each rule is a lexicon table and one pattern. Weeks are ISO weeks (Monday
first), written "YYYY-Www" with granularity "week".
"""

from __future__ import annotations

import datetime as dt
import re

from akhbar.tasks.dates.holidays import _cands_hijri_yearless, _cands_holidays
from akhbar.tasks.dates.lexicon import (
    _ARABIC_MONTH,
    _B,
    _BC,
    _E,
    _MONTH,
    _POS,
    _REL,
    _TIME_TAIL,
    _WEEKDAY,
    _WEEKDAYS,
    _alt,
)
from akhbar.tasks.dates.matching import _add, _forward, _matches
from akhbar.tasks.dates.numbers import NUMBER, number_value
from akhbar.tasks.dates.patterns import _NOT_TODAY, _UNITS, _WEEKDAY_TRIGGERS, _compile
from akhbar.tasks.dates.values import (
    _end_before_time,
    _monthx_value,
    _rel_kind,
    _shift_month,
    _time_suffix,
    _valid_date,
    _weekday_date,
    _year_ok,
)

# word -> days from the reference
RELATIVE_DAYS = {
    "امس": -1,
    "الامس": -1,
    "بالامس": -1,
    "يوم امس": -1,
    "يوم الامس": -1,
    "البارحه": -1,
    "امبارح": -1,
    "مبارح": -1,
    "البارح": -1,
    "اول امس": -2,
    "اول من امس": -2,
    "امس الاول": -2,
    "قبل امس": -2,
    "قبل امبارح": -2,
    "اول امبارح": -2,
    "قبل البارحه": -2,
    "اول البارحه": -2,
    "النهارده": 0,
    "انهارده": 0,
    "غدا": 1,
    "يوم غد": 1,
    "يوم الغد": 1,
    "صباح الغد": 1,
    "مساء الغد": 1,
    "ظهر الغد": 1,
    "بكره": 1,
    "بكرا": 1,
    "باجر": 1,
    "غدوه": 1,
    "بعد غد": 2,
    "بعد الغد": 2,
    "بعد بكره": 2,
    "بعد بكرا": 2,
    "بعد يوم غد": 2,
}
_TRIGGERS = ("اليوم", "امس", "غد", "بكر", "بارح", "نهارده", "باجر")  # the frequent first: any() stops early
# how many words a relative day may open before its key word («اول من امس», «بعد يوم غد», «قبل البارحه»)
_WORDS_BEFORE = {"اليوم": 0, "امس": 2, "غد": 2, "بكر": 1, "بارح": 1, "النهارده": 0, "انهارده": 0, "باجر": 0}
# «اليوم» that is not today: «صحيفة اليوم», «"اليوم"», «اليوم الأول من زيارته» (akhbar.tasks.dates.patterns._NOT_TODAY)
_TODAY = (
    r"(?<![«\"\u201c])(?<!صحيفه\s)(?<!جريده\s)(?<!نفس\s)(?<!ذلك\s)(?<!ذات\s)"
    rf"اليوم(?!\s+{_NOT_TODAY})(?![»\"\u201d])"
)  # «بكرة القدم» is "with the football" (بـ + كرة)
_NOT_TOMORROW = r"(?!(?<=بكره)\s+(?:ال)?(?:قدم|سله|يد|طايره|طاوله|مضرب|ماء|ثلج|ريشه|صالات|شاطي|مطاط|الارضيه)(?!\w))"
_RX_DAY = _compile(
    rf"{_BC}(?P<w>{_alt(RELATIVE_DAYS)}|{_TODAY}){_E}{_NOT_TOMORROW}"
    rf"(?:\s*[،,]?\s*(?:(?:يوم|ليله|صباح|مساء)\s+)?(?P<wd>{_WEEKDAY}){_E})?" + _TIME_TAIL
)

# «منذ/قبل/بعد + number + unit», the number in digits or words, or in the unit («منذ يومين», «قبل أسبوع»)
_APPROX = r"(?:(?:حوالي|نحو|قرابه|زهاء|ما\s+يقارب|ما\s+يقرب\s+من)\s+)"
# «يوما بعد يوم», «عاما بعد عام»: no date
_UNIT_BEFORE = re.compile(r"(?:^|\W)(?:يوم|يوما|عام|عاما|سنه|شهر|شهرا|اسبوع|اسبوعا)\s+$")
_NO_SPAN = r"(?:ان|ذلك|ما|هذا|هذه|التي|الذي)"  # the words most often after قبل/بعد: an early exit, no span starts so
_RX_SPAN = _compile(
    rf"{_BC}(?P<dir>منذ|قبل|بعد)\s+(?!{_NO_SPAN}(?!\w)){_APPROX}?(?:(?P<n>\d{{1,3}})\s+|(?P<nw>{NUMBER})\s+)?"
    rf"(?P<unit>{_alt(_UNITS)}){_E}(?:\s+واحد(?:ه|ا)?(?!\w))?"  # «منذ يوم واحد»
    rf"(?!(?:\s+واحد(?:ه|ا)?)?\s+(?:من|علي|علی)\s)(?!\s+{_MONTH})(?!\s+(?:\d|{_REL}))"
)

_WEEKDAY_BEFORE = _compile(rf"{_B}{_WEEKDAY}{_E}\s*[،,]?\s*(?:(?:يوم|الموافق)\s+)?$")
_RX_DAY_OF_MONTH = re.compile(
    r"(?P<d>\d{1,2})\s+(?P<rel>ال(?:جاري|حالي|ماضي|منصرم|فايت|مقبل|قادم))(?!\w)"
)  # a digit first: re skips to digits in C
_RX_PERIOD_EDGE = _compile(
    rf"{_BC}(?P<pos>{_POS})\s+(?P<unit>العام|السنه|الشهر){_E}(?!\s*(?:\d|{_REL}|ال\w|[وب]?(?:هذا|هذه)))"
)
# «الشهر قبل الماضي», «الخميس قبل الماضي»: the one before the last
_RX_BEFORE_LAST = _compile(
    rf"{_BC}(?:(?P<unit>الاسبوع|الشهر|العام|السنه)|(?:يوم\s+)?(?P<wd>{_WEEKDAY}))\s+قبل\s+"
    rf"(?:الماضي|الماضيه|المنصرم|المنصرمه|الفايت|الفايته){_E}"
)
_WEEK = r"(?:الاسبوع)"
_RX_WEEK = _compile(
    rf"{_BC}(?:(?P<pos>{_POS})\s+)?(?:{_WEEK}\s+(?P<rel>{_REL})|(?:هذا|هذه)\s+{_WEEK}|{_WEEK}\s+ده){_E}"
)
_RX_WEEKDAY_OF_WEEK = _compile(
    rf"{_BC}(?:يوم\s+)?(?P<wd>{_WEEKDAY}){_E}\s+(?:(?:من|في)\s+)?"
    rf"(?:{_WEEK}\s+(?P<rel>{_REL})|(?:هذا|هذه)\s+{_WEEK}){_E}"
)

# the nth weekday of a month: «ثالث جمعة من شهر مايو», «الجمعة الأخيرة من الشهر الماضي»
_NTH = {"اول": 1, "ثاني": 2, "ثالث": 3, "رابع": 4, "خامس": 5, "اخر": -1}
_NTH_AFTER = {
    "الاول": 1,
    "الاولي": 1,
    "الثاني": 2,
    "الثانيه": 2,
    "الثالث": 3,
    "الثالثه": 3,
    "الرابع": 4,
    "الرابعه": 4,
    "الخامس": 5,
    "الخامسه": 5,
    "الاخير": -1,
    "الاخيره": -1,
}
_BARE_WEEKDAYS = {
    "اثنين": 0,
    "اتنين": 0,
    "ثلاثاء": 1,
    "ثلاثا": 1,
    "اربعاء": 2,
    "اربعا": 2,
    "خميس": 3,
    "جمعه": 4,
    "سبت": 5,
    "احد": 6,
}
_MONTH_SPEC = (
    rf"(?:(?:الشهر\s+(?P<srel>{_REL})|(?:هذا|هذه)\s+(?P<sthis>الشهر))"
    rf"|(?:شهر\s+)?(?P<mon>{_ARABIC_MONTH}){_E}(?:\s+(?P<mrel>{_REL}){_E})?"
    rf"(?:\s*[،,]?\s*(?:(?:من\s+)?(?:عام|العام|سنه)\s+)?(?P<y>\d{{4}})(?!\d))?)"
)
_RX_NTH_WEEKDAY = _compile(
    rf"{_BC}(?:(?P<nth>{_alt(_NTH)})\s+(?:يوم\s+)?(?P<bwd>{_alt(_BARE_WEEKDAYS)})"
    rf"|(?:يوم\s+)?(?P<wd>{_WEEKDAY})\s+(?P<nth2>{_alt(_NTH_AFTER)})){_E}\s+(?:من|في)\s+{_MONTH_SPEC}"
)

# the first / last day of a period: «آخر يوم من السنة», «اليوم الأول من العام المقبل», «أول يوم في شهر مايو»
_RX_EDGE_DAY = _compile(
    rf"{_BC}(?:(?P<which>اول|اخر)\s+يوم|اليوم\s+(?P<which2>الاول|الاخير))\s+(?:من|في)\s+"
    rf"(?:(?P<yunit>السنه|العام)(?:\s+(?P<yrel>{_REL}))?{_E}|(?:عام|سنه)\s+(?P<yy>\d{{4}})(?!\d)"
    rf"|(?P<munit>الشهر)(?:\s+(?P<murel>{_REL}))?{_E}|(?:شهر\s+)?(?P<mon>{_ARABIC_MONTH}){_E}"
    rf"(?:\s+(?P<mrel>{_REL}){_E})?(?:\s*[،,]?\s*(?:(?:من\s+)?(?:عام|العام|سنه)\s+)?(?P<y>\d{{4}})(?!\d))?)"
)


def _iso_week(day: dt.date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y:04d}-W{w:02d}"


def _step(rel: str | None) -> int:
    return {"past": -1, "future": 1, "current": 0, None: 0}[_rel_kind(rel)]


def _cands_days(f: str, ref: dt.date, out: list) -> None:
    for mt in _matches(_RX_DAY, f, _WORDS_BEFORE, 2):
        g = mt.groupdict()
        offset = RELATIVE_DAYS.get(re.sub(r"\s+", " ", g["w"]), 0)  # 0: اليوم
        day = ref + dt.timedelta(days=offset)
        if g["wd"] and offset > 0:  # «غدا الأحد»: the next such weekday
            day = _weekday_date(_WEEKDAYS[g["wd"]], "المقبل", ref)
        value, gran, end = day.isoformat(), "day", mt.end()
        t = _time_suffix(g)
        if t is not None:
            value, gran = value + t, "datetime"
        elif g["H"] is not None:
            end = _end_before_time(mt)
        _add(out, mt.start(), end, value, gran, prio=4)


def _cands_spans(f: str, ref: dt.date, out: list) -> None:
    for mt in _matches(_RX_SPAN, f, ("منذ", "قبل", "بعد"), 0):
        g = mt.groupdict()
        kind, n_unit = _UNITS[re.sub(r"\s+", " ", g["unit"])]
        if g.get("n") or g.get("nw"):
            if n_unit is not None and n_unit != 1:
                continue  # "منذ 3 يومين" is not Arabic
            n = int(g["n"]) if g["n"] else number_value(g["nw"])
        else:
            n = n_unit
        if not n or n <= 0:
            continue
        sign = 1 if g["dir"] == "بعد" else -1
        if sign > 0 and _UNIT_BEFORE.search(f, max(0, mt.start() - 8), mt.start()):
            continue
        if sign > 0 and kind not in ("d", "w", "h", "min", "s"):
            continue  # «عاد بعد 30 عاما» counts from another event as often as from the reference
        if kind in ("h", "min", "s"):
            hours = n if kind == "h" else 0
            value, gran = (ref + dt.timedelta(days=sign * (hours // 24))).isoformat(), "day"
        elif kind in ("d", "w"):
            value, gran = (ref + dt.timedelta(days=sign * n * (7 if kind == "w" else 1))).isoformat(), "day"
        elif kind == "m":
            yy, mm = _shift_month(ref.year, ref.month, sign * n)
            value, gran = f"{yy:04d}-{mm:02d}", "month"
        else:
            value, gran = f"{ref.year + sign * n:04d}", "year"
        _add(out, mt.start(), mt.end(), value, gran)


def _cands_month_days(f: str, ref: dt.date, out: list) -> None:
    """«يوم 15 الجاري» (this month's 15th), «في 3 المقبل» (next month's 3rd)."""
    for mt in _RX_DAY_OF_MONTH.finditer(f):
        s = mt.start()
        if s and f[s - 1] in "0123456789.,/:-":
            continue  # part of a longer number
        yy, mm = _shift_month(ref.year, ref.month, _step(mt.group("rel")))
        day = _valid_date(yy, mm, int(mt.group("d")))
        if day is not None:
            wd = _WEEKDAY_BEFORE.search(f, max(0, s - 20), s)  # «الخميس 19 الجاري»: one mention
            _add(out, wd.start() if wd else s, mt.end(), day.isoformat(), "day", prio=4)


def cands_period_edge(f: str, ref: dt.date, out: list) -> None:
    """«نهاية العام», «مطلع الشهر» without a relative word: the reference's year / month
    (akhbar.tasks.dates.candidates calls it when العام/السنه/الشهر is in the text)."""
    for mt in _matches(_RX_PERIOD_EDGE, f, ("العام", "السنه", "الشهر"), 1):
        unit = mt.group("unit")
        value, gran = (f"{ref.year:04d}", "year") if unit != "الشهر" else (f"{ref.year:04d}-{ref.month:02d}", "month")
        _add(out, mt.start(), mt.end(), value, gran, prio=2)


def _cands_before_last(f: str, ref: dt.date, out: list) -> None:
    for mt in _matches(_RX_BEFORE_LAST, f, ("قبل",), 2):
        unit, wd = mt.group("unit"), mt.group("wd")
        if wd:
            day = _weekday_date(_WEEKDAYS[wd], "الماضي", ref) - dt.timedelta(days=7)
            value, gran = day.isoformat(), "day"
        elif unit == "الاسبوع":
            value, gran = _iso_week(ref - dt.timedelta(weeks=2)), "week"
        elif unit == "الشهر":
            yy, mm = _shift_month(ref.year, ref.month, -2)
            value, gran = f"{yy:04d}-{mm:02d}", "month"
        else:
            value, gran = f"{ref.year - 2:04d}", "year"
        start = mt.start("wd") if wd else mt.start()
        _add(out, start, mt.end(), value, gran, prio=4)


def _cands_weeks(f: str, ref: dt.date, out: list) -> None:
    for mt in _matches(_RX_WEEK, f, ("الاسبوع",), 2):
        _add(out, mt.start(), mt.end(), _iso_week(ref + dt.timedelta(weeks=_step(mt.group("rel")))), "week")
    for mt in _matches(_RX_WEEKDAY_OF_WEEK, f, _WEEKDAY_TRIGGERS, 1):
        monday = ref - dt.timedelta(days=ref.weekday()) + dt.timedelta(weeks=_step(mt.group("rel")))
        day = monday + dt.timedelta(days=_WEEKDAYS[mt.group("wd")])
        _add(out, mt.start(), mt.end(), day.isoformat(), "day", prio=4)


def _month_of_spec(g: dict, ref: dt.date | None, f: str, start: int) -> tuple[int, int] | None:
    """(year, month) of a _MONTH_SPEC match; a month without a year is the nearest past one."""
    if g["srel"] or g["sthis"]:
        if ref is None:
            return None
        return _shift_month(ref.year, ref.month, _step(g["srel"]))
    mv = _monthx_value(g["mon"])
    if mv is None:
        return None
    m = mv[0]
    if g["y"]:
        return int(g["y"]), m
    if ref is None:
        return None
    kind = _rel_kind(g["mrel"])
    if kind == "future" or (kind is None and _forward(f, start)):
        return (ref.year if m > ref.month or (kind is None and m == ref.month) else ref.year + 1), m
    if kind == "past":
        return (ref.year if m < ref.month else ref.year - 1), m
    return (ref.year if m <= ref.month else ref.year - 1), m


def _nth_weekday(y: int, m: int, wd: int, nth: int) -> dt.date | None:
    if nth > 0:
        first = dt.date(y, m, 1)
        day = first + dt.timedelta(days=(wd - first.weekday()) % 7 + 7 * (nth - 1))
        return day if day.month == m else None
    ny, nm = _shift_month(y, m, 1)
    last = dt.date(ny, nm, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - wd) % 7)


def _cands_nth_weekday(f: str, ref: dt.date | None, out: list) -> None:
    for mt in _matches(_RX_NTH_WEEKDAY, f, _WEEKDAY_TRIGGERS, 2):
        g = mt.groupdict()
        if g["nth"]:
            nth, wd = _NTH[g["nth"]], _BARE_WEEKDAYS[g["bwd"]]
        else:
            nth, wd = _NTH_AFTER[g["nth2"]], _WEEKDAYS[g["wd"]]
        ym = _month_of_spec(g, ref, f, mt.start())
        if ym is None or not _year_ok(ym[0]):
            continue
        day = _nth_weekday(ym[0], ym[1], wd, nth)
        if day is not None:
            _add(out, mt.start(), mt.end(), day.isoformat(), "day", prio=5)


def _cands_edge_day(f: str, ref: dt.date | None, out: list) -> None:
    for mt in _matches(_RX_EDGE_DAY, f, _EDGE_TRIGGERS, 0):
        g = mt.groupdict()
        last = (g["which"] or g["which2"]) in ("اخر", "الاخير")
        if g["yunit"] or g["yy"]:
            if g["yy"]:
                y = int(g["yy"])
            elif ref is None:
                continue
            else:
                y = ref.year + _step(g["yrel"])
            day = dt.date(y, 12, 31) if last else dt.date(y, 1, 1)
        else:
            if g["munit"]:
                if ref is None:
                    continue
                y, m = _shift_month(ref.year, ref.month, _step(g["murel"]))
            else:
                ym = _month_of_spec(
                    {"srel": None, "sthis": None, "mon": g["mon"], "mrel": g["mrel"], "y": g["y"]}, ref, f, mt.start()
                )
                if ym is None:
                    continue
                y, m = ym
            if not _year_ok(y):
                continue
            day = dt.date(y, m, 1)
            if last:
                ny, nm = _shift_month(y, m, 1)
                day = dt.date(ny, nm, 1) - dt.timedelta(days=1)
        _add(out, mt.start(), mt.end(), day.isoformat(), "day", prio=5)


# a digit first: re skips to the digits in C
_DAY_HIJRI = re.compile(r"\d\s*(?:من\s+)?(?:محرم|صفر|ربيع|جمادي|رجب|شعبان|رمضان|شوال|ذو|ذي)")
_SHAHR_HIJRI = re.compile(r"شهر\s+(?:محرم|صفر|ربيع|جمادي|رجب|شعبان|رمضان|شوال|ذو|ذي)")  # a literal first: a C search
_RAMADAN_REL = re.compile(rf"رمضان\s+{_REL}")  # a literal first: a C search
_EDGE_TRIGGERS = ("اول يوم", "اخر يوم", "اليوم ال")


def candidates(f: str, ref: dt.date | None, out: list, month: bool, weekday: bool, digit: bool, hits) -> None:
    """Add this module's candidates (akhbar.tasks.dates.candidates._Cand) for the folded text `f` to `out`. `month`, `weekday`,
    `digit`: extract_mentions found a month name / a weekday trigger / a digit in `f` (the cheap gates it computed);
    `hits`: the rules that may match in `f` (akhbar.tasks.dates.trigger.rule_hits)."""
    if "edge_day" in hits and "يوم" in f and any(k in f for k in _EDGE_TRIGGERS):
        _cands_edge_day(f, ref, out)
    if "nth_weekday" in hits and weekday and (month or "الشهر" in f):
        _cands_nth_weekday(f, ref, out)
    if "holiday" in hits and ("عيد ال" in f or "عرفه" in f or "المولد" in f or "راس السنه" in f):
        _cands_holidays(f, ref, out)
    if ref is None:
        return
    if "rel_day" in hits and any(k in f for k in _TRIGGERS):
        _cands_days(f, ref, out)
    if ("span" in hits or "before_last" in hits) and ("منذ" in f or "قبل" in f or "بعد" in f):
        if "span" in hits:
            _cands_spans(f, ref, out)
        if "before_last" in hits and "قبل ال" in f:
            _cands_before_last(f, ref, out)
    if ("week" in hits or "weekday_of_week" in hits) and "الاسبوع" in f:
        _cands_weeks(f, ref, out)
    if digit and "day_of_month" in hits:
        _cands_month_days(f, ref, out)
    # a Hijri month without a year comes with شهر, غرة or a day number, or is رمضان with a relative word
    if "hijri_yearless" in hits and (
        "غره" in f
        or ("شهر" in f and _SHAHR_HIJRI.search(f))
        or ("رمضان" in f and _RAMADAN_REL.search(f))
        or (digit and _DAY_HIJRI.search(f))
    ):
        _cands_hijri_yearless(f, ref, out)
