"""Date stage: date mentions in Arabic news text, and publication dates of pages.

Pure functions, no Prefect. Everything is matched on text folded by
`akhbar.arabic.fold_with_offsets` (so every pattern below is written in folded
form: ايار not أيار, جويليه not جويلية, ه for ة/هـ), and spans are mapped back to
the original text.

Values are ISO 8601 strings at the precision the text states, never finer:
"YYYY", "YYYY-MM", "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][±HH:MM|Z]", "YYYY-Www" (an ISO
week), "YYYY-SP" (seasons SP/SU/FA/WI), "--MM" / "--MM-DD" (no knowable year), "THH:MM[Z]"
(a time alone) or an English weekday name (a weekday no reference can resolve). The grammar
of relative expressions, written-out numbers and widget dates is in tasks/dates_relative.py,
tasks/dates_numbers.py and tasks/dates_widgets.py; docs/dates.md has the coverage table.

Relative expressions (weekdays, أمس, منذ 3 أيام, الشهر الماضي ...) are resolved
against `reference`, the publication date; without a reference, weekdays come
out as weekday names, months without a year as "--MM", and purely relative
expressions (أمس, الشهر الماضي ...) are left out because they have no value.
"""

from __future__ import annotations

import bisect
import datetime as dt
import email.utils
import json
import re
from dataclasses import dataclass

from akhbar.arabic import FOLD_TABLE, fold_letters, fold_with_offsets

__all__ = [
    "DateMention",
    "PublicationDate",
    "extract_mentions",
    "publication_date_from_header",
    "publication_date_from_html",
    "publication_date_from_url",
    "publication_date_from_field",
]


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int  # char offset in the ORIGINAL text
    end: int
    surface: str  # text[start:end]
    value: str
    granularity: str  # year | season | month | week | day | datetime | time | weekday
    calendar: str  # gregorian | hijri


@dataclass(frozen=True, slots=True)
class PublicationDate:
    value: dt.date
    precision: str  # day | month | year
    evidence: str
    method: str  # header_line | html_meta | json_ld | time_tag | page_date_line | htmldate | url_path | record_field


# ---------------------------------------------------------------------------
# Lexicons (folded spelling). Ambiguous names (آب = father, مارس = "practised",
# ماي, جوان, نيسان = a car maker, English "may"/"mar") only count as months when
# the context says so: a day number, a year, the word شهر, a doubled partner name
# or a relative modifier.
# ---------------------------------------------------------------------------

_GREG_MONTHS: dict[str, int] = {
    # Egyptian / standard
    "يناير": 1, "فبراير": 2, "فبرير": 2, "مارس": 3, "ابريل": 4, "مايو": 5,
    "يونيو": 6, "يونيه": 6, "يوليو": 7, "يوليه": 7, "اغسطس": 8, "اغسطوس": 8,
    "سبتمبر": 9, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # Maghrebi (Algeria, Tunisia)
    "جانفي": 1, "فيفري": 2, "افريل": 4, "ماي": 5, "جوان": 6, "جويليه": 7,
    "جوييه": 7, "اوت": 8,
    # Moroccan
    "يوليوز": 7, "غشت": 8, "شتنبر": 9, "نونبر": 11, "دجنبر": 12,
    # Levantine / Iraqi
    "شباط": 2, "اذار": 3, "نيسان": 4, "ايار": 5, "حزيران": 6, "تموز": 7,
    "اب": 8, "ايلول": 9,
}
for _base, _first in (("كانون", 12), ("تشرين", 10)):
    _second = 1 if _base == "كانون" else 11
    for _w in ("الاول", "اول", "1"):
        _GREG_MONTHS[f"{_base} {_w}"] = _first
    for _w in ("الثاني", "ثاني", "ثان", "2"):
        _GREG_MONTHS[f"{_base} {_w}"] = _second

_ENGLISH_MONTHS: dict[str, int] = {}
for _i, _name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december"), start=1):
    _ENGLISH_MONTHS[_name] = _i
    _ENGLISH_MONTHS[_name[:3]] = _i
_ENGLISH_MONTHS["sept"] = 9

_AMBIGUOUS_MONTHS = {"اب", "مارس", "ماي", "جوان", "نيسان", "اوت", "تموز", "may", "march", "sept"} | {
    k for k in _ENGLISH_MONTHS if len(k) == 3}

_HIJRI_MONTHS: dict[str, int] = {
    "محرم": 1, "صفر": 2, "ربيع الاول": 3, "ربيع اول": 3, "ربيع الثاني": 4, "ربيع الاخر": 4,
    "ربيع ثاني": 4, "جمادي الاولي": 5, "جمادي الاول": 5, "جمادي الاخره": 6, "جمادي الثانيه": 6,
    "جمادي الاخر": 6, "جمادي الثاني": 6, "رجب": 7, "شعبان": 8, "رمضان": 9, "شوال": 10,
    "ذو القعده": 11, "ذي القعده": 11, "ذو الحجه": 12, "ذي الحجه": 12,
}

_WEEKDAYS: dict[str, int] = {  # Python weekday(): Monday = 0
    "الاثنين": 0, "الاتنين": 0, "الثلاثاء": 1, "الثلاثا": 1, "الاربعاء": 2, "الاربعا": 2,
    "الخميس": 3, "الجمعه": 4, "السبت": 5, "الاحد": 6,
}
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ENGLISH_WEEKDAYS = "mon|tue|wed|thu|fri|sat|sun"

