"""tasks/clean/rules.py: the boilerplate rules are data, compiled once, consistent."""

from __future__ import annotations

import tomllib

from akhbar.tasks.clean.lines import _cue_class, _starts_with
from akhbar.tasks.clean.rules import RULES_PATH, cue_key, load_rules


def test_rules_are_data_and_cached():
    rules = load_rules()
    assert load_rules() is rules  # loaded once
    for name in ("body_min_words", "short_run_min", "latin_line_max_arabic_ratio", "block_max_gap"):
        assert name in rules.t
    # every spelling of a cue maps to one key
    assert cue_key("إقرأ أيضاً:") == cue_key("اقرا ايضا") == cue_key("اقرأ أيـــضاً")
    assert cue_key("التعليقات") == cue_key("تعليقات")
    assert cue_key("أضف تعليقاً") == cue_key("اضف تعليقا")
    assert cue_key("إقرأ أيضاً") != cue_key("أخبار ذات صلة")


def test_widget_cues_are_trailer_cues():
    """Data consistency: a widget cue must also be a trailer cue and not be read as a soft one."""
    rules = load_rules()
    with open(RULES_PATH, "rb") as fh:
        cues = tomllib.load(fh)["cues"]
    for phrase in cues["widget_trailer"]:
        key = cue_key(phrase).split()
        assert " ".join(key) in rules.trailer_exact or _starts_with(key, rules.trailer_prefix), phrase
        assert _cue_class(key, rules) == "widget", phrase
