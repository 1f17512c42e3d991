"""The dedup keys of a cleaned line."""

from __future__ import annotations

import xxhash

from akhbar.arabic import normalize_arabic
from akhbar.tasks.clean.doc import KEPT, Line


def paragraph_keys(line: Line, near_min_words: int | None, norm: str | None = None) -> tuple[int | None, str | None]:
    """The dedup keys of one line (shard_keys of it alone): the exact key (akhbar.arabic.norm_hash's xxh64
    of the normalized text; None when nothing is left), and the normalized text when the line goes to the
    near-duplicate search (kept, at least near_min_words words; None = search off).
    `norm`: the line's normalize_arabic when already computed."""
    norms, hashes, near, _ = shard_keys([line], [norm], near_min_words)
    return hashes[0], norms[0] if near else None


def shard_keys(
    lines: list[Line], norms: list[str | None], near_min_words: int | None
) -> tuple[list[str], list[int | None], list[int], list[int]]:
    """The dedup keys of the lines of many documents at once (`norms`: normalize_arabic of each line, None
    where not computed): the normalized texts, the exact keys (xxh64 of the normalized text, None when nothing
    is left), the indexes of the lines for the near-duplicate search (kept, at least near_min_words words) and
    their words as MinHash counts them (spaces + 1, none in an empty text)."""
    norms = [normalize_arabic(ln.text) if known is None else known for ln, known in zip(lines, norms)]
    hashes = [xxhash.xxh64_intdigest(n.encode("utf-8")) if n else None for n in norms]
    if not near_min_words:
        return norms, hashes, [], []
    words = [n.count(" ") + 1 if ln.status == KEPT else 0 for ln, n in zip(lines, norms)]
    near = [i for i, w in enumerate(words) if w >= near_min_words]
    return norms, hashes, near, [words[i] if norms[i] else 0 for i in near]  # MinHash counts no word in ""
