"""tasks/clean/lines.py: the cheap guards of the line classifier agree with the costly rules they guard."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from akhbar.arabic import normalize_arabic
from akhbar.tasks.clean.lines import _may_hold_date
from akhbar.tasks.clean.pages import _is_arabic_page, arabic_pages
from akhbar.tasks.clean.rules import load_rules

_MONTH_WORDS = ["فبراير", "كانون الثاني", "ربيع الأول", "may", "sept", "ماي", "جمادى الآخرة", "يوليو"]


@given(
    st.lists(
        st.one_of(
            st.sampled_from(_MONTH_WORDS),
            st.from_regex(r"\A[0-9]{1,5}\Z"),
            st.sampled_from(["في", "يوم", "on", "x12", "سنة", "،", "-", "/", "هـ"]),
        ),
        max_size=8,
    )
)
@settings(max_examples=400, deadline=None)
def test_date_guard_is_a_necessary_condition(parts):
    """The cheap guard before the date regex never hides a date the regex would find."""
    rules = load_rules()
    for joiner in (" ", "", "/"):
        norm = normalize_arabic(joiner.join(parts))
        if rules.date_re.search(norm) is not None:
            assert _may_hold_date(norm, rules), norm


@given(st.text(alphabet=st.sampled_from(list("ابتثجحخ دذرزسشصضطظعغفقكلمنهوي abcdefXYZ 0123456789 .،ًٌ")), max_size=3000))
@settings(max_examples=200, deadline=None)
def test_arabic_page_fast_path_agrees_with_word_counts(text):
    """_is_arabic_page's byte-count shortcuts give the same answer as counting words."""
    rules = load_rules()
    sample = text if len(text) <= 1600 else text[:800] + " " + text[len(text) // 2 : len(text) // 2 + 800]
    n_ar = len(re.findall(r"[\u0621-\u064A]+", sample))
    n_lat = len(re.findall(r"[A-Za-z]+", sample))
    expected = n_ar + n_lat > 0 and n_ar / (n_ar + n_lat) >= rules.t["arabic_page_min_ratio"]
    assert _is_arabic_page(text, rules) == expected
    # the shard path: the same answer for each page, with neighbours on both sides
    assert arabic_pages(["abc", text, "", "نص عربي"], rules) == [False, expected, False, True]


# ------------------------------------------------------------------------------ gold test