_ORDINAL_UNITS = {
    "الاول": 1, "الحادي": 1, "الثاني": 2, "الثالث": 3, "الرابع": 4, "الخامس": 5,
    "السادس": 6, "السابع": 7, "الثامن": 8, "التاسع": 9,
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
_REL_STEMS = ("الماضي", "المنصرم", "السابق", "الفايت", "فات", "المقبل", "القادم", "الجاري", "الحالي", "الجاي",
              "الاتي", "هذا", "هذه")
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
_MONTHX = (rf"{_MONTH}(?!\w)(?:\s*(?:/|\\|-|–|،)\s*{_MONTH}(?!\w)|\s*\(\s*{_MONTH}\s*\)"
           rf"|\s+(?={_ARABIC_MONTH}(?!\w)){_ARABIC_MONTH}(?!\w))?")
_HMONTH = _alt(_HIJRI_MONTHS)
_WEEKDAY = _alt(_WEEKDAYS)
_ORDINAL = _alt(_ORDINALS)
_REL = _alt(_REL_WORDS)
_POS = r"(?:مطلع|منتصف|نهايه|اواخر|اوايل|اوائل|بدايه|اواسط|مستهل|اول|اخر|اوسط)"
_YEAR_SUFFIX = r"(?:\s*(?:م|ه)(?!\w))"
_GMT = r"(?:ت\s*\.?\s*غ\b\.?|(?:ب?توقيت\s+)?(?:غرينتش|غرينيتش|جرينتش|غرينتيش)|(?i:gmt|utc)\b|Z\b)"
_TZ = (rf"(?:(?P<tz>[+-]\d{{2}}:?\d{{2}})|(?P<gmt>{_GMT})(?:\s*(?P<gmtoff>[+-]\s*\d{{1,2}}(?::?\d{{2}})?)(?!\d))?"
       r"|(?P<mecca>ب?توقيت\s+مكه(?:\s+المكرمه)?))")
# the part of the day after a time: "11:40 م" is 23:40, "4:15 عصرا" 16:15, "2:00 فجرا" 02:00
_AM_WORDS = {"ص", "صباحا", "صباح", "صباحي", "فجرا", "الفجر", "فجر", "am", "a.m."}
_PM_WORDS = {"م", "مساء", "مساءا", "مسا", "مساءً", "عصرا", "العصر", "عصر", "بعد الظهر", "بعد الظهيره", "pm", "p.m."}
_NOON_WORDS = {"ظهرا", "الظهر", "ظهر", "الظهيره"}
_NIGHT_WORDS = {"ليلا", "بالليل", "الليل", "ليل"}
_AMPM = "(?:" + _alt(_AM_WORDS | _PM_WORDS | _NOON_WORDS | _NIGHT_WORDS).replace("am|", "(?i:am)|").replace(
    "pm|", "(?i:pm)|") + ")"
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

_FLAGS = re.UNICODE


def _first_chars(items, icase: bool):
    """(class items, ignore-case class items, nullable) for the characters a parsed regex sequence
    can start with; None when any character might (a negated class, '.', a back-reference)."""
    from re import _constants as c

    plain: set[str] = set()
    folded: set[str] = set()
    for op, av in items:
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero width: the next item consumes the first character
        if op is c.LITERAL:
            (folded if icase else plain).add(re.escape(chr(av)))
            return plain, folded, False
        if op is c.IN:
            for iop, iav in av:
                if iop is c.LITERAL:
                    (folded if icase else plain).add(re.escape(chr(iav)))
                elif iop is c.RANGE:
                    (folded if icase else plain).add(f"{re.escape(chr(iav[0]))}-{re.escape(chr(iav[1]))}")
                elif iop is c.CATEGORY and iav in (c.CATEGORY_DIGIT, c.CATEGORY_SPACE, c.CATEGORY_WORD):
                    plain.add({c.CATEGORY_DIGIT: r"\d", c.CATEGORY_SPACE: r"\s", c.CATEGORY_WORD: r"\w"}[iav])
                else:
                    return None
            return plain, folded, False
        if op is c.SUBPATTERN:
            _group, add, _del, sub = av
            found = _first_chars(sub.data, icase or bool(add & re.IGNORECASE))
            nullable_here = False
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            found = _first_chars(av[2].data, icase)
            nullable_here = av[0] == 0
        elif op is c.ATOMIC_GROUP:
            found, nullable_here = _first_chars(av.data, icase), False
        elif op is c.BRANCH:
            parts = [_first_chars(b.data, icase) for b in av[1]]
            if any(p is None for p in parts):
                return None
            found = (set().union(*(p[0] for p in parts)), set().union(*(p[1] for p in parts)), any(p[2] for p in parts))
            nullable_here = False
        else:
            return None
        if found is None:
            return None
        plain |= found[0]
        folded |= found[1]
        if not (found[2] or nullable_here):
            return plain, folded, False
    return plain, folded, True


from re import _parser  # noqa: E402  (regex internals: first characters and widths of patterns)


def _compile(pattern: str) -> re.Pattern:
    """re.compile with a lookahead on the characters a match can start with, computed from the
    pattern. The patterns open with word-start lookbehinds, which re tries at every position of
    the text; the one-character lookahead rejects most positions first (2-3x faster scans on
    news paragraphs). It only restates a necessary condition, so the matches are the same."""
    first = _first_chars(_parser.parse(pattern, _FLAGS).data, False)
    if first is None or first[2] or not (first[0] or first[1]):
        return re.compile(pattern, _FLAGS)
    alts = []
    if first[0]:
        alts.append("[" + "".join(sorted(first[0])) + "]")
    if first[1]:
        alts.append("(?i:[" + "".join(sorted(first[1])) + "])")
    return re.compile(f"(?={'|'.join(alts)})(?:{pattern})", _FLAGS)

# 1. ISO and other year-first numeric dates: 2017-02-08, 2021/10/13, 2018-02-18T21:35:43+04:00
_RX_ISO = _compile(
    rf"{_NOT_NUM_BEFORE}(?P<y>1\d\d\d|2[01]\d\d)(?P<sep>[-/.])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})(?!\d)(?P<suf>\s*ه(?!\w))?"
    + _TIME_TAIL)

# 2. day-first numeric dates: 08/02/2017, ١ / ١٢ / ٢٠٢٠ - ٠٢:٠٠
# around the separators: spaces, or the right-to-left marks CLDR's Arabic formats put there ("١٢‏/٧‏/٢٠١٨")
_SEP_SPACE = r"[\s\u200e\u200f\u061c]*"
_RX_DMY = _compile(
    rf"(?:(?P<wd>{_WEEKDAY}){_E}\s*[،,]?\s*)?{_NOT_NUM_BEFORE}(?P<d>\d{{1,2}}){_SEP_SPACE}(?P<sep>[/.\-]){_SEP_SPACE}"
    rf"(?P<m>\d{{1,2}}){_SEP_SPACE}(?P=sep){_SEP_SPACE}(?P<y>\d{{4}})(?P<suf>{_YEAR_SUFFIX})?(?!\d)" + _TIME_TAIL)

# 3. RFC 822 / English: "Sun, 18 Feb 2018 21:35:43 +0400", "18 February 2018"
_RX_RFC = _compile(
    rf"(?=[A-Za-z0-9])(?<![A-Za-z])(?:(?i:{_ENGLISH_WEEKDAYS})[a-z]*,?\s+)?{_NOT_NUM_BEFORE}(?P<d>\d{{1,2}})\s+(?P<mon>{_ENG_MONTH}),?\s+(?P<y>\d{{4}})(?!\d)"
    + _TIME_TAIL)

# 3b. English month-first: "February 18, 2018"
_RX_MDY = _compile(
    rf"(?=[A-Za-z])(?<![A-Za-z])(?:(?i:{_ENGLISH_WEEKDAYS})[a-z]*,?\s+)?(?P<mon>{_ENG_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})(?!\d)"
    + _TIME_TAIL)

# 4. Hijri: "15 رمضان 1445 هـ", "26 شوال 1436"
_RX_HIJRI = _compile(
    rf"{_B}(?:(?P<wd>{_WEEKDAY}){_E}\s*[،,]?\s*)?(?:{_NOT_NUM_BEFORE}(?P<d>\d{{1,2}})|(?P<ord>{_ORDINAL}))?\s*(?:من\s+)?(?:شهر\s+)?"
    rf"(?P<hmon>{_HMONTH}){_E}\s*(?:(?:عام|سنه|لعام|لسنه)\s+)?(?P<y>1[2-5]\d\d)(?!\d)(?P<suf>{_YEAR_SUFFIX})?")

# 5. textual Gregorian with a day: "الأحد 5 يناير", "24 نيسان / أبريل 2020", "الخامس من أكتوبر", "03 يونيو 2020م"
_RX_DAY = _compile(
    rf"(?:(?P<wd>{_WEEKDAY}){_E}\s*[،,]?\s*(?:الموافق\s+)?)?"
    rf"(?:{_NOT_NUM_BEFORE}(?P<d>\d{{1,2}})(?:\s*(?:من\s+)?(?:شهر\s+)?)|{_B}(?P<ord>{_ORDINAL})\s+(?:من\s+)?(?:شهر\s+)?)"
    rf"(?P<mon>{_MONTHX})"
    rf"(?:\s*[،,]?\s*(?:(?:من\s+)?(?:عام|العام|سنه)\s+)?(?P<y>\d{{4}})(?!\d)(?P<suf>{_YEAR_SUFFIX})?|\s+(?P<rel>{_REL}){_E}|{_OF_YEAR_REL})?"
    + _TIME_TAIL)

# 6. a range of days in one month: "من 5 إلى 7 يونيو 2022", "بين 5 و7 يونيو"
_RX_RANGE = _compile(
    rf"{_NOT_NUM_BEFORE}(?P<d1>\d{{1,2}})\s*(?:-|–|الي|حتي|لغايه|و)\s*(?P<d2>\d{{1,2}})\s+(?:من\s+)?(?:شهر\s+)?"
    rf"(?P<mon>{_MONTHX})(?:\s*[،,]?\s*(?:(?:من\s+)?(?:عام|العام|سنه)\s+)?(?P<y>\d{{4}})(?!\d)(?P<suf>{_YEAR_SUFFIX})?)?")

# 7. a month (no day): "يـنـايـر 2021", "سبتمبر/أيلول الماضي", "نهاية شهر كانون الثاني", "يوليوز 2019"
_RX_MONTH = _compile(
    rf"{_B}(?P<clitic>[وبل](?=\w))?(?:(?P<pos>{_POS})\s+(?:(?:من|ل)\s+)?)?(?P<shahr>شهر\s+|شهري\s+)?(?P<mon>{_MONTHX}){_E}"
    rf"(?:\s*[،,]?\s*(?:(?:من\s+)?(?:عام|العام|سنه)\s+)?(?P<y>\d{{4}})(?!\d)(?P<suf>{_YEAR_SUFFIX})?"
    rf"|\s+(?P<rel>{_REL}){_E}|{_OF_YEAR_REL})?")

# 8. seasons: "ربيع العام 2022", "صيف 2019", "الشتاء الماضي"
_RX_SEASON = _compile(
    rf"{_B}(?P<al>ال)?(?P<sea>ربيع|صيف|خريف|شتاء|شتا){_E}\s+(?:(?:هذا\s+)?(?P<yw>العام|عام|سنه|السنه)\s*)?"
    rf"(?:(?P<y>\d{{4}})(?!\d)(?P<suf>{_YEAR_SUFFIX})?|(?P<rel>{_REL}){_E})?")

# 9. a bare year: needs a year word or a year suffix ("في عام 1948", "منذ 2022", "2015م")
_YEAR_KW = r"(?:(?:و|ب|ل|لل|في|ف)?(?:عام|العام|سنه|السنه|اعوام|عامي|العامين)|منذ|حتي|خلال|مطلع|منتصف|نهايه|اواخر|اوايل|اوائل|بدايه|اواسط|مستهل|قبل|بعد|في|موسم)"
_YEAR_KW_MAX = _parser.parse(_YEAR_KW).getwidth()[1]
_RX_YEAR = _compile(
    rf"(?:{_B}(?P<kw>{_YEAR_KW})\s+)?"
    rf"{_NOT_NUM_BEFORE}(?P<y>\d{{4}})(?!\d)(?P<suf>{_YEAR_SUFFIX})?(?!\s*{_COUNT_NOUNS})(?![.,]\d)(?!\s*/\s*\d{{4}}\s*ه)")

_RX_AND_YEAR = _compile(
    rf"\s*(?:و|-|–|/|الي|حتي|او)\s*(?P<y>\d{{4}})(?!\d)(?P<suf>{_YEAR_SUFFIX})?(?!\s*{_COUNT_NOUNS})(?![.,]\d)")

# "اليوم" that is not today: "اليوم الأول من زيارته", "اليوم السابع" (a newspaper), "اليوم الذي", "اليوم العالمي"
_NOT_TODAY = (r"(?:السابع|الاول|الثاني|الثالث|الرابع|الخامس|السادس|الثامن|التاسع|العاشر|الاخير|التالي|"
              r"السابق|الذي|الوطني|العالمي|الدولي|نفسه|ذاته|الموعود|المشهود|المفتوح|الاولمبي)(?!\w)")

# 10. relative: الشهر الماضي, مطلع العام المقبل, يوم السبت المقبل (relative days and spans such as أمس or
# منذ 3 أيام: tasks/dates_relative.py)
_UNITS = {
    "يوم": ("d", 1), "يوما": ("d", 1), "ايام": ("d", None), "يومين": ("d", 2),
    "اسبوع": ("w", 1), "اسبوعا": ("w", 1), "اسابيع": ("w", None), "اسبوعين": ("w", 2),
    "شهر": ("m", 1), "شهرا": ("m", 1), "اشهر": ("m", None), "شهور": ("m", None), "شهرين": ("m", 2),
    "عام": ("y", 1), "عاما": ("y", 1), "اعوام": ("y", None), "عامين": ("y", 2),
    "سنه": ("y", 1), "سنوات": ("y", None), "سنين": ("y", None), "سنتين": ("y", 2),
    # hours, minutes, seconds: "منذ ساعتين" is the reference's day (a day earlier per 24 hours)
    "ساعه": ("h", 1), "ساعات": ("h", None), "ساعتين": ("h", 2),
    "دقيقه": ("min", 1), "دقايق": ("min", None), "دقيقتين": ("min", 2),
    "ثانيه": ("s", 1), "ثوان": ("s", None), "ثواني": ("s", None), "ثانيتين": ("s", 2),
}
_RX_RELPERIOD = _compile(
    rf"(?:{_NOT_NUM_BEFORE}(?P<d>\d{{1,2}})\s+من\s+(?=الشهر)|{_BC}(?P<ord>{_ORDINAL})\s+من\s+(?=الشهر))?"
    rf"{_BC}(?:(?P<pos>{_POS})\s+)?(?:(?P<the>الشهر|العام|السنه)\s+(?P<rel>{_REL})|(?:هذا|هذه)\s+(?P<this>العام|السنه|الشهر)){_E}")  # also a day of a relative month: "في الرابع عشر من الشهر الماضي", "15 من الشهر الجاري"
_RX_WEEKDAY = _compile(
    rf"{_B}(?:[وف](?=ال))?(?P<wd>{_WEEKDAY}){_E}(?:\s+(?P<rel>{_REL}){_E})?" + _TIME_TAIL)

# 11. a time alone: "19:56 ت. غ", "الساعة 10:30"
_RX_TIME = _compile(
    rf"(?:(?P<pre>الساعه)\s*)?{_NOT_NUM_BEFORE}(?P<H>\d{{1,2}}):(?P<M>\d{{2}})(?::(?P<S>\d{{2}}))?(?![\d:])"
    rf"(?:\s*(?P<ap>{_AMPM})(?!\w))?(?:\s*(?P<par>\()?\s*(?:{_TZ})(?(par)\s*\)))?")
_RX_HOUR = _compile(  # "الساعة 5 مساء": an hour alone needs الساعة and its part of the day
    rf"(?P<pre>الساعه)\s*{_NOT_NUM_BEFORE}(?P<H>\d{{1,2}})(?![\d:])\s*(?P<ap>{_AMPM})(?!\w)"
    rf"(?:\s*(?P<par>\()?\s*(?:{_TZ})(?(par)\s*\)))?")

# Prefilter: plain substring tests (C speed), no regex alternation. A text without a digit
# and without any of these words cannot hold a date expression. The ones most news paragraphs
# hold come first, so any() stops early on them.
_FREQUENT_TRIGGERS = ("اب", "قبل", "احد", "ماي", "العام", "منذ", "اليوم", "جمعه", "سبت", "امس", "الشهر")
_TRIGGERS = tuple(sorted(
    {k.split()[0] for k in _GREG_MONTHS}
    | {"امس", "البارحه", "اليوم", "غد", "منذ", "قبل", "ربيع", "صيف", "خريف", "شتا", "الشهر", "العام", "السنه"}
    | {"بكر", "مبارح", "نهارده", "باجر", "الاسبوع", "الفين", "الف و", "الساعه", "عيد ال", "عرفه", "المولد"}
    | {"محرم", "صفر", "جمادي", "رجب", "شعبان", "رمضان", "شوال", "القعده", "الحجه"}
    | {"اثنين", "اتنين", "ثلاثا", "اربعا", "خميس", "جمعه", "سبت", "احد"},
    key=lambda k: (k not in _FREQUENT_TRIGGERS, _FREQUENT_TRIGGERS.index(k) if k in _FREQUENT_TRIGGERS else 0, k)))
# a trigger that holds another one adds nothing to any(): dropped ("ابريل" holds "اب")
_TRIGGERS = tuple(k for k in _TRIGGERS if not any(o != k and o in k for o in _TRIGGERS))
_MONTH_TRIGGERS = tuple(sorted({k.split()[0] for k in _GREG_MONTHS}))
_SPAN_UNITS = ("يوم", "ايام", "اسبوع", "اسابيع", "شهر", "اشهر", "شهور", "عام", "اعوام", "سنه", "سنتين", "سنوات", "سنين")
_HIJRI_TRIGGERS = tuple(sorted({k.split()[0] for k in _HIJRI_MONTHS}))
_SEASON_TRIGGERS = ("ربيع", "صيف", "خريف", "شتا")
_WEEKDAY_TRIGGERS = ("اثنين", "اتنين", "ثلاثا", "اربعا", "خميس", "جمعه", "سبت", "احد")
_ENG_TRIGGERS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DIGIT = re.compile(r"\d")
_LATIN = re.compile(r"[A-Za-z]{3}")


def _has_english_month(folded: str) -> bool:
    if folded.lower() == folded.upper():  # no cased letter at all: twice as fast as the regex on Arabic text
        return False
    if not _LATIN.search(folded):
        return False
    low = folded.lower()
    return any(k in low for k in _ENG_TRIGGERS)


# ---------------------------------------------------------------------------
# value helpers
# ---------------------------------------------------------------------------

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
    """"THH:MM[:SS][±HH:MM|Z]" from the H/M/S/ap/tz/gmt groups, or None if absent or impossible.
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


# ---------------------------------------------------------------------------
# candidates
# ---------------------------------------------------------------------------

# a candidate: (start, end, priority, [(start, end, value, granularity, calendar), ...]) in folded coordinates
_Cand = tuple[int, int, int, list[tuple[int, int, str, str, str]]]


def _yearless_day_year(m: int, d: int, ref: dt.date, wd: int | None = None, forward: bool = False) -> int:
    """The year of a day written without one: the year whose date falls on the weekday written with it
    ("الأحد 5 يناير"), else the next occurrence when the sentence points forward, else the nearest past one."""
    if wd is not None:
        fits = [y for y in (ref.year, ref.year - 1, ref.year + 1)
                if (day := _valid_date(y, m, d)) is not None and day.weekday() == wd]
        if fits:
            return min(fits, key=lambda y: abs((dt.date(y, m, d) - ref).days))
    if forward:
        return ref.year if (m, d) >= (ref.month, ref.day) else ref.year + 1
    return ref.year if (m, d) <= (ref.month, ref.day) else ref.year - 1


def _day_value(y: int | None, m: int, d: int, ref: dt.date | None, wd: int | None = None,
               forward: bool = False) -> tuple[str, str] | None:
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


def _end_before_time(mt: re.Match) -> int:
    """End of the date part when a trailing time group matched but was invalid."""
    time_groups = {"pre", "H", "M", "S", "ap", "par", "tz", "gmt", "gmtoff", "mecca"}
    ends = [mt.end(n) for n in mt.re.groupindex if n not in time_groups and mt.end(n) != -1]
    return max(ends) if ends else mt.end()


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
    from hijridate import Hijri  # light import, only when a Hijri month is present

    for mt in _RX_HIJRI.finditer(f):
        g = mt.groupdict()
        hm = _HIJRI_MONTHS.get(re.sub(r"\s+", " ", g["hmon"]))
        hy = int(g["y"])
        if hm is None:
            continue
        d = int(g["d"]) if g["d"] else (_ORDINALS.get(re.sub(r"\s+", " ", g["ord"])) if g["ord"] else None)
        try:
            if d is not None:
                gd = Hijri(hy, hm, d).to_gregorian()
                value, gran = f"{gd.year:04d}-{gd.month:02d}-{gd.day:02d}", "day"
            else:
                # a Hijri month straddles two Gregorian months: give the one holding its middle
                gd = Hijri(hy, hm, 15).to_gregorian()
                value, gran = f"{gd.year:04d}-{gd.month:02d}", "month"
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
        if g["ord"] and y is None and _CITY_BEFORE.search(f[max(0, mt.start() - 12):mt.start()]):
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
        forward = y is None and ref is not None and _FUTURE_BEFORE.search(f[max(0, mt.start() - 40):mt.start()])
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
        out.append((mt.start(), mt.end(), 10, [
            (mt.start("d1"), mt.end("d1"), v1[0], "day", "gregorian"),
            (mt.start("d2"), mt.end(), v2[0], "day", "gregorian"),
        ]))


_NAME_BEFORE = re.compile(r"(?:(?<!\w)دي|(?<!\w)دو|واتس)\s*$")
_CITY_BEFORE = re.compile(r"(?:مدينه|جسر|كوبري|ميدان|شارع|حي|جامعه|محافظه)\s+$")
_MONTH_CONTEXT_BEFORE = re.compile(
    r"(?:في|منذ|حتي|خلال|قبل|بعد|مطلع|منتصف|نهايه|اواخر|اوايل|اوائل|بدايه|اواسط|مستهل)\s+$")
_MEASURE_BEFORE = re.compile(
    r"(?:طول|طوله|طولها|عرض|عرضه|ارتفاع|ارتفاعه|عمق|مسافه|مساحه|قطر|مسار|مستوي|علو|بعد)\s*(?:[^\s\d]+\s+)?$")
_YEAR_WORD_KW = re.compile(r"(?:عام|العام|عامي|سنه|السنه|اعوام|مطلع|منتصف|نهايه|اواخر|اوايل|اوائل|بدايه|اواسط|مستهل)$")


def _cands_month(f: str, ref: dt.date | None, out: list) -> None:
    for mt in _RX_MONTH.finditer(f):
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
                if not _MONTH_CONTEXT_BEFORE.search(f[max(0, mt.start() - 8):mt.start()]):
                    continue
            if g["clitic"] and not (y is not None or doubled):
                continue
        before = f[max(0, mt.start() - 6):mt.start()]
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


def _cands_year(f: str, out: list, first_four: int = 0) -> None:
    # A match is a year, maybe after a keyword and whitespace: none starts before the whitespace
    # ahead of the first four-digit run, less the longest keyword (lookbehinds still see the
    # text before the start position, so the matches are the same as from 0).
    start = first_four
    while start > 0 and f[start - 1].isspace():
        start -= 1
    for mt in _RX_YEAR.finditer(f, max(0, start - _YEAR_KW_MAX)):
        g = mt.groupdict()
        y = int(g["y"])
        kw = g["kw"]
        if not (kw or g["suf"]):
            continue
        if not kw and _MEASURE_BEFORE.search(f[max(0, mt.start() - 16):mt.start()]):
            continue  # "بطول 1300م": metres
        if kw == "بعد" and f[max(0, mt.start() - 4):mt.start()].endswith("علي "):
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


def _cands_relative(f: str, ref: dt.date | None, out: list) -> None:
    if ref is None:
        return
    period_word = "الشهر" in f or "العام" in f or "السنه" in f
    if period_word:
        dates_relative.cands_period_edge(f, ref, out)  # «نهاية العام»: no relative word needed
    period = period_word and any(k in f for k in _REL_STEMS)
    for mt in (_RX_RELPERIOD.finditer(f) if period else ()):
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


# News writes a bare weekday for the most recent one; these words before it point forward instead.
# An explicit list: a general "سـ + verb" rule would also fire on سياسي, سيارة, ستة ...
_FUTURE_BEFORE = re.compile(
    r"(?<!\w)(?:سوف|المقرر|المقرره|المرتقب|المرتقبه|المزمع|المزمعه|ستجري|سيجري|ستعقد|سيعقد|ستبدا|سيبدا|"
    r"ستنطلق|سينطلق|سيلتقي|ستلتقي|سيزور|ستزور|سيصل|ستصل|ستقام|سيقام|سيلعب|ستلعب|سيواجه|يواجه|تواجه|ستواجه|"
    r"سيتوجه|سيعلن|ستعلن|سيصوت|يصوتوا|ستنظم|سينظم|سيخوض|يخوض|ستشهد|سيشهد)(?!\w)(?:\s+\S+){0,3}\s*(?:يوم\s+)?$")


def _cands_weekday(f: str, ref: dt.date | None, out: list) -> None:
    for mt in _RX_WEEKDAY.finditer(f):
        wd = _WEEKDAYS[mt.group("wd")]
        start = mt.start("wd")
        if ref is None:
            # without a reference "الجمعة الماضية" still only names a weekday
            end = mt.end("wd")
            out.append((start, end, 2, [(start, end, _WEEKDAY_NAMES[wd], "weekday", "gregorian")]))
        else:
            rel = mt.group("rel")
            if rel is None and _FUTURE_BEFORE.search(f[max(0, start - 40):start]):
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


def _select(cands: list) -> list:
    """Longest candidates first (ties: higher priority, earlier start); no overlaps."""
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
                    out.append(DateMention(m.start + pos, m.end + pos, m.surface, m.value, m.granularity,
                                           m.calendar))
            pos += len(line) + 1
        return out
    # fold_letters(text) is exactly fold_with_offsets(text)[0] (= text.translate(FOLD_TABLE), a few
    # times faster); the offsets are only computed when a mention must be mapped back.
    folded = fold_letters(text)
    first_digit = _DIGIT.search(folded)
    has_digit = first_digit is not None
    english = _has_english_month(folded)
    if not (has_digit or english or any(k in folded for k in _TRIGGERS)
            or ("بعد" in folded and any(k in folded for k in _SPAN_UNITS))):  # «بعد ثلاثة أيام»
        return []

    # Each gate below is a necessary condition of its patterns (a four-digit run, a month name
    # in the position the patterns allow, "d:d"), so skipping on it changes nothing; it spares
    # the big alternations a scan of the many paragraphs that cannot match (a month trigger
    # substring is in half the paragraphs: اب, ماي inside other words).
    cands: list = []
    month = english or _has_month_word(folded) or (
        _LATIN_ANY.search(folded) is not None and any(k in folded for k in _MONTH_TRIGGERS))
    four = _FOUR_DIGITS.search(folded, first_digit.start()) if has_digit else None  # none before the first digit
    year4 = four is not None
    if has_digit:
        if year4:
            _cands_numeric(folded, reference, cands, four.start())
            if english:
                _cands_rfc(folded, cands)
        if month:
            _cands_range(folded, reference, cands)
        if year4:
            _cands_year(folded, cands, four.start())
        if (":" in folded and _DIGIT_COLON.search(folded)) or "الساعه" in folded:
            _cands_time(folded, cands)
        if year4 and any(k in folded for k in _HIJRI_TRIGGERS):
            _cands_hijri(folded, cands)
    if month:
        if has_digit or _ORD_HINT.search(folded):
            _cands_day(folded, reference, cands)
        _cands_month(folded, reference, cands)
    if any(k in folded for k in _SEASON_TRIGGERS):
        _cands_season(folded, reference, cands)
    if reference is not None:
        _cands_relative(folded, reference, cands)
    weekday = any(k in folded for k in _WEEKDAY_TRIGGERS)
    if weekday:
        _cands_weekday(folded, reference, cands)
    dates_relative.candidates(folded, reference, cands, month, weekday, has_digit)
    if month or ("الف" in folded and ("الفين" in folded or "الف و" in folded)):
        dates_numbers.candidates(folded, reference, cands, month)
    if "الساعه" in folded:
        dates_numbers.time_candidates(folded, cands)
    if year4:
        dates_widgets.candidates(folded, reference, cands, month)

    if not cands:
        return []
    offsets = None
    if len(folded) != len(text):  # something was dropped (tashkeel, tatweel): map positions back
        folded2, offsets = fold_with_offsets(text)
        assert folded2 == folded
    result: list[DateMention] = []
    n = len(text)
    for cand in _select(cands):
        for s, e, value, gran, cal in cand[3]:
            s, e = _strip_span(folded, s, e)
            if offsets is None:
                os_, oe = s, e
            else:
                os_ = offsets[s]
                oe = offsets[e - 1] + 1 if e > 0 else 0
                # keep marks that belong to the last letter (tanween, tatweel in هـ)
                while oe < n and text[oe] != " " and oe < offsets[e] and text[oe].translate(FOLD_TABLE) == "":
                    oe += 1
            result.append(DateMention(os_, oe, text[os_:oe], value, gran, cal))
    return _join_day_and_time(text, result) if len(result) > 1 else result


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
                out[-1] = DateMention(prev.start, m.end, text[prev.start:m.end], day.value + time.value, "datetime",
                                      day.calendar)
                continue
        out.append(m)
    return out


# the grammar in the companion modules reads this module's lexicons and helpers (all defined above)
from tasks import dates_numbers, dates_relative, dates_widgets  # noqa: E402

_HIJRI_HINT = re.compile(_HMONTH)
_FOUR_DIGITS = re.compile(r"\d{4}")  # every year pattern needs one (ISO, DMY, RFC, Hijri, bare year)
_DIGIT_COLON = re.compile(r"\d:\d")  # every time needs one
# English names are matched case-insensitively: any letter a-z in any case (as re folds it) may start one
_LATIN_ANY = re.compile(r"(?i)[a-z]")
# an Arabic month as the month patterns allow it: at a word start, after a proclitic و/ب/ل, or
# right after a day number ("5مايو")
_MONTH_WORD = _compile(rf"(?:(?<!\w)[وبل]?|(?<=\d)){_ARABIC_MONTH}(?!\w)")


def _has_month_word(folded: str) -> bool:
    """_MONTH_WORD.search(folded) is not None, tried only where a month name can start: at a
    trigger (a name's first word) that the pattern's lookbehinds allow, checked with str methods
    first (re's \\w is isalnum() or "_", \\d is isdecimal()). A trigger substring is in nearly
    half the paragraphs (اب, ماي inside other words), where a full scan of the pattern cost 20 µs."""
    for k in _MONTH_TRIGGER_STARTS:
        i = folded.find(k)
        while i >= 0:
            before = folded[i - 1] if i else " "
            if (not (before.isalnum() or before == "_") or before.isdecimal()) and _MONTH_WORD.match(folded, i):
                return True
            if before in "وبل" and (i == 1 or not (folded[i - 2].isalnum() or folded[i - 2] == "_")) \
                    and _MONTH_WORD.match(folded, i - 1):
                return True
            i = folded.find(k, i + 1)
    return False


# the triggers that no shorter trigger starts: every month name starts with one of these
_MONTH_TRIGGER_STARTS = tuple(k for k in _MONTH_TRIGGERS
                              if not any(o != k and k.startswith(o) for o in _MONTH_TRIGGERS))
# names that share their first three letters are looked for once by them (each hit is checked by _MONTH_WORD)
_MONTH_TRIGGER_STARTS = tuple(sorted({k[:3] if sum(o[:3] == k[:3] for o in _MONTH_TRIGGER_STARTS) > 1 else k
                                      for k in _MONTH_TRIGGER_STARTS}))


_ORD_HINT = _compile(_ORDINAL + r"\s+(?:من\s+)?(?:شهر\s+)?" + _MONTH)


# ---------------------------------------------------------------------------
# publication dates
# ---------------------------------------------------------------------------

def _mention_to_date(m: DateMention) -> tuple[dt.date, str] | None:
    v = m.value
    try:
        if m.granularity in ("day", "datetime") and re.match(r"\d{4}-\d\d-\d\d", v):
            return dt.date.fromisoformat(v[:10]), "day"
        if m.granularity == "month" and re.fullmatch(r"\d{4}-\d\d", v):
            return dt.date(int(v[:4]), int(v[5:7]), 1), "month"
    except ValueError:
        return None
    return None


# Values that CMSs write when they have no date: never a publication date.
_PLACEHOLDER_DAYS = frozenset({dt.date(1900, 1, 1), dt.date(1970, 1, 1)})
_EARLIEST_PUBLISHED = dt.date(1900, 1, 1)


def _as_now(now) -> dt.date:
    """The reference "now" (crawl or ingest time) as a UTC day: a date, a datetime, an ISO string or None (today)."""
    if now is None or now == "":
        return dt.datetime.now(dt.UTC).date()
    if isinstance(now, dt.datetime):
        return (now.astimezone(dt.UTC) if now.tzinfo else now).date()
    if isinstance(now, dt.date):
        return now
    try:
        got = dt.datetime.fromisoformat(str(now).strip().replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.now(dt.UTC).date()
    return (got.astimezone(dt.UTC) if got.tzinfo else got).date()


def plausible_published(day: dt.date, now=None) -> bool:
    """A publication date must lie in 1900..(now + 1 day) and not be a placeholder (0001-01-01,
    1970-01-01 epoch zero, 1900-01-01); `now` is the crawl/ingest time when known, else today."""
    if day < _EARLIEST_PUBLISHED or day in _PLACEHOLDER_DAYS:
        return False
    return day <= _as_now(now) + dt.timedelta(days=1)


def _plausible(found: PublicationDate | None, now=None) -> PublicationDate | None:
    return found if found is not None and plausible_published(found.value, now) else None


_HEADER_MAX_LEN = 90


def publication_date_from_header(header_lines: list[str], now=None,
                                 max_words_outside: int = 8) -> PublicationDate | None:
    """The date line among the lines around the title ("1266 2017-02-08", "● أخبار دولية ٨ فبراير ٢٠١٥").

    Only absolute dates with at least month precision, on short lines; a line that is
    mostly prose (a body paragraph, a caption) is never read. The first such line wins,
    and a day beats a month on the same line.
    """
    for line in header_lines:
        line = line.strip()
        if not line or len(line) > _HEADER_MAX_LEN:
            continue
        best = None
        for m in extract_mentions(line, reference=None):
            got = _mention_to_date(m)
            if got is None or not plausible_published(got[0], now):
                continue
            # the date must carry the line: short lines only, or the date is a good part of it
            words_outside = len(re.findall(r"\w+", line[: m.start] + " " + line[m.end:]))
            if words_outside > max_words_outside:
                continue
            if best is None or (best[1] == "month" and got[1] == "day"):
                best = (got[0], got[1], line)
        if best is not None:
            return PublicationDate(best[0], best[1], best[2], "header_line")
    return None


_URL_PATTERNS = (
    # one separator throughout: /2024/01/06/, 2024-01-06-slug, 2024_01_06 (not /2024/1-6.html)
    *((re.compile(rf"(?<!\d)((?:19|20)\d\d){sep}(0?[1-9]|1[0-2]){sep}(0?[1-9]|[12]\d|3[01])(?!\d)"), "day")
      for sep in ("/", "-", "_")),
    (re.compile(r"/((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:/|\.|-|_|$)"), "day"),
    # CNN style: /2013/middle_east/8/3/
    (re.compile(r"/((?:19|20)\d\d)/[a-z_\-]+/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])/"), "day"),
    (re.compile(r"/((?:19|20)\d\d)/(0?[1-9]|1[0-2])/(?!\d)"), "month"),
)


def publication_date_from_url(url: str | None, now=None) -> PublicationDate | None:
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url, flags=re.I)
    for rx, precision in _URL_PATTERNS:
        mt = rx.search(path)
        if not mt:
            continue
        y, m = int(mt.group(1)), int(mt.group(2))
        d = int(mt.group(3)) if precision == "day" else 1
        date = _valid_date(y, m, d)
        if date is None or not plausible_published(date, now):
            continue
        return PublicationDate(date, precision, mt.group(0), "url_path")
    return None


_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")


def publication_date_from_field(value: str | None, field: str = "published", now=None) -> PublicationDate | None:
    """A record field: ISO 8601, RFC 822 ('Sun, 18 Feb 2018 21:35:43 +0400'), or an Arabic date string.

    The calendar date is the one written (local to the stated offset), not converted to UTC; an
    implausible one (placeholder, before 1900, after `now` + 1 day) is None.
    """
    return _plausible(_field_date(value), now)


def _field_date(value: str | None) -> PublicationDate | None:
    if value is None:
        return None
    s = str(value).strip()
    if not s:
        return None
    mt = _ISO_DATE.match(s)
    if mt and (len(s) == mt.end() or not s[mt.end()].isdigit()):
        y, m = int(mt.group(1)), int(mt.group(2))
        if mt.group(3):
            d = _valid_date(y, m, int(mt.group(3)))
            if d is not None:
                return PublicationDate(d, "day", s, "record_field")
        elif 1 <= m <= 12 and _year_ok(y):
            return PublicationDate(dt.date(y, m, 1), "month", s, "record_field")
    if re.fullmatch(r"\d{4}", s) and _year_ok(int(s)):
        return PublicationDate(dt.date(int(s), 1, 1), "year", s, "record_field")
    if re.search(r"[A-Za-z]{3}", s):
        try:
            parsed = email.utils.parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            parsed = None
        if parsed is not None:
            return PublicationDate(parsed.date(), "day", s, "record_field")
    if re.fullmatch(r"\d{9,10}(?:\.\d+)?", s):  # epoch seconds
        try:
            return PublicationDate(dt.datetime.fromtimestamp(float(s), dt.UTC).date(), "day", s,
                                   "record_field")
        except (OverflowError, OSError, ValueError):
            pass
    best = None
    for m in extract_mentions(s, reference=None):
        got = _mention_to_date(m)
        if got and (best is None or (best[1] == "month" and got[1] == "day")):
            best = got
    if best is not None:
        return PublicationDate(best[0], best[1], s, "record_field")
    return None


_LD_JSON = re.compile(r"<script[^>]+type\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>(.*?)</script>", re.I | re.S)
_META = re.compile(r"<meta\b[^>]*>", re.I)
_ATTR = re.compile(r"([a-zA-Z_:.\-]+)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)")
_TIME_TAG = re.compile(r"<time\b[^>]*>", re.I)
_META_KEYS = (  # in order of trust
    "article:published_time", "og:article:published_time", "datepublished", "published_time",
    "article.published", "parsely-pub-date", "sailthru.date", "pubdate", "publishdate", "publish-date",
    "publish_date", "publication_date", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date",
    "dcterms.created", "date", "article_date_original", "cxenseparse:recs:publishtime", "og:published_time",
)


def _attrs(tag: str) -> dict[str, str]:
    out = {}
    for k, v in _ATTR.findall(tag):
        if v[:1] in "\"'":
            v = v[1:-1]
        out[k.lower()] = v
    return out


def _find_date_published(obj, depth: int = 0):
    if depth > 6:
        return None
    if isinstance(obj, dict):
        for key in ("datePublished", "dateCreated"):
            v = obj.get(key)
            if isinstance(v, str) and v.strip():
                return v
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if key in obj:
                r = _find_date_published(obj[key], depth + 1)
                if r:
                    return r
    elif isinstance(obj, list):
        for item in obj:
            r = _find_date_published(item, depth + 1)
            if r:
                return r
    return None


def _markup_date(html: str, now=None) -> PublicationDate | None:
    """JSON-LD datePublished, then meta tags, then a <time datetime> marked as the publication's."""
    # 1. JSON-LD
    for block in _LD_JSON.findall(html):
        try:
            data = json.loads(block.strip().rstrip(";"))
        except ValueError:
            mt = re.search(r"\"datePublished\"\s*:\s*\"([^\"]+)\"", block)
            data = {"datePublished": mt.group(1)} if mt else None
        v = _find_date_published(data) if data is not None else None
        if v:
            p = publication_date_from_field(v, now=now)
            if p is not None and p.precision == "day":
                return PublicationDate(p.value, p.precision, v, "json_ld")
    # 2. meta tags
    found: dict[str, str] = {}
    for tag in _META.findall(html):
        a = _attrs(tag)
        key = (a.get("property") or a.get("name") or a.get("itemprop") or a.get("http-equiv") or "").lower()
        content = a.get("content") or a.get("datetime")
        if key and content and key not in found:
            found[key] = content
    for key in _META_KEYS:
        if key in found:
            p = publication_date_from_field(found[key], now=now)
            if p is not None:
                return PublicationDate(p.value, p.precision, f'{key}="{found[key]}"', "html_meta")
    # 3. <time datetime> marked as publication
    for t in _time_tags(html):
        if ("pubdate" in t or t.get("itemprop", "").lower() == "datepublished"
                or "publish" in t.get("class", "").lower()):
            p = publication_date_from_field(t["datetime"], now=now)
            if p is not None:
                return PublicationDate(p.value, p.precision, t["datetime"], "time_tag")
    return None


def _time_tags(html: str) -> list[dict[str, str]]:
    return [a for a in (_attrs(t) for t in _TIME_TAG.findall(html)) if a.get("datetime")]


def _first_time_tag(html: str, now=None) -> PublicationDate | None:
    """The first <time datetime> of the page, marked or not (it may sit in a sidebar: a late resort)."""
    for t in _time_tags(html)[:1]:
        p = publication_date_from_field(t["datetime"], now=now)
        if p is not None:
            return PublicationDate(p.value, p.precision, t["datetime"], "time_tag")
    return None


_BLOCK_TAGS = frozenset({"p", "div", "li", "td", "th", "dd", "dt", "header", "section", "article", "aside",
                         "footer", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "time", "address", "ul",
                         "ol", "table", "tr", "main", "nav", "form", "blockquote", "pre", "figure", "br"})
# not the page's own date line: code, hidden text, and photo captions ("... on Aug. 31, 2019. (AP)")
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head", "title", "select", "option",
                        "figure", "figcaption"})
_PAGE_LINE_MAX_WORDS_OUTSIDE = 5
_UPDATED_LINE = re.compile(r"(?i)\bupdated\b|\bmodified\b|تحديث|تعديل|حدث في|محدث")
_LINES_BEFORE_TITLE, _LINES_AFTER_TITLE = 4, 12


def _visible_lines(tree) -> tuple[list[str], list[int]]:
    """The page's visible text as lines (one per innermost block element) and the indexes of its <h1> lines."""
    lines: list[str] = []
    h1_at: list[int] = []
    buf: list[str] = []

    def flush():
        text = " ".join(" ".join(buf).split())
        buf.clear()
        if text:
            lines.append(text)

    def walk(el):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP_TAGS:
            return
        block = tag in _BLOCK_TAGS
        if block:
            flush()
            if tag == "h1":
                h1_at.append(len(lines))
        if el.text and tag:
            buf.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buf.append(child.tail)
        if block:
            flush()

    walk(tree)
    flush()
    return lines, h1_at


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", fold_letters(text).lower()))


def _page_title(tree) -> str:
    for xpath in ('.//meta[@property="og:title"]/@content', ".//title/text()"):
        got = tree.xpath(xpath)
        if got and str(got[0]).strip():
            # "Article title - Site name": the longest part is the article's
            return max(re.split(r"\s+[-|–—:]+\s+", str(got[0])), key=len)
    return ""


def _title_line(lines: list[str], h1_at: list[int], title: str) -> int | None:
    """The <h1> that is the article's title: most of its words are in the page's <title>/og:title (a site's
    logo in an <h1> is not); the only <h1> when the page states no title."""
    want = _words(title)
    best, best_share = None, 0.5
    for i in h1_at:
        if i >= len(lines):
            continue
        have = _words(lines[i])
        if not want:
            return i if len(h1_at) == 1 else None
        share = len(have & want) / len(have) if have else 0.0
        if share > best_share:
            best, best_share = i, share
    return best


def publication_date_from_page_line(tree, now=None) -> PublicationDate | None:
    """The date line a reader sees next to the title ("Published March 3, 2021", "٨ فبراير ٢٠١٥ - 10:20"):
    the header-line reader of the text path on the visible lines around the page's <h1>."""
    if tree is None:
        return None
    try:
        lines, h1_at = _visible_lines(tree)
        title_at = _title_line(lines, h1_at, _page_title(tree))
    except (RecursionError, ValueError):
        return None
    if title_at is None:
        return None
    after = lines[title_at:title_at + _LINES_AFTER_TITLE]
    around = after + lines[max(0, title_at - _LINES_BEFORE_TITLE):title_at][::-1]  # nearest first
    around = [ln for ln in around if not _UPDATED_LINE.search(ln)]  # the date of an update, not of publication
    found = publication_date_from_header(around, now, _PAGE_LINE_MAX_WORDS_OUTSIDE)
    if found is None or found.precision != "day":
        return None
    return PublicationDate(found.value, found.precision, found.evidence, "page_date_line")


def _htmldate_date(html: str, url: str | None, tree, now=None) -> PublicationDate | None:
    try:
        from htmldate import find_date
    except ImportError:  # optional dependency
        return None
    max_date = (_as_now(now) + dt.timedelta(days=1)).isoformat()
    try:
        v = find_date(html if tree is None else tree, url=url, original_date=True, extensive_search=True,
                      max_date=max_date)
    except Exception:  # noqa: BLE001 - htmldate raises on odd markup
        return None
    p = publication_date_from_field(v, now=now) if v else None
    return PublicationDate(p.value, p.precision, v, "htmldate") if p is not None else None


# The readers of a page, most direct evidence first; the order is measured in bench/dates.py (each
# reader alone, exact day on the development pages): markup > the visible date line > htmldate.
HTML_DATE_READERS = ("markup", "page_date_line", "htmldate", "time_tag_any", "url_path")


def publication_date_by(reader: str, html: str, url: str | None = None, tree=None, now=None) -> PublicationDate | None:
    """One reader of HTML_DATE_READERS alone (the bench measures them one by one)."""
    if reader == "markup":
        return _markup_date(html, now)
    if reader == "page_date_line":
        if tree is None:
            from tasks.clean import parse_html

            tree = parse_html(html)
        return publication_date_from_page_line(tree, now)
    if reader == "htmldate":
        return _htmldate_date(html, url, tree, now)
    if reader == "time_tag_any":
        return _first_time_tag(html, now)
    if reader == "url_path":
        return publication_date_from_url(url, now)
    raise ValueError(f"unknown publication-date reader {reader!r}")


def publication_date_from_html(html: str, url: str | None = None, tree=None, now=None) -> PublicationDate | None:
    """The first of HTML_DATE_READERS that finds a plausible date (placeholders, dates before 1900 and
    dates after `now`, the crawl time, + 1 day are never one).

    `tree`: the page already parsed by lxml (tasks.clean.parse_html), handed to htmldate so it does
    not parse the page a second time; htmldate works on a copy of it."""
    if not html:
        return publication_date_from_url(url, now)
    if tree is None and "page_date_line" in HTML_DATE_READERS:
        from tasks.clean import parse_html

        tree = parse_html(html)
    weak = None
    for reader in HTML_DATE_READERS:
        found = publication_date_by(reader, html, url, tree, now)
        if found is None:
            continue
        if reader == "htmldate" and (found.value.month, found.value.day) == (1, 1):
            weak = weak or found  # htmldate's guess from a bare year: a later reader may state the day
            continue
        if weak is not None and found.value.year != weak.value.year:
            return weak
        return found
    return weak


# ---------------------------------------------------------------- shard entry point (pipeline glue)

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from akhbar.store import write_staged
from akhbar.tasking import StageTask

PUBLISHED_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("published", pa.date32()), ("published_precision", pa.string()),
    ("published_evidence", pa.string()), ("published_method", pa.string()),
])
MENTION_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("position", pa.int32()), ("start", pa.int32()), ("end", pa.int32()),
    ("surface", pa.string()), ("value", pa.string()), ("granularity", pa.string()), ("calendar", pa.string()),
])


