"""Language detection (akhbar/language.py), which the clean stage uses."""

from __future__ import annotations

import threading

from tests.fixtures_bad_inputs import (
    ARABIC,
    seed_texts,
)


def test_detect_language():
    from akhbar.language import detect_language

    assert detect_language(ARABIC) == "ar"
    assert detect_language("The ministry of health announced today the opening of a new hospital in the city.") == "en"
    assert detect_language("Le ministère de la santé a annoncé aujourd'hui l'ouverture d'un nouvel hôpital.") == "fr"
    assert detect_language("خبر") == "und"
    assert detect_language("") == "und" and detect_language(None) == "und"
    assert detect_language("12345 67890 ... !!! 2024-05-01") == "und"
    for text in seed_texts().values():
        assert detect_language(text) == "ar"
    # Arabic script is not Arabic language: the script shortcut must leave these to the classifier
    assert detect_language("این یک متن فارسی است که برای آزمایش تشخیص زبان نوشته شده است و باید فارسی باشد") == "fa"
    assert detect_language("یہ ایک اردو متن ہے جو زبان کی شناخت کے لیے لکھا گیا ہے اور اسے اردو ہونا چاہیے") == "ur"


def test_script_counts_equal_the_pattern_counts():
    # the per-character table must count exactly what the three patterns match
    from akhbar import language

    samples = list(seed_texts().values()) + [
        ARABIC,
        "abc ١٢٣ ² ½ _ ـــ مَرحبًا ﻻ ﷲ",
        "پچژگکی ہے",
        "Ünïcödé ß ǅ Ⅻ 𝔸𝔹",
        "\ud800 lone surrogate",
        "",
    ]
    for text in samples:
        expected = (
            len(language._LETTER.findall(text)),
            len(language._ARABIC.findall(text)),
            len(language._NON_ARABIC_LETTERS.findall(text)),
        )
        assert language._script_counts(text) == expected, text[:40]
    # and over many samples at once, empty ones among them (the clean stage's shard path)
    assert language._script_counts_many(samples + [""]) == [language._script_counts(t) for t in samples + [""]]


def test_detect_languages_of_a_shard_equal_one_at_a_time():
    from akhbar.language import detect_language, detect_languages

    texts = [*seed_texts().values(), ARABIC, "", None, "خبر", "The ministry of health announced today a new hospital."]
    texts.append("این یک متن فارسی است که برای آزمایش تشخیص زبان نوشته شده است و باید فارسی باشد")
    assert detect_languages(texts) == [detect_language(t) for t in texts]
    assert detect_languages([]) == []


def test_detect_language_from_threads():
    from akhbar.language import detect_language

    results = []
    threads = [threading.Thread(target=lambda: results.append(detect_language(ARABIC))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["ar"] * 4
