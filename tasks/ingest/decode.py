"""Decoding: the bytes of a page or record into text (BOM, declared charset, detection), and sanitizing it.

Encodings: BOM, then the declared charset (HTTP header, then HTML meta) when it decodes cleanly and
does not look like mojibake, then UTF-8, UTF-16 without BOM, the Arabic code pages (windows-1256,
ISO-8859-6) scored on letters vs. mojibake, then charset-normalizer. The decision is written to
`documents.encoding` as '<encoding> (<how>)', how = bom | http | meta | detected.
"""

from __future__ import annotations

import codecs
import re

from akhbar import reasons
from akhbar.tasks.ingest.records import InputError

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32le"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32be"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16le"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16be"),
]
_META_CHARSET = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
# Mojibake markers: C1 controls and Latin-1 letters, which Arabic text (and text in a right
# single-byte page) almost never has; an Arabic page decoded with the wrong code page is full of them.
_ODD = re.compile(r"[\u0080-\u009F\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF\uFFFD]")
# Labels for documents.encoding (WHATWG names rather than Python codec names).
_LABELS = {
    "cp1256": "windows-1256",
    "iso8859-6": "iso-8859-6",
    "utf-8": "utf-8",
    "utf-16-le": "utf-16le",
    "utf-16-be": "utf-16be",
    "cp1252": "windows-1252",
    "latin-1": "iso-8859-1",
    "iso8859-1": "iso-8859-1",
    "ascii": "ascii",
    "cp720": "cp720",
    "cp864": "cp864",
    "mac-arabic": "x-mac-arabic",
}


def _label(codec_name: str) -> str:
    name = codecs.lookup(codec_name).name
    if name.startswith("cp12"):
        return "windows-" + name[2:]
    return _LABELS.get(name, name)


def decode_bytes(raw: bytes, *, declared: str | None = None, is_html: bool = False) -> tuple[str, str]:
    """Decode raw bytes; return (text, how): the encoding and how it was decided, e.g. 'windows-1256 (meta)'.

    Order: BOM; a declared charset (HTTP header, then HTML meta) if it decodes cleanly and does not
    look like mojibake; strict UTF-8; UTF-16 without BOM; the Arabic code pages scored on letters
    vs. mojibake; charset-normalizer. Raises InputError for binary or undecodable bytes.
    """
    for bom, codec, label in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), f"{label} (bom)"
            except UnicodeDecodeError:
                break  # a BOM followed by something else: let detection decide
    candidates: list[tuple[str, str]] = []
    if declared:
        candidates.append((declared, "http"))
    if is_html:
        m = _META_CHARSET.search(raw[:8192])
        if m:
            candidates.append((m.group(1).decode("ascii", "replace"), "meta"))
    for enc, how in candidates:
        try:
            norm = codecs.lookup(enc.strip().strip("\"'")).name
        except LookupError:
            continue
        if norm.startswith(("utf-16", "utf-32")):
            if how == "meta":
                norm = "utf-8"  # HTML spec: a meta can't declare UTF-16 (the meta itself is ASCII)
            elif b"\x00" not in raw[:4096]:
                continue
        try:
            text = raw.decode(norm)
        except UnicodeDecodeError:
            continue  # a lying declaration: fall through to detection
        if norm != "utf-8" and not _plausible_single_byte(raw, text):
            continue
        return text, f"{_label(norm)} ({how})"
    if b"\x00" in raw[:8192]:
        utf16 = _sniff_utf16(raw)
        if utf16:
            return utf16
        raise InputError(f"{reasons.BINARY} (NUL bytes)")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    arabic = _detect_arabic(raw)
    if arabic:
        return arabic
    return _detect_other(raw)