def publication_date(doc: dict) -> PublicationDate | None:
    """The page's stated publication date, by the most direct evidence first; None if it states none.

    Order: a record field (JSONL `published`), the HTML markup (read by the clean stage with
    publication_date_from_html, where the page is at hand), the text scrape's header lines, the
    URL path. Crawl time (WARC-Date) is never used.
    """
    now = doc.get("crawled_at")  # the crawl/ingest time when the record states it
    found = publication_date_from_field(doc.get("published_field"), now=now)
    if found is None and doc.get("published_html") is not None:
        found = _plausible(PublicationDate(doc["published_html"], doc["published_html_precision"],
                                           doc["published_html_evidence"], doc["published_html_method"]), now)
    if found is None and doc.get("content_kind") == "text":
        found = publication_date_from_header(list(doc.get("header_lines") or []), now)
    if found is None:
        found = publication_date_from_url(doc.get("url"), now)
    return found


def staged_publication_date(doc: dict) -> PublicationDate | None:
    """The publication date the clean stage decided for a staged document (publication_date, run
    there so the dedup pass can order copies by it)."""
    if doc.get("published") is None:
        return None
    return PublicationDate(doc["published"], doc["published_precision"], doc["published_evidence"],
                           doc["published_method"])


def dates_shard(run_dir: str, shard_id: int) -> dict:
    """Publication dates and date mentions for one record shard (after dedup decided the statuses)."""
    from tasks.dedup import final_paragraphs

    run = Path(run_dir)
    docs = pq.read_table(run / "clean" / f"docs-{shard_id:05d}.parquet").to_pylist()
    paras = final_paragraphs(run_dir, shard_id)
    pub = {name: [] for name in PUBLISHED_SCHEMA.names}
    reference: dict[str, dt.date | None] = {}
    for doc in docs:
        found = staged_publication_date(doc)
        pub["doc_id"].append(doc["doc_id"])
        pub["published"].append(found.value if found else None)
        pub["published_precision"].append(found.precision if found else None)
        pub["published_evidence"].append(found.evidence if found else None)
        pub["published_method"].append(found.method if found else None)
        reference[doc["doc_id"]] = found.value if found and found.precision == "day" else None
    men = {name: [] for name in MENTION_SCHEMA.names}
    cols = paras.select(["doc_id", "position", "text", "status"]).to_pydict()
    for doc_id, position, text, status in zip(cols["doc_id"], cols["position"], cols["text"], cols["status"]):
        if status not in ("kept", "metadata"):
            continue
        for m in extract_mentions(text, reference.get(doc_id)):
            men["doc_id"].append(doc_id)
            men["position"].append(position)
            men["start"].append(m.start)
            men["end"].append(m.end)
            men["surface"].append(m.surface)
            men["value"].append(m.value)
            men["granularity"].append(m.granularity)
            men["calendar"].append(m.calendar)
    out = run / "dates"
    out.mkdir(exist_ok=True)
    write_staged(pa.table(pub, schema=PUBLISHED_SCHEMA), out / f"published-{shard_id:05d}.parquet")
    write_staged(pa.table(men, schema=MENTION_SCHEMA), out / f"mentions-{shard_id:05d}.parquet")
    return {"published": sum(v is not None for v in pub["published"]), "mentions": len(men["doc_id"])}


# ---------------------------------------------------------------- Prefect task wrapper

dates_task = StageTask(dates_shard, name="dates", retries=1)
