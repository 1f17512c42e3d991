"""Candidate builders: each adds the (start, end, priority, parts) candidates of one pattern family
found in a folded text (akhbar.tasks.dates.mentions selects among them)."""

from __future__ import annotations

import datetime as dt
import re

from akhbar.tasks.dates import relative
from akhbar.tasks.dates.lexicon import _HIJRI_MONTHS, _ORDINALS, _REL_STEMS, _SEASONS, _WEEKDAY_NAMES, _WEEKDAYS
from akhbar.tasks.dates.matching import _matches, _matches_near
from akhbar.tasks.dates.patterns import (
    _DIGIT_COLON,
    _FUTURE_BEFORE,
    _RX_AND_YEAR,
    _RX_DAY,
    _RX_DMY,
    _RX_HIJRI,
    _RX_HOUR,
    _RX_ISO,
    _RX_MDY,
    _RX_MONTH,
    _RX_RANGE,
    _RX_RELPERIOD,
    _RX_RFC,
    _RX_SEASON,
    _RX_TIME,
    _RX_WEEKDAY,
    _RX_YEAR,
    _YEAR_KW_MAX,
)
from akhbar.tasks.dates.values import (
    _day_value,
    _end_before_time,
    _hijri_value,
    _month_of,
    _monthx_value,
    _near_year,
    _rel_kind,
    _shift_month,
    _split_monthx,
    _time_suffix,
    _valid_date,
    _weekday_date,
    _year_ok,
)

# a candidate: (start, end, priority, [(start, end, value, granularity, calendar), ...]) in folded coordinates
_Cand = tuple[int, int, int, list[tuple[int, int, str, str, str]]]


def _cands_numeric(f: str, ref: dt.date | None, out: list, first_four: int = 0) -> None:
    # an ISO date starts with its year: no match starts before the first four-digit run
    for rx, prio, start in ((_RX_ISO, 9, first_four), (_RX_DMY, 9, 0)):
        for mt in rx.finditer(f, start):
            g = mt.groupdict()
            y, m, d = int(g["y"]), int(g["m"]), int(g["d"])
            if rx is _RX_DMY and m > 12 and d <= 12:  # month-first (US) writing
                m, d = d, m
            hijri = (g.get("suf") or "").strip().startswith("ه") or 1300 <= y <= 1500
            if hijri:
                try:
                    from hijridate import Hijri

                    gd = Hijri(y, m, d).to_gregorian()
                except (ValueError, OverflowError):
                    continue
                y, m, d = gd.year, gd.month, gd.day
            if not _year_ok(y) or _valid_date(y, m, d) is None:
                continue
            value, gran = f"{y:04d}-{m:02d}-{d:02d}", "day"
            end = mt.end()
            t = _time_suffix(g)
            if t is not None:
                value, gran = value + t, "datetime"
            elif g.get("H") is not None:
                end = _end_before_time(mt)
            out.append((mt.start(), end, prio, [(mt.start(), end, value, gran, "hijri" if hijri else "gregorian")]))


def _cands_rfc(f: str, out: list) -> None:
    for mt in (*_RX_RFC.finditer(f), *_RX_MDY.finditer(f)):
        g = mt.groupdict()
        m = _month_of(g["mon"])
        y, d = int(g["y"]), int(g["d"])
        if m is None or not _year_ok(y) or _valid_date(y, m, d) is None:
            continue
        value, gran, end = f"{y:04d}-{m:02d}-{d:02d}", "day", mt.end()
        t = _time_suffix(g)
        if t is not None:
            value, gran = value + t, "datetime"
        elif g.get("H") is not None:
            end = mt.end("y")
        out.append((mt.start(), end, 9, [(mt.start(), end, value, gran, "gregorian")]))


def _cands_hijri(f: str, out: list) -> None:
    for mt in _RX_HIJRI.finditer(f):
        g = mt.groupdict()
        hm = _HIJRI_MONTHS.get(re.sub(r"\s+", " ", g["hmon"]))
        hy = int(g["y"])
        if hm is None:
            continue
        d = int(g["d"]) if g["d"] else (_ORDINALS.get(re.sub(r"\s+", " ", g["ord"])) if g["ord"] else None)
        try:
            value, gran = _hijri_value(hy, hm, d)
        except (ValueError, OverflowError):
            continue
        start = mt.start()
        out.append((start, mt.end(), 8, [(start, mt.end(), value, gran, "hijri")]))


def _year_from(g: dict) -> int | None:
    if g.get("y") is None:
        return None
    y = int(g["y"])
    return y if _year_ok(y) else -1


