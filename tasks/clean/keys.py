"""The dedup keys of a cleaned line."""

from __future__ import annotations

import xxhash

from akhbar.arabic import normalize_arabic
from akhbar.tasks.clean.doc import KEPT, Line


def paragraph_keys(line: Line, near_min_words: int | None) -> tuple[int | None, str | None]:
    """The dedup keys of one line, from one normalization: the exact key (akhbar.arabic.norm_hash's
    xxh64 of the normalized text; None when nothing is left), and the normalized text when the line
    goes to the near-duplicate search (kept, at least near_min_words words; None = search off)."""
    norm = normalize_arabic(line.text)
    norm_hash = xxhash.xxh64_intdigest(norm.encode("utf-8")) if norm else None
    if near_min_words and line.status == KEPT and norm.count(" ") + 1 >= near_min_words:
        return norm_hash, norm
    return norm_hash, None
