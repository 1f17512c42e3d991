"""The date grammar of real Arabic web text, kind by kind (tasks/dates/: candidates.py with relative.py,
numbers.py, widgets.py). Lines written after the way news sites, forums and
date widgets write them; each expects the whole set of mentions (value|granularity), and the surface."""

from __future__ import annotations

import datetime as dt

import pytest

from akhbar.tasks.dates import extract_mentions
from akhbar.tasks.dates.numbers import number_value

D = dt.date
SAT = D(2018, 7, 14)  # a Saturday
WED = D(2024, 6, 12)  # a Wednesday


def _render(ms) -> str:
    return ";".join(f"{m.value}|{m.granularity}" for m in ms)


def _check(ref, text, expected, surface=None):
    ms = extract_mentions(text, ref)
    assert _render(ms) == expected, [(m.surface, m.value) for m in ms]
    for m in ms:
        assert text[m.start : m.end] == m.surface
    if surface is not None:
        assert [m.surface for m in ms] == surface


@pytest.mark.parametrize(
    "ref,text,expected",
    [
        (SAT, "تقام المباراة يوم غد الأحد على ملعب القاهرة", "2018-07-15|day"),
        (D(2018, 7, 16), "المنتخب يواجه نظيره غدا الثلاثاء في الدور الثاني", "2018-07-17|day"),
        (SAT, "هنروح المصيف بكرة إن شاء الله", "2018-07-15|day"),
        (SAT, "بكرا الخميس عندي امتحان", "2018-07-19|day"),
        (SAT, "امبارح بالليل كان في ماتش حلو", "2018-07-13|day"),
        (SAT, "كنت عنده مبارح", "2018-07-13|day"),
        (SAT, "وقع الحادث قبل امس في الطريق", "2018-07-12|day"),
        (SAT, "وصل الوفد أول من أمس إلى عمان", "2018-07-12|day"),
        (SAT, "الاجتماع بعد بكرة الصبح", "2018-07-16|day"),
        (SAT, "أعلنت الوزارة يوم أمس عن خطتها", "2018-07-13|day"),
        (SAT, "الجو النهارده حر جدا", "2018-07-14|day"),
        (SAT, "نلتقي صباح الغد في المكتب", "2018-07-15|day"),
        (SAT, "كما أعلن بالأمس عن خطته", "2018-07-13|day"),
        (SAT, "باجر العصر نروح السوق", "2018-07-15|day"),
        (SAT, "وقبل يوم واحد، ظهرت في المقهى", "2018-07-13|day"),
    ],
)
def test_colloquial_and_compound_days(ref, text, expected):
    _check(ref, text, expected)


@pytest.mark.parametrize(
    "ref,text,expected",
    [
        (SAT, "تنطلق الدورة يوم 20 الجاري في القاهرة", "2018-07-20|day"),
        (SAT, "وصل الوفد الخميس 12 الجاري", "2018-07-12|day"),
        (SAT, "انتهت المهلة في 30 الماضي", "2018-06-30|day"),
        (SAT, "يستكمل المشروع بحلول نهاية العام", "2018|year"),
        (SAT, "تصدر النتائج مطلع الشهر", "2018-07|month"),
        (SAT, "نهاية العام الدراسي", ""),
        (SAT, "قتل 2015 الماضي", ""),
    ],
)
def test_days_of_the_reference_month_and_year(ref, text, expected):
    _check(ref, text, expected)


