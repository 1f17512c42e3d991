"""Property tests of the one Arabic normalizer (akhbar.arabic).

The contract: idempotent; every allowed variation (alef forms, ى/ي, ة/ه, ؤ/و, ئ/ي, tashkeel, tatweel,
Arabic-Indic/Persian digits, punctuation and quotes, whitespace, case) maps to the same text; a
letter change outside those rules never does.
"""

from __future__ import annotations

import functools
import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from akhbar.arabic import FOLD_TABLE, fold_with_offsets, norm_hash, normalize_arabic
from tests.conftest import require_shared

# Canonical letters (what the normalizer outputs); each class lists the spellings that fold to it.
BASE = list("ابتثجحخدذرزسشصضطظعغفقكلمنهويء") + list("abcdefghijklmnopqrstuvwxyz") + list("0123456789")
VARIANTS = {
    "ا": ["ا", "أ", "إ", "آ", "ٱ"],
    "ي": ["ي", "ى", "ئ"],
    "ه": ["ه", "ة"],
    "و": ["و", "ؤ"],
    **{str(d): [str(d), chr(0x0660 + d), chr(0x06F0 + d)] for d in range(10)},
    **{c: [c, c.upper()] for c in "abcdefghijklmnopqrstuvwxyz"},
}
TASHKEEL = [chr(c) for c in range(0x064B, 0x0653)] + ["\u0670"]  # harakat, tanwin, shadda, sukun, dagger alef
TATWEEL = "\u0640"
PUNCT = list("،؛؟.,!?:;\"'«»“”‘’()[]-–—…/") + ["٪", "۔"]
SPACES = [" ", "  ", "\t", "\n", "\u00a0", " \n "]

words = st.lists(st.lists(st.sampled_from(BASE), min_size=1, max_size=8).map("".join), min_size=1, max_size=8)


@st.composite
def variant_of(draw, text_words: list[str]) -> str:
    """The same words written with a random mix of the allowed variations."""
    out = []
    for w in text_words:
        chars = []
        for ch in w:
            chars.append(draw(st.sampled_from(VARIANTS.get(ch, [ch]))))
            if "\u0600" <= ch <= "\u06ff" and not ch.isdigit():
                chars.extend(draw(st.lists(st.sampled_from(TASHKEEL + [TATWEEL]), max_size=2)))
        word = "".join(chars)
        if draw(st.booleans()):
            word = draw(st.sampled_from(PUNCT)) + word
        if draw(st.booleans()):
            word = word + draw(st.sampled_from(PUNCT))
        out.append(word)
    seps = [draw(st.sampled_from(SPACES)) for _ in out]
    lead = draw(st.sampled_from(["", " ", "\n"]))
    return lead + "".join(w + s for w, s in zip(out, seps))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
@example("İ")  # casefold produces a combining dot
@example("ﻷ")  # lam-alef ligature: NFKC yields lam + alef with hamza
@example("ﷺ")  # a ligature that decomposes into several words
@example("ὐ")  # casefold decomposes what NFKC composes: each undoes the other
def test_idempotent_on_any_text(text):
    once = normalize_arabic(text)
    assert normalize_arabic(once) == once


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)))
def test_idempotent_on_arabic_block(text):
    once = normalize_arabic(text)
    assert normalize_arabic(once) == once


@settings(max_examples=400)
@given(st.data(), words)
def test_allowed_variations_normalize_equal(data, text_words):
    canonical = " ".join(text_words)
    variant = data.draw(variant_of(text_words))
    assert normalize_arabic(variant) == normalize_arabic(canonical) == canonical
    assert norm_hash(variant) == norm_hash(canonical)


@settings(max_examples=400)
@given(st.data(), words)
def test_letter_change_outside_rules_is_seen(data, text_words):
    """Replace one canonical letter by another canonical letter: the texts must stay apart."""
    canonical = " ".join(text_words)
    positions = [i for i, ch in enumerate(canonical) if ch != " "]
    i = data.draw(st.sampled_from(positions))
    other = data.draw(st.sampled_from([c for c in BASE if c != canonical[i]]))
    changed = canonical[:i] + other + canonical[i + 1 :]
    a = normalize_arabic(data.draw(variant_of(canonical.split(" "))))
    b = normalize_arabic(data.draw(variant_of(changed.split(" "))))
    assert a != b


@settings(max_examples=200)
@given(st.data(), words)
def test_word_boundaries_are_kept(data, text_words):
    """Dropping a space between two words is a change, not a variation."""
    if len(text_words) < 2:
        return
    joined = text_words[0] + text_words[1]
    assert normalize_arabic(" ".join(text_words)) != normalize_arabic(" ".join([joined] + text_words[2:]))


