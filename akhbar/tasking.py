"""Thin Prefect task wrappers for the stage functions, built on first use.

A stage module declares `clean_task = StageTask(clean_shard, name="clean", retries=1)`. The quick
local path and the time-limit child processes call `.fn` and never import Prefect (about 2 s);
the flow calls `.map(...)`/`(...)`, which builds the real `prefect.Task` once. Stage tasks take a
run folder and shard ids, never big data, so they run without a cache policy (no input hashing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class StageTask:
    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        name: str,
        retries: int = 0,
        retry_delay_seconds: list[float] | None = None,
        preload: Callable[[], Callable[[], None]] | None = None,
    ):
        self.fn = fn
        self.name = name
        # Loads read-only state once in the parent before a forked pool starts (its workers share the
        # pages); returns the call that frees it when the stage is done. Only the local pool uses it.
        self.preload = preload
        self._options = {"name": name, "retries": retries, "retry_delay_seconds": retry_delay_seconds or [2, 10]}
        self._task = None

    @property
    def task(self):
        if self._task is None:
            from prefect import task
            from prefect.cache_policies import NONE

            self._task = task(self.fn, cache_policy=NONE, **self._options)
        return self._task

    def __call__(self, *args, **kwargs):
        return self.task(*args, **kwargs)

    def map(self, *args, **kwargs):
        return self.task.map(*args, **kwargs)

    def __reduce__(self):
        return _rebuild, (self.fn, self._options, self.preload)


def _rebuild(fn, options, preload=None):
    return StageTask(fn, preload=preload, **options)
