"""The per-document time limit (akhbar/limits.py), which the clean stage uses."""

from __future__ import annotations

import math
import os
import threading
import time


def test_time_limit_kills_the_slow_item_and_goes_on():
    from akhbar.limits import TimeLimitExceeded, map_with_time_limit

    got = list(map_with_time_limit(time.sleep, [0.0, 60.0, 0.0, 0.01], seconds=1.0))
    assert [item for item, _ in got] == [0.0, 60.0, 0.0, 0.01]
    assert got[0][1] is None and got[2][1] is None and got[3][1] is None
    assert isinstance(got[1][1], TimeLimitExceeded)


def _busy(seconds: float) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:  # pure Python work, no sleep to interrupt
        pass
    return "done"


def test_time_limit_on_the_main_thread_runs_in_process():
    # The quick path: a SIGALRM timer stops a busy item inside this process; the next items run,
    # exceptions come back as results, and the process's alarm state is left as it was.
    import signal

    from akhbar.limits import TimeLimitExceeded, map_with_time_limit

    before = signal.getsignal(signal.SIGALRM)
    t0 = time.monotonic()
    got = list(map_with_time_limit(_busy, [0.0, 30.0, 0.05], seconds=0.5))
    assert time.monotonic() - t0 < 10
    assert got[0][1] == "done" and got[2][1] == "done"
    assert isinstance(got[1][1], TimeLimitExceeded)
    assert isinstance(list(map_with_time_limit(math.sqrt, [-1.0], seconds=1))[0][1], ValueError)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == before
    # forced to the child process, the same items give the same results
    got = list(map_with_time_limit(_busy, [0.0, 30.0], seconds=0.5, in_process=False))
    assert got[0][1] == "done" and isinstance(got[1][1], TimeLimitExceeded)


def test_time_limit_in_a_worker_thread_with_errors_and_crashes():
    # A Prefect worker thread: signals are not available there, the child process still works.
    from akhbar.limits import TimeLimitExceeded, WorkerDied, map_with_time_limit

    out = {}

    def work():
        out["math"] = list(map_with_time_limit(math.sqrt, [4.0, -1.0, 9.0], seconds=5))
        out["crash"] = list(map_with_time_limit(os._exit, [3, 4], seconds=5))
        out["slow"] = list(map_with_time_limit(time.sleep, [30.0, 0.0], seconds=0.5))

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert [r for _i, r in out["math"]][::2] == [2.0, 3.0]
    assert isinstance(out["math"][1][1], ValueError)
    assert all(isinstance(r, WorkerDied) for _i, r in out["crash"])
    assert isinstance(out["slow"][0][1], TimeLimitExceeded) and out["slow"][1][1] is None


def test_time_limit_off_runs_inline():
    from akhbar.limits import map_with_time_limit

    assert [r for _i, r in map_with_time_limit(math.sqrt, [4.0, 16.0], seconds=None)] == [2.0, 4.0]
    assert isinstance(list(map_with_time_limit(math.sqrt, [-1.0], seconds=0))[0][1], ValueError)