def test_named_rules():
    assert normalize_arabic("أَحْمَدُ إِلَى آلِ ٱلْمُصْطَفَى") == "احمد الي ال المصطفي"
    assert normalize_arabic("مدرسة مسؤول شاطئ") == "مدرسه مسوول شاطي"
    assert normalize_arabic("عـــاجـل: ١٢٣ و ۴۵۶!") == "عاجل 123 و 456"
    assert normalize_arabic("«قال» “Hello”، WORLD؟") == "قال hello world"
    assert normalize_arabic("  \n ") == ""
    assert norm_hash("!!!") is None
    # different letters stay different
    assert normalize_arabic("كتب") != normalize_arabic("كتف")
    assert normalize_arabic("ء") == "ء"


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(BASE + sum(VARIANTS.values(), []) + TASHKEEL + [TATWEEL, " ", "،"])))
def test_fold_with_offsets_maps_back(text):
    folded, offsets = fold_with_offsets(text)
    assert folded == text.translate(FOLD_TABLE)
    assert len(offsets) == len(folded) + 1 and offsets[-1] == len(text)
    assert offsets == sorted(offsets)
    for ch, i in zip(folded, offsets):
        # every folded character comes from the character it points at
        assert (text[i].translate(FOLD_TABLE) or "") == ch or ch in (text[i].translate(FOLD_TABLE) or "")


def test_fold_table_only_touches_arabic():
    for cp, target in ((ord(k) if isinstance(k, str) else k, v) for k, v in FOLD_TABLE.items()):
        assert 0x0600 <= cp <= 0x06FF, hex(cp)
        assert target is None or unicodedata.category(target[0])[0] in "LN"


def _reference_normalize(text: str) -> str:
    """The rules spelled out one character at a time (the original implementation): the fast
    path in akhbar.arabic must give exactly this."""
    import re

    from akhbar.arabic import _strip_punctuation

    text = unicodedata.normalize("NFKC", text).translate(FOLD_TABLE)
    text = re.sub(r"\s+", " ", _strip_punctuation(text)).strip().casefold()
    again = unicodedata.normalize("NFKC", text).translate(FOLD_TABLE)
    return _reference_normalize(again) if again != text else text


@settings(max_examples=500)
@given(
    st.one_of(
        st.text(),
        st.lists(
            st.sampled_from(
                BASE
                + sum(VARIANTS.values(), [])
                + TASHKEEL
                + PUNCT
                + SPACES
                + [TATWEEL, "ﻷ", "ﷺ", "İ", "ß", "\x00", "\x85", "۞"]
            )
        ).map("".join),
    )
)
def test_fast_path_matches_reference(text):
    assert normalize_arabic(text) == _reference_normalize(text)


def _reference_fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """The original character-by-character loop: the fast fold_with_offsets must give exactly this."""
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        mapped = FOLD_TABLE.get(ord(ch), ch)
        if mapped is None:
            continue
        for m in mapped:
            out.append(m)
            offsets.append(i)
    offsets.append(len(text))
    return "".join(out), offsets


@settings(max_examples=500)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)),
        st.lists(
            st.sampled_from(
                BASE + sum(VARIANTS.values(), []) + TASHKEEL + PUNCT + SPACES + [TATWEEL, "\u06d6", "\u0610", "ﻷ"]
            )
        ).map("".join),
    )
)
@example("")
@example("\u0640\u064e")  # nothing but dropped marks
@example("عـــاجـل ١٢٣ أَحْمَدُ")
def test_fold_matches_reference_loop(text):
    from akhbar.arabic import fold_letters

    assert fold_with_offsets(text) == _reference_fold_with_offsets(text)
    assert fold_letters(text) == text.translate(FOLD_TABLE)


_MANY_ALPHABET = (
    BASE + sum(VARIANTS.values(), []) + TASHKEEL + PUNCT + SPACES + [TATWEEL, "ﻷ", "ﷺ", "İ", "ß", "\x00", "\x85", "\r"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(st.text(), st.lists(st.sampled_from(_MANY_ALPHABET)).map("".join)),
        max_size=12,
    )
)
@example(["", " ", "\u00a0x\u00a0", "a\u2028b", "x\ny", "  a  b  ", "\u0301a", "\ud800", "ـً", "ﷺ ﻷ", "ὐ"])
@example(["Straße ẞ İstanbul ŉ ΐ", "ΣΑΣ ǅ Ⓐ µ", "ABC"])  # casefolds of several characters, and of one
def test_normalize_many_equals_one_at_a_time(texts):
    from akhbar.arabic import normalize_arabic_many

    assert normalize_arabic_many(texts) == [normalize_arabic(t) for t in texts]


