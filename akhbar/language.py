"""Language of a document's kept text: `detect_language(text) -> 'ar' | 'en' | 'fr' | ... | 'und'`.

py3langid (a maintained fork of langid.py; its model ships inside the wheel, no download at run
time) classifies ~100 languages in well under a millisecond for a news page once the model is loaded
(once per process, on first use: akhbar.langid_model). Only a prefix of the text is read: language does
not change half-way through an article, and the cost stays flat for huge pages. The script counts
read 3,000 characters; the classifier, whose cost grows with its input, reads 1,000 (3 ms -> 1 ms a
page; the same language on all 242 dev HTML pages and on 7,999 of 8,000 corpus articles, the other
an 'ary' that became 'ar').

Text with too few letters to tell returns 'und'. If py3langid is not installed the module falls back
to a script heuristic (Arabic script -> 'ar', Latin script -> 'en' when English stopwords dominate,
else 'und'), so the pipeline still runs.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import numpy as np

from akhbar.codepoints import CodePointTable

MIN_LETTERS = 20  # fewer letters than this: 'und'
SAMPLE_CHARS = 3000  # script counts on this prefix only
CLASSIFY_CHARS = 1000  # the classifier on this prefix only

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
# Letters of Persian, Urdu, Kurdish and Pashto that Arabic does not use (ی and ک included: they
# are among the most frequent Persian letters; Arabic typed on a Persian keyboard shows a few).
_NON_ARABIC_LETTERS = re.compile(
    r"[\u067E\u0686\u0698\u06AF\u06A9\u06CC\u06D2\u0679\u0688\u0691\u06BA\u06BE\u06C0\u06D5\u06CE\u06C6\u06B5]"
)
ARABIC_SHORTCUT_SHARE = 0.9  # Arabic-script share of letters above which...
NON_ARABIC_LETTER_SHARE = 0.02  # ...and Persian/Urdu letters below which the text is Arabic
_EN_STOP = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "is",
        "that",
        "for",
        "on",
        "with",
        "as",
        "was",
        "by",
        "at",
        "from",
        "this",
        "are",
        "be",
        "it",
        "has",
        "have",
    ]
)

# Per code point, its class bits (1: a letter, 2: Arabic script, 4: a Persian/Urdu letter) by the three
# patterns above, _UNSEEN until met (a corpus uses a few hundred distinct characters).
_UNSEEN = 255


def _class_bits(cp: int) -> int:
    ch = chr(cp)
    return (
        (_LETTER.match(ch) is not None)
        | (_ARABIC.match(ch) is not None) << 1
        | (_NON_ARABIC_LETTERS.match(ch) is not None) << 2
    )


_classes = CodePointTable(_class_bits, np.uint8, _UNSEEN)


def _script_counts_kernel(cps, table, unseen, lengths, counts) -> int:
    """Per sample (`lengths` characters each, one after the other in `cps`): its characters of each class bit
    into counts[sample]; -1 at a code point the table has not classified (`unseen` holds every bit)."""
    at = 0
    for i in range(len(lengths)):
        letters = arabic = other = seen = 0
        for j in range(at, at + lengths[i]):
            c = table[cps[j]]
            seen |= c
            letters += c & 1
            arabic += c >> 1 & 1
            other += c >> 2 & 1
        if seen == unseen:
            return -1
        counts[i, 0], counts[i, 1], counts[i, 2] = letters, arabic, other
        at += lengths[i]
    return 0


def _script_counts_many(samples: list[str]) -> list[tuple[int, int, int]]:
    """_script_counts of each sample, over all of them in one numba pass (a table lookup per character)."""
    lengths = np.fromiter(map(len, samples), np.int64, len(samples))
    counts = np.zeros((len(samples), 3), np.int64)
    cps = np.frombuffer("".join(samples).encode("utf-32-le", "surrogatepass"), np.uint32)
    _classes.run(_script_counts_kernel, cps, lengths, counts)
    return list(map(tuple, counts.tolist()))


def _script_counts(sample: str) -> tuple[int, int, int]:
    """(letters, Arabic-script characters, Persian/Urdu letters) in the sample: the counts of
    _LETTER, _ARABIC and _NON_ARABIC_LETTERS matches, found by a table of each character's classes
    (three findall passes over 3,000 characters cost 0.2 ms a document, a quarter of the clean stage)."""
    return _script_counts_many([sample])[0]


_lock = threading.Lock()
_identifier = None
_unavailable = False


def _model():
    global _identifier, _unavailable
    if _identifier is None and not _unavailable:
        with _lock:  # one load per process even when a Prefect worker runs tasks in threads
            if _identifier is None and not _unavailable:
                try:
                    from akhbar.langid_model import load_identifier

                    _identifier = load_identifier()  # once, under the lock
                except Exception:
                    _unavailable = True
    return _identifier


def preload() -> Callable[[], None]:
    """Load the classifier's model now (in a parent, so forked workers share it instead of each
    spending 0.1-0.4 s and 75 MiB loading it: bench/vs_datatrove.py); returns the call that drops it,
    or does nothing when the model was loaded before (this process keeps it: reloading it for each
    run of a long-lived process cost ~0.4 s a run, bench/html_vs_trafilatura.py)."""
    if _identifier is not None:
        return _keep
    _model()
    return _unload


def _keep() -> None:
    pass


def _unload() -> None:
    global _identifier
    with _lock:
        _identifier = None


def detect_language(text: str | None) -> str:
    """ISO 639-1 code of the text's language, or 'und' when it is too short (or empty) to tell."""
    return detect_languages([text])[0]


def detect_languages(texts: list[str | None]) -> list[str]:
    """detect_language of each text; the script counts of all of them in one numba pass (a shard's documents)."""
    samples = [text[:SAMPLE_CHARS] if text else "" for text in texts]
    return [_decide(sample, *counts) for sample, counts in zip(samples, _script_counts_many(samples))]


def _decide(sample: str, letters: int, arabic: int, non_arabic: int) -> str:
    if letters < MIN_LETTERS:  # an empty sample too
        return "und"
    # Most documents here are plainly Arabic: the script says so for a fraction of the classifier's
    # cost (it took two thirds of the clean stage); anything less clear-cut goes to the classifier.
    if arabic >= ARABIC_SHORTCUT_SHARE * letters and non_arabic < NON_ARABIC_LETTER_SHARE * arabic:
        return "ar"
    model = _model()
    if model is None:
        return _heuristic(sample, letters, arabic)
    lang, _score = model.classify(sample[:CLASSIFY_CHARS])
    return str(lang)


def _heuristic(sample: str, letters: int, arabic: int) -> str:
    if arabic >= letters / 2:
        return "ar"
    words = re.findall(r"[a-z]+", sample.lower())
    if words and sum(w in _EN_STOP for w in words) / len(words) > 0.1:
        return "en"
    return "und"