@pytest.mark.parametrize(
    "ref,text,expected",
    [
        (SAT, "تراجعت الأسعار الشهر الفائت", "2018-06|month"),
        (SAT, "انخفضت المبيعات الأسبوع الماضي بنسبة كبيرة", "2018-W27|week"),
        (SAT, "تعقد اللجنة اجتماعها الأسبوع المقبل", "2018-W29|week"),
        (SAT, "ارتفعت البورصة هذا الأسبوع", "2018-W28|week"),
        (SAT, "زرته السنة اللي فاتت", "2017|year"),
        (SAT, "نسافر الشهر الجاي", "2018-08|month"),
        (SAT, "ارتفعت الأسعار الشهر قبل الماضي", "2018-05|month"),
        (SAT, "فاز بالبطولة العام قبل الماضي", "2016|year"),
        (SAT, "التقى الوفدان الخميس قبل الماضي", "2018-07-05|day"),
        (SAT, "غادر منذ يومين", "2018-07-12|day"),
        (SAT, "نشر قبل أسبوعين", "2018-06-30|day"),
        (SAT, "بدأت الأزمة منذ شهرين", "2018-05|month"),
        (SAT, "تخرج قبل سنتين", "2016|year"),
        (SAT, "توقف المشروع منذ عامين", "2016|year"),
        (SAT, "اختفى منذ ثلاثة عشر يوما", "2018-07-01|day"),
        (SAT, "افتتح المصنع منذ خمسة عشر عاما", "2003|year"),
        (SAT, "تنتهي المهلة بعد ثلاثة أيام", "2018-07-17|day"),
        (SAT, "تبدأ الامتحانات بعد أسبوع", "2018-07-21|day"),
        (SAT, "وصل منذ حوالي 3 أسابيع", "2018-06-23|day"),
        (SAT, "نشر منذ ساعتين", "2018-07-14|day"),
        (SAT, "آخر تحديث قبل 30 دقيقة", "2018-07-14|day"),
        (SAT, "قبل 48 ساعة", "2018-07-12|day"),
        (SAT, "استمر الاجتماع 5 ساعات", ""),
    ],
)
def test_relative_periods(ref, text, expected):
    _check(ref, text, expected)


@pytest.mark.parametrize(
    "ref,text,expected",
    [
        (SAT, "يعقد المؤتمر الخميس من الأسبوع المقبل", "2018-07-19|day"),
        (SAT, "وصل الوفد يوم الاثنين من الأسبوع الماضي", "2018-07-02|day"),
        (SAT, "تقام الاحتفالية ثالث جمعة من شهر مايو", "2018-05-18|day"),
        (SAT, "جرت الانتخابات آخر أحد من الشهر الماضي", "2018-06-24|day"),
        (SAT, "يصرف الراتب آخر يوم من السنة", "2018-12-31|day"),
        (SAT, "يبدأ التسجيل أول يوم من العام المقبل", "2019-01-01|day"),
        (SAT, "الجمعة الأخيرة من شهر يونيو", "2018-06-29|day"),
        (None, "أول اثنين من سبتمبر 2019 عيد العمال", "2019-09-02|day"),
        (None, "اليوم الأخير من شهر فبراير 2016", "2016-02-29|day"),
    ],
)
def test_weekday_of_a_week_or_month(ref, text, expected):
    _check(ref, text, expected)


@pytest.mark.parametrize(
    "ref,text,expected",
    [
        (SAT, "عادت الأسواق للعمل بعد ثالث أيام عيد الفطر", "2018-06-17|day"),
        (SAT, "ليلة عيد الفطر", "2018-06-14|day"),
        (None, "في عيد الأضحى لعام 1438 هـ", "2017-09-01|day"),
        (None, "احتفالات عيد الفطر 2017", "2017-06-25|day"),
        (SAT, "تبادلوا التهاني في عيد الميلاد المجيد", "2017-12-25|day"),
        (SAT, "احتفل بعيد ميلاده", ""),
    ],
)
def test_holidays(ref, text, expected):
    _check(ref, text, expected)


