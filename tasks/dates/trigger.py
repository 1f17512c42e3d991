"""Which date rules can match in a text: one RE2 set pass (google-re2, a DFA over all rules at once),
built from the rule patterns themselves, so that extract_mentions runs only the rules that can match
and nothing at all on a text where none can.

Each rule pattern (rule_patterns()) is rewritten into RE2 syntax as a pattern that matches wherever the
rule's own does: a look-around on one character before or after the match becomes that character
(or the text's edge), other look-arounds and anchors are dropped (they only restrict), a back-reference becomes its
group's pattern, a conditional both its branches, \\d and \\s Python's own Unicode classes, and optional
parts at a match's two ends are left out (any match of the rule holds a match of the rest). The
alternation of them is a superset of the grammar; tests/dates/test_trigger.py checks it on every example.
"""

from __future__ import annotations

import array
import functools
import re
import sys
from collections.abc import Callable
from re import _constants as c
from re import _parser

from akhbar.tasks.dates import holidays, numbers, patterns, relative, widgets


@functools.cache
def rule_patterns() -> dict[str, re.Pattern]:
    """Every pattern a candidate builder matches to find a mention (not its gates or context checks), by a
    name extract_mentions gates the builder on; for year and number_year, what every mention their builder
    keeps needs (a year word or suffix; الفين or «الف و»), sharper than their patterns' bare numbers."""
    day, month, _year = numbers._patterns()
    return {
        "iso": patterns._RX_ISO,
        "dmy": patterns._RX_DMY,
        "rfc": patterns._RX_RFC,
        "mdy": patterns._RX_MDY,
        "hijri": patterns._RX_HIJRI,
        "day": patterns._RX_DAY,
        "range": patterns._RX_RANGE,
        "month": patterns._RX_MONTH,
        "season": patterns._RX_SEASON,
        "year": patterns._RX_YEAR_MARKED,  # (_cands_year keeps only _RX_YEAR's matches that hold it)
        "relperiod": patterns._RX_RELPERIOD,
        "weekday": patterns._RX_WEEKDAY,
        "time": patterns._RX_TIME,
        "hour": patterns._RX_HOUR,
        "rel_day": relative._RX_DAY,
        "span": relative._RX_SPAN,
        "day_of_month": relative._RX_DAY_OF_MONTH,
        "period_edge": relative._RX_PERIOD_EDGE,
        "before_last": relative._RX_BEFORE_LAST,
        "week": relative._RX_WEEK,
        "weekday_of_week": relative._RX_WEEKDAY_OF_WEEK,
        "nth_weekday": relative._RX_NTH_WEEKDAY,
        "edge_day": relative._RX_EDGE_DAY,
        "hijri_yearless": holidays._RX_HIJRI_YEARLESS,
        "holiday": holidays._RX_HOLIDAY,
        "number_day": day,
        "number_month": month,
        "number_year": numbers._YEAR_WORDS,  # (candidates tries `year` only where these are)
        "hour_words": numbers.hour_words_pattern(),
        "widget_day_first": widgets._RX_DAY_FIRST,
        "widget_month_first": widgets._RX_MONTH_FIRST,
    }


@functools.cache
def gate_patterns() -> dict[str, re.Pattern]:
    """The character tests extract_mentions gates its builders on, answered by the same set pass as the rules:
    a gate is named in a text's hits exactly where its pattern matches. (Word lists are left to str.find:
    in the set they cost more than they spare, bench/stage_cpu.py.)"""
    return {
        "?digit": patterns._DIGIT,
        "?four_digits": patterns._FOUR_DIGITS,
        "?digit_colon": patterns._DIGIT_COLON,
        "?latin": patterns._LATIN_ANY,
        # _has_english_month: str.lower() gives no other character an ASCII letter of these names
        "?english_month": re.compile("|".join("".join(f"[{c.upper()}{c}]" for c in k) for k in patterns._ENG_TRIGGERS)),
    }


# the rules each module's candidates() runs
RELATIVE_RULES = frozenset(
    {"edge_day", "nth_weekday", "holiday", "rel_day", "span", "before_last", "week", "weekday_of_week"}
    | {"day_of_month", "hijri_yearless"}
)
NUMBER_RULES = frozenset({"number_day", "number_month", "number_year"})
WIDGET_RULES = frozenset({"widget_day_first", "widget_month_first"})
# the rules that read extract_mentions' `month` / `weekday`: elsewhere they need not be computed
MONTH_RULES = frozenset({"range", "day", "month", "nth_weekday", "number_day", "number_month", *WIDGET_RULES})
WEEKDAY_RULES = frozenset({"weekday", "nth_weekday"})


