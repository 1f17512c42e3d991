"""Revisions vs duplicates (akhbar.tasks.revisions): the numbers of a paragraph and when a changed one makes a revision."""

from __future__ import annotations

import random
import re

from akhbar.arabic import fold_letters
from akhbar.tasks import revisions

# the number pattern as first written (two alternatives from the start): the reference for the faster one
_TWO_ALTERNATIVES = re.compile(r"(\d+)\u0631(\d+)|\d+(?:[.,:\u066b\u066c\u060c]\d+)*")


def _reference_numbers(text: str) -> list[str]:
    out = []
    for m in _TWO_ALTERNATIVES.finditer(text):
        raw = m.group(2) + m.group(1) if m.group(1) else m.group(0)
        out.append(re.sub(r"\D", "", fold_letters(raw)).lstrip("0") or "0")
    return out


def test_numbers_in_every_notation_are_one_number():
    # 1.277 = 1277, ٢,٦ = 2.6, 08:00 = 0800, 3ر42 = 42.3 (the agencies' notation: the fraction first)
    assert revisions._numbers("1.277 و١٢٧٧ و٢,٦ و2.6 الساعة 08:00 و0800 ونسبة 3ر42 و42.3") == [
        "1277", "1277", "26", "26", "800", "800", "423", "423"
    ]  # fmt: skip


def test_numbers_as_the_two_alternative_pattern_finds_them():
    """Strings of digits (ASCII, Arabic-Indic, Persian), separators, ر and letters: the same numbers."""
    rng = random.Random(5)
    alphabet = "0123456789٠١٢٣٤٥٦٧٨٩۱۲ر.,:٫٬،ـ ab"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(20000)]
    assert all(revisions._numbers(t) == _reference_numbers(t) for t in texts)


def test_a_replaced_number_is_a_revision_an_added_or_dropped_one_is_not():
    earlier = "قتل 12 شخصا في الهجوم وأصيب 30 آخرون بحسب المصادر الطبية"
    assert revisions.relation(earlier.replace("12", "15"), earlier) == "revision"
    assert revisions.relation(earlier.replace("12", "١٢"), earlier) == "duplicate"  # another notation
    assert revisions.relation(earlier + " في 2024", earlier) == "duplicate"  # a number added with a clause
    assert revisions.relation(earlier.replace(" وأصيب 30 آخرون", ""), earlier) == "duplicate"  # one dropped
    # the new number stated elsewhere in the earlier one: not a new fact
    assert revisions.relation(earlier.replace("12", "30"), earlier) == "duplicate"