def _cands_day(f: str, ref: dt.date | None, out: list) -> None:
    for mt in _RX_DAY.finditer(f):
        g = mt.groupdict()
        mv = _monthx_value(g["mon"])
        if mv is None:
            continue
        m, _amb = mv
        d = int(g["d"]) if g["d"] else _ORDINALS.get(re.sub(r"\s+", " ", g["ord"]))
        if d is None:
            continue
        y = _year_from(g)
        if y == -1:
            continue
        if g["ord"] and y is None and ref is None and not re.search(r"من\s", mt.group(0)):
            # "الثاني يناير" without من: too weak alone
            continue
        if g["ord"] and y is None and _CITY_BEFORE.search(f[max(0, mt.start() - 12) : mt.start()]):
            out.append((mt.start(), mt.end(), 99, []))  # a place name: blocks the month inside it too
            continue  # مدينة السادس من أكتوبر, جسر 6 أكتوبر: places
        if y is None and ref is not None and g["yrel"]:
            y = ref.year + {"past": -1, "future": 1, "current": 0}[_rel_kind(g["yrel"])]
        if y is None and ref is not None and g["rel"]:
            kind = _rel_kind(g["rel"])
            if kind == "past":
                y = ref.year if (m, d) < (ref.month, ref.day) else ref.year - 1
            elif kind == "future":
                y = ref.year if (m, d) > (ref.month, ref.day) else ref.year + 1
            elif kind == "current":
                y = ref.year  # "30 من أبريل الجاري": this year's
        wd = _WEEKDAYS[g["wd"]] if g["wd"] else None
        forward = y is None and ref is not None and _FUTURE_BEFORE.search(f[max(0, mt.start() - 40) : mt.start()])
        dv = _day_value(y, m, d, ref, wd, bool(forward))
        if dv is None:
            continue
        value, gran = dv
        end = mt.end()
        t = _time_suffix(g)
        if t is not None and (y is not None or ref is not None):
            value, gran = value + t, "datetime"
        elif g.get("H") is not None:
            end = _end_before_time(mt) if (y is not None or ref is not None) else mt.end("mon")
        out.append((mt.start(), end, 7, [(mt.start(), end, value, gran, "gregorian")]))


def _cands_range(f: str, ref: dt.date | None, out: list) -> None:
    for mt in _RX_RANGE.finditer(f):
        g = mt.groupdict()
        mv = _monthx_value(g["mon"])
        if mv is None:
            continue
        m = mv[0]
        y = _year_from(g)
        if y == -1:
            continue
        d1, d2 = int(g["d1"]), int(g["d2"])
        if not d1 < d2:
            continue
        v1, v2 = _day_value(y, m, d1, ref), _day_value(y, m, d2, ref)
        if v1 is None or v2 is None:
            continue
        out.append(
            (
                mt.start(),
                mt.end(),
                10,
                [
                    (mt.start("d1"), mt.end("d1"), v1[0], "day", "gregorian"),
                    (mt.start("d2"), mt.end(), v2[0], "day", "gregorian"),
                ],
            )
        )


_NAME_BEFORE = re.compile(r"(?:(?<!\w)دي|(?<!\w)دو|واتس)\s*$")
_CITY_BEFORE = re.compile(r"(?:مدينه|جسر|كوبري|ميدان|شارع|حي|جامعه|محافظه)\s+$")
_MONTH_CONTEXT_BEFORE = re.compile(
    r"(?:في|منذ|حتي|خلال|قبل|بعد|مطلع|منتصف|نهايه|اواخر|اوايل|اوائل|بدايه|اواسط|مستهل)\s+$"
)
_FOUR_DIGITS = re.compile(r"\d{4}")  # in every _RX_YEAR match
_MEASURE_BEFORE = re.compile(
    r"(?:طول|طوله|طولها|عرض|عرضه|ارتفاع|ارتفاعه|عمق|مسافه|مساحه|قطر|مسار|مستوي|علو|بعد)\s*(?:[^\s\d]+\s+)?$"
)
_YEAR_WORD_KW = re.compile(r"(?:عام|العام|عامي|سنه|السنه|اعوام|مطلع|منتصف|نهايه|اواخر|اوايل|اوائل|بدايه|اواسط|مستهل)$")


