"""The RE2 rule set that gates extract_mentions (tasks/dates/trigger.py) never rejects a text its rule
matches: checked rule by rule on every line the dates tests and docs hold, and on the forms the rewrite
into RE2 has to keep (look-arounds, back-references, case, Unicode digits and spaces)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from akhbar.arabic import fold_letters
from akhbar.tasks.dates import candidates, holidays, numbers, patterns, relative, trigger, widgets
from tests.dates.test_doc import ROWS

TESTS = Path(__file__).parent
SHARED = Path(__file__).parents[2].parent / "shared"


def _test_strings() -> list[str]:
    """Every string literal of the dates tests (their example lines), the coverage table's examples and,
    when ../shared is there, the probe lines and the seed scrapes' lines."""
    out = {r[1] for r in ROWS}
    for path in TESTS.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value.strip()) >= 2:
                out.add(node.value)
    probe = SHARED / "dates" / "probe.tsv"
    if probe.is_file():
        out.update(line.split("\t")[1] for line in probe.read_text(encoding="utf-8").splitlines() if "\t" in line)
    for seed in sorted((SHARED / "seeds").glob("*.txt")) if (SHARED / "seeds").is_dir() else ():
        out.update(seed.read_text(encoding="utf-8", errors="replace").splitlines())
    return sorted(out)


LINES = _test_strings()


def test_lines_are_many():
    assert len(LINES) > 500


def test_every_rule_match_is_a_hit():
    """Where a rule's own pattern finds a match in a folded line, the rule set names that rule."""
    rules = trigger.rule_patterns()
    missed = []
    for line in LINES:
        folded = fold_letters(line)
        hits = trigger.rule_hits(folded)
        missed += [(name, line) for name, rx in rules.items() if name not in hits and rx.search(folded)]
    assert not missed
    # and the gate is not everything: most lines hit few rules
    assert (
        sum(len(trigger.rule_hits(fold_letters(line)) & trigger.ALL_RULES) for line in LINES)
        < len(LINES) * len(rules) / 4
    )


def test_gates_are_named_where_they_hold():
    """A gate is named in the hits of a line (one where some rule may match) exactly where its pattern matches."""
    gates = trigger.gate_patterns()
    wrong, checked = [], 0
    for line in LINES + ["JAN 5 \u017fep", "\u212aan 2020", "الساعه 5:30", "في ٢٠٢٠"]:
        folded = fold_letters(line)
        hits = trigger.rule_hits(folded)
        if not hits:
            continue
        checked += 1
        wrong += [(name, line) for name, rx in gates.items() if (rx.search(folded) is not None) != (name in hits)]
    assert not wrong
    assert checked > 300


def test_english_month_gate_is_has_english_month():
    from akhbar.tasks.dates.patterns import _has_english_month

    gate = trigger.gate_patterns()["?english_month"]
    for text in LINES + ["JAN 5", "\u017fep 3", "\u0130jan", "\u212aov", "dEc", "ja n"]:
        assert (gate.search(text) is not None) == _has_english_month(text), text


def test_gates_of_a_text_without_utf8_are_python_s():
    folded = fold_letters("\ud800 الاحد 5 مايو 2020")
    hits = trigger.rule_hits(folded)
    assert hits >= trigger.ALL_RULES
    assert {"?digit", "?four_digits"} <= hits and "?latin" not in hits
    assert trigger.rule_hits_many([folded, "في 2020"])[0] == hits


def test_every_rule_pattern_is_listed():
    """Each module-level _RX pattern of the grammar is a rule of the set (or only read after a rule's match)."""
    listed = {id(p) for p in trigger.rule_patterns().values()}
    after_a_match = {id(patterns._RX_AND_YEAR)}  # _cands_year's second year, tried only at a year's end
    after_a_match.add(id(patterns._RX_YEAR))  # tried where its year rule (_RX_YEAR_MARKED) hit: test_year_rule_...
    for module in (patterns, candidates, relative, holidays, numbers, widgets):
        for name, value in vars(module).items():
            if name.startswith("_RX") and isinstance(value, re.Pattern):
                assert id(value) in listed | after_a_match, (
                    f"{module.__name__}.{name} is not in trigger.rule_patterns()"
                )


def test_year_rule_holds_wherever_the_year_builder_keeps_a_year():
    """The year rule is _RX_YEAR_MARKED (a year word before the year or a suffix after it), not _RX_YEAR: every
    year _cands_year keeps is in a line where the marked form matches, so gating the builder on it loses none."""
    kept = 0
    for line in LINES + ["في عام 2020", "منذ 1999 وحتي 2003", "2015م", "سنة 1440 ه", "رقم 2020 فقط"]:
        folded = fold_letters(line)
        found: list = []
        candidates._cands_year(folded, found)
        if found:
            kept += 1
            assert patterns._RX_YEAR_MARKED.search(folded), line
            assert "year" in trigger.rule_hits(folded), line
    assert kept > 20
    assert "year" not in trigger.rule_hits("رقم 2020 فقط")  # a bare four-digit number: no year builder


