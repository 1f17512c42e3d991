"""A per-process table from code point to a small value, each code point classified the first time it is met."""

from __future__ import annotations

from collections.abc import Callable

from akhbar.kernels import compiled

_CODE_POINTS = 0x110000


def _unseen_kernel(cps, table, unseen, out) -> int:
    """The code points of `cps` the table holds `unseen` for into `out` (repeats too); how many."""
    n = 0
    for cp in cps:
        if table[cp] == unseen:
            out[n] = cp
            n += 1
    return n


class CodePointTable:
    """table(cps) -> classify(cp) for every code point of the uint32 array `cps`, as an array of `dtype`;
    table.run(kernel, cps, ...) passes the table itself to a numba kernel that reads it.

    The table (one entry per code point, allocated on first use) starts at `unseen`; a corpus uses a
    few hundred distinct characters, so classify runs a few hundred times per process."""

    def __init__(self, classify: Callable[[int], int], dtype, unseen: int):
        self._classify = classify
        self._dtype = dtype
        self._unseen = unseen
        self._table = None

    def __call__(self, cps):
        found = self._array()[cps]
        unseen = found == self._unseen
        if unseen.any():
            self._fill(cps[unseen])
            found = self._table[cps]
        return found

    def run(self, kernel: Callable, cps, *args) -> int:
        """compiled(kernel)(cps, table, unseen, *args): a kernel that returns -1 when it meets a code point
        the table holds `unseen` for, else a count >= 0. Then those code points are classified and it runs
        again (once: every code point of `cps` is known then)."""
        import numpy as np

        run = compiled(kernel)
        found = run(cps, self._array(), self._unseen, *args)
        if found < 0:
            unseen = np.empty(len(cps), cps.dtype)
            self._fill(unseen[: compiled(_unseen_kernel)(cps, self._table, self._unseen, unseen)])
            found = run(cps, self._table, self._unseen, *args)
        return found

    def _array(self):
        import numpy as np  # on first use: importing akhbar.arabic stays light

        if self._table is None:
            self._table = np.full(_CODE_POINTS, self._unseen, self._dtype)
        return self._table

    def _fill(self, cps) -> None:
        import numpy as np

        for cp in np.unique(cps).tolist():
            self._table[cp] = self._classify(cp)
