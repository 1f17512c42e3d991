"""A per-item time limit that works anywhere: in the main thread, a Prefect worker thread, a Dask
worker (a daemon process, which may not fork multiprocessing children) or a process pool.

On the main thread of a process (the CLI's quick path and its forked pool workers) the items run
in this process under a SIGALRM timer: the alarm raises inside the item's Python code, which is
then reported as TimeLimitExceeded. That costs nothing per item; the one limit is that a single
C call that never returns to Python (a pathological regex in a C extension) is stopped only when
it returns.

Signals only work in the main thread, and a Python thread cannot be stopped, so elsewhere the work
runs in a child process started with `subprocess` (allowed everywhere, unlike multiprocessing in a
daemon process). Items go to the child one at a time over a pipe; when one is not done within the
limit, the child is killed, the item is reported as TimeLimitExceeded, and a fresh child takes the
next item. A child that dies (segfault, out of memory) costs only the item it was working on. That
path pays a child's start-up and imports (about 0.6 s for the clean stage) and pickling every item
across, which on the HTML path was a fifth of the stage.

    from akhbar.limits import map_with_time_limit, TimeLimitExceeded
    for item, result in map_with_time_limit(fn, items, seconds=30):
        if isinstance(result, TimeLimitExceeded): ...   # over the limit
        elif isinstance(result, Exception): ...         # fn raised (or the child died)
        else: ...                                        # fn(item)

`fn` must be importable by name (a module-level function) and items/results picklable (for the
child). The child pays the imports of fn's module once (and again after each kill). With seconds
None or <= 0 the items run in this process, with no limit. `in_process=False` forces the child.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_HEADER = struct.Struct("<Q")
STARTUP_SECONDS = 120.0  # a fresh child importing the extractor, before an item's clock starts


class TimeLimitExceeded(Exception):
    """The item took longer than the limit; its worker process was killed."""

    def __init__(self, seconds: float):
        super().__init__(f"over the time limit of {seconds:g} s")
        self.seconds = seconds


class WorkerDied(Exception):
    """The child process died while working on the item (crash, out of memory, killed)."""


def map_with_time_limit(
    fn: Callable[[Any], Any], items: Iterable[Any], seconds: float | None, in_process: bool = True
) -> Iterator[tuple[Any, Any]]:
    """Yield (item, fn(item) | TimeLimitExceeded | Exception) for each item, in order."""
    if not seconds or seconds <= 0:
        for item in items:
            try:
                yield item, fn(item)
            except Exception as exc:
                yield item, exc
        return
    if in_process and _alarm_usable():
        yield from _map_with_alarm(fn, items, float(seconds))
        return
    with TimeLimitedWorker(fn, seconds) as worker:
        for item in items:
            yield item, worker.run(item)


class _Alarm(BaseException):
    """Raised by the SIGALRM handler inside the item (BaseException: fn's `except Exception` keeps out)."""


def _alarm_usable() -> bool:
    # the main thread only, and no other timer of this process running (we would replace it)
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)
    )


def _map_with_alarm(fn: Callable[[Any], Any], items: Iterable[Any], seconds: float) -> Iterator[tuple[Any, Any]]:
    armed = [False]

    def on_alarm(signum, frame):
        if armed[0]:  # an alarm that lands after the item finished is ignored
            armed[0] = False
            raise _Alarm()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        for item in items:
            try:
                armed[0] = True
                signal.setitimer(signal.ITIMER_REAL, seconds)
                result = fn(item)
                armed[0] = False
            except _Alarm:
                result = TimeLimitExceeded(seconds)
            except Exception as exc:
                result = exc
            finally:
                armed[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
            yield item, result
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class TimeLimitedWorker:
    """One child process running `fn`, restarted after a kill. Use as a context manager."""

    def __init__(self, fn: Callable[[Any], Any], seconds: float):
        self.fn_ref = (fn.__module__, fn.__qualname__)
        if "<" in fn.__qualname__:
            raise ValueError(f"{fn!r} is not importable by name (use a module-level function)")
        self.seconds = float(seconds)
        self.proc: subprocess.Popen | None = None
        self.restarts = 0

    def __enter__(self) -> TimeLimitedWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        env = dict(os.environ)
        # The child imports fn's module the way this process did.
        env["PYTHONPATH"] = os.pathsep.join([p for p in sys.path if p] + [env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from akhbar.limits import _child_main; _child_main()", *self.fn_ref],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )

    def _kill(self) -> None:
        if self.proc is not None:
            try:
                self.proc.kill()
            except OSError:
                pass
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self.proc = None

    def close(self) -> None:
        if self.proc is not None:
            try:
                self.proc.stdin.close()  # the child exits on end of input
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
            self._kill()

    def run(self, item: Any) -> Any:
        """fn(item), or the exception it raised, or TimeLimitExceeded / WorkerDied."""
        if self.proc is None:
            self._start()
        # The clock starts after the child is up: a slow import is not the item's fault.
        payload = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc.stdin.write(_HEADER.pack(len(payload)) + payload)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self._kill()
            self.restarts += 1
            return WorkerDied("worker process died before taking the item")
        # Until the child says it has started on the item (after importing fn's module, which for
        # the clean stage takes seconds), allow STARTUP_SECONDS; from then on, the limit.
        started = self._read_frame(time.monotonic() + max(STARTUP_SECONDS, self.seconds))
        if not isinstance(started, Exception):
            reply = self._read_frame(time.monotonic() + self.seconds)
        else:
            reply = started
        if isinstance(reply, Exception):
            self._kill()
            self.restarts += 1
            return reply
        try:
            _ok, value = pickle.loads(reply)
        except Exception as exc:
            return WorkerDied(f"unreadable reply from worker: {exc}")
        return value

    def _read_frame(self, deadline: float) -> bytes | Exception:
        head = self._read_exact(_HEADER.size, deadline)
        if isinstance(head, Exception):
            return head
        (n,) = _HEADER.unpack(head)
        return self._read_exact(n, deadline) if n else b""

    def _read_exact(self, n: int, deadline: float) -> bytes | Exception:
        fd = self.proc.stdout.fileno()
        buf = bytearray()
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return TimeLimitExceeded(self.seconds)
            chunk = os.read(fd, min(n - len(buf), 1 << 20))
            if not chunk:
                try:
                    code = self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    code = None
                return WorkerDied(f"worker process died (exit code {code})")
            buf += chunk
        return bytes(buf)


def _child_main() -> None:
    """Child side: read (length, pickled item) frames from stdin, answer (length, pickled (ok, value))."""
    import importlib

    module_name, qualname = sys.argv[1], sys.argv[2]
    # Keep the protocol on a private descriptor; anything fn prints goes to stderr, not the pipe.
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    inp = sys.stdin.buffer
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    fn = obj
    while True:
        head = inp.read(_HEADER.size)
        if len(head) < _HEADER.size:
            return
        (n,) = _HEADER.unpack(head)
        item = pickle.loads(inp.read(n))
        out.write(_HEADER.pack(0))  # started: the parent's clock for this item starts now
        try:
            reply = (True, fn(item))
        except Exception as exc:
            reply = (False, exc)
        try:
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            data = pickle.dumps((False, RuntimeError(f"{type(reply[1]).__name__}: {reply[1]}")))
        out.write(_HEADER.pack(len(data)) + data)