def _cands_month(f: str, ref: dt.date | None, out: list, matches=None) -> None:
    for mt in _RX_MONTH.finditer(f) if matches is None else matches:
        g = mt.groupdict()
        mv = _monthx_value(g["mon"])
        if mv is None:
            continue
        m, amb = mv
        y = _year_from(g)
        if y == -1:
            continue
        kind = _rel_kind(g["rel"])
        if y is None and g["yrel"]:
            if ref is None:
                kind = None
            else:
                y = ref.year + {"past": -1, "future": 1, "current": 0}[_rel_kind(g["yrel"])]
        if amb:
            doubled = len(_split_monthx(g["mon"])) > 1
            first = _split_monthx(g["mon"])[0]
            strong_ctx = y is not None or g["shahr"] or g["pos"] or kind or doubled
            if not strong_ctx:
                if first in ("اب",) or first.isascii():
                    continue
                if not _MONTH_CONTEXT_BEFORE.search(f[max(0, mt.start() - 8) : mt.start()]):
                    continue
            if g["clitic"] and not (y is not None or doubled):
                continue
        before = f[max(0, mt.start() - 6) : mt.start()]
        if _NAME_BEFORE.search(before) and not g["pos"] and not g["shahr"]:
            continue  # "لويجي دي مايو", "واتس آب عام 2009": names, not months
        start = mt.start("pos") if g["pos"] else (mt.start("shahr") if g["shahr"] else mt.start("mon"))
        if y is not None:
            value = f"{y:04d}-{m:02d}"
        elif ref is None:
            value = f"--{m:02d}"
        elif kind == "past":
            value = f"{ref.year if m < ref.month else ref.year - 1:04d}-{m:02d}"
        elif kind == "future":
            value = f"{ref.year if m > ref.month else ref.year + 1:04d}-{m:02d}"
        elif kind == "current":
            value = f"{ref.year:04d}-{m:02d}"
        else:
            value = f"{_near_year(m, None, ref):04d}-{m:02d}"
        out.append((start, mt.end(), 6, [(start, mt.end(), value, "month", "gregorian")]))


def _cands_season(f: str, ref: dt.date | None, out: list) -> None:
    for mt in _RX_SEASON.finditer(f):
        g = mt.groupdict()
        code = _SEASONS[g["sea"]]
        if g["y"] is not None:
            y = int(g["y"])
            if not _year_ok(y):
                continue
        elif g["rel"] and ref is not None and g["yw"]:
            # "صيف العام الماضي": the summer of last year
            y = ref.year + {"past": -1, "future": 1, "current": 0}[_rel_kind(g["rel"])]
        elif g["rel"] and ref is not None:
            # "الصيف الماضي / المقبل": the last / next such season around the reference
            y = _season_year(code, _rel_kind(g["rel"]), ref)
        elif g["yw"] and "هذا" in mt.group(0) and ref is not None:
            y = ref.year
        else:
            continue
        out.append((mt.start(), mt.end(), 6, [(mt.start(), mt.end(), f"{y:04d}-{code}", "season", "gregorian")]))


_SEASON_SPAN = {"SP": (3, 5), "SU": (6, 8), "FA": (9, 11), "WI": (12, 14)}  # WI of Y: Dec Y .. Feb Y+1


def _season_year(code: str, kind: str | None, ref: dt.date) -> int:
    start, end = _SEASON_SPAN[code]
    # month index of the reference on the same axis (Jan/Feb count as 13/14 of the previous year)
    m, y0 = ref.month, ref.year
    if code == "WI" and m <= 2:
        m, y0 = m + 12, y0 - 1
    if kind == "future":
        return y0 if m < start else y0 + 1
    if kind == "past":
        return y0 if m > end else y0 - 1
    return y0


def _year_matches(f: str, first_four: int):
    """_RX_YEAR.finditer(f), each search started at the next four-digit run rather than where the last match ended."""
    # A match is a year, maybe after a keyword and whitespace: none starts before the whitespace
    # ahead of the next four-digit run, less the longest keyword (lookbehinds still see the
    # text before the start position, so the matches are the same as finditer's from 0).
    pos, four = 0, first_four
    while True:
        start = four
        while start > pos and f[start - 1].isspace():
            start -= 1
        mt = _RX_YEAR.search(f, max(pos, start - _YEAR_KW_MAX))
        if mt is None:
            return
        yield mt
        pos = mt.end()
        nxt = _FOUR_DIGITS.search(f, pos)
        if nxt is None:
            return
        four = nxt.start()