@pytest.mark.parametrize(
    "ref,text,expected",
    [
        (SAT, "في الحادي والثلاثين من ديسمبر", "2017-12-31|day"),
        (None, "في الحادي والثلاثين من ديسمبر 2019", "2019-12-31|day"),
        (None, "غرة شهر شوال 1439 هـ", "2018-06-15|day"),
        (SAT, "أعلنت دار الإفتاء أن غرة رمضان كانت الأربعاء", "2018-05-16|day;2018-07-11|day"),
        (SAT, "ولد في 15 شعبان", "2018-05-01|day"),
        (SAT, "صام المسلمون شهر رمضان الماضي", "2018-05|month"),
        (SAT, "في الخامس والعشرين من يناير", "2018-01-25|day"),
    ],
)
def test_ordinal_days_and_hijri(ref, text, expected):
    _check(ref, text, expected)


@pytest.mark.parametrize(
    "ref,text,expected",
    [
        (None, "انطلقت المباراة يوم 12 يوليو 2018 عند الساعة 17:05", "2018-07-12T17:05|datetime"),
        (None, "12 يوليو 2018 الساعة 4:15 عصراً", "2018-07-12T16:15|datetime"),
        (None, "نشر بتاريخ الخميس 12 يوليو 2018 11:40 م", "2018-07-12T23:40|datetime"),
        (None, "12/07/2018 08:30:15 صباحاً", "2018-07-12T08:30:15|datetime"),
        (None, "آخر تحديث: 12 يوليو 2018 10:20 (GMT+3)", "2018-07-12T10:20+03:00|datetime"),
        (None, "12 يوليو 2018 - 10:20 بتوقيت غرينتش", "2018-07-12T10:20Z|datetime"),
        (None, "الأحد 3 مارس 2019 الساعة 9 مساء بتوقيت مكة المكرمة", "2019-03-03T21:00+03:00|datetime"),
        (None, "الإثنين 4 مارس 2019 - 12:30 م", "2019-03-04T12:30|datetime"),
        (None, "4 مارس 2019 الساعة 12:15 صباحا", "2019-03-04T00:15|datetime"),
        (None, "وقع الانفجار الساعة 2:30 فجرا", "T02:30|time"),
        (None, "عاد الساعة 11 ليلا", "T23:00|time"),
        (None, "11:40 م", "T23:40|time"),
        (None, "في تمام الساعة الخامسة مساء", "T17:00|time"),
        (None, "الساعة العاشرة والنصف صباحا", "T10:30|time"),
        (SAT, "غدا الساعة 10 صباحا", "2018-07-15T10:00|datetime"),
        (SAT, "أمس عند الساعة 22:15", "2018-07-13T22:15|datetime"),
        (SAT, "الخميس المقبل الساعة 8 مساء", "2018-07-19T20:00|datetime"),
        (None, "وقع الزلزال 12 يوليو 2018، الساعة الخامسة مساء", "2018-07-12T17:00|datetime"),
        (None, "في الساعة العاشرة من صباح يوم الخميس 12 يوليو 2018", "2018-07-12T10:00|datetime"),
        (SAT, "الساعة 10:30 صباح اليوم", "2018-07-14T10:30|datetime"),
    ],
)
def test_date_and_time_joined(ref, text, expected):
    _check(ref, text, expected)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("12 يول 2018", "2018-07-12|day"),
        ("03 سبتـ 2019", "2019-09-03|day"),
        ("5-أكتو-2020", "2020-10-05|day"),
        ("21 ديس. 2017 | 14:05", "2017-12-21T14:05|datetime"),
        ("أبريل 3, 2021", "2021-04-03|day"),
        ("الخميس، يوليو 12، 2018 - 11:40 م", "2018-07-12T23:40|datetime"),
        ("جانفي 15, 2020", "2020-01-15|day"),
        ("9 جويلية 2019", "2019-07-09|day"),
        ("14 أوت 2019", "2019-08-14|day"),
        ("20 فيفري 2019", "2019-02-20|day"),
        ("3 جوان 2019", "2019-06-03|day"),
        ("11 ماي 2019", "2019-05-11|day"),
        ("12 شباط 2020", "2020-02-12|day"),
        ("15 آذار 2020", "2020-03-15|day"),
        ("7 حزيران 2020", "2020-06-07|day"),
        ("1 تشرين الثاني 2020", "2020-11-01|day"),
        ("١٢‏/٧‏/٢٠١٨", "2018-07-12|day"),  # CLDR's Arabic short date, with right-to-left marks
        ("نيسان 9, 2020", "2020-04-09|day"),
    ],
)
def test_widget_and_regional_month_names(text, expected):
    _check(None, text, expected)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("وصل نابليون إلى الإسكندرية في 01/07/1798", "1798-07-01|day"),
        ("استقلت الجزائر في 1962-07-05", "1962-07-05|day"),
        ("5/7/1962", "1962-07-05|day"),
        ("في عام 1798", "1798|year"),
    ],
)
def test_old_gregorian_years_stay_gregorian(text, expected):
    _check(None, text, expected)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("خلال الفترة من 1 يوليو 2017م - 31 يناير 2018م، موزعة", "2017-07-01|day;2018-01-31|day"),
        ("في 5 مارس 2019 - 12 صفحة", "2019-03-05|day"),
    ],
)
def test_a_number_after_a_date_is_no_time(text, expected):
    _check(None, text, expected)


