"""The compiled date grammar: every date pattern (compiled with a first-character guard), and the
substring triggers that gate them."""

from __future__ import annotations

import re

from akhbar.tasks.dates.lexicon import (
    _AMPM,
    _ARABIC_MONTH,
    _B,
    _BC,
    _COUNT_NOUNS,
    _E,
    _ENG_MONTH,
    _ENGLISH_WEEKDAYS,
    _GREG_MONTHS,
    _HIJRI_MONTHS,
    _HMONTH,
    _MONTH,
    _MONTHX,
    _NOT_NUM_BEFORE,
    _OF_YEAR_REL,
    _ORDINAL,
    _POS,
    _REL,
    _TIME_TAIL,
    _TZ,
    _WEEKDAY,
    _YEAR_SUFFIX,
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
    the text; the one-character lookahead rejects most positions first (bench/dates.py). It only
    restates a necessary condition, so the matches are the same."""
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
    + _TIME_TAIL
)

# 2. day-first numeric dates: 08/02/2017, ١ / ١٢ / ٢٠٢٠ - ٠٢:٠٠
# around the separators: spaces, or the right-to-left marks CLDR's Arabic formats put there ("١٢‏/٧‏/٢٠١٨")
_SEP_SPACE = r"[\s\u200e\u200f\u061c]*"
_RX_DMY = _compile(
    rf"(?:(?P<wd>{_WEEKDAY}){_E}\s*[،,]?\s*)?{_NOT_NUM_BEFORE}(?P<d>\d{{1,2}}){_SEP_SPACE}(?P<sep>[/.\-]){_SEP_SPACE}"
    rf"(?P<m>\d{{1,2}}){_SEP_SPACE}(?P=sep){_SEP_SPACE}(?P<y>\d{{4}})(?P<suf>{_YEAR_SUFFIX})?(?!\d)" + _TIME_TAIL
)

# 3. RFC 822 / English: "Sun, 18 Feb 2018 21:35:43 +0400", "18 February 2018"
_RX_RFC = _compile(
    rf"(?=[A-Za-z0-9])(?<![A-Za-z])(?:(?i:{_ENGLISH_WEEKDAYS})[a-z]*,?\s+)?{_NOT_NUM_BEFORE}(?P<d>\d{{1,2}})\s+(?P<mon>{_ENG_MONTH}),?\s+(?P<y>\d{{4}})(?!\d)"
    + _TIME_TAIL
)

# 3b. English month-first: "February 18, 2018"
_RX_MDY = _compile(
    rf"(?=[A-Za-z])(?<![A-Za-z])(?:(?i:{_ENGLISH_WEEKDAYS})[a-z]*,?\s+)?(?P<mon>{_ENG_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})(?!\d)"
    + _TIME_TAIL
)

# 4. Hijri: "15 رمضان 1445 هـ", "26 شوال 1436"
_RX_HIJRI = _compile(
    rf"{_B}(?:(?P<wd>{_WEEKDAY}){_E}\s*[،,]?\s*)?(?:{_NOT_NUM_BEFORE}(?P<d>\d{{1,2}})|(?P<ord>{_ORDINAL}))?\s*(?:من\s+)?(?:شهر\s+)?"
    rf"(?P<hmon>{_HMONTH}){_E}\s*(?:(?:عام|سنه|لعام|لسنه)\s+)?(?P<y>1[2-5]\d\d)(?!\d)(?P<suf>{_YEAR_SUFFIX})?"
)

# 5. textual Gregorian with a day: "الأحد 5 يناير", "24 نيسان / أبريل 2020", "الخامس من أكتوبر", "03 يونيو 2020م"
_RX_DAY = _compile(
    rf"(?:(?P<wd>{_WEEKDAY}){_E}\s*[،,]?\s*(?:الموافق\s+)?)?"
    rf"(?:{_NOT_NUM_BEFORE}(?P<d>\d{{1,2}})(?:\s*(?:من\s+)?(?:شهر\s+)?)|{_B}(?P<ord>{_ORDINAL})\s+(?:من\s+)?(?:شهر\s+)?)"
    rf"(?P<mon>{_MONTHX})"
    rf"(?:\s*[،,]?\s*(?:(?:من\s+)?(?:عام|العام|سنه)\s+)?(?P<y>\d{{4}})(?!\d)(?P<suf>{_YEAR_SUFFIX})?|\s+(?P<rel>{_REL}){_E}|{_OF_YEAR_REL})?"
    + _TIME_TAIL
)

# 6. a range of days in one month: "من 5 إلى 7 يونيو 2022", "بين 5 و7 يونيو"
_RX_RANGE = _compile(
    rf"{_NOT_NUM_BEFORE}(?P<d1>\d{{1,2}})\s*(?:-|–|الي|حتي|لغايه|و)\s*(?P<d2>\d{{1,2}})\s+(?:من\s+)?(?:شهر\s+)?"
    rf"(?P<mon>{_MONTHX})(?:\s*[،,]?\s*(?:(?:من\s+)?(?:عام|العام|سنه)\s+)?(?P<y>\d{{4}})(?!\d)(?P<suf>{_YEAR_SUFFIX})?)?"
)

# 7. a month (no day): "يـنـايـر 2021", "سبتمبر/أيلول الماضي", "نهاية شهر كانون الثاني", "يوليوز 2019"
_RX_MONTH = _compile(
    rf"{_B}(?P<clitic>[وبل](?=\w))?(?:(?P<pos>{_POS})\s+(?:(?:من|ل)\s+)?)?(?P<shahr>شهر\s+|شهري\s+)?(?P<mon>{_MONTHX}){_E}"
    rf"(?:\s*[،,]?\s*(?:(?:من\s+)?(?:عام|العام|سنه)\s+)?(?P<y>\d{{4}})(?!\d)(?P<suf>{_YEAR_SUFFIX})?"
    rf"|\s+(?P<rel>{_REL}){_E}|{_OF_YEAR_REL})?"
)

# 8. seasons: "ربيع العام 2022", "صيف 2019", "الشتاء الماضي"
_RX_SEASON = _compile(
    rf"{_B}(?P<al>ال)?(?P<sea>ربيع|صيف|خريف|شتاء|شتا){_E}\s+(?:(?:هذا\s+)?(?P<yw>العام|عام|سنه|السنه)\s*)?"
    rf"(?:(?P<y>\d{{4}})(?!\d)(?P<suf>{_YEAR_SUFFIX})?|(?P<rel>{_REL}){_E})?"
)

# 9. a bare year: needs a year word or a year suffix ("في عام 1948", "منذ 2022", "2015م")
_YEAR_KW = r"(?:(?:و|ب|ل|لل|في|ف)?(?:عام|العام|سنه|السنه|اعوام|عامي|العامين)|منذ|حتي|خلال|مطلع|منتصف|نهايه|اواخر|اوايل|اوائل|بدايه|اواسط|مستهل|قبل|بعد|في|موسم)"
_YEAR_KW_MAX = _parser.parse(_YEAR_KW).getwidth()[1]
_RX_YEAR = _compile(
    rf"(?:{_B}(?P<kw>{_YEAR_KW})\s+)?"
    rf"{_NOT_NUM_BEFORE}(?P<y>\d{{4}})(?!\d)(?P<suf>{_YEAR_SUFFIX})?(?!\s*{_COUNT_NOUNS})(?![.,]\d)(?!\s*/\s*\d{{4}}\s*ه)"
)
# what every _RX_YEAR match that _cands_year keeps holds (a year word before the year, or a year suffix after
# it): the rule set's year rule, so that paragraphs with only bare four-digit numbers skip the year builder
_RX_YEAR_MARKED = _compile(
    rf"{_B}{_YEAR_KW}\s+{_NOT_NUM_BEFORE}\d{{4}}(?!\d)|{_NOT_NUM_BEFORE}\d{{4}}(?!\d){_YEAR_SUFFIX}"
)

_RX_AND_YEAR = _compile(
    rf"\s*(?:و|-|–|/|الي|حتي|او)\s*(?P<y>\d{{4}})(?!\d)(?P<suf>{_YEAR_SUFFIX})?(?!\s*{_COUNT_NOUNS})(?![.,]\d)"
)

# "اليوم" that is not today: "اليوم الأول من زيارته", "اليوم السابع" (a newspaper), "اليوم الذي", "اليوم العالمي"
_NOT_TODAY = (
    r"(?:السابع|الاول|الثاني|الثالث|الرابع|الخامس|السادس|الثامن|التاسع|العاشر|الاخير|التالي|"
    r"السابق|الذي|الوطني|العالمي|الدولي|نفسه|ذاته|الموعود|المشهود|المفتوح|الاولمبي)(?!\w)"
)

# 10. relative: الشهر الماضي, مطلع العام المقبل, يوم السبت المقبل (relative days and spans such as أمس or
# منذ 3 أيام: tasks/relative.py)
_UNITS = {
    "يوم": ("d", 1),
    "يوما": ("d", 1),
    "ايام": ("d", None),
    "يومين": ("d", 2),
    "اسبوع": ("w", 1),
    "اسبوعا": ("w", 1),
    "اسابيع": ("w", None),
    "اسبوعين": ("w", 2),
    "شهر": ("m", 1),
    "شهرا": ("m", 1),
    "اشهر": ("m", None),
    "شهور": ("m", None),
    "شهرين": ("m", 2),
    "عام": ("y", 1),
    "عاما": ("y", 1),
    "اعوام": ("y", None),
    "عامين": ("y", 2),
    "سنه": ("y", 1),
    "سنوات": ("y", None),
    "سنين": ("y", None),
    "سنتين": ("y", 2),
    # hours, minutes, seconds: "منذ ساعتين" is the reference's day (a day earlier per 24 hours)
    "ساعه": ("h", 1),
    "ساعات": ("h", None),
    "ساعتين": ("h", 2),
    "دقيقه": ("min", 1),
    "دقايق": ("min", None),
    "دقيقتين": ("min", 2),
    "ثانيه": ("s", 1),
    "ثوان": ("s", None),
    "ثواني": ("s", None),
    "ثانيتين": ("s", 2),
}
_RX_RELPERIOD = _compile(
    rf"(?:{_NOT_NUM_BEFORE}(?P<d>\d{{1,2}})\s+من\s+(?=الشهر)|{_BC}(?P<ord>{_ORDINAL})\s+من\s+(?=الشهر))?"
    rf"{_BC}(?:(?P<pos>{_POS})\s+)?(?:(?P<the>الشهر|العام|السنه)\s+(?P<rel>{_REL})|(?:هذا|هذه)\s+(?P<this>العام|السنه|الشهر)){_E}"
)  # also a day of a relative month: "في الرابع عشر من الشهر الماضي", "15 من الشهر الجاري"
_RX_WEEKDAY = _compile(rf"{_B}(?:[وف](?=ال))?(?P<wd>{_WEEKDAY}){_E}(?:\s+(?P<rel>{_REL}){_E})?" + _TIME_TAIL)

# 11. a time alone: "19:56 ت. غ", "الساعة 10:30"
_RX_TIME = _compile(
    rf"(?:(?P<pre>الساعه)\s*)?{_NOT_NUM_BEFORE}(?P<H>\d{{1,2}}):(?P<M>\d{{2}})(?::(?P<S>\d{{2}}))?(?![\d:])"
    rf"(?:\s*(?P<ap>{_AMPM})(?!\w))?(?:\s*(?P<par>\()?\s*(?:{_TZ})(?(par)\s*\)))?"
)
_RX_HOUR = _compile(  # "الساعة 5 مساء": an hour alone needs الساعة and its part of the day
    rf"(?P<pre>الساعه)\s*{_NOT_NUM_BEFORE}(?P<H>\d{{1,2}})(?![\d:])\s*(?P<ap>{_AMPM})(?!\w)"
    rf"(?:\s*(?P<par>\()?\s*(?:{_TZ})(?(par)\s*\)))?"
)

# Prefilter: plain substring tests (C speed), no regex alternation. A text without a digit
# and without any of these words cannot hold a date expression. The ones most news paragraphs
# hold come first, so any() stops early on them.
_FREQUENT_TRIGGERS = ("اب", "قبل", "احد", "ماي", "العام", "منذ", "اليوم", "جمعه", "سبت", "امس", "الشهر")
_TRIGGERS = tuple(
    sorted(
        {k.split()[0] for k in _GREG_MONTHS}
        | {"امس", "البارحه", "اليوم", "غد", "منذ", "قبل", "ربيع", "صيف", "خريف", "شتا", "الشهر", "العام", "السنه"}
        | {"بكر", "مبارح", "نهارده", "باجر", "الاسبوع", "الفين", "الف و", "الساعه", "عيد ال", "عرفه", "المولد"}
        | {"محرم", "صفر", "جمادي", "رجب", "شعبان", "رمضان", "شوال", "القعده", "الحجه"}
        | {"اثنين", "اتنين", "ثلاثا", "اربعا", "خميس", "جمعه", "سبت", "احد"},
        key=lambda k: (k not in _FREQUENT_TRIGGERS, _FREQUENT_TRIGGERS.index(k) if k in _FREQUENT_TRIGGERS else 0, k),
    )
)
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
    if folded.lower() == folded.upper():  # no cased letter at all: cheaper than the regex on Arabic text
        return False
    if not _LATIN.search(folded):
        return False
    low = folded.lower()
    return any(k in low for k in _ENG_TRIGGERS)


_DIGIT_COLON = re.compile(r"\d:\d")  # every time needs one
_FOUR_DIGITS = re.compile(r"\d{4}")  # every year pattern needs one (ISO, DMY, RFC, Hijri, bare year)
# English names are matched case-insensitively: any letter a-z in any case (as re folds it) may start one
_LATIN_ANY = re.compile(r"(?i)[a-z]")
# an Arabic month as the month patterns allow it: at a word start, after a proclitic و/ب/ل, or
# right after a day number ("5مايو")
_MONTH_WORD = _compile(rf"(?:(?<!\w)[وبل]?|(?<=\d)){_ARABIC_MONTH}(?!\w)")
_ORD_HINT = _compile(_ORDINAL + r"\s+(?:من\s+)?(?:شهر\s+)?" + _MONTH)

# News writes a bare weekday for the most recent one; these words before it point forward instead.
# An explicit list: a general "سـ + verb" rule would also fire on سياسي, سيارة, ستة ...
_FUTURE_BEFORE = re.compile(
    r"(?<!\w)(?:سوف|المقرر|المقرره|المرتقب|المرتقبه|المزمع|المزمعه|ستجري|سيجري|ستعقد|سيعقد|ستبدا|سيبدا|"
    r"ستنطلق|سينطلق|سيلتقي|ستلتقي|سيزور|ستزور|سيصل|ستصل|ستقام|سيقام|سيلعب|ستلعب|سيواجه|يواجه|تواجه|ستواجه|"
    r"سيتوجه|سيعلن|ستعلن|سيصوت|يصوتوا|ستنظم|سينظم|سيخوض|يخوض|ستشهد|سيشهد)(?!\w)(?:\s+\S+){0,3}\s*(?:يوم\s+)?$"
)
