"""The date lexicons in folded spelling (Gregorian, English, Hijri and regional month names, weekdays,
ordinals, seasons, relative words) and the regex fragments built from them."""

from __future__ import annotations

import re

# Ambiguous names (آب = father, مارس = "practised",
# ماي, جوان, نيسان = a car maker, English "may"/"mar") only count as months when
# the context says so: a day number, a year, the word شهر, a doubled partner name
# or a relative modifier.
_GREG_MONTHS: dict[str, int] = {
    # Egyptian / standard
    "يناير": 1,
    "فبراير": 2,
    "فبرير": 2,
    "مارس": 3,
    "ابريل": 4,
    "مايو": 5,
    "يونيو": 6,
    "يونيه": 6,
    "يوليو": 7,
    "يوليه": 7,
    "اغسطس": 8,
    "اغسطوس": 8,
    "سبتمبر": 9,
    "اكتوبر": 10,
    "نوفمبر": 11,
    "ديسمبر": 12,
    # Maghrebi (Algeria, Tunisia)
    "جانفي": 1,
    "فيفري": 2,
    "افريل": 4,
    "ماي": 5,
    "جوان": 6,
    "جويليه": 7,
    "جوييه": 7,
    "اوت": 8,
    # Moroccan
    "يوليوز": 7,
    "غشت": 8,
    "شتنبر": 9,
    "نونبر": 11,
    "دجنبر": 12,
    # Levantine / Iraqi
    "شباط": 2,
    "اذار": 3,
    "نيسان": 4,
    "ايار": 5,
    "حزيران": 6,
    "تموز": 7,
    "اب": 8,
    "ايلول": 9,
}
for _base, _first in (("كانون", 12), ("تشرين", 10)):
    _second = 1 if _base == "كانون" else 11
    for _w in ("الاول", "اول", "1"):
        _GREG_MONTHS[f"{_base} {_w}"] = _first
    for _w in ("الثاني", "ثاني", "ثان", "2"):
        _GREG_MONTHS[f"{_base} {_w}"] = _second

_ENGLISH_MONTHS: dict[str, int] = {}
for _i, _name in enumerate(
    (
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ),
    start=1,
):
    _ENGLISH_MONTHS[_name] = _i
    _ENGLISH_MONTHS[_name[:3]] = _i
_ENGLISH_MONTHS["sept"] = 9

_AMBIGUOUS_MONTHS = {"اب", "مارس", "ماي", "جوان", "نيسان", "اوت", "تموز", "may", "march", "sept"} | {
    k for k in _ENGLISH_MONTHS if len(k) == 3
}

_HIJRI_MONTHS: dict[str, int] = {
    "محرم": 1,
    "صفر": 2,
    "ربيع الاول": 3,
    "ربيع اول": 3,
    "ربيع الثاني": 4,
    "ربيع الاخر": 4,
    "ربيع ثاني": 4,
    "جمادي الاولي": 5,
    "جمادي الاول": 5,
    "جمادي الاخره": 6,
    "جمادي الثانيه": 6,
    "جمادي الاخر": 6,
    "جمادي الثاني": 6,
    "رجب": 7,
    "شعبان": 8,
    "رمضان": 9,
    "شوال": 10,
    "ذو القعده": 11,
    "ذي القعده": 11,
    "ذو الحجه": 12,
    "ذي الحجه": 12,
}

_WEEKDAYS: dict[str, int] = {  # Python weekday(): Monday = 0
    "الاثنين": 0,
    "الاتنين": 0,
    "الثلاثاء": 1,
    "الثلاثا": 1,
    "الاربعاء": 2,
    "الاربعا": 2,
    "الخميس": 3,
    "الجمعه": 4,
    "السبت": 5,
    "الاحد": 6,
}
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ENGLISH_WEEKDAYS = "mon|tue|wed|thu|fri|sat|sun"

_ORDINAL_UNITS = {
    "الاول": 1,
    "الحادي": 1,
    "الثاني": 2,
    "الثالث": 3,
    "الرابع": 4,
    "الخامس": 5,
    "السادس": 6,
    "السابع": 7,
    "الثامن": 8,
    "التاسع": 9,
}
_ORDINALS: dict[str, int] = {k: v for k, v in _ORDINAL_UNITS.items() if k != "الحادي"}
_ORDINALS["العاشر"] = 10
for _k, _v in _ORDINAL_UNITS.items():
    if _k != "الاول":
        _ORDINALS[f"{_k} عشر"] = 10 + _v
_ORDINALS["العشرين"] = 20
_ORDINALS["الثلاثين"] = 30
for _k, _v in _ORDINAL_UNITS.items():
    if _k != "الاول":
        _ORDINALS[f"{_k} والعشرين"] = 20 + _v
_ORDINALS["الحادي والثلاثين"] = 31
_ORDINALS["غره"] = 1  # غرة رمضان: the first day of the month
_ORDINALS["الواحد والعشرين"] = 21
_ORDINALS["الواحد والثلاثين"] = 31

_SEASONS = {"ربيع": "SP", "صيف": "SU", "خريف": "FA", "شتاء": "WI", "شتا": "WI"}

_PAST = {"الماضي", "الماضيه", "المنصرم", "المنصرمه", "السابق", "الفايت", "الفايته", "اللي فات", "اللي فاتت"}
_FUTURE = {"المقبل", "المقبله", "القادم", "القادمه", "الجاي", "الجايه", "الاتي", "الاتيه"}
_CURRENT = {"الجاري", "الجاريه", "الحالي", "الحاليه"}
_REL_WORDS = sorted(_PAST | _FUTURE | _CURRENT, key=len, reverse=True)
# every relative word, and هذا/هذه, contains one of these: a cheap necessary test
_REL_STEMS = (
    "الماضي",
    "المنصرم",
    "السابق",
    "الفايت",
    "فات",
    "المقبل",
    "القادم",
    "الجاري",
    "الحالي",
    "الجاي",
    "الاتي",
    "هذا",
    "هذه",
)
assert all(any(k in w for k in _REL_STEMS) for w in _REL_WORDS)