@pytest.mark.parametrize(
    "ref,text,expected",
    [
        (None, "اتجوزت سنة الفين وعشرة", "2010|year"),
        (None, "في عام ألف وتسعمائة وثمانية وأربعين", "1948|year"),
        (None, "الفين وعشرة", "2010|year"),
        (SAT, "ميعادنا حداشر يناير", "2018-01-11|day"),
        (SAT, "اتناشر مارس اللي فات", "2018-03-12|day"),
        (None, "خمسة وعشرين ديسمبر الفين وعشرين", "2020-12-25|day"),
        (None, "يناير ألفين وأربعة وعشرين", "2024-01|month"),
        (None, "دفع الفين وعشرين جنيه", ""),
    ],
)
def test_written_out_numbers(ref, text, expected):
    _check(ref, text, expected)


@pytest.mark.parametrize(
    "phrase,value",
    [
        ("الفين وعشره", 2010),
        ("الف وتسعمايه وثمانيه واربعين", 1948),
        ("حداشر", 11),
        ("تلتاشر", 13),
        ("خمسه وعشرين", 25),
        ("عشره وعشرين", None),
        ("تسعميه وتسعين", 990),
        ("الفين واتنين وعشرين", 2022),
    ],
)
def test_number_value(phrase, value):
    assert number_value(phrase) == value


@pytest.mark.parametrize(
    "ref,text,expected",
    [
        (D(2019, 1, 3), "الأحد 6 يناير", "2019-01-06|day"),  # the year whose 6 January is a Sunday
        (SAT, "في 20 يوليو", "2017-07-20|day"),  # yearless: the nearest past occurrence
        (SAT, "في 14 يوليو", "2018-07-14|day"),
        (SAT, "ستقام البطولة في 20 يوليو", "2018-07-20|day"),  # pointing forward: the next one
        (SAT, "أجرى الوزير، الأحد، محادثة", "2018-07-08|day"),  # a bare weekday: the last one
    ],
)
def test_resolution_conventions(ref, text, expected):
    _check(ref, text, expected)


def test_relative_kinds_need_a_reference():
    for text in ("بكرة", "امبارح", "الأسبوع الماضي", "منذ ثلاثة عشر يوما", "غرة رمضان", "الخميس من الأسبوع المقبل"):
        assert all(m.granularity == "weekday" for m in extract_mentions(text)), text


@pytest.mark.parametrize(
    "text",
    [
        "قضى عشر سنوات في السجن",
        "قرأ رمضان الخبر",
        "الساعة البيولوجية للإنسان",
        "اشترى ألفين وعشرين كتابا",
        "ربح ألفين وعشرين",
    ],
)
def test_not_dates(text):
    assert extract_mentions(text, SAT) == []
