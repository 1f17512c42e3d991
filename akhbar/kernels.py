"""numba kernels compiled on first use and cached on disk across runs (the MinHash hashes, the code point passes)."""

from __future__ import annotations

import functools
from collections.abc import Callable


@functools.cache
def compiled(kernel: Callable) -> Callable:
    """`kernel` compiled by numba, cached on disk across runs. numba is imported on first use only: it
    holds ~90 MiB (LLVM) and ~0.2 s, which the processes that import a kernel's module and run none skip."""
    from numba import njit

    try:
        return njit(cache=True, nogil=True)(kernel)
    except RuntimeError:  # no writable cache folder (read-only install and home): compiled in each process
        return njit(nogil=True)(kernel)
