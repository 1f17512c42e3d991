"""Decoding (tasks/ingest/decode.py): every encoding of the seeds, lying declarations, sanitize_text."""

from __future__ import annotations

from pathlib import Path

import pytest

from akhbar.tasks.ingest import (
    decode_bytes,
)
from tests.fixtures_bad_inputs import (
    ENCODING_VARIANTS,
    REFERENCE,
    build_encoding_corpora,
    seed_texts,
    single_byte_safe,
    to_html,
)
from tests.ingest.common import query, read_all, run


@pytest.mark.parametrize("codec", ["cp1256", "iso8859_6", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-8"])
def test_seeds_decode_in_every_encoding(codec):
    for name, text in seed_texts().items():
        text = single_byte_safe(text)
        decoded, how = decode_bytes(text.encode(codec))
        assert decoded == text, (name, codec, how)
        expected = {
            "cp1256": "windows-1256",
            "iso8859_6": "iso-8859-6",
            "utf-8-sig": "utf-8 (bom)",
            "utf-16": "utf-16",
            "utf-16-le": "utf-16le",
            "utf-16-be": "utf-16be",
            "utf-8": "utf-8",
        }[codec]
        assert how.startswith(expected), (name, how)


def test_lying_and_right_declarations():
    text = single_byte_safe(next(iter(seed_texts().values())))
    # A meta that says UTF-8 over windows-1256 bytes is a lie: detection decides.
    page = to_html(text, "utf-8").encode("cp1256")
    assert decode_bytes(page, is_html=True) == (to_html(text, "utf-8"), "windows-1256 (detected)")
    # windows-1256 declared over ISO-8859-6 bytes decodes without error but into mojibake.
    page = to_html(text, "windows-1256").encode("iso8859_6")
    assert decode_bytes(page, is_html=True)[1] == "iso-8859-6 (detected)"
    # A right declaration is taken as such; the HTTP header comes before the meta.
    assert decode_bytes(to_html(text, "windows-1256").encode("cp1256"), is_html=True)[1] == "windows-1256 (meta)"
    assert decode_bytes(text.encode("cp1256"), declared="windows-1256")[1] == "windows-1256 (http)"
    # UTF-8 bytes declared as a single-byte page.
    assert decode_bytes(text.encode("utf-8"), declared="windows-1256") == (text, "utf-8")
    # French in windows-1252 stays French (its accents are not Arabic mojibake).
    french = "Le ministère a annoncé l'ouverture d'un hôpital très attendu à Genève. " * 3
    assert decode_bytes(french.encode("cp1252"), declared="windows-1252") == (french, "windows-1252 (http)")


@pytest.fixture(scope="module")
def encoding_runs(tmp_path_factory):
    """Every encoding variant and the UTF-8 references, each through the real pipeline into its own
    output folder (separate folders: the copies would otherwise be each other's duplicates)."""
    root = tmp_path_factory.mktemp("encodings")
    folders = build_encoding_corpora(root / "in")
    outs = {}
    for variant, folder in folders.items():
        out = root / "out" / variant
        summary = run([folder], out)
        assert summary["published"], variant
        outs[variant] = out
    return outs


def _texts(out: Path) -> dict[str, tuple[str, str]]:
    rows = query(out, "SELECT coalesce(url, regexp_extract(source_uri, '[^/]+$')), text, encoding FROM documents")
    # Key by the file stem (txt/html) or URL (WARC), so .txt and .html of a seed compare.
    return {Path(k).stem: (t, e) for k, t, e in rows}


@pytest.mark.integration
@pytest.mark.parametrize("variant", sorted(ENCODING_VARIANTS))
def test_encoded_seeds_give_the_same_documents_text(encoding_runs, variant):
    kind = ENCODING_VARIANTS[variant][0]
    ref = _texts(encoding_runs[REFERENCE[kind]])
    got = _texts(encoding_runs[variant])
    assert len(ref) == 5 and set(got) == set(ref)
    for key, (text, _enc) in ref.items():
        assert text.strip(), (key, "the reference has no kept text: the comparison would prove nothing")
        assert got[key][0] == text, (variant, key, got[key][1])
    assert query(encoding_runs[variant], "SELECT count(*) FROM rejects") == [(0,)]
    codec = ENCODING_VARIANTS[variant][1]
    label = {
        "cp1256": "windows-1256",
        "iso8859_6": "iso-8859-6",
        "utf-16": "utf-16",
        "utf-16-le": "utf-16le",
        "utf-16-be": "utf-16be",
        "utf-8-sig": "utf-8",
    }[codec]
    encodings = {e for _t, e in got.values()}
    assert all(e.startswith(label) for e in encodings), encodings


def test_control_characters_and_surrogates_are_cleaned(tmp_path):
    p = tmp_path / "c.jsonl"
    p.write_text(
        '{"text": "\\u0000\\u0007 نص \\ud800 عربي \\u000b سطر", "url": "https://x.example/1"}\n', encoding="utf-8"
    )
    (rec,), rejs = read_all(p)
    assert not rejs and rec.content == " نص \ufffd عربي \n سطر"
    rec.content.encode("utf-8")  # storable


_ODD_CHARS = [chr(c) for c in [*range(0, 40), 0x7F, 0x80, 0x9F, 0x627, 0xD800, 0xDC00, 0xFEFF, 0x1F600]]


def test_sanitize_text_drops_controls_and_replaces_surrogates():
    from akhbar.tasks.ingest import sanitize_text

    assert sanitize_text("نص\x00 عربي\x07") == "نص عربي"
    assert sanitize_text("a\x0bb\x0cc\td\re\n") == "a\nb\nc\td\re\n"
    assert sanitize_text("x\ud800y") == "x\ufffdy"
    clean = "خبر عاجل\tمع\nسطر"
    assert sanitize_text(clean) is clean  # the fast path returns the text itself


def test_sanitize_text_fast_path_agrees_with_the_rules():
    # the byte-level shortcut must give what the character rules give, on any mix of odd characters
    from hypothesis import given
    from hypothesis import strategies as st

    from akhbar.tasks.ingest.decode import _CONTROLS, sanitize_text

    def by_rules(text: str) -> str:
        text = _CONTROLS.sub("", text).replace("\x0b", "\n").replace("\x0c", "\n")
        if any("\ud800" <= ch <= "\udfff" for ch in text):
            text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return text

    @given(st.lists(st.sampled_from(_ODD_CHARS), max_size=12).map("".join))
    def check(text):
        assert sanitize_text(text) == by_rules(text)

    check()
