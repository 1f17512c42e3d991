"""The one Arabic normalizer. Dedup hashes its output; dates and boilerplate compare through it.

Rules (in order): Unicode NFKC; drop tashkeel (harakat, shadda, sukun, superscript alef,
Quranic marks) and tatweel; alef forms أ إ آ ٱ -> ا; ى -> ي; ة -> ه; ؤ -> و; ئ -> ي;
Arabic-Indic and Persian digits -> ASCII; punctuation (Arabic and Latin) and quotes removed;
whitespace collapsed; case folded.

`fold_with_offsets` applies the letter and digit rules (not NFKC, not punctuation removal)
character by character, so callers that need spans in the original text (the date extractor)
work on folded text and map positions back.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from akhbar.codepoints import CodePointTable

# Letter rules, shared by both entry points.
_FOLD: dict[int, str | None] = {}
for _cp in range(0x064B, 0x0660):  # fathatan .. hamza below: harakat, shadda, sukun, maddah above
    _FOLD[_cp] = None
for _cp in (0x0670, 0x0640):  # superscript alef, tatweel
    _FOLD[_cp] = None
for _cp in range(0x06D6, 0x06EE):  # Quranic annotation marks
    if _cp not in (0x06DD, 0x06DE, 0x06E5, 0x06E6, 0x06E9):
        _FOLD[_cp] = None
for _cp in range(0x0610, 0x061B):  # honorific signs above letters
    _FOLD[_cp] = None
_FOLD.update({ord(c): "ا" for c in "أإآٱ"})
_FOLD.update({ord("ى"): "ي", ord("ة"): "ه", ord("ؤ"): "و", ord("ئ"): "ي"})
_FOLD.update({0x0660 + i: str(i) for i in range(10)})  # Arabic-Indic digits
_FOLD.update({0x06F0 + i: str(i) for i in range(10)})  # Persian (extended Arabic-Indic) digits
FOLD_TABLE = str.maketrans(_FOLD)

_SPACE = re.compile(r"\s+")


def _is_punctuation(ch: str) -> bool:
    # P* covers Arabic comma/semicolon/question mark, guillemets and quotes; S* covers
    # symbols such as ﷺ-free decorations, bullets and currency signs that carry no letters.
    cat = unicodedata.category(ch)
    return cat[0] == "P" or cat[0] == "S"


def _strip_punctuation(text: str) -> str:
    """Reference rule, one character at a time (the fast path below must agree with it)."""
    out = []
    for ch in text:
        if ch.isascii():
            out.append(" " if not (ch.isalnum() or ch.isspace()) else ch)
        elif _is_punctuation(ch):
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


# Fast path: the same rules applied in C where it matters. News text is mostly plain Arabic
# letters, ASCII letters/digits and spaces, which no rule touches; a regular expression skips them
# and only the rest goes through a cached per-character table (letter rules, then punctuation).
# The Python loop above and dict-table str.translate ran ~2,700 paragraphs/s, the bottleneck of
# clean and dedup. tests/test_arabic.py checks both paths agree.
_UNTOUCHED = re.compile("[^\u0621\u0627\u0628\u062a-\u063a\u0641-\u0648\u064aA-Za-z0-9\\s]+")


class _Combined(dict):
    """code point -> its fold (FOLD_TABLE), else ' ' for punctuation/symbols, else itself."""

    def __missing__(self, cp: int) -> str:
        if cp in _FOLD:
            out = _FOLD[cp] or ""
        else:
            out = _strip_punctuation(chr(cp))
        self[cp] = out
        return out


_COMBINED = _Combined()
_FOLD_ONLY = re.compile("[" + "".join(re.escape(chr(k)) for k in _FOLD) + "]")


# The most frequent touched characters get C-speed passes first (letter folds by str.replace,
# common punctuation by one substitution); the callback then sees only rare characters.
_FREQUENT_LETTERS = "ةأإآىؤئ"
_FREQUENT_FOLDS = [(c, _FOLD[ord(c)]) for c in _FREQUENT_LETTERS]
_COMMON_PUNCT = re.compile("[.,،:;؛!?؟\"'«»“”()\\[\\]/\\-–—…]")


def _combined_sub(m: re.Match) -> str:
    return m.group().translate(_COMBINED)


def _fold_frequent_letters(text: str) -> str:
    for src, dst in _FREQUENT_FOLDS:
        if src in text:
            text = text.replace(src, dst)
    return text


def _fold_and_strip(text: str) -> str:
    text = _COMMON_PUNCT.sub(" ", _fold_frequent_letters(text))
    return _UNTOUCHED.sub(_combined_sub, text)


def _normalize_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _fold_and_strip(text)
    return " ".join(text.split()).casefold()  # = _SPACE.sub(" ", text).strip(): same whitespace test, faster


def normalize_arabic(text: str) -> str:
    """Normalize Arabic text for comparison and hashing (idempotent)."""
    text = _normalize_once(text)
    # casefold and NFKC can both produce characters the other rewrites (e.g. ß -> ss is stable,
    # but some compatibility ligatures decompose into letters with marks): more passes, until one
    # changes nothing, make the function idempotent by construction.
    seen = {text}
    while True:
        again = unicodedata.normalize("NFKC", text)
        if _FOLD_ONLY.search(again):
            again = again.translate(FOLD_TABLE)
        if again == text:
            return text
        settled = _normalize_once(again)
        if settled in seen:  # casefold undoes what NFKC composes ("ὐ"): a pass of its own changes nothing
            return settled if settled == text else text
        seen.add(settled)
        text = settled


# The same rules over many texts at once (a shard's lines): NFKC per text in C, then every character
# through one lookup table (its _COMBINED image, casefolded: one character, whitespace, or dropped) and
# the whitespace runs collapsed, in one numba pass over the joined texts. A fraction of the cost of
# normalize_arabic a character, whose regular expressions and split/join walk each line. (casefold works
# character by character, is idempotent and never makes nor removes whitespace: folding before the collapse
# is the same; an image whose casefold is several characters is marked and the batch casefolded whole.)
_NFKC = functools.partial(unicodedata.normalize, "NFKC")
_UNSEEN, _DROPPED, _BLANK = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_UNFOLDED = 0x200000  # added to an image whose casefold is several characters (above every code point)
_BATCH_CHARS = 1 << 20  # characters per numpy pass: bounds the arrays (~25 bytes a character)

# NFKC's quick check passes a normalized text at ~1 ns a character; one character it cannot pass sends the
# whole text through the full normalization (~40 ns a character). In news text those are mostly no-break
# spaces and a shadda typed before its haraka (canonical order puts the haraka first).
_SHADDA_FIRST = re.compile("\u0651([\u064b-\u0650]+)")  # tanwin, fatha, damma, kasra: classes 27-32 < 33


def _same_nfkc(text: str) -> str:
    """A text of the same NFKD as `text`, so of the same NFKC, that the quick check passes more often:
    no-break spaces as spaces (NFKD " "), a shadda moved after the harakat that follow it (canonical
    ordering sorts a run of marks by class, stably: swapping marks of different classes changes nothing)."""
    if "\xa0" in text:
        text = text.replace("\xa0", " ")
    if "\u0651" in text:
        text = _SHADDA_FIRST.sub("\\1\u0651", text)
    return text


def _image(out: str) -> int:
    """The table value of a character whose _COMBINED image is `out`."""
    if not out:
        return _DROPPED
    if out.isspace() and out != "\n":
        return _BLANK
    folded = out.casefold()
    return ord(folded) if len(folded) == 1 else _UNFOLDED + ord(out)


# code point -> its image's casefold's code point, or _DROPPED / _BLANK / _UNFOLDED + image
_images = CodePointTable(lambda cp: _image(_COMBINED[cp]), "uint32", _UNSEEN)


def normalize_arabic_many(texts: list[str]) -> list[str]:
    """[normalize_arabic(t) for t in texts], computed over all of them at once."""
    out: list[str] = []
    start = size = 0
    for end, text in enumerate(texts):
        size += len(text) + 1
        if size >= _BATCH_CHARS:
            out += _normalize_batch(texts[start : end + 1])
            start, size = end + 1, 0
    return out + _normalize_batch(texts[start:]) if start < len(texts) else out


def _collapse_kernel(cps, table, unseen, out, other) -> int:
    """Each code point's image (table) into `out`, dropped ones left out, a run of whitespace between two tokens
    of the same text as one space and elsewhere as nothing, in one pass; the length written, -1 at an unseen one.
    other[k]: text k (the texts end at line breaks) has an image besides ASCII and the Arabic letters."""
    n = k = 0
    blank_run = False  # whitespace met since the last token of this text
    for cp in cps:
        v = table[cp]
        if v == unseen:
            return -1
        if v == _DROPPED:
            continue
        if v == _BLANK:
            blank_run = n > 0 and out[n - 1] != 10
            continue
        if v == 10:
            k += 1
        elif blank_run:
            out[n] = 32
            n += 1
        if v >= 0x80 and (v < 0x621 or v > 0x64A) and k < len(other):
            other[k] = True
        blank_run = False
        out[n] = v
        n += 1
    return n


def _normalize_batch(texts: list[str]) -> list[str]:
    import numpy as np

    joined = "\n".join(map(_NFKC, map(_same_nfkc, texts)))
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), np.uint32)
    kept, other = np.empty(len(cps), np.uint32), np.zeros(len(texts), np.bool_)
    kept = kept[: _images.run(_collapse_kernel, cps, kept, other)]
    top = int(kept.max()) if len(kept) else 0
    unfolded = top >= _UNFOLDED
    if unfolded:
        kept[kept >= _UNFOLDED] -= _UNFOLDED
    if top < 0xD800:  # below the surrogates: one UTF-16 unit a character, which decodes at a third of the cost
        result = kept.astype(np.uint16).tobytes().decode("utf-16-le")
    else:
        result = kept.tobytes().decode("utf-32-le", "surrogatepass")
    # casefold makes no line break (test_casefold_keeps_whitespace_apart): the texts' own breaks show here
    result = (result.casefold() if unfolded else result).split("\n")
    if len(result) != len(texts):  # a text holding a line break: one at a time
        return [normalize_arabic(t) for t in texts]
    # normalize_arabic's last step: a text NFKC would still change goes round again. (The letter rules
    # find nothing left: no image is a letter they fold, nor is any character's casefold, test_arabic.py.)
    # ASCII and the Arabic letters are their own NFKC whatever surrounds them (test_arabic.py): only a text
    # with other characters can change.
    for i in np.flatnonzero(other).tolist():
        if _NFKC(result[i]) != result[i]:
            result[i] = normalize_arabic(texts[i])
    return result


# Letter/digit folding without str.translate: translate with a dict table costs ~0.6 µs per
# character on Arabic text (a Python-level lookup per character), while news text only has a few
# characters that change. The frequent ones go through str.replace, dropped marks through one
# substitution of runs, the rest (digits, rare letters) through a substitution that only sees
# them. Every mapping is to one character or none (checked here), so this is character by
# character the same as translate, and offsets only shift where something was dropped.
assert all(v is None or len(v) == 1 for v in _FOLD.values())
assert not any(v is not None and ord(v) in _FOLD for v in _FOLD.values())  # one pass suffices
_DROPPED_RUN = re.compile("[" + "".join(re.escape(chr(k)) for k, v in _FOLD.items() if v is None) + "]+")
_OTHER_MAPPED = re.compile(
    "["
    + "".join(re.escape(chr(k)) for k, v in _FOLD.items() if v is not None and chr(k) not in _FREQUENT_LETTERS)
    + "]+"
)


def _translate_run(m: re.Match) -> str:
    return m.group().translate(FOLD_TABLE)


def fold_letters(text: str) -> str:
    """text.translate(FOLD_TABLE), faster: the letter/digit rules (no NFKC, no punctuation)."""
    text = _DROPPED_RUN.sub("", _fold_frequent_letters(text))
    return _OTHER_MAPPED.sub(_translate_run, text)


# The letter rules over many texts at once: every UTF-16 unit of the joined texts through one lookup table
# in numpy (each rule maps a code point of the BMP to one BMP character or none, never "\n"; a surrogate
# pair maps to itself, so an astral character passes unchanged). A dropped unit's image is U+FFFF (no rule
# touches it), so one gather and one comparison fold a batch that holds no U+FFFF of its own.
_fold_images: list = []  # [UTF-16 unit -> its fold's unit, _DROPPED_UNIT where dropped; where dropped]
_DROPPED_UNIT = 0xFFFF


def fold_letters_many(texts: list[str]) -> list[str]:
    """[fold_letters(t) for t in texts], computed over all of them at once."""
    import numpy as np

    if not _fold_images:
        assert all(cp < 0x10000 and (out is None or ord(out) < 0x10000) for cp, out in _FOLD.items())
        assert _DROPPED_UNIT not in _FOLD and all(out is None or ord(out) != _DROPPED_UNIT for out in _FOLD.values())
        image, dropped = np.arange(0x10000, dtype=np.uint16), np.zeros(0x10000, dtype=bool)
        for cp, out in _FOLD.items():
            if out is None:
                dropped[cp] = True
                image[cp] = _DROPPED_UNIT
            else:
                image[cp] = ord(out)
        _fold_images.extend((image, dropped))
    try:
        units = np.frombuffer("\n".join(texts).encode("utf-16-le"), np.uint16)
    except UnicodeEncodeError:  # a lone surrogate: no UTF-16 for it
        return [fold_letters(t) for t in texts]
    image, dropped = _fold_images
    if (units == _DROPPED_UNIT).any():  # a U+FFFF of the text's own: told apart from a dropped unit
        folded = image[units][~dropped[units]]
    else:
        folded = image.take(units)
        folded = folded[folded != _DROPPED_UNIT]
    out = folded.tobytes().decode("utf-16-le").split("\n")
    return out if len(out) == len(texts) else [fold_letters(t) for t in texts]  # a text held a line break


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Apply the letter/digit rules char by char.

    Returns the folded text and, for each folded character, the index of the original
    character it came from (plus a final entry len(text) so end offsets map too).
    """
    return fold_letters(text), fold_offsets(text)


