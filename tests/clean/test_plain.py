"""The shortcuts of the text path decide exactly as the full classifier: plain_body_words (a sufficient
condition for a "strong" line) against _classify_line, and plain_page (a page of paragraphs) against the
context passes, on generated lines and pages and on real scrapes (seeds, SaudiNewsNet articles)."""

from __future__ import annotations

import json
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from akhbar.tasks.clean.linecols import plain_words_many
from akhbar.tasks.clean.lines import _length_kind, plain_body_words, read_line, read_lines, text_lines
from akhbar.tasks.clean.pages import _is_arabic_page
from akhbar.tasks.clean.plain import all_strong, plain_page
from akhbar.tasks.clean.rules import load_rules
from akhbar.tasks.clean.text import _title_eligible, context_passes
from tests.clean.common import SEEDS, needs_shared
from tests.conftest import require_shared

_WORDS = [
    "وقال",
    "المتحدث",
    "باسم",
    "الوزارة",
    "في",
    "مؤتمر",
    "صحفي",
    "اليوم",
    "إن",
    "the",
    "minister",
    "said",
    "2019",
    "١٢",
    "(3)",
    "Photo",
    "by",
    "AFP",
    "In",
    "this",
    "©",
    "-",
    "•",
    ".",
    "،",
    "فبراير",
    "منذ",
    "ساعات",
    "|",
    "»",
    "اقرأ",
    "أيضا",
    "المصدر",
    "الكاتب",
    "كلمات",
    "دلالية",
    "تعليقات",
    "Share",
    "Facebook",
    "Copyright",
    "حقوق",
    "محفوظة",
    "中文字",
    "中文字中文字中文字中文字中文字中文字中文字中文字中文字中文字中文字中文字中文字中文字中文字",
    "https://www.example.com/news/2019/05/18/a-long-address-of-an-article.html",
]
_SEPS = [" ", " ", " ", " ", "  ", "\t", "\u00a0", ": ", " : ", "/", "، ", ". "]


def _line(parts: list[tuple[str, str]]) -> str:
    return "".join(w + sep for w, sep in parts).strip() or "x"


# how lines end: photo credits, comment counts, a colon
_TAILS = ["", "", "", " (Photo: AFP)", " Photo: Jane Doe", " (AP Photo/Marco Ugarte)", " (3)", ":", " تصوير: أ ف ب"]
_PARTS = st.tuples(st.sampled_from(_WORDS), st.sampled_from(_SEPS))
# any line, and lines long enough for the plain paragraph test (17+ words)
_LINES = st.builds(
    lambda parts, tail: _line(parts) + tail,
    st.one_of(st.lists(_PARTS, min_size=1, max_size=60), st.lists(_PARTS, min_size=16, max_size=50)),
    st.sampled_from(_TAILS),
)


def _agrees(text: str, rules, arabic_page: bool) -> None:
    nw = plain_body_words(text, rules)
    if nw:
        f = read_line(0, 1, text, rules, arabic_page, None)
        assert (f.kind, f.nw, f.value, f.extra) == (_length_kind(f, rules), nw, None, None), text


@given(_LINES, st.booleans())
@settings(max_examples=1500, deadline=None)
def test_plain_body_words_implies_the_length_kind(text, arabic_page):
    _agrees(text, load_rules(), arabic_page)


@given(st.lists(_LINES, min_size=1, max_size=30))
@settings(max_examples=300, deadline=None)
def test_plain_words_many_equals_one_at_a_time(lines):
    """The shard's column of plain_body_words equals the per-line function (lines as text_lines gives them)."""
    rules = load_rules()
    lines = [s for _, s in text_lines("\n".join(lines))]
    assert plain_words_many(lines, rules) == [plain_body_words(s, rules) for s in lines]


def test_plain_words_many_from_an_empty_table(monkeypatch):
    """The classes table is filled as code points are met: right from an empty table, whatever line meets them."""
    from akhbar.tasks.clean import linecols

    rules = load_rules()
    lines = [
        "قال الوزير اليوم إن الحكومة",
        "المصدر: وكالة الأنباء",
        "© 2020 x y",
        "x\u00a0y z ٣ كلمة",
        "ǅ ΐ \u2028 z و",
    ]
    for i in range(len(lines)):
        monkeypatch.setattr(linecols._classes, "_table", None)
        assert plain_words_many(lines[i:], rules) == [plain_body_words(s, rules) for s in lines[i:]]


def _pages_agree(lines: list[tuple[int, str]], rules, arabic_page: bool) -> bool:
    """plain_page equals the context passes on a page whose lines are all strong; True when it was one."""
    feats = read_lines(lines, rules, arabic_page)
    if not all_strong(feats):
        return False
    fast = plain_page(feats, rules, _title_eligible)
    full = context_passes(read_lines(lines, rules, arabic_page), rules)
    got = (fast.lines, fast.title, fast.author, fast.source_attribution, fast.tags, fast.header_lines)
    assert got == (full.lines, full.title, full.author, full.source_attribution, full.tags, full.header_lines)
    return True


_PARAGRAPH = st.lists(st.sampled_from(_WORDS[:9] + ["و", "على", "من"]), min_size=6, max_size=40).map(
    lambda ws: " ".join(ws)
)


@given(st.lists(st.tuples(_PARAGRAPH, st.sampled_from(["", ".", "؟", ":", "،", "!"])), min_size=1, max_size=8))
@settings(max_examples=400, deadline=None)
def test_plain_page_equals_context_passes(paras):
    rules = load_rules()
    lines = text_lines("\n".join(p + end for p, end in paras))
    _pages_agree(lines, rules, True)


def _saudinewsnet_texts(limit: int) -> list[str]:
    path = sorted(require_shared("corpora", "saudinewsnet").glob("*.zip"))[0]
    with zipfile.ZipFile(path) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(".json")][:1]
        recs = json.loads(zf.read(name))
    return [r["content"] for r in recs if r.get("content")][:limit]


@needs_shared
def test_shortcuts_on_real_scrapes():
    """Every line of the seeds and of SaudiNewsNet articles; every page of paragraphs among them (most are)."""
    rules = load_rules()
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))] + _saudinewsnet_texts(600)
    all_lines = [s for text in texts for _, s in text_lines(text)]
    assert plain_words_many(all_lines, rules) == [plain_body_words(s, rules) for s in all_lines]
    plain = 0
    for text in texts:
        arabic = _is_arabic_page(text, rules)
        lines = text_lines(text)
        for _, s in lines:
            _agrees(s, rules, arabic)
        plain += _pages_agree(lines, rules, arabic)
    assert plain >= len(texts) // 3  # the shortcut is taken, and checked, on real pages
