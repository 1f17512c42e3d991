"""The dedup keys of a cleaned line."""

from __future__ import annotations

import xxhash

from akhbar.arabic import normalize_arabic
from akhbar.tasks.clean.doc import KEPT, Line


def paragraph_keys(line: Line, near_min_words: int | None, norm: str | None = None) -> tuple[int | None, str | None]:
    """The dedup keys of one line, from one normalization: the exact key (akhbar.arabic.norm_hash's
    xxh64 of the normalized text; None when nothing is left), and the normalized text when the line
    goes to the near-duplicate search (kept, at least near_min_words words; None = search off).
    `norm`: the line's normalize_arabic when already computed."""
    if norm is None:
        norm = normalize_arabic(line.text)
    norm_hash = xxhash.xxh64_intdigest(norm.encode("utf-8")) if norm else None
    if near_min_words and line.status == KEPT and norm.count(" ") + 1 >= near_min_words:
        return norm_hash, norm
    return norm_hash, None


def document_keys(
    lines: list[Line], norms: list[str | None], near_min_words: int | None
) -> tuple[list[int | None], list[tuple[int, str]]]:
    """paragraph_keys of every line of a document: the exact keys, and (position, normalized text) of
    the lines for the near-duplicate search. `norms`: normalize_arabic of each line where known
    (None: not computed; an empty list: none known)."""
    norms = [
        normalize_arabic(ln.text) if known is None else known for ln, known in zip(lines, norms or [None] * len(lines))
    ]
    hashes = [xxhash.xxh64_intdigest(n.encode("utf-8")) if n else None for n in norms]
    if not near_min_words:
        return hashes, []
    near = [
        (pos, n)
        for pos, (ln, n) in enumerate(zip(lines, norms))
        if ln.status == KEPT and n.count(" ") + 1 >= near_min_words
    ]
    return hashes, near


def shard_keys(
    lines: list[Line], norms: list[str | None], near_min_words: int | None
) -> tuple[list[str], list[int | None], list[int]]:
    """document_keys over the lines of many documents at once (`norms`: normalize_arabic of each line, None
    where not computed): the normalized texts, the exact keys, and the indexes of the lines for the
    near-duplicate search."""
    norms = [normalize_arabic(ln.text) if known is None else known for ln, known in zip(lines, norms)]
    hashes = [xxhash.xxh64_intdigest(n.encode("utf-8")) if n else None for n in norms]
    if not near_min_words:
        return norms, hashes, []
    near = [
        i for i, (ln, n) in enumerate(zip(lines, norms)) if ln.status == KEPT and n.count(" ") + 1 >= near_min_words
    ]
    return norms, hashes, near
