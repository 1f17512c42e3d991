"""The speed devices of the grammar (tasks/dates/patterns.py's first-character guards, the month-name gate of
tasks/dates/mentions.py) change no match."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dates.test_mentions import PROBE

SHARED = Path(__file__).parents[2].parent / "shared"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"../shared not found at {SHARED} (development material sits beside the checkout)"
)


@needs_shared
def test_first_character_guards_and_gates_change_no_match():
    # _compile prefixes each pattern with a lookahead on its possible first characters, and
    # _has_month_word replaces a full scan: both must find exactly what the plain forms find.
    import re

    from akhbar.arabic import fold_letters
    from akhbar.tasks.dates import mentions, patterns

    texts = [
        fold_letters(line)
        for f in sorted((SHARED / "seeds").glob("*.txt"))
        for line in f.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    texts += [fold_letters(text) for _ref, text, _exp in PROBE]
    texts += ["5مايو", "ومايو", "xمايو", "ببمايو", "مايوس", "_مايو", "٣مايو", "لابريل", "Feb 3, 2020", "kانون"]
    guarded = [(patterns, name) for name in dir(patterns) if name.startswith("_RX_")]
    guarded += [(patterns, "_MONTH_WORD"), (patterns, "_ORD_HINT")]
    assert len(guarded) > 10
    for module, name in guarded:
        rx = getattr(module, name)
        assert rx.pattern.startswith("(?="), f"{name} has no first-character guard"
        plain = re.compile(rx.pattern[rx.pattern.index(")(?:") + 1 :], rx.flags)
        for text in texts:
            got = [(m.span(), m.groupdict()) for m in rx.finditer(text)]
            assert got == [(m.span(), m.groupdict()) for m in plain.finditer(text)], (name, text)
    for text in texts:
        assert mentions._has_month_word(text) == (patterns._MONTH_WORD.search(text) is not None), text


_YEAR_TEXTS = [
    "في عام 2015 و2016 ثم منذ   1999م وبطول 1300م",
    "12345 2020 عام\u00a0\u00a02021، 1440 هـ 2019/2020 وفي  العام 2022",
    "2020",
    "ولد عام 1950 وتوفي في 2001 عن 51 عاما 19999 منذ 2003",
]


@pytest.mark.parametrize("text", _YEAR_TEXTS)
def test_year_matches_skip_to_the_next_four_digits_and_change_no_match(text):
    from akhbar.arabic import fold_letters
    from akhbar.tasks.dates import candidates, patterns

    f = fold_letters(text)
    first = candidates._FOUR_DIGITS.search(f).start()
    got = [(m.span(), m.groupdict()) for m in candidates._year_matches(f, first)]
    assert got == [(m.span(), m.groupdict()) for m in patterns._RX_YEAR.finditer(f)]
    assert got


@needs_shared
def test_year_matches_on_the_seeds():
    from akhbar.arabic import fold_letters
    from akhbar.tasks.dates import candidates, patterns

    lines = [
        line for f in sorted((SHARED / "seeds").glob("*.txt")) for line in f.read_text(encoding="utf-8").split("\n")
    ]
    lines += [text for _ref, text, _exp in PROBE]
    checked = 0
    for text in map(fold_letters, lines):
        first = candidates._FOUR_DIGITS.search(text)
        if first is None:
            continue
        got = [(m.span(), m.groupdict()) for m in candidates._year_matches(text, first.start())]
        assert got == [(m.span(), m.groupdict()) for m in patterns._RX_YEAR.finditer(text)], text
        checked += bool(got)
    assert checked >= 10


@needs_shared
def test_month_matches_from_the_month_names_change_no_match():
    from akhbar.arabic import fold_letters
    from akhbar.tasks.dates import mentions, patterns

    lines = [
        line for f in sorted((SHARED / "seeds").glob("*.txt")) for line in f.read_text(encoding="utf-8").split("\n")
    ]
    lines += [text for _ref, text, _exp in PROBE]
    lines += [
        "ابن ابو في نهاية   شهر  \u00a0مايو 2020 ولمارس وبآب",
        "اواخر من شهر ايار الماضي، وأوائل لـ نيسان",
        "مايو",
    ]
    checked = 0
    for text in map(fold_letters, lines):
        if patterns._LATIN_ANY.search(text):
            continue
        got = [(m.span(), m.groupdict()) for m in mentions._month_matches(text)]
        assert got == [(m.span(), m.groupdict()) for m in patterns._RX_MONTH.finditer(text)], text
        checked += bool(got)
    assert checked >= 10


_NEAR_TEXTS = [
    "x15 من الشهر الماضي وفي الحادي والعشرين من الشهر المقبل",
    "ونهايه هذا العام، والعام الماضي ثم مطلع   العام\u00a0المقبل بالعام الماضي",
    "الرابع عشر من الشهر الجاري 3 من الشهر الحالي العاملين هذه السنه",
    "يوم الخميس والجمعه الماضيه، فالسبت المقبل xالاحد الاثنين الساعه 5:30 مساء",
]


def _near_lines() -> list[str]:
    from akhbar.arabic import fold_letters

    lines = list(_NEAR_TEXTS) + [text for _ref, text, _exp in PROBE]
    for f in sorted((SHARED / "seeds").glob("*.txt")) if (SHARED / "seeds").is_dir() else ():
        lines += f.read_text(encoding="utf-8").split("\n")
    return [fold_letters(line) for line in lines]


@pytest.mark.parametrize(
    "name,keys,words",
    [("_RX_RELPERIOD", ("الشهر", "العام", "السنه"), 3)],  # candidates._cands_relative's
)
def test_matches_near_their_keys_are_finditer_s(name, keys, words):
    """matching._matches_near (searches started a few words before a key) finds exactly finditer's matches."""
    from akhbar.tasks.dates import patterns
    from akhbar.tasks.dates.matching import _matches_near

    rx = getattr(patterns, name)
    checked = 0
    for text in _near_lines():
        got = [(m.span(), m.groupdict()) for m in _matches_near(rx, text, keys, words)]
        assert got == [(m.span(), m.groupdict()) for m in rx.finditer(text)], text
        checked += bool(got)
    assert checked >= 5


def test_weekday_matches_at_the_names_are_finditer_s():
    """_cands_weekday tries _RX_WEEKDAY only at a weekday name (or a proclitic before it): finditer's matches."""
    from akhbar.tasks.dates import candidates, patterns
    from akhbar.tasks.dates.matching import _matches

    checked = 0
    for text in _near_lines():
        got = [(m.span(), m.groupdict()) for m in _matches(patterns._RX_WEEKDAY, text, candidates._WEEKDAY_KEYS, 0)]
        assert got == [(m.span(), m.groupdict()) for m in patterns._RX_WEEKDAY.finditer(text)], text
        checked += bool(got)
    assert checked >= 5