def _category(cat) -> str | None:
    """Python's \\d and \\s (Unicode, str patterns) as RE2 class bodies that hold them; None for any character."""
    if cat in (c.CATEGORY_DIGIT, c.CATEGORY_SPACE):
        return _python_class(r"\d" if cat is c.CATEGORY_DIGIT else r"\s")
    return None


@functools.cache
def _python_class(category: str) -> str:
    """The characters Python's re takes for a category, as RE2 ranges (found by re itself)."""
    points = [ord(ch) for ch in re.findall(category, _all_chars())]
    out, i = [], 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        out.append(_char(points[i]) if i == j else f"{_char(points[i])}-{_char(points[j])}")
        i = j + 1
    return "".join(out)


# characters inside Python's \w, \d and \s, the ones folded Arabic text is made of: a look-around on one
# of these classes becomes a class of everything but these (a superset of what it allows)
_SUBSET = {c.CATEGORY_WORD: r"\x{621}-\x{64a}0-9A-Za-z_", c.CATEGORY_DIGIT: "0-9", c.CATEGORY_SPACE: r"\t\n\r "}


@functools.cache
def _all_chars() -> str:
    """Every code point but the surrogates, as one string."""
    points = array.array("I", range(0xD800))
    points.extend(range(0xE000, sys.maxunicode + 1))
    return points.tobytes().decode("utf-32-le" if sys.byteorder == "little" else "utf-32-be")


@functools.cache
def _icase_pool() -> list[str]:
    return re.findall("(?i)[a-z]", _all_chars())


@functools.cache
def _icase(x: int) -> str:
    """The characters Python's case-insensitive match takes for x, as an RE2 class body (found by re itself)."""
    rx = re.compile("(?i)" + re.escape(chr(x)))
    pool = "".join(_icase_pool()) if chr(x).isascii() and chr(x).isalpha() else _all_chars()
    found = set(rx.findall(pool))
    return "".join(sorted(_char(ord(ch)) for ch in found | {chr(x)}))


def _char(x: int) -> str:
    return f"\\x{{{x:x}}}"


_ANY = "(?s:.)"
_ONE_CHAR = (c.LITERAL, c.IN)  # the items a look-around rewritten as one character may hold


def _outside(op, av) -> str:
    """A class of the characters a one-character item (a literal or a class) surely does not take."""
    if op is c.LITERAL:
        return f"[^{_char(av)}]"
    inside = []
    for iop, iav in av:
        if iop is c.LITERAL:
            inside.append(_char(iav))
        elif iop is c.RANGE:
            inside.append(f"{_char(iav[0])}-{_char(iav[1])}")
        elif iop is c.CATEGORY and iav in _SUBSET:
            inside.append(_SUBSET[iav])
        elif iop is c.NEGATE:
            return _ANY
    return "[^" + "".join(inside) + "]"