def fold_offsets(text: str) -> list[int]:
    """fold_with_offsets(text)[1], for a caller that has the folded text already."""
    # one-to-one except for dropped characters: offsets are ranges between the dropped runs
    offsets: list[int] = []
    prev = 0
    for m in _DROPPED_RUN.finditer(text):
        offsets.extend(range(prev, m.start()))
        prev = m.end()
    offsets.extend(range(prev, len(text) + 1))
    return offsets


def fold_dropped_runs(text: str) -> tuple[list[int], list[int]]:
    """fold_offsets(text) in short: the folded position of each run of dropped characters, in order, and the
    characters dropped up to it, that run included. fold_offsets(text)[i] is i plus the count of the last run
    at or before i (bisect), so a caller that maps a few positions back needs no list as long as the text."""
    at: list[int] = []
    dropped: list[int] = []
    count = 0
    for m in _DROPPED_RUN.finditer(text):
        at.append(m.start() - count)
        count += m.end() - m.start()
        dropped.append(count)
    return at, dropped


def norm_hash(text: str) -> int | None:
    """xxh64 of the normalized text, the key of paragraph dedup; None when nothing is left."""
    import xxhash

    norm = normalize_arabic(text)
    return xxhash.xxh64_intdigest(norm.encode("utf-8")) if norm else None