def _plausible_single_byte(raw: bytes, text: str) -> bool:
    """False when a single-byte declaration is evidently wrong (the bytes are UTF-8, or mojibake)."""
    if not raw.isascii():
        try:
            raw.decode("utf-8")
            return False  # real UTF-8 declared as a single-byte page
        except UnicodeDecodeError:
            pass
    odd = len(_ODD.findall(text))
    if not odd:
        return True
    letters = len(_ARABIC_LETTER.findall(text)) + len(_LATIN_LETTER.findall(text))
    if odd <= 0.02 * max(letters, 1):
        return True
    # Many Latin-1 letters: fine for French in windows-1252, not when an Arabic page decodes better.
    return _detect_arabic(raw) is None


def _detect_arabic(raw: bytes) -> tuple[str, str] | None:
    """windows-1256 or ISO-8859-6 when one of them yields mostly Arabic letters and no mojibake."""
    best = None
    for codec in ("cp1256", "iso8859_6"):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        arabic = len(_ARABIC_LETTER.findall(text))
        odd = len(_ODD.findall(text))
        latin = len(_LATIN_LETTER.findall(text))
        if arabic < 3 or arabic < 0.3 * (arabic + latin) or odd > 0.01 * arabic + 1:
            continue
        score = arabic - 20 * odd
        if best is None or score > best[0]:
            best = (score, text, codec)
    if best is None:
        return None
    return best[1], f"{_label(best[2])} (detected)"


_UTF16_TEXT = re.compile(
    r"[\t\n\r\x20-\x7e\u00a0-\u00ff\u0600-\u06ff\u0750-\u077f\u2000-\u206f\ufb50-\ufdff\ufe70-\ufeff]"
)


def _sniff_utf16(raw: bytes) -> tuple[str, str] | None:
    """UTF-16 without a BOM: the byte order that decodes into text of the scripts this corpus holds
    (Arabic, Latin, ASCII markup) with spaces between words; anything else is binary."""
    body = raw[: len(raw) // 2 * 2]
    best = None
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        sample = text[:4000]
        good = len(_UTF16_TEXT.findall(sample))
        spaces = sum(1 for ch in sample if ch in " \n")
        if sample and good >= 0.95 * len(sample) and spaces >= 0.02 * len(sample) and (best is None or good > best[0]):
            best = (good, text, codec)
    return (best[1], f"{_label(best[2])} (detected)") if best else None


def _detect_other(raw: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise InputError(reasons.UNDECODABLE_NO_FIT)
    text = str(best)
    if len(_ODD.findall(text[:20000])) > 0.2 * max(1, len(text[:20000])):
        raise InputError(reasons.UNDECODABLE_MOJIBAKE.format(encoding=best.encoding))
    return text, f"{_label(best.encoding)} (detected)"


_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0B, 0x0D), *range(0x0E, 0x20), 0x7F])  # + \x0b \x0c
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def sanitize_text(text: str) -> str:
    """Drop control characters (they carry no text and XML-based extractors refuse them) and
    replace lone surrogates (from JSON escapes), which cannot be stored as UTF-8."""
    try:
        # The common case at C speed, not a regex scan: no surrogate (the encode raises on one) and
        # none of the control bytes, which in UTF-8 only ever stand for themselves.
        encoded = text.encode("utf-8")
        if len(encoded.translate(None, _CONTROL_BYTES)) == len(encoded):
            return text
    except UnicodeEncodeError:
        pass
    text = _CONTROLS.sub("", text).replace("\x0b", "\n").replace("\x0c", "\n")
    if _SURROGATE.search(text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


# In strict JSON a string holds no raw control byte but DEL; these escapes are the others' only way in
_JSON_CONTROL_ESCAPE = re.compile(rb"\\[ubf]")


def json_needs_no_sanitizing(raw: bytes) -> bool:
    """True when every string of `raw`, a line a strict JSON parser accepted, is as sanitize_text leaves it:
    no raw DEL and no \\u, \\b or \\f escape (which alone can make a control character or a lone surrogate)."""
    return b"\x7f" not in raw and _JSON_CONTROL_ESCAPE.search(raw) is None
