"""A per-process table from code point to a small value, each code point classified the first time it is met."""

from __future__ import annotations

from collections.abc import Callable

_CODE_POINTS = 0x110000


class CodePointTable:
    """table(cps) -> classify(cp) for every code point of the uint32 array `cps`, as an array of `dtype`.

    The table (one entry per code point, allocated on first use) starts at `unseen`; a corpus uses a
    few hundred distinct characters, so classify runs a few hundred times per process."""

    def __init__(self, classify: Callable[[int], int], dtype, unseen: int):
        self._classify = classify
        self._dtype = dtype
        self._unseen = unseen
        self._table = None

    def __call__(self, cps):
        import numpy as np  # on first use: importing akhbar.arabic stays light

        if self._table is None:
            self._table = np.full(_CODE_POINTS, self._unseen, self._dtype)
        found = self._table[cps]
        unseen = found == self._unseen
        if unseen.any():
            for cp in np.unique(cps[unseen]).tolist():
                self._table[cp] = self._classify(cp)
            found = self._table[cps]
        return found
