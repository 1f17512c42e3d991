"""The language model read through the user's cache (akhbar/langid_model.py) is py3langid's own model."""

from __future__ import annotations

import pytest

from tests.fixtures_bad_inputs import ARABIC, seed_texts

TEXTS = [
    ARABIC,
    *list(seed_texts().values())[:3],
    "The ministry of health announced today the opening of a new hospital in the city.",
    "Le ministère de la santé a annoncé aujourd'hui l'ouverture d'un nouvel hôpital.",
    "این یک متن فارسی است که برای آزمایش تشخیص زبان نوشته شده است",
    "یہ ایک اردو متن ہے جو زبان کی شناخت کے لیے لکھا گیا ہے",
    "",
    "12345 !!!",
]


@pytest.fixture(scope="module")
def stock_ranks():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    stock = LanguageIdentifier.from_model_file(MODEL_FILE)
    return [stock.rank(text) for text in TEXTS]


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "akhbar"


def _cached_files(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_first_load_writes_the_cache_and_later_loads_read_it(cache_home, stock_ranks, monkeypatch):
    from akhbar import langid_model

    first = langid_model.load_identifier()
    assert [first.rank(t) for t in TEXTS] == stock_ranks
    (cached,) = _cached_files(cache_home)
    assert cached.startswith("py3langid-") and cached.endswith(".zst")

    def no_packaged_read(path):
        raise AssertionError(f"read {path} although the cache holds the model")

    monkeypatch.setattr(langid_model, "_read_packaged", no_packaged_read)
    again = langid_model.load_identifier()
    assert [again.rank(t) for t in TEXTS] == stock_ranks


def test_a_damaged_cache_is_read_past_and_rewritten(cache_home, stock_ranks):
    from akhbar import langid_model

    langid_model.load_identifier()
    (cached,) = cache_home.iterdir()
    whole = cached.read_bytes()
    for damaged in (whole[: len(whole) // 2], b"", b"\xff" * 64, whole[:4] + b"{not json" + whole[13:]):
        cached.write_bytes(damaged)
        identifier = langid_model.load_identifier()
        assert [identifier.rank(t) for t in TEXTS] == stock_ranks
        assert cached.read_bytes() == whole


def test_an_unwritable_cache_folder_still_loads_the_model(tmp_path, monkeypatch, stock_ranks):
    from akhbar import langid_model

    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(not_a_folder))
    identifier = langid_model.load_identifier()
    assert [identifier.rank(t) for t in TEXTS] == stock_ranks
    assert not_a_folder.read_text() == ""