def test_number_year_rule_holds_wherever_a_year_in_words_is_kept():
    """The number_year rule is numbers._YEAR_WORDS (الفين or «الف و»), not the year pattern itself: every year in
    words numbers.candidates keeps is in a line where it matches."""
    kept = 0
    for line in LINES + ["سنة ألفين وعشرة", "في ألف وتسعمائة وثمانية وأربعين", "والفين وعشرين", "ثلاثة آلاف"]:
        folded = fold_letters(line)
        found: list = []
        numbers.candidates(folded, None, found, True, {"number_year"})
        if found:
            kept += 1
            assert numbers._YEAR_WORDS.search(folded), line
            assert "number_year" in trigger.rule_hits(folded), line
    assert kept >= 3
    assert "number_year" not in trigger.rule_hits(fold_letters("قتل خمسة وعشرون شخصا"))


def test_keys_in_is_find_of_each_key():
    from akhbar.tasks.dates.mentions import _MONTH_TRIGGER_STARTS as keys

    for line in LINES + ["\ud800 مايو", "ابريل وماي", ""]:
        folded = fold_letters(line)
        want = [k for k in keys if k in folded]
        got = trigger.keys_in(folded, keys)
        assert got == want or ("\ud800" in folded and got == keys), line


def test_word_class_subset_is_inside_python_word():
    """The look-around classes keep only characters Python's \\w, \\d, \\s take (so the rewrite only widens)."""
    for cat, ranges in trigger._SUBSET.items():
        body = re.sub(r"\\x\{([0-9a-f]+)\}", lambda m: chr(int(m.group(1), 16)), ranges)
        body = body.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")
        chars = "".join(re.findall(f"[{body}]", trigger._all_chars()))
        python = {trigger.c.CATEGORY_WORD: r"\w", trigger.c.CATEGORY_DIGIT: r"\d", trigger.c.CATEGORY_SPACE: r"\s"}
        assert re.fullmatch(python[cat] + "+", chars)


@pytest.mark.parametrize(
    "pattern,text",
    [
        (r"(?<!\w)اب(?!\w)", "في اب الماضي"),
        (r"(?<!\w)اب(?!\w)", "اب"),
        (r"(?<![\d.])(?P<y>\d{4})(?P<sep>[-/])\d\d(?P=sep)\d\d", "٢٠٢٠-٠١-٠٢".translate(str.maketrans("٠١٢", "012"))),
        (r"(?i:jan)\w*\s+\d", "JANUARY 5"),
        (r"(?i:k)m", "\u212am"),  # the Kelvin sign is a k to Python's case-insensitive match
        (r"(?i:s)ep", "\u017fep"),
        (r"\d\s+\d", "\u0663\x1c\u0664"),  # an Arabic-Indic digit, an information separator (Python's \s)
        (r"(?:(?<!\w)|(?<=[وف])(?<!\w[وف]))امس", "وامس"),
        (r"(?P<par>\()?\s*غرينتش(?(par)\s*\))", "(غرينتش)"),
        (r"(?:ابريل|مايو)(?!\w)(?:\s+\d{4})?", "مايو 2020"),
        (r"\d{1,2}:\d\d(?![\d:])", "10:30"),
        (r"(?:(?<!\w)ال|(?<!\w))بيت", "البيت"),  # a look-behind that opens a branch which goes on
    ],
)
def test_rewrite_matches_where_python_does(pattern, text):
    import re2

    rx = re.compile(pattern)
    assert rx.search(text)
    assert re2.search(trigger.re2_superset(rx), text)


@pytest.mark.parametrize(
    "pattern,text",
    [
        (r"(?<!\w)اب(?!\w)", "كتاب"),
        (r"(?<!\w)اب(?!\w)", "ابن"),
        (r"\d{4}", "12 3"),
    ],
)
def test_rewrite_keeps_the_word_edges(pattern, text):
    import re2

    assert not re.compile(pattern).search(text)
    assert not re2.search(trigger.re2_superset(re.compile(pattern)), text)


def test_preload_builds_the_set_once_for_the_pool_and_drops_it():
    from akhbar.tasks.dates import dates_task

    assert dates_task.preload is trigger.preload
    release = dates_task.preload()
    built = trigger._SET
    assert built is not None and trigger._rule_set() is built  # the workers forked now find it built
    release()
    assert trigger._SET is None
    assert "year" in trigger.rule_hits("في عام 2020")  # built again on first use