def _cands_year(f: str, out: list, first_four: int = 0) -> None:
    for mt in _year_matches(f, first_four):
        g = mt.groupdict()
        y = int(g["y"])
        kw = g["kw"]
        if not (kw or g["suf"]):
            continue
        if not kw and _MEASURE_BEFORE.search(f[max(0, mt.start() - 16) : mt.start()]):
            continue  # "بطول 1300م": metres
        if kw == "بعد" and f[max(0, mt.start() - 4) : mt.start()].endswith("علي "):
            continue  # "على بعد 1500م": a distance
        if g["suf"] and g["suf"].strip().startswith("ه"):
            continue  # a Hijri year alone: no Gregorian year to give
        if not 1000 <= y <= 2199:
            continue
        if 1380 <= y <= 1460 and not g["suf"]:
            continue  # most likely a Hijri year (1380 AH = 1960): no Gregorian year to give
        if kw in ("قبل", "بعد", "في", "حتي", "خلال") and not (1800 <= y <= 2100) and not g["suf"]:
            continue
        if kw and _YEAR_WORD_KW.search(kw):
            start = mt.start("kw")
            # keep a proclitic (و/ب/ل/في) outside the surface
            m2 = re.search(r"(?:عامي|عام|العام|سنه|السنه|اعوام)$", kw)
            if m2 and kw[: m2.start()] in ("و", "ب", "ل", "لل", "في", "ف"):
                start += m2.start()
        else:
            start = mt.start("y")
        out.append((start, mt.end(), 4, [(start, mt.end(), f"{y:04d}", "year", "gregorian")]))
        # a second year joined to this one: "بين عامي 2015 و2016", "في 1980 و1987", "2015-2016"
        nxt = _RX_AND_YEAR.match(f, mt.end())
        if nxt:
            y2 = int(nxt.group("y"))
            if y < y2 <= 2199 and not (1380 <= y2 <= 1460 and not nxt.group("suf")):
                s2 = nxt.start("y")
                out.append((s2, nxt.end(), 4, [(s2, nxt.end(), f"{y2:04d}", "year", "gregorian")]))


_PERIOD_UNITS = ("الشهر", "العام", "السنه")


def _cands_relative(f: str, ref: dt.date | None, out: list) -> None:
    if ref is None:
        return
    period_word = "الشهر" in f or "العام" in f or "السنه" in f
    if period_word:
        relative.cands_period_edge(f, ref, out)  # «نهاية العام»: no relative word needed
    period = period_word and any(k in f for k in _REL_STEMS)
    # a match holds its unit (the, this) at most three words in: an ordinal of two words and من before it
    for mt in _matches_near(_RX_RELPERIOD, f, _PERIOD_UNITS, 3) if period else ():
        g = mt.groupdict()
        unit = g["the"] or g["this"]
        kind = _rel_kind(g["rel"]) if g["rel"] else "current"
        step = {"past": -1, "future": 1, "current": 0}[kind]
        day = int(g["d"]) if g["d"] else (_ORDINALS.get(re.sub(r"\s+", " ", g["ord"])) if g["ord"] else None)
        if unit == "الشهر":
            yy, mm = _shift_month(ref.year, ref.month, step)
            value, gran = f"{yy:04d}-{mm:02d}", "month"
            if day is not None and not g["pos"] and _valid_date(yy, mm, day) is not None:
                value, gran = f"{value}-{day:02d}", "day"
        else:
            if day is not None:
                continue  # "5 العام الماضي" is not a date; the year alone is found without the number

            value, gran = f"{ref.year + step:04d}", "year"
        out.append((mt.start(), mt.end(), 3, [(mt.start(), mt.end(), value, gran, "gregorian")]))


# a weekday match opens at its name or at a proclitic و/ف just before it
_WEEKDAY_KEYS = tuple(k for k in _WEEKDAYS if not any(o != k and k.startswith(o) for o in _WEEKDAYS))


def _cands_weekday(f: str, ref: dt.date | None, out: list) -> None:
    for mt in _matches(_RX_WEEKDAY, f, _WEEKDAY_KEYS, 0):
        wd = _WEEKDAYS[mt.group("wd")]
        start = mt.start("wd")
        if ref is None:
            # without a reference "الجمعة الماضية" still only names a weekday
            end = mt.end("wd")
            out.append((start, end, 2, [(start, end, _WEEKDAY_NAMES[wd], "weekday", "gregorian")]))
        else:
            rel = mt.group("rel")
            if rel is None and _FUTURE_BEFORE.search(f[max(0, start - 40) : start]):
                rel = "المقبل"  # "ستجرى الأحد", "المقرر عقدها الخميس": the next such day
            value, gran, end = _weekday_date(wd, rel, ref).isoformat(), "day", mt.end()
            t = _time_suffix(mt.groupdict())
            if t is not None:  # "الخميس المقبل الساعة 8 مساء": one datetime
                value, gran = value + t, "datetime"
            elif mt.group("H") is not None:
                end = _end_before_time(mt)
            out.append((start, end, 2, [(start, end, value, gran, "gregorian")]))


def _cands_time(f: str, out: list) -> None:
    colon = ":" in f and _DIGIT_COLON.search(f) is not None
    for mt in (*(_RX_TIME.finditer(f) if colon else ()), *(_RX_HOUR.finditer(f) if "الساعه" in f else ())):
        g = mt.groupdict()
        if not (g["pre"] or g["gmt"] or g["tz"] or g["ap"] or g["mecca"] or len(g["H"]) == 2):
            continue
        t = _time_suffix(g)
        if t is None:
            continue
        out.append((mt.start(), mt.end(), 1, [(mt.start(), mt.end(), t, "time", "gregorian")]))