class _Writer:
    def __init__(self, parsed):
        self.state = parsed.state
        self.groups: dict[int, tuple] = {}
        self._collect(parsed.data, False)

    def _collect(self, items, icase: bool) -> None:
        for op, av in items:
            if op is c.SUBPATTERN:
                group, add, _del, sub = av
                sub_icase = icase or bool(add & re.IGNORECASE)
                if group is not None:
                    self.groups[group] = (sub.data, sub_icase)
                self._collect(sub.data, sub_icase)
            elif op is c.BRANCH:
                for b in av[1]:
                    self._collect(b.data, icase)
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                self._collect(av[2].data, icase)
            elif op in (c.ASSERT, c.ASSERT_NOT):
                pass
            elif op is c.ATOMIC_GROUP:
                self._collect(av.data, icase)
            elif op is c.GROUPREF_EXISTS:
                self._collect(av[1].data, icase)
                if av[2] is not None:
                    self._collect(av[2].data, icase)

    def _nullable(self, item) -> bool:
        return _parser.SubPattern(self.state, [item]).getwidth()[0] == 0

    def seq(self, items, icase: bool, trim_start: bool = False, trim_end: bool = False) -> str:
        items = list(items)
        head = tail = ""
        if trim_start:  # from the last look-behind before the first character the match needs
            lead = 0
            while lead < len(items) and self._nullable(items[lead]):
                lead += 1
            behind = [i for i in range(lead) if self._behind(items[i]) is not None]
            if behind:
                head = self._behind(items[behind[-1]])
                items = [it for it in items[behind[-1] + 1 : lead] if not self._zero(it)] + items[lead:]
            else:
                items = items[lead:]
        if trim_end:  # up to the look-ahead after the last character the match needs
            while items and self._nullable(items[-1]):
                ahead = self._ahead(items[-1])
                if ahead is not None and len(items) > 1 and not self._nullable(items[-2]):
                    tail = ahead
                items.pop()
                if tail:
                    break
        items = [it for it in items if not self._zero(it)]
        last = len(items) - 1
        body = "".join(
            self.item(op, av, icase, trim_start and not head and i == 0, trim_end and not tail and i == last)
            for i, (op, av) in enumerate(items)
        )
        return head + body + tail

    @staticmethod
    def _zero(item) -> bool:
        return item[0] in (c.AT, c.ASSERT, c.ASSERT_NOT)

    def _behind(self, item) -> str | None:
        """A look-behind of one character as the character it looks at (or the text's start), else None;
        a group of alternative look-behinds as the alternation of the first of each."""
        op, av = item
        if op in (c.ASSERT, c.ASSERT_NOT) and av[0] == -1 and len(av[1].data) == 1 and av[1].data[0][0] in _ONE_CHAR:
            if op is c.ASSERT:
                one = self.item(*av[1].data[0], False, False, False)
                return None if one == _ANY else one
            return "(?:^|" + _outside(*av[1].data[0]) + ")"
        if op is c.SUBPATTERN and len(av[3].data) == 1:
            return self._behind(av[3].data[0])
        if op is c.BRANCH and all(b.data and all(self._zero(it) for it in b.data) for b in av[1]):
            firsts = [self._behind(b.data[0]) for b in av[1]]  # each branch is look-arounds only
            return None if None in firsts else "(?:" + "|".join(firsts) + ")"
        return None

    def _ahead(self, item) -> str | None:
        """A negative look-ahead of one character as the characters it allows (or the text's end)."""
        op, av = item
        if op is c.ASSERT_NOT and av[0] == 1 and len(av[1].data) == 1 and av[1].data[0][0] in _ONE_CHAR:
            return "(?:$|" + _outside(*av[1].data[0]) + ")"
        return None

    def item(self, op, av, icase: bool, ts: bool, te: bool) -> str:
        if op is c.LITERAL:
            return f"[{_icase(av)}]" if icase else _char(av)
        if op is c.NOT_LITERAL:
            return _ANY if icase else f"[^{_char(av)}]"
        if op is c.ANY:
            return _ANY
        if op is c.IN:
            return self.cls(av, icase)
        if op is c.BRANCH:
            return "(?:" + "|".join(self.seq(b.data, icase, ts, te) for b in av[1]) + ")"
        if op is c.SUBPATTERN:
            _group, add, _del, sub = av
            return "(?:" + self.seq(sub.data, icase or bool(add & re.IGNORECASE), ts, te) + ")"
        if op is c.ATOMIC_GROUP:
            return "(?:" + self.seq(av.data, icase, ts, te) + ")"
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            lo, hi, sub = av
            body = "(?:" + self.seq(sub.data, icase) + ")"
            if hi is c.MAXREPEAT:
                return body + ("*" if lo == 0 else "+" if lo == 1 else f"{{{lo},}}")
            return body + f"{{{lo},{hi}}}"
        if op is c.GROUPREF:
            data, sub_icase = self.groups[av]
            return "(?:" + self.seq(data, sub_icase) + ")"
        if op is c.GROUPREF_EXISTS:
            _group, yes, no = av
            return "(?:" + self.seq(yes.data, icase) + "|" + (self.seq(no.data, icase) if no is not None else "") + ")"
        raise ValueError(f"no RE2 form for {op}")

    def cls(self, items, icase: bool) -> str:
        if items and items[0][0] is c.NEGATE:
            rest = items[1:]
            if icase or any(op is not c.LITERAL and op is not c.RANGE for op, _ in rest):
                return _ANY
            return "[^" + "".join(self._cls_item(op, av, False) for op, av in rest) + "]"
        parts = [self._cls_item(op, av, icase) for op, av in items]
        return _ANY if any(p is None for p in parts) else "[" + "".join(parts) + "]"

    def _cls_item(self, op, av, icase: bool) -> str | None:
        if op is c.LITERAL:
            return _icase(av) if icase else _char(av)
        if op is c.RANGE:
            if icase:
                return "".join(_icase(x) for x in range(av[0], av[1] + 1))
            return f"{_char(av[0])}-{_char(av[1])}"
        if op is c.CATEGORY:
            return _category(av)
        return None  # a negated category