def test_normalize_many_over_batches(monkeypatch):
    """Texts spread over several numpy passes come back whole and in order."""
    from akhbar import arabic

    monkeypatch.setattr(arabic, "_BATCH_CHARS", 16)
    texts = [f"السطر رقم {i}: «أخبار» اليوم، {i * 7}" for i in range(40)] + [""] * 3
    assert arabic.normalize_arabic_many(texts) == [normalize_arabic(t) for t in texts]


def test_normalize_many_in_a_fresh_process(monkeypatch):
    """The batch's character table is filled as code points are met: right from an empty table."""
    from akhbar import arabic

    texts = ["a..b", "«x»—y", "ـ ً", "A\u2028B", "١٢ ٣"]
    for text in texts:
        monkeypatch.setattr(arabic._images, "_table", None)  # an empty table, filled as code points are met
        assert arabic.normalize_arabic_many([text]) == [normalize_arabic(text)]


def test_ascii_and_arabic_letters_are_their_own_nfkc_whatever_surrounds_them():
    """normalize_arabic_many skips NFKC's last check on a text of ASCII and Arabic letters (U+0621..U+064A) only:
    each is its own NFKC, of combining class 0, and never the second character of a canonical composition."""
    plain = [chr(cp) for cp in range(0x80)] + [chr(cp) for cp in range(0x621, 0x64B)]
    assert all(unicodedata.normalize("NFKC", c) == c and unicodedata.combining(c) == 0 for c in plain)
    seconds = set()  # one decomposition at a time: a list of all of them holds ~150 MiB
    for cp in range(0x110000):
        pair = unicodedata.decomposition(chr(cp)).split()
        if len(pair) == 2 and not pair[0].startswith("<"):
            seconds.add(chr(int(pair[1], 16)))
    assert not seconds & set(plain)


def test_casefold_yields_no_folded_letter():
    """normalize_arabic_many skips normalize_arabic's search for letters to fold after casefolding:
    no character's casefold holds one."""
    from akhbar.arabic import _FOLD

    assert not any(ord(c) in _FOLD for cp in range(0x110000) for c in chr(cp).casefold() if c != chr(cp))


def test_casefold_keeps_whitespace_apart():
    """normalize_arabic_many collapses whitespace before casefolding: valid only because casefold never
    turns a non-space character into whitespace (or a line break) nor whitespace into anything else."""
    for cp in range(0x110000):
        ch = chr(cp)
        folded = ch.casefold()
        assert any(c.isspace() for c in folded) == ch.isspace(), hex(cp)
        assert ch.isspace() <= (folded == ch), hex(cp)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(st.text(), st.lists(st.sampled_from(_MANY_ALPHABET + ["\u06f3", "\u0663", "\n"])).map("".join)),
        max_size=12,
    )
)
@example([])
@example(["", "x\ny", "\ud800\udc00", "عـــاجـل ١٢٣ أَحْمَدُ", "\u0640\u064e", "𝟙 ة"])
@example(["أَحْمَد\uffff", "\uffff\u064e"])  # U+FFFF of the text's own: kept, as dropped units are not
def test_fold_letters_many_equals_one_at_a_time(texts):
    from akhbar.arabic import fold_letters, fold_letters_many

    assert fold_letters_many(texts) == [fold_letters(t) for t in texts]


def test_casefold_is_idempotent_and_per_character():
    """normalize_arabic_many casefolds each character through its table (a casefold of several characters
    marks the batch for a whole casefold, over characters already folded): valid because casefold works
    character by character and folding twice changes nothing."""
    for cp in range(0x110000):
        folded = chr(cp).casefold()
        assert folded.casefold() == folded, hex(cp)
    text = "ΣΑΣ Straße İ ǅ ﬀ ὐ Ⓐ"
    assert text.casefold() == "".join(c.casefold() for c in text)


# normalize_arabic_many's rewrite before NFKC, and the Unicode rules it rests on.
_NFKC_ALPHABET = (
    _MANY_ALPHABET
    + [chr(c) for c in range(0x064B, 0x0660)]  # all Arabic marks, hamza/madda above and below (they compose)
    + ["\u06d6", "\u0610", "ﻹ", "ﺎ", "ﷲ", "ﺃ", "\ufe8b", "ﻵ"]  # Quranic marks, presentation forms
    + ["a", "e", "A", "é", "ǖ", "\u0301", "\u0300", "\u0327", "\u0323", "\u031b", "\u0344", "\u00b4", "ﬁ", "ſ"]
    + ["\u1100", "\u1161", "\u11a8", "\u11a7", "\u1160", "가", "각", "\u3131", "\u314f"]  # Hangul jamo, syllables
    + ["…", "″", "²", "½", "ｱ", "Ａ", "\u2002", "\u3000", "㎏", "\u0f73", "\u0f71", "\u0f72", "\u0995", "\u09c7"]
    + ["\u09be", "\u2028", "\u00a0\u0301", "\u0651\u064e"]
)
_nfkc_texts = st.lists(st.sampled_from(_NFKC_ALPHABET)).map("".join)