def _alt(words) -> str:
    """Alternation of folded words, longest first, spaces as flexible whitespace."""
    parts = []
    for w in sorted(set(words), key=len, reverse=True):
        esc = re.escape(w).replace(r"\ ", " ")
        # "كانون 2" may be written "كانون2"; words need real whitespace
        esc = re.sub(r" (?=\d)", r"\\s*", esc).replace(" ", r"\s+")
        parts.append(esc)
    return "(?:" + "|".join(parts) + ")"


_ARABIC_MONTH = _alt(_GREG_MONTHS)
_ENG_MONTH = "(?i:" + _alt(sorted(_ENGLISH_MONTHS)) + r"\.?)"
_MONTH = f"(?:{_ARABIC_MONTH}|{_ENG_MONTH})"
# a month possibly doubled: "سبتمبر/ايلول", "24 نيسان / ابريل", "ايار (مايو)"
_MONTHX = (
    rf"{_MONTH}(?!\w)(?:\s*(?:/|\\|-|–|،)\s*{_MONTH}(?!\w)|\s*\(\s*{_MONTH}\s*\)"
    rf"|\s+(?={_ARABIC_MONTH}(?!\w)){_ARABIC_MONTH}(?!\w))?"
)
_HMONTH = _alt(_HIJRI_MONTHS)
_WEEKDAY = _alt(_WEEKDAYS)
_ORDINAL = _alt(_ORDINALS)
_REL = _alt(_REL_WORDS)
_POS = r"(?:مطلع|منتصف|نهايه|اواخر|اوايل|اوائل|بدايه|اواسط|مستهل|اول|اخر|اوسط)"
_YEAR_SUFFIX = r"(?:\s*(?:م|ه)(?!\w))"
_GMT = r"(?:ت\s*\.?\s*غ\b\.?|(?:ب?توقيت\s+)?(?:غرينتش|غرينيتش|جرينتش|غرينتيش)|(?i:gmt|utc)\b|Z\b)"
_TZ = (
    rf"(?:(?P<tz>[+-]\d{{2}}:?\d{{2}})|(?P<gmt>{_GMT})(?:\s*(?P<gmtoff>[+-]\s*\d{{1,2}}(?::?\d{{2}})?)(?!\d))?"
    r"|(?P<mecca>ب?توقيت\s+مكه(?:\s+المكرمه)?))"
)
# the part of the day after a time: "11:40 م" is 23:40, "4:15 عصرا" 16:15, "2:00 فجرا" 02:00
_AM_WORDS = {"ص", "صباحا", "صباح", "صباحي", "فجرا", "الفجر", "فجر", "am", "a.m."}
_PM_WORDS = {"م", "مساء", "مساءا", "مسا", "مساءً", "عصرا", "العصر", "عصر", "بعد الظهر", "بعد الظهيره", "pm", "p.m."}
_NOON_WORDS = {"ظهرا", "الظهر", "ظهر", "الظهيره"}
_NIGHT_WORDS = {"ليلا", "بالليل", "الليل", "ليل"}
_AMPM = (
    "(?:"
    + _alt(_AM_WORDS | _PM_WORDS | _NOON_WORDS | _NIGHT_WORDS).replace("am|", "(?i:am)|").replace("pm|", "(?i:pm)|")
    + ")"
)
_TIME_CONNECT = r"(?:(?:عند|في|علي|حوالي|نحو|منذ)\s+)"
_OF_YEAR_REL = rf"\s+(?:من\s+)?(?:العام|السنه|عام)\s+(?P<yrel>{_REL})(?!\w)"
_TIME_TAIL = (
    rf"(?:\s*(?:-|–|،|,|\||T|@)?\s*{_TIME_CONNECT}?(?:(?P<pre>الساعه)\s*)?"
    r"(?P<H>\d{1,2})(?::(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\.\d+)?|(?(pre)|(?!)))"  # no minutes: only after الساعة
    rf"(?:\s*(?P<ap>{_AMPM})(?!\w))?(?:\s*(?P<par>\()?\s*{_TZ}(?(par)\s*\)))?(?!\d))?"
)
_B = r"(?<![\w])"  # word start (folded text: letters and digits are \w)
_E = r"(?!\w)"
_BC = r"(?:(?<!\w)|(?<=[وف])(?<!\w[وف]))"  # word start, or after a proclitic و/ف
_NOT_NUM_BEFORE = r"(?<![\d.,/:\-])"

# nouns that make a four-digit number a count, price or figure, not a year
_COUNT_NOUNS = (
    r"(?:شخص|قتيل|جريح|مصاب|زاير|زائر|مشاهد|مره|مرات|دولار|ريال|دينار|جنيه|درهم|يورو|ليره|"
    r"فرنك|روبيه|طن|كيلو|كلم|كم|متر|ميل|برميل|لتر|وحده|منزل|مسكن|شقه|طالب|عامل|موظف|جندي|"
    r"عنصر|مقاتل|لاجي|مهاجر|حاله|اصابه|وفاه|صوت|نسخه|صفحه|سهم|نقطه|هكتار|فدان|ميغاواط|"
    r"ساعه|دقيقه|ثانيه|يوم|اسبوع|شهر|سنه|عام|%)"
)