def re2_superset(pattern: re.Pattern) -> str:
    """An RE2 pattern that matches somewhere in every text where `pattern` matches."""
    parsed = _parser.parse(pattern.pattern, pattern.flags)
    return _Writer(parsed).seq(parsed.data, bool(pattern.flags & re.IGNORECASE), True, True)


_SET = None


def _rule_set():
    """(the set's Match, the names of its patterns: the rules first, then the gates)."""
    global _SET
    if _SET is None:
        import re2

        options = re2.Options()
        options.max_mem = 64 << 20  # the DFA of all rules at once: a few MiB in use
        rules = re2.Set.SearchSet(options)
        names = []
        for name, pattern in (*rule_patterns().items(), *gate_patterns().items()):
            rules.Add(re2_superset(pattern))
            names.append(name)
        rules.Compile()
        _all_chars.cache_clear()  # 4 MiB of code points, only needed to build the classes
        _SET = (rules._set.Match, tuple(names))
    return _SET


def preload() -> Callable[[], None]:
    """Build the rule set now (in a parent, so forked workers share it instead of each spending ~0.2 s
    building it: the dates stage's StageTask.preload); returns the call that drops it."""
    _rule_set()
    return _drop_rule_set


def _drop_rule_set() -> None:
    global _SET
    _SET = None
    _HITS_SEEN.clear()


ALL_RULES = frozenset(rule_patterns())  # (numbers' patterns, which it builds, are built once)
_NO_HITS: frozenset[str] = frozenset()


def rule_hits(folded: str) -> frozenset[str] | set[str]:
    """The names of the rules (rule_patterns) whose pattern may match somewhere in the folded text, and of
    the gates (gate_patterns) that hold there; none at all where no rule may match. A rule not named surely
    does not match."""
    match, names = _rule_set()
    try:
        found = match(folded.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8 for RE2, so every rule is tried
        return ALL_RULES | {name for name, rx in gate_patterns().items() if rx.search(folded)}
    return {names[i] for i in found} if found and min(found) < len(ALL_RULES) else _NO_HITS


def rule_hits_many(folded: list[str]) -> list[frozenset[str] | set[str]]:
    """[rule_hits(f) for f in folded], the texts encoded at once."""
    match = _rule_set()[0]
    try:
        encoded = "\n".join(folded).encode("utf-8").split(b"\n")
    except UnicodeEncodeError:  # a lone surrogate somewhere
        encoded = None
    if encoded is None or len(encoded) != len(folded):  # (or a text held a line break)
        return [rule_hits(f) for f in folded]
    if len(_HITS_SEEN) > 50_000:  # texts share few combinations: each is named once
        _HITS_SEEN.clear()
    seen = _HITS_SEEN
    return [seen[tuple(found)] if found else _NO_HITS for found in map(match, encoded)]


class _NamedHits(dict):
    """The hits of the set pass's found patterns (a tuple of indices), named on first sight; none but gates: no hits."""

    def __missing__(self, found: tuple[int, ...]) -> frozenset[str]:
        names = _rule_set()[1]
        hits = self[found] = frozenset(names[i] for i in found) if min(found) < len(ALL_RULES) else _NO_HITS
        return hits


_HITS_SEEN = _NamedHits()


@functools.cache
def _literal_set(keys: tuple[str, ...]):
    import re2

    found = re2.Set.SearchSet(re2.Options())
    for key in keys:
        found.Add("".join(_char(ord(ch)) for ch in key))
    found.Compile()
    return found._set.Match


def keys_in(text: str, keys: tuple[str, ...]) -> list[str] | tuple[str, ...]:
    """The keys that occur in text, in the order of `keys`: one RE2 set pass rather than a str.find of each
    (most texts hold few of many keys); all of them for a text without UTF-8 (a lone surrogate)."""
    try:
        found = _literal_set(keys)(text.encode("utf-8"))
    except UnicodeEncodeError:
        return keys
    return [keys[i] for i in sorted(found)]