@functools.cache
def _real_lines() -> list[str]:
    """The non-empty lines of a day of real news articles (SaudiNewsNet, ../shared): ~15,000."""
    import json
    import zipfile

    with zipfile.ZipFile(require_shared("corpora", "saudinewsnet", "2015-07-21.zip")) as z:
        articles = json.loads(z.read(z.namelist()[0]))
    lines = [ln for a in articles for ln in (a.get("content") or "").split("\n") if ln.strip()]
    return lines


def test_same_nfkc_rules():
    """normalize_arabic_many rewrites a text to one of the same NFKD before NFKC (NFKC is the composition
    of NFKD): a no-break space is a space there, and a shadda only moves past marks of lower, non-zero
    canonical class (canonical ordering sorts each run of marks by class, keeping equal classes in order)."""
    from akhbar.arabic import _SHADDA_FIRST

    assert unicodedata.normalize("NFKD", "\u00a0") == unicodedata.normalize("NFKD", " ") == " "
    moved = [chr(cp) for cp in range(0x110000) if _SHADDA_FIRST.fullmatch("\u0651" + chr(cp))]
    assert moved == [chr(cp) for cp in range(0x064B, 0x0651)]
    assert all(0 < unicodedata.combining(c) < unicodedata.combining("\u0651") for c in moved)
    assert all(unicodedata.decomposition(c) == "" for c in [*moved, "\u0651"])


@settings(max_examples=500)
@given(st.one_of(st.text(), _nfkc_texts))
@example("\u00a0\u0301")  # a mark after the no-break space: it composes with a space neither way
@example("a\u00a0\u0308\u0301")
@example("\u0628\u0651\u064e\u064b\u0651\u0650\u0652")
@example("\u0627\u0651\u064e\u0654")  # hamza above after the marks: composes with alef either way
@example("\u0651\u0651\u064e\u0651")
def test_same_nfkc_of_any_text(text):
    from akhbar.arabic import _same_nfkc

    nfkc = functools.partial(unicodedata.normalize, "NFKC")
    assert nfkc(_same_nfkc(text)) == nfkc(text)
    assert unicodedata.normalize("NFKD", _same_nfkc(text)) == unicodedata.normalize("NFKD", text)


def test_same_nfkc_passes_the_quick_check_on_real_lines():
    """What the rewrite is for: real lines holding a no-break space or a shadda before its haraka need no
    full normalization after it."""
    from akhbar.arabic import _SHADDA_FIRST, _same_nfkc

    lines = [ln for ln in _real_lines() if "\u00a0" in ln or _SHADDA_FIRST.search(ln)]
    assert len(lines) > 100
    assert sum(unicodedata.is_normalized("NFKC", _same_nfkc(ln)) for ln in lines) > 0.9 * len(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.text(), _nfkc_texts), max_size=12))
@example(["\u00a0", "a\u00a0\u0301", "\u0627\u00a0\u0654", "\u3131\u314f", "\u1100\u1161\u11a8", "ﻷ\u00a0…"])
@example(["e\u0654\u0301", "a\u064e\u0301", "\u0651\u064e", "\u0995\u09c7\u09be", "\u0f73", "ǅ\u00a0ß"])
def test_normalize_many_equals_one_at_a_time_nfkc_cases(texts):
    """Marks that compose or reorder, presentation forms, Hangul, compatibility characters, no-break spaces."""
    from akhbar.arabic import normalize_arabic_many

    assert normalize_arabic_many(texts) == [normalize_arabic(t) for t in texts]


def test_normalize_many_equals_one_at_a_time_on_real_lines():
    from akhbar.arabic import _SHADDA_FIRST, normalize_arabic_many

    lines = _real_lines()
    assert sum("\u00a0" in ln for ln in lines) > 10  # the cases the rewrite before NFKC is for
    assert sum(_SHADDA_FIRST.search(ln) is not None for ln in lines) > 10
    assert normalize_arabic_many(lines) == [normalize_arabic(t) for t in lines]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_normalize_many_equals_one_at_a_time_on_edited_real_lines(data):
    """Real lines with characters of the alphabet above put in at random places."""
    from akhbar.arabic import normalize_arabic_many

    lines = data.draw(st.lists(st.sampled_from(_real_lines()), min_size=1, max_size=8))
    edited = []
    for line in lines:
        for _ in range(data.draw(st.integers(0, 4))):
            at = data.draw(st.integers(0, len(line)))
            line = line[:at] + data.draw(st.sampled_from(_NFKC_ALPHABET)) + line[at:]
        edited.append(line)
    assert normalize_arabic_many(edited) == [normalize_arabic(t) for t in edited]
